import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import type pg from 'pg'
import type { Config } from '../config.ts'
import { AppError } from '../lib/problem.ts'
import { keyPrefixOf } from '../core/keys.ts'
import { databaseRateLimitStore } from './rate-limit-store.ts'

/**
 * Abuse limits, counted in the database (rate-limit-store.ts), so that every API process on it
 * shares one budget (or, with RATE_LIMIT_STORE=memory, in this process's memory):
 *
 * - a request that carries a key counts against that key (RATE_LIMIT_MAX per window), identified by
 *   the key's public prefix read straight from the header, so that a flood costs no database query;
 * - a request without a key counts against its IP address (RATE_LIMIT_ANONYMOUS_MAX);
 * - a failed key check (the auth hook's 401) also counts against the IP: past
 *   RATE_LIMIT_AUTH_FAILURES_MAX failures in a window, every request from that IP that carries a key,
 *   valid or not, is a 429 until the window ends. Made-up prefixes get a fresh per-key budget each,
 *   so this is what stops guessing; blocking valid keys too keeps a lucky guess from showing.
 *
 * All windows are RATE_LIMIT_WINDOW_SECONDS long and fixed (they start at the first request). A
 * limit of 0 turns it off. /health, /ready and /metrics are never limited. Responses carry the draft-standard
 * RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset headers, and a 429 also Retry-After.
 */

export const rateLimitExemptRoutes = new Set(['/health', '/ready', '/metrics'])
const isExempt = (request: FastifyRequest) => rateLimitExemptRoutes.has(request.routeOptions.url ?? '')

// An IPv6 client usually holds a whole /64: count the network, not each address (the plugin's default).
const addressOf = (request: FastifyRequest) => normalizeIP(request.ip, 64)

const tooManyRequests = (detail: string) => new AppError(429, 'rate_limited', 'Too many requests', detail)

export async function registerRateLimits(app: FastifyInstance, config: Config, pool: pg.Pool) {
  await app.register(rateLimit, {
    global: false, // the hooks below are global instead, so they run before the auth hook
    ...(config.RATE_LIMIT_STORE === 'database' ? { store: databaseRateLimitStore(pool) } : {}),
    // A database that cannot count lets the request through: the request itself then meets the same
    // database, and answers 503 if it needs it, rather than a limiter turning every request away.
    skipOnError: true,
    enableDraftSpec: true,
    timeWindow: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
    errorResponseBuilder: (_request, context) => tooManyRequests(`Too many requests; try again in ${Math.ceil(context.ttl / 1000)} seconds`),
  })

  // Checked first: a request refused here never reaches the per-key counter, so someone sending
  // another key's (public) prefix with wrong secrets cannot use up that key's budget beyond this limit.
  const failureMax = config.RATE_LIMIT_AUTH_FAILURES_MAX
  const failures = failureMax === 0 ? undefined : app.createRateLimit({ keyGenerator: (request) => `auth-failures:${addressOf(request)}`, max: failureMax })
  if (failures) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers.authorization === undefined || isExempt(request)) return
      const state = await failures(request, { increment: false })
      if (state.isAllowed || state.remaining > 0) return
      reply.header('ratelimit-limit', state.max).header('ratelimit-remaining', 0).header('ratelimit-reset', state.ttlInSeconds)
      reply.header('retry-after', state.ttlInSeconds)
      throw tooManyRequests(`Too many failed API key checks from this address; try again in ${state.ttlInSeconds} seconds`)
    })
  }

  const limitOf = (bucket: string) => (bucket.startsWith('key:') ? config.RATE_LIMIT_MAX : config.RATE_LIMIT_ANONYMOUS_MAX)
  const requestLimiter = app.rateLimit({
    keyGenerator: (request) => {
      const prefix = keyPrefixOf(request.headers.authorization)
      return prefix ? `key:${prefix}` : `ip:${addressOf(request)}`
    },
    max: (_request, bucket) => limitOf(bucket),
    // allowList skips counting and headers: exempt routes and switched-off limits.
    allowList: (request, bucket) => isExempt(request) || limitOf(bucket) === 0,
  })
  app.addHook('onRequest', requestLimiter as onRequestAsyncHookHandler)

  // Counted in onSend, before the 401 leaves, so the caller's next request already sees it.
  if (failures) {
    app.addHook('onSend', async (request, reply) => {
      if (reply.statusCode === 401 && request.headers.authorization !== undefined && request.actor === null) await failures(request)
    })
  }
}
