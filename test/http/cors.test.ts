import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { assertProblem } from '../helpers/problem.ts'

// CORS for portals' browser clients: only the configured origins, and none by default.

const allowed = 'https://portal.namdinh.example.vn'
const alsoAllowed = 'https://techmart.example.vn'
const stranger = 'https://evil.example.com'
const { app, db } = await buildTestApp(t, { CORS_ORIGINS: `${allowed}, ${alsoAllowed}` })

const preflight = (origin: string, method = 'POST', url = '/v1/listings') =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, if-match' },
  })
const list = (header: string | undefined) => (header ?? '').split(',').map((name) => name.trim().toLowerCase())

t.test('a preflight from an allowed origin is answered, before any key check', async (t) => {
  for (const origin of [allowed, alsoAllowed]) {
    const response = await preflight(origin)
    t.equal(response.statusCode, 204, origin)
    t.equal(response.headers['access-control-allow-origin'], origin)
    t.match(response.headers.vary, /Origin/)
    t.ok(list(response.headers['access-control-allow-methods'] as string).includes('patch'), 'PATCH is allowed')
    const headers = list(response.headers['access-control-allow-headers'] as string)
    for (const name of ['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key', 'x-request-id'])
      t.ok(headers.includes(name), `allows ${name}`)
    t.equal(response.headers['access-control-max-age'], '600')
    t.equal(response.headers['access-control-allow-credentials'], undefined, 'no credentials: keys are not cookies')
  }
  const patch = await preflight(allowed, 'PATCH', '/v1/organizations/00000000-0000-4000-8000-000000000000')
  t.equal(patch.statusCode, 204, 'a preflight needs no key, even for a route that does')
})

t.test('a preflight from another origin gets no Access-Control-Allow-Origin', async (t) => {
  const response = await preflight(stranger)
  t.equal(response.headers['access-control-allow-origin'], undefined)
  const prefixTrick = await preflight(`${allowed}.evil.example.com`)
  t.equal(prefixTrick.headers['access-control-allow-origin'], undefined, 'an origin is matched whole')
})

t.test('simple requests: allowed origins see the headers they need; others see none', async (t) => {
  const member = await createMember(db)
  const read = await app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { origin: allowed, ...member.auth } })
  t.equal(read.statusCode, 200)
  t.equal(read.headers['access-control-allow-origin'], allowed)
  t.match(read.headers.vary, /Origin/)
  const exposed = list(read.headers['access-control-expose-headers'] as string)
  for (const name of ['etag', 'location', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'idempotent-replayed']) {
    t.ok(exposed.includes(name), `exposes ${name}`)
  }

  const strangerRead = await app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { origin: stranger } })
  t.equal(strangerRead.statusCode, 200, 'the server answers; the browser withholds it')
  t.equal(strangerRead.headers['access-control-allow-origin'], undefined)

  // A browser client must be able to read its errors too.
  const unauthorized = await app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { origin: allowed, authorization: 'Bearer broken' } })
  assertProblem(t, unauthorized, 401, 'unauthorized')
  t.equal(unauthorized.headers['access-control-allow-origin'], allowed, 'errors carry CORS headers')
})

t.test('without CORS_ORIGINS there are no CORS headers; with * every origin', async (t) => {
  const closed = await buildTestApp(t)
  const read = await closed.app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { origin: allowed } })
  t.equal(read.statusCode, 200)
  t.equal(read.headers['access-control-allow-origin'], undefined)
  t.equal(read.headers['access-control-expose-headers'], undefined)
  const options = await closed.app.inject({ method: 'OPTIONS', url: '/v1/listings', headers: { origin: allowed, 'access-control-request-method': 'POST' } })
  assertProblem(t, options, 405, 'method_not_allowed')
  t.equal(options.headers['access-control-allow-origin'], undefined, 'no preflight answer without CORS_ORIGINS')

  const open = await buildTestApp(t, { CORS_ORIGINS: '*' })
  const any = await open.app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { origin: stranger } })
  t.equal(any.headers['access-control-allow-origin'], '*')
  const anyPreflight = await open.app.inject({ method: 'OPTIONS', url: '/v1/listings', headers: { origin: stranger, 'access-control-request-method': 'POST' } })
  t.equal(anyPreflight.statusCode, 204)
  t.equal(anyPreflight.headers['access-control-allow-origin'], '*')
})
