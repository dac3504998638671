import t from 'tap'
import { count } from 'drizzle-orm'
import { apiKeys, auditEvents } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// Bad input to the key endpoints: a 400 with field pointers (or a 422 for a rule), nothing written.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const admin = await createMember(db)

const counts = async () => ({
  keys: (await db.select({ n: count() }).from(apiKeys))[0]!.n,
  audit: (await db.select({ n: count() }).from(auditEvents))[0]!.n,
})
const past = () => new Date(clock.now().getTime() - 1000).toISOString()
const unknownId = '00000000-0000-4000-8000-000000000000'

const created = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin.auth, payload: { role: 'reader' } })
const target = created.json().apiKey.id as string

t.test('create: schema errors point at the field', async (t) => {
  const before = await counts()
  const cases: [Record<string, unknown>, string][] = [
    [{}, '#/role'],
    [{ role: 'owner' }, '#/role'],
    [{ role: 'reader', secret: 'mine' }, '#/secret'],
    [{ role: 'reader', label: '' }, '#/label'],
    [{ role: 'reader', label: '   ' }, '#/label'],
    [{ role: 'reader', label: 'x'.repeat(201) }, '#/label'],
    [{ role: 'reader', organizationId: 'nam-dinh' }, '#/organizationId'],
    [{ role: 'reader', expiresAt: 'next week' }, '#/expiresAt'],
    [{ role: 'reader', expiresAt: 1_800_000_000 }, '#/expiresAt'],
  ]
  for (const [payload, pointer] of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin.auth, payload })
    const problem = assertProblem(t, response, 400, 'validation_failed')
    t.ok(pointers(problem).includes(pointer), `${JSON.stringify(payload)}: ${pointer} in ${JSON.stringify(problem.errors)}`)
  }
  const notJson = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: { ...admin.auth, 'content-type': 'text/plain' }, payload: 'role=reader' })
  assertProblem(t, notJson, 415, 'unsupported_media_type')
  t.same(await counts(), before, 'nothing written')
})

t.test('create: an expiry must be in the future', async (t) => {
  const before = await counts()
  for (const expiresAt of [past(), clock.now().toISOString()]) {
    const response = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin.auth, payload: { role: 'reader', expiresAt } })
    const problem = assertProblem(t, response, 422, 'expiry_not_in_future')
    t.same(problem.errors, [{ pointer: '#/expiresAt', detail: 'không ở tương lai' }])
  }
  t.same(await counts(), before, 'nothing written')
  const future = new Date(clock.now().getTime() + 90 * 86_400_000).toISOString()
  const ok = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin.auth, payload: { role: 'reader', expiresAt: future } })
  t.equal(ok.statusCode, 201)
  t.equal(ok.json().apiKey.expiresAt, future)
})

t.test('rotate: overlap range, expiry, unknown fields', async (t) => {
  const before = await counts()
  const url = `/v1/api-keys/${target}/rotate`
  const cases: [Record<string, unknown>, string][] = [
    [{ overlapSeconds: -1 }, '#/overlapSeconds'],
    [{ overlapSeconds: 604_801 }, '#/overlapSeconds'],
    [{ overlapSeconds: 1.5 }, '#/overlapSeconds'],
    [{ overlapSeconds: '3600' }, '#/overlapSeconds'],
    [{ role: 'admin' }, '#/role'],
  ]
  for (const [payload, pointer] of cases) {
    const problem = assertProblem(t, await app.inject({ method: 'POST', url, headers: admin.auth, payload }), 400, 'validation_failed')
    t.ok(pointers(problem).includes(pointer), `${JSON.stringify(payload)}: ${pointer}`)
  }
  const expired = await app.inject({ method: 'POST', url, headers: admin.auth, payload: { expiresAt: past() } })
  assertProblem(t, expired, 422, 'expiry_not_in_future')
  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/api-keys/42/rotate', headers: admin.auth, payload: {} }), 400, 'validation_failed')
  assertProblem(t, await app.inject({ method: 'POST', url: `/v1/api-keys/${unknownId}/rotate`, headers: admin.auth, payload: {} }), 404, 'not_found')
  t.same(await counts(), before, 'nothing written')
})

t.test('list, get and revoke: query and path errors', async (t) => {
  const before = await counts()
  const queries: [string, string][] = [
    ['limit=0', '#/query/limit'],
    ['limit=101', '#/query/limit'],
    ['includeRevoked=maybe', '#/query/includeRevoked'],
    ['organizationId=x', '#/query/organizationId'],
    ['role=admin', '#/query/role'],
  ]
  for (const [query, pointer] of queries) {
    const problem = assertProblem(t, await app.inject({ method: 'GET', url: `/v1/api-keys?${query}`, headers: admin.auth }), 400, 'validation_failed')
    t.ok(pointers(problem).includes(pointer), `${query}: ${pointer} in ${JSON.stringify(problem.errors)}`)
  }
  for (const cursor of [
    'garbage',
    Buffer.from(JSON.stringify(['name', 'x', 'y'])).toString('base64url'),
    Buffer.from(JSON.stringify(['created', 'not a date', unknownId])).toString('base64url'),
    Buffer.from(JSON.stringify(['created', '2026-03-01T00:00:00.000Z', 'not-a-uuid'])).toString('base64url'),
  ]) {
    assertProblem(t, await app.inject({ method: 'GET', url: `/v1/api-keys?cursor=${cursor}`, headers: admin.auth }), 400, 'invalid_cursor')
  }
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/api-keys/42', headers: admin.auth }), 400, 'validation_failed')
  assertProblem(t, await app.inject({ method: 'GET', url: `/v1/api-keys/${unknownId}`, headers: operator.auth }), 404, 'not_found')
  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/api-keys/42/revoke', headers: admin.auth }), 400, 'validation_failed')
  t.same(await counts(), before, 'nothing written')
})
