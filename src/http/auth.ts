import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Db } from '../db/client.ts'
import type { Clock } from '../lib/clock.ts'
import { unauthorized } from '../lib/problem.ts'
import { authenticateKey } from '../core/keys.ts'
import type { Actor } from '../core/actor.ts'

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null
  }
  interface FastifyContextConfig {
    /** The route checks its own credential (/metrics and its token): no API key is read. */
    skipApiKey?: boolean
  }
}

/**
 * Reads `Authorization: Bearer <key>` on every request. No header: an anonymous caller (public
 * reads). A header that is not a valid key: 401 at once, even on a public route, so a client with
 * a broken key finds out instead of silently seeing less.
 */
export function registerAuth(app: FastifyInstance, deps: { db: Db; clock: Clock }) {
  app.decorateRequest('actor', null)
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization
    if (header === undefined || request.routeOptions.config.skipApiKey) return
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match) throw unauthorized('The Authorization header must be: Bearer <key>')
    const actor = await authenticateKey(deps.db, deps.clock, match[1]!)
    if (!actor) throw unauthorized('The API key is unknown, revoked or expired')
    request.actor = { ...actor, requestId: request.id }
  })
}

/** The caller's actor, or 401 when the route needs a key and none was sent. */
export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthorized()
  return request.actor
}
