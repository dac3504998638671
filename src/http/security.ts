import cors from '@fastify/cors'
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.ts'

/** What a browser client may send, and read from a response, across origins. */
export const corsAllowedHeaders = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id']
export const corsExposedHeaders = [
  'ETag',
  'Location',
  'X-Request-Id',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
  'Idempotent-Replayed',
]

/**
 * The CSP of Swagger UI under /docs (set by @fastify/swagger-ui's staticCSP, see src/http/openapi.ts):
 * its own upstream policy for the UI, whose scripts and styles are files under /docs/static, minus
 * upgrade-insecure-requests, which would send a browser looking for https:// assets on a server
 * reached over plain http (a LAN address, `docker run -p 3000:3000`) and leave the page blank.
 */
export const docsContentSecurityPolicy = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' https: data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data: validator.swagger.io",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  // The one <style> swagger-ui-bundle.js injects, by its hash: a stricter allowance than
  // 'unsafe-inline'. After upgrading @fastify/swagger-ui, `npm run docs:check` says if it changed.
  "style-src 'self' https: 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
].join('; ')

/** CORS_ORIGINS as the CORS plugin wants it: '*', a list of origins, or undefined for no CORS at all. */
export function parseCorsOrigins(value: string | undefined): '*' | string[] | undefined {
  if (value === undefined) return undefined
  if (value.trim() === '*') return '*'
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '')
}

/**
 * Security headers and CORS. Register before the rate limiter and the auth hook: their hooks run in
 * order of registration, so a 429 or 401 still carries these headers (a browser cannot read a
 * cross-origin error without CORS headers), and a CORS preflight is answered before either runs
 * (browsers send preflights without the Authorization header).
 */
export async function registerSecurity(app: FastifyInstance, config: Config) {
  // Every response gets helmet's headers (X-Content-Type-Options: nosniff, X-Frame-Options,
  // Referrer-Policy, ...). API responses are JSON that no browser should render or frame, hence a
  // CSP that allows nothing. Swagger UI under /docs replaces it with docsContentSecurityPolicy, set
  // when the reply is sent, so it wins over this one.
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  })

  const origins = parseCorsOrigins(config.CORS_ORIGINS)
  if (origins === undefined) return
  await app.register(cors, {
    // A list (never one bare string, which the plugin would echo to every caller): an origin that is
    // not listed gets no Access-Control-Allow-Origin, so its browser refuses the response.
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    allowedHeaders: corsAllowedHeaders,
    exposedHeaders: corsExposedHeaders,
    // Keys travel in Authorization, never in cookies.
    credentials: false,
    maxAge: 600,
    // An OPTIONS request without Origin is not a preflight; answer it like one rather than with the
    // plugin's text/plain 400, which is not a problem document.
    strictPreflight: false,
  })
}
