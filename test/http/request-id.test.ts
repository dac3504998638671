import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { assertProblem } from '../helpers/problem.ts'

const { app } = await buildTestApp(t)
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers })

t.test('a sane X-Request-Id is echoed, on success and on a problem', async (t) => {
  for (const id of ['portal-7f3a9c', 'a', 'trace:2026.03.02_01', 'x'.repeat(128)]) {
    const response = await get('/health', { 'x-request-id': id })
    t.equal(response.statusCode, 200)
    t.equal(response.headers['x-request-id'], id)
  }
  const refused = await get('/v1/organizations/42', { 'x-request-id': 'portal-req-1' })
  t.equal(assertProblem(t, refused, 400, 'validation_failed').requestId, 'portal-req-1')
  const unauthorised = await get('/v1/organizations', { 'x-request-id': 'portal-req-2', authorization: 'Bearer nope' })
  t.equal(assertProblem(t, unauthorised, 401, 'unauthorized').requestId, 'portal-req-2', 'set even when auth refuses early')
})

t.test('without one, a UUID is generated, different for each request', async (t) => {
  const first = await get('/health')
  const second = await get('/health')
  t.match(first.headers['x-request-id'], uuid)
  t.match(second.headers['x-request-id'], uuid)
  t.not(first.headers['x-request-id'], second.headers['x-request-id'])
  const missing = await get('/nowhere')
  t.match(assertProblem(t, missing, 404, 'route_not_found').requestId, uuid)
})

t.test('an insane one is replaced, never reflected', async (t) => {
  const insane = ['x'.repeat(129), 'has space', '<script>alert(1)</script>', 'semi;colon', 'ünïcode', 'line\\nbreak', '']
  for (const id of insane) {
    const response = await get('/health', { 'x-request-id': id })
    t.equal(response.statusCode, 200)
    t.match(response.headers['x-request-id'], uuid, `${JSON.stringify(id)} replaced`)
  }
  const problem = assertProblem(t, await get('/nowhere', { 'x-request-id': 'a b' }), 404, 'route_not_found')
  t.match(problem.requestId, uuid)
})
