import t from 'tap'
import { mapPgError } from '../src/lib/pg-errors.ts'
import { buildTestApp } from './helpers/app.ts'
import { createMember, createOperator, tableCounts } from './helpers/factories.ts'
import { listingInput } from './helpers/listings.ts'
import { assertProblem, pointers } from './helpers/problem.ts'

// What the fuzz test (test/fuzz.test.ts) found in the HTTP layer, pinned down one case each, and
// proof that injection text is data: stored and searched literally.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)
const member = await createMember(db)

t.test('a NUL in a body field is a 400 naming the field, not a database error', async (t) => {
  const before = await tableCounts(db)
  const media = [{ url: 'https://example.vn/a.jpg', kind: 'image', title: 'a\u0000b' }]
  const response = await app.inject({ method: 'POST', url: '/v1/listings', headers: member.auth, payload: listingInput({ titleVi: 'a\u0000b', media }) })
  const problem = assertProblem(t, response, 400, 'validation_failed')
  t.same(pointers(problem).sort(), ['#/media/0/title', '#/titleVi'])
  t.same(await tableCounts(db), before, 'nothing written')
})

t.test('a NUL in a query parameter is a 400 naming it', async (t) => {
  for (const url of ['/v1/organizations?q=a%00b', '/v1/listings?q=a%00b', '/v1/demands?q=a%00b']) {
    const problem = assertProblem(t, await app.inject({ method: 'GET', url }), 400, 'validation_failed')
    t.same(pointers(problem), ['#/query/q'], url)
  }
})

t.test('a lone surrogate is refused rather than stored as U+FFFD', async (t) => {
  const before = await tableCounts(db)
  const payload = JSON.stringify(listingInput({ titleEn: 'Organic \ud800rice' }))
  t.match(payload, /\\ud800/, 'the client sends the escape JSON allows')
  const response = await app.inject({ method: 'POST', url: '/v1/listings', headers: { ...member.auth, 'content-type': 'application/json' }, payload })
  const problem = assertProblem(t, response, 400, 'validation_failed')
  t.same(problem.errors, [{ pointer: '#/titleEn', detail: 'contains an unpaired UTF-16 surrogate: it is not valid Unicode text' }])
  t.same(await tableCounts(db), before, 'nothing written')
})

t.test('a forged cursor holding a NUL is an invalid cursor', async (t) => {
  const cursor = Buffer.from(JSON.stringify(['name', 'a\u0000b', '00000000-0000-4000-8000-000000000000'])).toString('base64url')
  assertProblem(t, await app.inject({ method: 'GET', url: `/v1/organizations?cursor=${cursor}` }), 400, 'invalid_cursor')
})

t.test('paths the router refuses are problem documents too', async (t) => {
  const malformed = await app.inject({ method: 'GET', url: '/v1/listings/%zz', headers: { 'x-request-id': 'fuzz-1' } })
  const problem = assertProblem(t, malformed, 400, 'malformed_url')
  t.equal(problem.requestId, 'fuzz-1')
  t.equal(problem.instance, '/v1/listings/%zz')
  // Fastify's own answer would be a 414 in its JSON shape; any id is far shorter than 100 characters.
  assertProblem(t, await app.inject({ method: 'GET', url: `/v1/listings/${'a'.repeat(101)}` }), 400, 'path_segment_too_long')
  const write = await app.inject({ method: 'PATCH', url: '/v1/listings/%E0%A4%A', headers: member.auth, payload: { titleEn: 'x' } })
  assertProblem(t, write, 400, 'malformed_url')
})

t.test('database errors about unstorable text map to 400', async (t) => {
  t.match(mapPgError({ code: '22021' }), { status: 400, code: 'invalid_text' }, 'invalid byte sequence')
  t.match(mapPgError(new Error('wrapped', { cause: { code: '22P05' } })), { status: 400, code: 'invalid_text' }, '\\u0000 in jsonb')
})

t.test('injection text is stored verbatim and searched literally', async (t) => {
  const texts = ["'; drop table listings; --", "' or 1=1 --", '<script>alert(1)</script>', '100% _pure_ \\ rice']
  for (const text of texts) {
    const created = await app.inject({ method: 'POST', url: '/v1/listings', headers: member.auth, payload: listingInput({ titleVi: text, keywords: [text] }) })
    t.equal(created.statusCode, 201, text)
    const read = await app.inject({ method: 'GET', url: `/v1/listings/${created.json().id}`, headers: member.auth })
    t.match(read.json(), { titleVi: text, keywords: [text] }, `${text} round-trips`)
  }
  t.ok((await tableCounts(db)).listings >= texts.length, 'the listings table is still there')

  // Organisation names are matched with LIKE: its wildcards in q must match themselves only.
  for (const name of ['Công ty 100% vốn Việt', 'Công ty Hạ_Long']) {
    t.equal((await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { kind: 'enterprise', name } })).statusCode, 201)
  }
  const names = async (q: string) =>
    ((await app.inject({ method: 'GET', url: `/v1/organizations?limit=100&q=${encodeURIComponent(q)}` })).json() as { items: Array<{ name: string }> }).items.map((item) => item.name)
  t.same(await names('%'), ['Công ty 100% vốn Việt'], '% is a percent sign')
  t.same(await names('_'), ['Công ty Hạ_Long'], '_ is an underscore')
  t.same(await names("' or 1=1 --"), [], 'SQL in q finds nothing')
})
