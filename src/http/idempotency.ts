import { createHash } from 'node:crypto'
import { and, eq, isNull, lt, lte, or, sql } from 'drizzle-orm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type TObject } from 'typebox'
import type { Db, Tx } from '../db/client.ts'
import { openHeldTransaction, runInScope, type RequestScope } from '../db/request-scope.ts'
import { idempotencyKeys } from '../db/schema/index.ts'
import { errors, IdempotencyKey } from './common.schemas.ts'
import type { Clock } from '../lib/clock.ts'
import { DatabaseUnavailableError, isDatabaseUnreachable } from '../lib/db-unavailable.ts'
import { RetryLaterError, unprocessable } from '../lib/problem.ts'

// Idempotency-Key on every POST: an onRoute hook declares the header on each POST route (a route
// opts out with config: { idempotent: false }, and says why). A retry with the same key and request
// gets the first successful answer again, for 24 hours; the same key with another request is a 422.
//
// Exactly once: the claim, the write and the stored answer are ONE transaction. The request's
// transaction begins before the handler with the claim row inserted in it; the services' `db` joins
// it (src/db/request-scope.ts: their own transactions become savepoints in it); onSend stores the
// answer in it and commits, and only then does the answer go out. So a crash or a database error at
// any point either commits all three or none: a retry replays the answer, or runs a write that never
// happened. A retry racing the first attempt waits on the claim row's lock (the uncommitted insert)
// up to `waitSeconds`, then replays, runs afresh (the first rolled back), or gets 409
// idempotency_in_progress with Retry-After. This is brandur's "one request, one transaction" for a
// purely local operation (no foreign side effects to recover from, so no recovery points).
//
// A route whose handler streams a body into the database first (POST /v1/imports) claims late, with
// config { idempotent: 'at-write' }: a stored answer is replayed before the handler runs, and the
// transaction begins at the handler's first `db.transaction()` that joins it: the one creating the
// import, since the upload's pieces commit on their own, outside it (outsideRequestTransaction in
// src/db/request-scope.ts), and are deleted if the claim then fails.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour Idempotency-Key on this route: every POST unless it says false; 'at-write' claims late. */
    idempotent?: boolean | 'at-write'
  }
  interface FastifyRequest {
    idempotency: Claim | null
  }
}

type Held = Awaited<ReturnType<typeof openHeldTransaction>>
type Claim = { apiKeyId: string; key: string; scope: RequestScope; held: Held | null }
type Stored = typeof idempotencyKeys.$inferSelect

export type IdempotencyFaults = {
  /** Tests only: the key of a request after whose commit the process SIGKILLs itself, before answering. */
  killAfterCommit?: string
  /** Tests only: the key of a request whose answer fails to be stored, once (a database error; nothing commits). */
  failAnswer?: string
}

export const idempotencyRetentionHours = 24
/** How long a retry waits for the first attempt's transaction before it gets a 409. */
export const idempotencyWaitSeconds = 3
/** Headers a replay repeats: what a client reads besides the body. */
const replayedHeaders = ['content-type', 'etag', 'location']

const inProgress = () =>
  new RetryLaterError(
    409,
    'idempotency_in_progress',
    'Conflict',
    'A request with this Idempotency-Key is still being processed; retry after Retry-After seconds with the same key',
    1,
  )
const notCommitted = () =>
  new RetryLaterError(
    503,
    'not_committed',
    'Service unavailable',
    'The request failed as it was being committed and nothing was kept; retry it with the same Idempotency-Key',
    1,
  )

const seconds = { type: 'integer', minimum: 0, description: 'Seconds to wait before retrying with the same Idempotency-Key' }
const inProgressText = 'idempotency_in_progress: a request with this Idempotency-Key is still running; retry after Retry-After seconds'
const reusedText = 'idempotency_key_reused: this Idempotency-Key was used for another request'

/** The answers Idempotency-Key adds to a POST that takes it, added to those the route declares itself. */
function idempotencyResponses(response: Record<string, { description?: string }>) {
  const also = (status: 409 | 422, text: string) => ({ ...errors[status], description: response[status] ? `${errors[status].description}; or ${text}` : text })
  return { 409: { ...also(409, inProgressText), headers: { 'Retry-After': seconds } }, 422: also(422, reusedText) }
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.method, request.url, request.headers['if-match'] ?? null, request.body ?? null]))
    .digest('base64url')
}

const sqlState = (error: unknown): string | undefined => {
  for (let cause = error; cause && typeof cause === 'object'; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
  }
  return undefined
}

export function registerIdempotency(app: FastifyInstance, deps: { db: Db; clock: Clock; faults?: IdempotencyFaults }) {
  const { db, clock } = deps
  // Each injected fault strikes once, so the retry that follows it runs normally.
  const faults = { ...deps.faults }
  app.decorateRequest('idempotency', null)

  // Every POST takes the header (declared in its schema, so it is validated and documented), and may
  // answer 409 (in progress, with Retry-After) and 422 (key reused).
  app.addHook('onRoute', (route) => {
    if (![route.method].flat().includes('POST') || route.config?.idempotent === false) return
    route.config = { ...route.config, idempotent: route.config?.idempotent ?? true }
    const headers = route.schema?.headers as TObject | undefined
    const header = { 'idempotency-key': Type.Optional(IdempotencyKey) }
    const response = route.schema?.response as Record<string, { description?: string }> | undefined
    route.schema = {
      ...route.schema,
      headers: headers ? { ...headers, properties: { ...headers.properties, ...header } } : Type.Object(header),
      ...(response ? { response: { ...response, ...idempotencyResponses(response) } } : {}),
    }
  })

  const where = (apiKeyId: string, key: string) => and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key))

  /** The stored answer, if it may be replayed; a 422 if the key was used for another request. */
  function judge(request: FastifyRequest, existing: Stored): Stored | null {
    if (existing.operation !== `${request.method} ${request.routeOptions.url}` || existing.requestHash !== requestHash(request)) {
      throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key for a new request')
    }
    return existing.status === null ? null : existing
  }

  /**
   * Inserts the claim in `tx`, waiting at most `idempotencyWaitSeconds` for a concurrent attempt's
   * uncommitted claim; 'claimed', or the stored answer to replay. A record past its 24 hours is
   * claimed afresh. A committed claim without an answer is one an older version of this code left
   * (it stored answers after the commit): it holds until its lockedUntil, as it did then.
   */
  async function claim(tx: Tx, request: FastifyRequest, apiKeyId: string, key: string): Promise<'claimed' | Stored> {
    const now = clock.now()
    const fresh = {
      operation: `${request.method} ${request.routeOptions.url}`,
      requestHash: requestHash(request),
      status: null,
      headers: null,
      body: null,
      lockedUntil: now,
      createdAt: now,
      expiresAt: new Date(now.getTime() + idempotencyRetentionHours * 3_600_000),
    }
    await tx.execute(sql.raw(`set local lock_timeout = '${idempotencyWaitSeconds}s'`))
    const inserted = await tx
      .insert(idempotencyKeys)
      .values({ apiKeyId, key, ...fresh })
      .onConflictDoUpdate({
        target: [idempotencyKeys.apiKeyId, idempotencyKeys.key],
        set: fresh,
        setWhere: or(lt(idempotencyKeys.expiresAt, now), and(isNull(idempotencyKeys.status), lte(idempotencyKeys.lockedUntil, now))),
      })
      .returning({ key: idempotencyKeys.key })
      .catch((error: unknown) => {
        throw sqlState(error) === '55P03' ? inProgress() : error
      })
    await tx.execute(sql.raw('set local lock_timeout to default'))
    if (inserted.length > 0) return 'claimed'
    const [existing] = await tx.select().from(idempotencyKeys).where(where(apiKeyId, key))
    const stored = existing && judge(request, existing)
    if (!stored) throw inProgress()
    return stored
  }

  /** Opens the request's transaction and claims the key in it; on anything but a claim it ends at once. */
  async function begin(request: FastifyRequest, claimed: Claim): Promise<'claimed' | Stored> {
    const held = await openHeldTransaction(db)
    try {
      const outcome = await claim(held.tx, request, claimed.apiKeyId, claimed.key)
      if (outcome !== 'claimed') {
        await held.end('rollback')
        return outcome
      }
      claimed.held = held
      claimed.scope.tx = held.tx
      return outcome
    } catch (error) {
      await held.end('rollback').catch(() => {})
      throw error
    }
  }

  function replay(reply: FastifyReply, stored: Stored) {
    reply.code(stored.status!)
    for (const [name, value] of Object.entries(stored.headers ?? {})) reply.header(name, value)
    reply.header('idempotent-replayed', 'true')
    reply.send(stored.body)
  }

  // Callback style, so the rest of the request (the handler, its services) runs inside the scope.
  app.addHook('preHandler', (request, reply, done) => {
    const mode = request.routeOptions.config.idempotent
    const header = request.headers['idempotency-key']
    if (!mode || header === undefined || !request.actor) return done()
    // Its schema (IdempotencyKey: 1-255 visible ASCII characters) was checked with the request's.
    const key = Array.isArray(header) ? header[0]! : header
    const claimed: Claim = { apiKeyId: request.actor.keyId, key, scope: { tx: null }, held: null }
    const proceed = () => {
      request.idempotency = claimed
      runInScope(claimed.scope, done)
    }
    if (mode !== 'at-write') {
      begin(request, claimed).then((outcome) => (outcome === 'claimed' ? proceed() : replay(reply, outcome)), done)
      return
    }
    // A late claim: replay what is stored now; otherwise claim at the handler's first transaction.
    // An answer stored meanwhile by a concurrent twin is a 409 there (its retry replays it).
    db.select()
      .from(idempotencyKeys)
      .where(and(where(claimed.apiKeyId, key), sql`${idempotencyKeys.expiresAt} >= ${clock.now()}`))
      .then(([existing]) => {
        const stored = existing && judge(request, existing)
        if (stored) return replay(reply, stored)
        let beginning: Promise<Tx> | undefined
        claimed.scope.begin = () =>
          (beginning ??= begin(request, claimed).then((outcome) => {
            if (outcome !== 'claimed') throw inProgress()
            return claimed.held!.tx
          }))
        proceed()
      })
      .catch(done)
  })

  /** Stores the answer in the request's transaction and commits; throws a 503 when that fails. */
  async function commit(request: FastifyRequest, reply: FastifyReply, claimed: Claim, held: Held, payload: unknown) {
    const headers = Object.fromEntries(replayedHeaders.flatMap((name) => (reply.hasHeader(name) ? [[name, String(reply.getHeader(name))]] : [])))
    const body = typeof payload === 'string' ? payload : payload === null || payload === undefined ? '' : String(payload)
    try {
      await held.end(async (tx) => {
        if (faults.failAnswer === claimed.key) {
          faults.failAnswer = undefined
          await tx.execute(sql.raw(`do $$ begin raise exception 'injected fault: the answer is not stored' using errcode = '58000'; end $$`))
        }
        const stored = await tx
          .update(idempotencyKeys)
          .set({ status: reply.statusCode, headers, body })
          .where(where(claimed.apiKeyId, claimed.key))
          .returning({ key: idempotencyKeys.key })
        if (stored.length !== 1) throw new Error('the Idempotency-Key claim is missing from its own transaction')
      })
    } catch (error) {
      request.log.error({ err: error }, 'the request failed as it was committed; nothing was kept')
      // The answer that was not given must not leave its headers on the error that replaces it.
      for (const name of ['location', 'etag']) reply.removeHeader(name)
      throw isDatabaseUnreachable(error) ? new DatabaseUnavailableError() : notCommitted()
    }
    if (faults.killAfterCommit === claimed.key) process.kill(process.pid, 'SIGKILL')
  }

  app.addHook('onSend', async (request, reply, payload) => {
    const claimed = request.idempotency
    if (!claimed) return payload
    request.idempotency = null
    claimed.scope.tx = null
    const held = claimed.held
    // A late claim that never began: the request failed before its write.
    if (!held) return payload
    // Only a success is kept. A refusal or a failure releases the key, so a retry is judged afresh
    // (a 409 may have become a 200 since); what the request's own transactions did is kept as it
    // would be without a key (a refusal rolled its own savepoint back).
    if (reply.statusCode >= 400) {
      await held
        .end(async (tx) => void (await tx.delete(idempotencyKeys).where(where(claimed.apiKeyId, claimed.key))))
        .catch((error: unknown) => {
          request.log.warn({ err: error }, 'a refused request under an Idempotency-Key could not commit; nothing was kept')
        })
      return payload
    }
    await commit(request, reply, claimed, held, payload)
    return payload
  })

  // A request that ended without onSend (its connection dropped first) must not keep its transaction.
  app.addHook('onResponse', async (request) => {
    const claimed = request.idempotency
    if (!claimed) return
    request.idempotency = null
    claimed.scope.tx = null
    await claimed.held?.end('rollback').catch(() => {})
  })
}
