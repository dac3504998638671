import t from 'tap'
import { mapPgError } from '../src/lib/pg-errors.ts'
import { buildTestApp } from './helpers/app.ts'
import { fire, move, offerTerms, startInterest } from './helpers/deals.ts'
import { createMember, createOperator, tableCounts } from './helpers/factories.ts'
import { listingInput } from './helpers/listings.ts'
import { publishListing } from './helpers/matching.ts'
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
  t.same(problem.errors, [{ pointer: '#/titleEn', detail: 'chứa nửa cặp UTF-16 lẻ: không phải văn bản Unicode hợp lệ' }])
  t.same(await tableCounts(db), before, 'nothing written')
})

t.test('a forged cursor holding a NUL is an invalid cursor', async (t) => {
  const cursor = Buffer.from(JSON.stringify(['name', 'a\u0000b', '00000000-0000-4000-8000-000000000000'])).toString('base64url')
  assertProblem(t, await app.inject({ method: 'GET', url: `/v1/organizations?cursor=${cursor}` }), 400, 'invalid_cursor')
})

t.test('forged deal cursors are 400s, even with a time the database cannot hold', async (t) => {
  const provider = await createMember(db, { kind: 'research_institute' })
  const deal = await startInterest(app, member.auth, (await publishListing(app, provider.auth)).id)
  const forged = (...values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url')
  const uuid = '00000000-0000-4000-8000-000000000000'
  const cases: Array<[string, string, string]> = [
    // Year -271821 is a valid JavaScript date; PostgreSQL answered 22009 (time zone displacement out of range): a 500.
    [`/v1/deals/${deal.id}/messages`, forged('deal-messages', '-271821-04-20T00:00:00.000Z', uuid), 'invalid_cursor'],
    [`/v1/deals/${deal.id}/messages`, forged('deal-messages', 'yesterday', uuid), 'invalid_cursor'],
    [`/v1/deals/${deal.id}/messages`, forged('deal-messages', '2026-03-02T03:00:00.000Z', 'not-a-uuid'), 'invalid_cursor'],
    ['/v1/deals', forged('deals', '-271821-04-20T00:00:00.000Z', uuid), 'invalid_cursor'],
    [`/v1/deals/${deal.id}/history`, forged('deal-history', 1.5), 'invalid_cursor'],
  ]
  for (const [url, cursor, code] of cases)
    assertProblem(t, await app.inject({ method: 'GET', url: `${url}?cursor=${cursor}`, headers: member.auth }), 400, code)
})

t.test('offer terms that pass the formats but no clock or database takes are a 422', async (t) => {
  const provider = await createMember(db, { kind: 'research_institute' })
  const deal = await startInterest(app, member.auth, (await publishListing(app, provider.auth)).id)
  await move(app, provider.auth, deal.id, { transition: 'accept_interest' })
  const before = await tableCounts(db)
  // A leap second is a valid date-time and an Invalid Date in JavaScript: it was a 500.
  const leap = assertProblem(
    t,
    await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms({ validUntil: '2026-03-10T23:59:60Z' }) }),
    422,
    'invalid_terms',
  )
  t.same(pointers(leap), ['#/terms/validUntil'])
  // Year 0 was stored in the offer and made it impossible to accept (PostgreSQL has no year 0).
  const yearZero = offerTerms({ milestones: [{ title: 'Bàn giao tài liệu', dueDate: '0000-01-01' }] })
  const zero = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: yearZero }), 422, 'invalid_terms')
  t.same(pointers(zero), ['#/terms/milestones/0/dueDate'])
  t.same(await tableCounts(db), before, 'nothing written')
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
    (
      (await app.inject({ method: 'GET', url: `/v1/organizations?limit=100&q=${encodeURIComponent(q)}` })).json() as { items: Array<{ name: string }> }
    ).items.map((item) => item.name)
  t.same(await names('%'), ['Công ty 100% vốn Việt'], '% is a percent sign')
  t.same(await names('_'), ['Công ty Hạ_Long'], '_ is an underscore')
  t.same(await names("' or 1=1 --"), [], 'SQL in q finds nothing')
})
