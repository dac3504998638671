import createClient, { type Client } from 'openapi-fetch'
import type { components, paths } from './schema.js'

// The official TypeScript client of the tech-exchange API. The types are generated from
// openapi/openapi.json by openapi-typescript (src/schema.d.ts, kept fresh by a test); the calls go
// through openapi-fetch. What this file adds is only what every integrator would otherwise write:
// - the API key on every request;
// - safe retries: every write carries an Idempotency-Key, kept across its retries, so a retry
//   after a lost answer or a 503 gets the first answer again instead of writing twice; 429, 503
//   and a 409 idempotency_in_progress wait for Retry-After;
// - paging over nextCursor, and turning an error answer into a thrown ProblemError.

export type { components, paths }
/** The named schemas of the API: Schemas['Listing'], Schemas['CreateListingRequest'], Schemas['OrganizationKind'], ... */
export type Schemas = components['schemas']
export type Problem = Schemas['Problem']
export type TechExchangeClient = Client<paths>

export type ClientOptions = {
  /** The API's base URL, e.g. https://api.santechquocgia.vn (no /v1). */
  baseUrl: string
  /** An API key, txk_...; without one the client reads what is public. */
  apiKey?: string
  /** The language of problems' titles and details and of report labels (Accept-Language): vi (the server's default) or en. */
  language?: 'vi' | 'en'
  /** Attempts per request in all, the first included (default 3; 1 turns retries off). */
  maxAttempts?: number
  /** The longest single wait between attempts, in milliseconds (default 30,000). */
  maxWaitMs?: number
  /** The fetch to send with (default globalThis.fetch): for a proxy agent, or a test. */
  fetch?: (request: Request) => Promise<Response>
  /** How to wait (default setTimeout); a test can record the waits instead. */
  sleep?: (milliseconds: number) => Promise<void>
}

export function createTechExchangeClient(options: ClientOptions): TechExchangeClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    headers: {
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      ...(options.language ? { 'accept-language': options.language } : {}),
    },
    fetch: retrying(options),
  })
}

const defaultSleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds))

function retrying(options: ClientOptions) {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  const sleep = options.sleep ?? defaultSleep
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3)
  const maxWait = options.maxWaitMs ?? 30_000

  return async (request: Request): Promise<Response> => {
    const write = request.method !== 'GET' && request.method !== 'HEAD'
    // One key per intended operation, the same on every attempt of it. An operation that does not
    // take the header ignores it.
    if (write && !request.headers.has('idempotency-key')) request.headers.set('idempotency-key', globalThis.crypto.randomUUID())
    // A body can be read once; keep it for the attempts after the first.
    const bytes = write ? await request.arrayBuffer() : undefined
    const body = bytes && bytes.byteLength > 0 ? bytes : undefined
    for (let attempt = 1; ; attempt += 1) {
      const attemptRequest = new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal })
      let response: Response
      try {
        response = await send(attemptRequest)
      } catch (error) {
        // No answer (a reset connection, a timeout): a read is safe to repeat, and so is a write
        // under its Idempotency-Key.
        if (attempt >= maxAttempts || request.signal.aborted) throw error
        await sleep(Math.min(maxWait, backoff(attempt)))
        continue
      }
      if (attempt >= maxAttempts || !retryable(response)) return response
      await response.body?.cancel()
      await sleep(Math.min(maxWait, retryAfter(response) ?? backoff(attempt)))
    }
  }
}

/** 429 (rate limited), 503 (database unavailable) and 409 with Retry-After (the same key still running). */
const retryable = (response: Response) => response.status === 429 || response.status === 503 || (response.status === 409 && response.headers.has('retry-after'))

const retryAfter = (response: Response) => {
  const header = response.headers.get('retry-after')
  const seconds = header === null ? Number.NaN : Number(header)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
}

/** 0.5 s, 1 s, 2 s, ... with jitter, so many clients that failed together do not retry together. */
const backoff = (attempt: number) => 500 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)

/** An answer of the API that is not a success: its status and RFC 9457 problem document. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(`${status} ${problem.code ?? 'error'}: ${problem.detail ?? problem.title ?? 'request failed'}`)
    this.name = 'ProblemError'
  }
}

type Result<T> = { data?: T; error?: unknown; response: Response }

/** The data of a successful answer; a ProblemError for any other. */
export function unwrap<T>(result: Result<T>): T {
  if (result.data !== undefined) return result.data
  throw new ProblemError(result.response.status, (result.error ?? {}) as Partial<Problem>)
}

/**
 * Every item of a paged list, page after page, following nextCursor until it is null:
 * `for await (const listing of paginate((cursor) => client.GET('/v1/listings', { params: { query: { q, cursor } } })))`.
 * Not for the event feed, whose cursor never ends: poll it with `after` instead.
 */
export async function* paginate<T>(page: (cursor: string | undefined) => Promise<Result<{ items: T[]; nextCursor?: string | null }>>): AsyncGenerator<T> {
  let cursor: string | undefined
  do {
    const data = unwrap(await page(cursor))
    yield* data.items
    cursor = data.nextCursor ?? undefined
  } while (cursor !== undefined)
}
