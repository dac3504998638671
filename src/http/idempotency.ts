import { createHash } from 'node:crypto'
import { and, eq, lt, sql } from 'drizzle-orm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type, type TObject } from 'typebox'
import type { Db } from '../db/client.ts'
import { idempotencyKeys } from '../db/schema/index.ts'
import { IdempotencyKey } from './common.schemas.ts'
import type { Clock } from '../lib/clock.ts'
import { badRequest, conflict, unprocessable } from '../lib/problem.ts'

// Idempotency-Key on every POST: an onRoute hook declares the header on each POST route (a route
// opts out with config: { idempotent: false }, and says why). The first request with a key claims it; its successful response is stored for 24 hours and replayed to every
// retry with the same key and the same request. Another request under the same key is a 422; a retry while the
// first is still running is a 409 (try again shortly). The claim is its own statement, before the
// work: a crash in between leaves a claim that lapses after `claimSeconds`, so a retry can run.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Honour Idempotency-Key on this route: every POST unless it says false. */
    idempotent?: boolean
  }
  interface FastifyRequest {
    idempotency: { apiKeyId: string; key: string } | null
  }
}

const keyPattern = /^[\x21-\x7e]{1,255}$/
const retentionHours = 24
const claimSeconds = 60
/** Headers a replay repeats: what a client reads besides the body. */
const replayedHeaders = ['content-type', 'etag', 'location']

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.method, request.url, request.headers['if-match'] ?? null, request.body ?? null]))
    .digest('base64url')
}

export function registerIdempotency(app: FastifyInstance, deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps
  app.decorateRequest('idempotency', null)

  // Every POST takes the header (declared in its schema, so it is validated and documented).
  app.addHook('onRoute', (route) => {
    if (![route.method].flat().includes('POST') || route.config?.idempotent === false) return
    route.config = { ...route.config, idempotent: true }
    const headers = route.schema?.headers as TObject | undefined
    const header = { 'idempotency-key': Type.Optional(IdempotencyKey) }
    route.schema = { ...route.schema, headers: headers ? { ...headers, properties: { ...headers.properties, ...header } } : Type.Object(header) }
  })

  async function claim(request: FastifyRequest, apiKeyId: string, key: string): Promise<typeof idempotencyKeys.$inferSelect | 'claimed'> {
    const now = clock.now()
    const operation = `${request.method} ${request.routeOptions.url}`
    const hash = requestHash(request)
    // An expired record is gone for good: the key may be used afresh.
    await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key), lt(idempotencyKeys.expiresAt, now)))
    const inserted = await db
      .insert(idempotencyKeys)
      .values({
        apiKeyId,
        key,
        operation,
        requestHash: hash,
        lockedUntil: new Date(now.getTime() + claimSeconds * 1000),
        createdAt: now,
        expiresAt: new Date(now.getTime() + retentionHours * 3_600_000),
      })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key })
    if (inserted.length > 0) return 'claimed'
    const [existing] = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key)))
    if (!existing) return claim(request, apiKeyId, key)
    if (existing.operation !== operation || existing.requestHash !== hash) {
      throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key for a new request')
    }
    if (existing.status !== null) return existing
    // A claim whose owner died lapses: take it over, once, by a conditional update.
    if (existing.lockedUntil <= now) {
      const taken = await db
        .update(idempotencyKeys)
        .set({ lockedUntil: new Date(now.getTime() + claimSeconds * 1000) })
        .where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key), eq(idempotencyKeys.lockedUntil, existing.lockedUntil), sql`${idempotencyKeys.status} is null`))
        .returning({ key: idempotencyKeys.key })
      if (taken.length > 0) return 'claimed'
    }
    throw conflict('idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry in a moment')
  }

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.routeOptions.config.idempotent) return
    const header = request.headers['idempotency-key']
    if (header === undefined || !request.actor) return
    const key = Array.isArray(header) ? header[0]! : header
    if (!keyPattern.test(key)) throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1-255 visible ASCII characters, such as a UUID')
    const outcome = await claim(request, request.actor.keyId, key)
    if (outcome === 'claimed') {
      request.idempotency = { apiKeyId: request.actor.keyId, key }
      return
    }
    reply.code(outcome.status!)
    for (const [name, value] of Object.entries(outcome.headers ?? {})) reply.header(name, value)
    reply.header('idempotent-replayed', 'true')
    return reply.send(outcome.body)
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const claimed = request.idempotency
    if (!claimed) return payload
    request.idempotency = null
    const where = and(eq(idempotencyKeys.apiKeyId, claimed.apiKeyId), eq(idempotencyKeys.key, claimed.key))
    // Only a success is kept. A refusal wrote nothing, so it keeps nothing either: the key is
    // released and a retry is judged afresh (a 409 may have become a 200 since); a server error
    // likewise lets the retry run the request again.
    if (reply.statusCode >= 400) {
      await db.delete(idempotencyKeys).where(where)
      return payload
    }
    const headers = Object.fromEntries(replayedHeaders.flatMap((name) => (reply.hasHeader(name) ? [[name, String(reply.getHeader(name))]] : [])))
    await db
      .update(idempotencyKeys)
      .set({ status: reply.statusCode, headers, body: typeof payload === 'string' ? payload : payload === null || payload === undefined ? '' : String(payload) })
      .where(where)
    return payload
  })
}

