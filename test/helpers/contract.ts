import { appendFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { sql } from 'drizzle-orm'
import addFormats from 'ajv-formats'
import { languageOf } from '../../src/http/language.ts'
import { toVietnamese } from '../../src/http/problem-text.ts'
import { titles } from '../../src/http/problem-text.vi.ts'

// The contract check: every response a test gets through app.inject() is held against the OpenAPI
// document the same app serves. Its status must be declared for the operation, its content type
// declared for that status, each header a client reads (ETag, Location, X-Request-Id, RateLimit-*,
// Retry-After, Idempotent-Replayed) declared for that status, and a JSON body must match the
// declared schema. A response that breaks it makes the inject() call throw, so the test that made
// the request fails and names the break. The whole suite is the sample: any status or header a
// test can provoke is checked, which a list of expected statuses written by hand would not be.
// With CONTRACT_LOG=<file> a break is appended there instead of thrown, to survey a whole run.

/** The response headers a generated client should be able to read with a type. */
export const clientHeaders = [
  'content-language',
  'etag',
  'location',
  'x-request-id',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'retry-after',
  'idempotent-replayed',
]

type MediaType = { schema?: unknown }
type Response = { content?: Record<string, MediaType>; headers?: Record<string, unknown> }
type Operation = { operationId?: string; responses?: Record<string, Response> }
type Document = { paths: Record<string, Record<string, Operation>> }

export class ContractBreak extends Error {}

/**
 * A problem answers in the language asked for (Vietnamese unless the request prefers English), says
 * which in Content-Language and varies on Accept-Language. An English problem to a request that did
 * not ask for English is a message missing from src/http/problem-text.vi.ts.
 */
function checkLanguage(response: LightMyRequestResponse, options: InjectOptions | string) {
  if (!/^application\/problem\+json/.test(String(response.headers['content-type'] ?? ''))) return
  const headers = typeof options === 'object' ? ((options.headers ?? {}) as Record<string, unknown>) : {}
  const asked = Object.entries(headers).find(([name]) => name.toLowerCase() === 'accept-language')?.[1]
  const expected = languageOf(typeof asked === 'string' ? asked : undefined)
  const given = response.headers['content-language']
  const vary = String(response.headers.vary ?? '').toLowerCase()
  let what: string | undefined
  if (given !== expected) what = `Content-Language is ${String(given)}, not ${expected}; untranslated: ${untranslated(response).join(' | ')}`
  else if (!vary.includes('accept-language')) what = `Vary does not name Accept-Language (${vary})`
  if (!what) return
  if (!process.env.CONTRACT_LOG) throw new ContractBreak(`The problem is not in the language asked for: ${what}`)
  appendFileSync(process.env.CONTRACT_LOG, `language\t${what}\n`)
}

/** The texts of an English problem that the Vietnamese catalogue lacks. */
function untranslated(response: LightMyRequestResponse): string[] {
  const problem = JSON.parse(response.body) as { title?: string; detail?: string; errors?: Array<{ detail?: string }> }
  const texts = [problem.detail, ...(problem.errors ?? []).map((error) => error.detail)].filter((text): text is string => typeof text === 'string')
  return [...(problem.title && !titles[problem.title] ? [problem.title] : []), ...texts.filter((text) => toVietnamese(text) === undefined)]
}

const documentPath = (route: string) => route.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')
const pointerPart = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1')

/** Installs the check on app.inject(), and returns the app; call before app.ready(). */
export function checkContract<App extends FastifyInstance>(app: App): App {
  // Which route answered each request, by its request id (every response carries X-Request-Id).
  const routes = new Map<string, { url?: string; method: string }>()
  app.addHook('onSend', async (request, reply) => {
    routes.set(String(reply.getHeader('x-request-id') ?? request.id), { url: request.routeOptions.url, method: request.method })
  })

  let document: Document | undefined
  let ajv: Ajv2020 | undefined
  const validators = new Map<string, ValidateFunction>()
  const validatorOf = (pointer: string) => {
    if (!ajv) {
      ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
      addFormats.default(ajv)
      ajv.addSchema(document as object, 'openapi')
    }
    let validate = validators.get(pointer)
    if (!validate) validators.set(pointer, (validate = ajv.compile({ $ref: `openapi#${pointer}` })))
    return validate
  }

  /** The operation's id when the answer keeps the contract (a break throws). */
  const check = (response: LightMyRequestResponse, options: InjectOptions | string): string | undefined => {
    checkLanguage(response, options)
    const requestId = String(response.headers['x-request-id'] ?? '')
    const route = routes.get(requestId)
    routes.delete(requestId)
    // Routes the document leaves out (the docs), routes a test adds (/test/...), and requests no route answered
    // (404 route_not_found, 405) have no operation to hold them to.
    if (!route?.url || route.method === 'OPTIONS' || route.url.startsWith('/test/')) return
    document ??= JSON.parse(JSON.stringify(app.swagger())) as Document
    const path = documentPath(route.url)
    const method = route.method === 'HEAD' ? 'get' : route.method.toLowerCase()
    const operation = document.paths[path]?.[method]
    if (!operation) return
    const where = `${route.method} ${path} -> ${response.statusCode}`
    const fail = (what: string): undefined => {
      if (!process.env.CONTRACT_LOG) throw new ContractBreak(`The response breaks the OpenAPI document: ${where}: ${what}`)
      appendFileSync(process.env.CONTRACT_LOG, `${where}\t${what}\n`)
    }

    const declared = operation.responses?.[String(response.statusCode)] ?? operation.responses?.default
    if (!declared) return fail(`status ${response.statusCode} is not declared (declared: ${Object.keys(operation.responses ?? {}).join(', ')})`)

    const declaredHeaders = new Set(Object.keys(declared.headers ?? {}).map((name) => name.toLowerCase()))
    for (const name of clientHeaders) {
      if (response.headers[name] !== undefined && !declaredHeaders.has(name)) fail(`header ${name} is sent but not declared`)
    }

    if (response.rawPayload.length === 0 || route.method === 'HEAD') return
    const mediaType = String(response.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
    const media = declared.content?.[mediaType]
    if (!media) return fail(`content type ${mediaType || '(none)'} is not declared (declared: ${Object.keys(declared.content ?? {}).join(', ') || 'none'})`)
    // application/json or a +json type; NDJSON is a file of JSON lines, not one document.
    if (!/^application\/(json|[\w.-]+\+json)$/.test(mediaType) || !media.schema) return
    const pointer = ['', 'paths', path, method, 'responses', String(response.statusCode), 'content', mediaType, 'schema'].map(pointerPart).join('/')
    const validate = validatorOf(
      declared === operation.responses?.default ? pointer.replace(`/responses/${response.statusCode}/`, '/responses/default/') : pointer,
    )
    if (!validate(JSON.parse(response.body))) {
      // With oneOf every member reports; the deepest error is the one that says what is wrong.
      const errors = [...(validate.errors ?? [])].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)
      const shown = errors.slice(0, 3).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params ?? {})}`)
      return fail(`the body does not match its schema: ${shown.join('; ')}`)
    }
    return operation.operationId
  }

  // With CONTRACT_EXAMPLES=<dir>, the first successful JSON exchange of each operation (of any
  // test process) is written there, for scripts/collect-examples.ts to make the document's examples.
  const keepExample = (operationId: string | undefined, options: InjectOptions | string, response: LightMyRequestResponse) => {
    const dir = process.env.CONTRACT_EXAMPLES
    if (!dir || !operationId || response.statusCode >= 300 || !/json/.test(String(response.headers['content-type']))) return
    const payload = typeof options === 'object' ? options.payload : undefined
    // A JSON body only: an upload's CSV or NDJSON is no example of a JSON schema.
    const request = typeof payload === 'string' ? parseJson(payload) : payload
    const example = {
      status: response.statusCode,
      request: typeof request === 'object' && request !== null ? request : undefined,
      response: JSON.parse(response.body) as unknown,
    }
    try {
      writeFileSync(path.join(dir, `${operationId}.${response.statusCode}.json`), JSON.stringify(example), { flag: 'wx' })
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error
    }
  }

  const inject = app.inject.bind(app) as (options?: InjectOptions | string, callback?: unknown) => Promise<LightMyRequestResponse>
  // Only the promise form is checked; the chained form (app.inject().get(...)) is left as it is.
  app.inject = ((options?: InjectOptions | string, callback?: unknown) => {
    if (options === undefined || callback !== undefined) return inject(options, callback)
    return inject(options).then((response) => {
      keepExample(check(response, options), options, response)
      return response
    })
  }) as typeof app.inject

  // What the requests stored for later: every event, as the dispatcher would send it, is held to the
  // document's WebhookMessage, and every audit event's changes to AuditEvent, before the app
  // closes. Most events never reach a receiver in a test, and most audit events are never read
  // back; all are checked.
  let ready = false
  app.addHook('onReady', async () => {
    ready = true
  })
  app.addHook('preClose', async () => {
    // An app closed before it was ready served nothing; one whose database a test killed has nothing to read.
    if (!ready) return
    const stored = await readStored(app).catch(() => undefined)
    if (!stored) return
    document ??= JSON.parse(JSON.stringify(app.swagger())) as Document
    const { result, audit } = stored
    const messages = result.rows.map((row) => ({
      what: `webhook message ${row.type} (event ${row.id})`,
      value: { type: row.type, timestamp: new Date(row.occurred_at).toISOString(), data: row.payload },
    }))
    // The audit trail likewise: each write's changes, as GET /v1/audit-events would show them.
    const writes = audit.rows.map((row) => ({
      what: `audit event ${row.operation} (${row.id})`,
      value: {
        id: row.id,
        occurredAt: new Date(0).toISOString(),
        requestId: null,
        keyId: null,
        actingOrganizationId: null,
        owningOrganizationId: null,
        operation: row.operation,
        targetType: row.target_type,
        targetId: row.target_id,
        changes: row.changes,
      },
    }))
    for (const [schema, items] of [
      ['WebhookMessage', messages],
      ['AuditEvent', writes],
    ] as const) {
      const validate = validatorOf(`/components/schemas/${schema}`)
      for (const { what, value } of items) {
        if (validate(value)) continue
        const errors = [...(validate.errors ?? [])].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)
        const shown = errors.slice(0, 3).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params ?? {})}`)
        const message = `${what} does not match ${schema}: ${shown.join('; ')}`
        if (!process.env.CONTRACT_LOG) throw new ContractBreak(message)
        appendFileSync(process.env.CONTRACT_LOG, `stored\t${message}\n`)
      }
    }
  })
  return app
}

/** The events and audit events a test file's requests stored. */
async function readStored(app: FastifyInstance) {
  const result = await app.database.db.execute<{ id: number; type: string; occurred_at: Date | string; payload: unknown }>(
    sql`select id, type, occurred_at, payload from outbox_events order by id`,
  )
  const audit = await app.database.db.execute<{ id: string; target_type: string; target_id: string; operation: string; changes: unknown }>(
    sql`select id::text, target_type, target_id, operation, changes from audit_events order by id`,
  )
  return { result, audit }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
