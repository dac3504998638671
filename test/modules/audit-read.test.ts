import t from 'tap'
import type { AuditEvent } from '../../src/modules/audit/audit.schemas.ts'
import { desc } from 'drizzle-orm'
import { auditEvents } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { recordAudit } from '../../src/core/audit.ts'
import { buildTestApp } from '../helpers/app.ts'
import { creationChanges } from '../helpers/audit.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'

// GET /v1/audit-events: who sees which events, the filters, and cursor paging.

const { app, db, clock } = await buildTestApp(t)
// Signed with the app's own key: these cursors are genuine, only their values are wrong.
const encodeCursor = app.services.cursors.encode
const operator = await createOperator(db)
const alpha = await createMember(db, { kind: 'enterprise', role: 'admin', name: 'Công ty Alpha' })
const beta = await createMember(db, { kind: 'university', role: 'admin', name: 'Trường Đại học Beta' })
const alphaEditor = { authorization: `Bearer ${(await createApiKey(db, { organizationId: alpha.organization.id, role: 'editor' })).key}` }
const alphaReader = { authorization: `Bearer ${(await createApiKey(db, { organizationId: alpha.organization.id, role: 'reader' })).key}` }

type Event = AuditEvent
type Page = { items: Event[]; nextCursor: string | null }

const list = (headers: Record<string, string>, query = '') => app.inject({ method: 'GET', url: `/v1/audit-events${query ? `?${query}` : ''}`, headers })
const ids = async (headers: Record<string, string>, query = '') => {
  const response = await list(headers, query)
  if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`)
  return (response.json() as Page).items.map((event) => event.id)
}
const newest = async () => String((await db.select({ id: auditEvents.id }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1))[0]!.id)
const instants: string[] = []

// The trail this file reads: one event a day, so the time filters have clear edges.
clock.advanceDays(1)
instants.push(clock.now().toISOString())
const alphaListing = await createListingViaApi(app, { ...alpha.auth, 'x-request-id': 'read-alpha-listing' })
const alphaCreates = await newest() // acting alpha, owning alpha
clock.advanceDays(1)
instants.push(clock.now().toISOString())
await app.inject({ method: 'PATCH', url: `/v1/organizations/${alpha.organization.id}`, headers: operator.auth, payload: { nameEn: 'Alpha Co.' } })
const operatorEditsAlpha = await newest() // acting the operator, owning alpha
clock.advanceDays(1)
instants.push(clock.now().toISOString())
const betaListing = await createListingViaApi(app, beta.auth)
const betaCreates = await newest() // acting beta, owning beta
clock.advanceDays(1)
instants.push(clock.now().toISOString())
// No route lets one organisation change another's record yet (delegation comes later), so this
// event is written directly: acting alpha, owning beta.
await recordAudit(db, {
  actor: { keyId: alpha.keyId, organizationId: alpha.organization.id, organizationKind: 'enterprise', role: 'admin', requestId: 'read-delegated' },
  owningOrganizationId: beta.organization.id,
  operation: 'organization.update',
  targetType: 'organization',
  targetId: beta.organization.id,
  before: { website: null },
  after: { website: 'https://beta.edu.vn' },
  occurredAt: clock.now(),
})
const alphaEditsBeta = await newest()

t.test('the operator sees every event, newest first, in the documented shape', async (t) => {
  const response = await list(operator.auth)
  t.equal(response.statusCode, 200)
  const page = response.json() as Page
  t.same(
    page.items.map((event) => event.id),
    [alphaEditsBeta, betaCreates, operatorEditsAlpha, alphaCreates],
  )
  t.equal(page.nextCursor, null)
  t.match(page.items[3], {
    id: alphaCreates,
    occurredAt: instants[0],
    requestId: 'read-alpha-listing',
    keyId: alpha.keyId,
    actingOrganizationId: alpha.organization.id,
    owningOrganizationId: alpha.organization.id,
    operation: 'listing.create',
    targetType: 'listing',
    targetId: alphaListing.id,
    changes: { titleVi: { after: 'Quy trình sản xuất lúa gạo hữu cơ' } },
  })
  t.same(page.items[0]!.changes, { website: { before: null, after: 'https://beta.edu.vn' } })
  t.same(page.items[3]!.changes, creationChanges(alphaListing), 'nested values (owner, media, lists) come back intact')

  const one = await app.inject({ method: 'GET', url: `/v1/audit-events/${betaCreates}`, headers: operator.auth })
  t.equal(one.statusCode, 200)
  t.same(one.json(), page.items[1])
})

t.test('an admin sees the events its organisation acted in or owns, and no others', async (t) => {
  t.same(await ids(alpha.auth), [alphaEditsBeta, operatorEditsAlpha, alphaCreates], 'alpha: as acting, as owning, and both')
  t.same(await ids(beta.auth), [alphaEditsBeta, betaCreates], 'beta: its own listing, and the change alpha made to it')
  const foreign = await app.inject({ method: 'GET', url: `/v1/audit-events/${betaCreates}`, headers: alpha.auth })
  assertProblem(t, foreign, 404, 'not_found')
  const owned = await app.inject({ method: 'GET', url: `/v1/audit-events/${operatorEditsAlpha}`, headers: alpha.auth })
  t.equal(owned.statusCode, 200, 'an event the operator made on alpha is alpha’s to see')
  t.same(await ids(alpha.auth, `organizationId=${beta.organization.id}`), [alphaEditsBeta], 'a filter narrows within what the key may see')
})

t.test('editors and readers are refused; a key is required', async (t) => {
  for (const [who, headers] of [
    ['editor', alphaEditor],
    ['reader', alphaReader],
  ] as const) {
    assertProblem(t, await list(headers), 403, 'forbidden')
    assertProblem(t, await app.inject({ method: 'GET', url: `/v1/audit-events/${alphaCreates}`, headers }), 403, 'forbidden')
    t.pass(who)
  }
  assertProblem(t, await list({}), 401, 'unauthorized')
  assertProblem(t, await app.inject({ method: 'GET', url: `/v1/audit-events/${alphaCreates}` }), 401, 'unauthorized')
  assertProblem(t, await list({ authorization: 'Bearer txk_nope' }), 401, 'unauthorized')
})

t.test('filters', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['targetType=listing', [betaCreates, alphaCreates]],
    [`targetId=${alphaListing.id}`, [alphaCreates]],
    [`targetId=${betaListing.id}`, [betaCreates]],
    [`targetType=organization&targetId=${beta.organization.id}`, [alphaEditsBeta]],
    ['operation=organization.update', [alphaEditsBeta, operatorEditsAlpha]],
    ['operation=listing.publish', []],
    [`organizationId=${beta.organization.id}`, [alphaEditsBeta, betaCreates]],
    [`organizationId=${alpha.organization.id}&targetType=listing`, [alphaCreates]],
    [`keyId=${alpha.keyId}`, [alphaEditsBeta, alphaCreates]],
    [`keyId=${operator.keyId}`, [operatorEditsAlpha]],
    ['requestId=read-alpha-listing', [alphaCreates]],
    [`from=${instants[1]}`, [alphaEditsBeta, betaCreates, operatorEditsAlpha]],
    [`to=${instants[1]}`, [alphaCreates]],
    [`from=${instants[1]}&to=${instants[3]}`, [betaCreates, operatorEditsAlpha]],
    [`from=${encodeURIComponent('2026-03-05T09:59:59+07:00')}`, [alphaEditsBeta, betaCreates]],
  ]
  for (const [query, expected] of cases) t.same(await ids(operator.auth, query), expected, query)
})

t.test('bad queries are 400s', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['from=yesterday', 'validation_failed', '#/query/from'],
    [`from=${instants[2]}&to=${instants[1]}`, 'validation_failed', '#/query/from'],
    ['organizationId=alpha', 'validation_failed', '#/query/organizationId'],
    ['operation=drop', 'validation_failed', '#/query/operation'],
    ['limit=0', 'validation_failed', '#/query/limit'],
    ['limit=101', 'validation_failed', '#/query/limit'],
    ['actor=me', 'validation_failed', '#/query/actor'],
    [`cursor=${'x'.repeat(2049)}`, 'validation_failed', '#/query/cursor'],
  ]
  for (const [query, code, pointer] of cases) {
    const problem = assertProblem(t, await list(operator.auth, query), 400, code)
    t.ok(
      problem.errors?.some((error) => error.pointer === pointer),
      `${query.slice(0, 40)}: ${JSON.stringify(problem.errors)}`,
    )
  }
  for (const id of ['abc', '0', '-1', '1.5', '1'.repeat(19)]) {
    assertProblem(t, await app.inject({ method: 'GET', url: `/v1/audit-events/${id}`, headers: operator.auth }), 400, 'validation_failed')
  }
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/audit-events/987654321', headers: operator.auth }), 404, 'not_found')
})

t.test('cursor paging walks every event once, newest first, while new events arrive', async (t) => {
  const organization = await createMember(db, { kind: 'research_institute' })
  for (let n = 1; n <= 12; n++) {
    const response = await app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${organization.organization.id}`,
      headers: operator.auth,
      payload: { nameEn: `Institute ${n}` },
    })
    t.equal(response.statusCode, 200)
  }
  const expected = (await db.select({ id: auditEvents.id }).from(auditEvents).orderBy(desc(auditEvents.id))).map((row) => String(row.id))
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const response = await list(operator.auth, `limit=5${cursor ? `&cursor=${cursor}` : ''}`)
    t.equal(response.statusCode, 200)
    const page = response.json() as Page
    seen.push(...page.items.map((event) => event.id))
    cursor = page.nextCursor
    pages += 1
    // A write between two pages is newer than every page still to come: it must not show up in them.
    if (pages === 1)
      await app.inject({ method: 'PATCH', url: `/v1/organizations/${organization.organization.id}`, headers: operator.auth, payload: { nameEn: 'Late' } })
  } while (cursor && pages < 20)
  t.equal(pages, Math.ceil(expected.length / 5))
  t.same(seen, expected, 'every event once, newest first, and none of the late one')
  t.equal(new Set(seen).size, seen.length, 'no duplicates')

  const own: string[] = []
  let next: string | null = null
  do {
    const page = (await list(alpha.auth, `limit=1${next ? `&cursor=${next}` : ''}`)).json() as Page
    own.push(...page.items.map((event) => event.id))
    next = page.nextCursor
  } while (next && own.length < 10)
  t.same(own, [alphaEditsBeta, operatorEditsAlpha, alphaCreates], 'an admin pages through its own events only')
})

t.test('a bad cursor is a 400, never a 500', async (t) => {
  const cursors = [
    'not base64 json',
    encodeCursor('name', ['a', 'b']),
    encodeCursor('id', [-1]),
    encodeCursor('id', [1.5]),
    encodeCursor('id', ['5']),
    encodeCursor('id', [2 ** 60]),
  ]
  for (const cursor of cursors) {
    assertProblem(t, await list(operator.auth, `cursor=${encodeURIComponent(cursor)}`), 400, 'invalid_cursor')
  }
})
