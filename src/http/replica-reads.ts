import type { FastifyInstance, FastifyRequest } from 'fastify'
import type pg from 'pg'
import { runInScope } from '../db/request-scope.ts'
import type { Replicas } from '../db/replicas.ts'

// Which requests read from a replica (src/db/replicas.ts). Only GETs of these routes: what a portal
// shows to everyone and may show a few seconds late. Everything else (writes, a caller's own records,
// deals, keys, webhooks, imports) reads the primary. A key's GETs also stay on the primary for
// READ_YOUR_WRITES_SECONDS after its last successful write, recorded on the key before the write's
// answer leaves, so a portal that creates a listing and lists its own sees it at once.

export const replicaRoutes = new Set([
  '/v1/listings',
  '/v1/demands',
  '/v1/organizations',
  '/v1/reports/activity',
  '/v1/events',
  '/v1/reference/organization-kinds',
  '/v1/reference/listing-kinds',
  '/v1/reference/transfer-forms',
  '/v1/reference/transfer-methods',
  '/v1/reference/ipr-statuses',
  '/v1/reference/price-types',
  '/v1/reference/trl-levels',
  '/v1/reference/science-fields',
  '/v1/reference/sectors',
  '/v1/reference/demand-close-reasons',
  '/v1/reference/provinces',
  '/v1/reference/legacy-provinces',
  '/v1/reference/regions',
])

declare module 'fastify' {
  interface FastifyRequest {
    /** The replica this request reads from, by name; undefined when it reads the primary. */
    readReplica?: string
  }
}

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

function wroteRecently(request: FastifyRequest, windowSeconds: number): boolean {
  const wroteAt = request.actor?.lastWriteAt
  return wroteAt !== undefined && wroteAt !== null && Date.now() - wroteAt.getTime() < windowSeconds * 1000
}

/** Registered after the auth hook: the caller's last write decides. */
export function registerReplicaReads(app: FastifyInstance, options: { replicas: Replicas; primary: pg.Pool; readYourWritesSeconds: number }) {
  const { replicas, primary, readYourWritesSeconds } = options
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.method !== 'GET' || !replicaRoutes.has(request.routeOptions.url ?? '') || wroteRecently(request, readYourWritesSeconds)) return done()
    const replica = replicas.pick()
    if (!replica) return done()
    request.readReplica = replica.name
    runInScope({ tx: null, read: replica.db }, done)
  })
  // Before the answer is sent: a GET the caller sends on receiving it must already see the mark.
  app.addHook('onSend', async (request, reply) => {
    if (readMethods.has(request.method) || !request.actor || reply.statusCode >= 400) return
    // A failure here must not turn a write that happened into an error: the caller may then read
    // a replica's older copy for a few seconds, which is what replicas allow anyway.
    await primary
      .query('update api_keys set last_write_at = now() where id = $1', [request.actor.keyId])
      .catch((error: unknown) => request.log.warn({ err: error }, 'could not record the key’s last write'))
  })
}
