import { connect } from 'node:net'
import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { createOperator, tableCounts } from '../helpers/factories.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// A small body limit, so "too large" is cheap to send.
const { app, db } = await buildTestApp(t, { BODY_LIMIT_BYTES: '2048' })

// A route that fails the way a bug would: a plain Error carrying internals in its message.
const internals = 'password=hunter2 at /srv/tech-exchange/src/secret.ts:42'
app.get('/test/explode', async () => {
  throw new Error(internals)
})
// Our own JSON.parse failing is a bug too, not a client's malformed body.
app.get('/test/bad-parse', async () => JSON.parse('{corrupt stored value') as unknown)

const operator = await createOperator(db)
const json = { ...operator.auth, 'content-type': 'application/json' }
const organization = { kind: 'enterprise', name: 'Công ty TNHH Cơ khí Ninh Bình' }

t.test('a validation failure is a problem with JSON pointers into body, query and params', async (t) => {
  const before = await tableCounts(db)
  const body = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { kind: 'enterprise' } })
  const bodyProblem = assertProblem(t, body, 400, 'validation_failed')
  t.equal(bodyProblem.instance, '/v1/organizations')
  t.same(pointers(bodyProblem), ['#/name'])

  const unknown = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { ...organization, isAdmin: true } })
  t.same(pointers(assertProblem(t, unknown, 400, 'validation_failed')), ['#/isAdmin'], 'unknown fields are refused, not dropped')

  const query = await app.inject({ method: 'GET', url: '/v1/organizations?limit=0' })
  const queryProblem = assertProblem(t, query, 400, 'validation_failed')
  t.same(pointers(queryProblem), ['#/query/limit'])
  t.equal(queryProblem.instance, '/v1/organizations', 'instance is the path without the query')
  const unknownQuery = await app.inject({ method: 'GET', url: '/v1/organizations?sort=name' })
  t.same(pointers(assertProblem(t, unknownQuery, 400, 'validation_failed')), ['#/query/sort'])

  const params = await app.inject({ method: 'GET', url: '/v1/organizations/42' })
  t.same(pointers(assertProblem(t, params, 400, 'validation_failed')), ['#/params/id'])

  const header = await app.inject({
    method: 'PATCH',
    url: `/v1/organizations/${operator.organization.id}`,
    headers: { ...operator.auth, 'if-match': `"${'1'.repeat(80)}"` },
    payload: { nameEn: 'Too long a precondition' },
  })
  t.same(pointers(assertProblem(t, header, 400, 'validation_failed')), ['#/headers/if-match'])
  t.same(await tableCounts(db), before, 'nothing written')
})

t.test('bodies that are not JSON objects are refused', async (t) => {
  const before = await tableCounts(db)
  const post = (headers: Record<string, string>, payload: string) => app.inject({ method: 'POST', url: '/v1/organizations', headers, payload })

  assertProblem(t, await post(json, '{"kind": "enterprise", "name": '), 400, 'malformed_json')
  assertProblem(t, await post(json, "{'kind': 'enterprise'}"), 400, 'malformed_json')
  assertProblem(t, await post(json, ''), 400, 'empty_body')
  assertProblem(t, await post(json, '{"kind": "enterprise", "name": "A", "__proto__": {"admin": true}}'), 400, 'malformed_json')
  t.same(pointers(assertProblem(t, await post(json, '[]'), 400, 'validation_failed')), ['#'], 'an array is not an object')
  t.same(pointers(assertProblem(t, await post(json, 'null'), 400, 'validation_failed')), ['#'])

  const valid = JSON.stringify(organization)
  for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    assertProblem(t, await post({ ...operator.auth, 'content-type': type }, valid), 415, 'unsupported_media_type')
  }
  assertProblem(t, await post(operator.auth, valid), 415, 'unsupported_media_type')
  t.same(await tableCounts(db), before, 'nothing written')

  const withCharset = await post({ ...operator.auth, 'content-type': 'application/json; charset=utf-8' }, valid)
  t.equal(withCharset.statusCode, 201, 'application/json with a charset is JSON')
})

t.test('a body over BODY_LIMIT_BYTES is 413', async (t) => {
  const before = await tableCounts(db)
  const large = { ...organization, description: 'Mô tả '.repeat(500) }
  t.ok(Buffer.byteLength(JSON.stringify(large)) > 2048)
  const response = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: large })
  assertProblem(t, response, 413, 'body_too_large')
  t.same(await tableCounts(db), before, 'nothing written')

  const fits = { ...organization, name: 'Công ty vừa giới hạn', description: 'x'.repeat(1500) }
  const accepted = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: fits })
  t.equal(accepted.statusCode, 201, 'a body under the limit is accepted')
})

t.test('an unknown route is a route_not_found problem', async (t) => {
  const before = await tableCounts(db)
  const response = await app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' })
  const problem = assertProblem(t, response, 404, 'route_not_found')
  t.equal(problem.instance, '/v1/nothing-here')
  const wrongMethod = await app.inject({ method: 'DELETE', url: `/v1/organizations/${operator.organization.id}`, headers: operator.auth })
  assertProblem(t, wrongMethod, 405, 'method_not_allowed')
  t.same(await tableCounts(db), before, 'nothing deleted')
})

t.test('a known path under a method it does not answer is 405 with Allow; an unknown path stays 404', async (t) => {
  const one = await app.inject({ method: 'DELETE', url: `/v1/organizations/${operator.organization.id}?x=1`, headers: operator.auth })
  const problem = assertProblem(t, one, 405, 'method_not_allowed')
  t.equal(one.headers.allow, 'GET, HEAD, PATCH', 'Allow lists what the path answers')
  t.equal(problem.instance, `/v1/organizations/${operator.organization.id}`)
  const collection = await app.inject({ method: 'PUT', url: '/v1/organizations' })
  assertProblem(t, collection, 405, 'method_not_allowed')
  t.equal(collection.headers.allow, 'GET, HEAD, POST')
  const unknown = await app.inject({ method: 'DELETE', url: '/v1/organizations/a/b/c' })
  assertProblem(t, unknown, 404, 'route_not_found')
  t.equal(unknown.headers.allow, undefined)
})

t.test('a request Node refuses before Fastify (headers over 16 KB) is a problem document too', async (t) => {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = new URL(address)
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write(`GET /v1/reference/regions?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`),
    )
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString()))
    socket.on('end', () => resolve(received))
    socket.on('error', reject)
  })
  const [head, body] = raw.split('\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 431 /)
  t.match(head, /content-type: application\/problem\+json/i)
  const problem = JSON.parse(body!) as { code: string; status: number; requestId: string; type: string }
  t.match(problem, { type: '/problems/headers-too-large', status: 431, code: 'headers_too_large', requestId: String })
  t.match(head, new RegExp(`x-request-id: ${problem.requestId}`, 'i'), 'with its request id, as every problem')
})

t.test('query strings are strict: numbers and booleans written as such, and no parameter the operation does not know', async (t) => {
  const fine = await app.inject({ method: 'GET', url: '/v1/listings?limit=2&facets=false' })
  t.equal(fine.statusCode, 200, fine.body)
  for (const [query, pointer] of [
    ['limit=true', '#/query/limit'],
    ['limit=1e1', '#/query/limit'],
    ['limit=2.5', '#/query/limit'],
    ['facets=1', '#/query/facets'],
    ['facets=yes', '#/query/facets'],
    ['provice=01', '#/query/provice'],
  ] as const) {
    const refused = assertProblem(t, await app.inject({ method: 'GET', url: `/v1/listings?${query}` }), 400, 'validation_failed')
    t.same(pointers(refused), [pointer], `${query} is refused at ${pointer}`)
  }
  const misspelt = (await app.inject({ method: 'GET', url: '/v1/listings?provice=01' })).json() as { errors: Array<{ detail: string }> }
  t.equal(misspelt.errors[0]!.detail, 'không phải trường đã biết', 'the unknown parameter is named by its pointer')
})

t.test('a wrong code of a vocabulary names the codes it may be, in the body and in the query', async (t) => {
  const body = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { ...organization, kind: 'company' } })
  const bodyProblem = assertProblem(t, body, 400, 'validation_failed')
  t.same(bodyProblem.errors, [
    {
      pointer: '#/kind',
      detail: 'phải là một trong transfer_centre, research_institute, university, enterprise, connection_point, authority, exchange_operator',
    },
  ])
  const query = assertProblem(t, await app.inject({ method: 'GET', url: '/v1/listings?kind=machine' }), 400, 'validation_failed')
  t.same(query.errors, [{ pointer: '#/query/kind/0', detail: 'phải là một trong technology, product, equipment, know_how, service' }])
})

t.test('a 500 never shows internals', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/test/explode' })
  const problem = assertProblem(t, response, 500, 'internal_error')
  t.same(Object.keys(problem).sort(), ['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type'])
  t.notMatch(response.body, /hunter2|\/srv|secret\.ts|stack|Error:/, 'no message, path or stack')

  const parse = await app.inject({ method: 'GET', url: '/test/bad-parse' })
  assertProblem(t, parse, 500, 'internal_error')
  t.notMatch(parse.body, /JSON|corrupt|position/, 'a SyntaxError of ours is a 500, not a 400 blaming the client')
})
