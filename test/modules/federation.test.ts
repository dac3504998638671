import { and, asc, count, eq } from 'drizzle-orm'
import t from 'tap'
import { auditEvents, demands, listings, outboxEvents } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { buildTestApp } from '../helpers/app.ts'
import { demandInput, fileOpenDemand } from '../helpers/demands.ts'
import { recordDelegation } from '../helpers/delegations.ts'
import { createMember, createOperator, createOrganization } from '../helpers/factories.ts'
import { createListingViaApi, insertListing, listingInput } from '../helpers/listings.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'
import { versionOf } from '../helpers/etag.ts'

// Federation (issue 6, item 4) and duplicate detection (item 7): provenance on every listing,
// demand and organisation; the sources registry; PUT upserts by external id; possibleDuplicates.

const { app, db } = await buildTestApp(t, { RATE_LIMIT_MAX: '0' })
const operator = await createOperator(db)
// A provincial portal run by a connection point, which acts for a member enterprise.
const portal = await createMember(db, { kind: 'connection_point', role: 'admin', name: 'Cổng cung cầu công nghệ Hà Nội' })
const portalEditor = { authorization: `Bearer ${(await createApiKey(db, { organizationId: portal.organization.id, role: 'editor' })).key}` }
const portalReader = { authorization: `Bearer ${(await createApiKey(db, { organizationId: portal.organization.id, role: 'reader' })).key}` }
const member = await createMember(db, { kind: 'enterprise', role: 'admin', name: 'Công ty Cổ phần Cơ khí Đông Anh' })
const stranger = await createMember(db, { kind: 'enterprise', role: 'admin', name: 'Công ty TNHH Phân bón Xanh' })
await recordDelegation(app, operator.auth, portal.organization.id, member.organization.id)

type Body = Record<string, unknown> & {
  id: string
  version: number
  status: string
  provenance: { source: string; externalId: string | null; globalId: string }
}
type Duplicate = { id: string; title: string; similarity: number; descriptionSimilarity: number | null; provenance?: Body['provenance'] }

const put = (
  source: string,
  externalId: string,
  body: Record<string, unknown>,
  auth: Record<string, string> = portalEditor,
  headers: Record<string, string> = {},
) => app.inject({ method: 'PUT', url: `/v1/sources/${source}/listings/${encodeURIComponent(externalId)}`, headers: { ...auth, ...headers }, payload: body })

const sourced = (overrides: Record<string, unknown> = {}) => ({
  ...listingInput({ titleVi: 'Máy gieo hạt khí nén cho ruộng lúa', titleEn: null }),
  status: 'draft',
  ...overrides,
})

/** The catalogue events written for a record, oldest first. */
async function eventTypes(id: string) {
  const rows = await db.select({ type: outboxEvents.type }).from(outboxEvents).where(eq(outboxEvents.subjectId, id)).orderBy(asc(outboxEvents.id))
  return rows.map((row) => row.type)
}

async function auditOperations(id: string) {
  const rows = await db.select({ operation: auditEvents.operation }).from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(asc(auditEvents.id))
  return rows.map((row) => row.operation)
}

async function copiesOf(source: string, externalId: string) {
  const [row] = await db
    .select({ n: count() })
    .from(listings)
    .where(and(eq(listings.source, source), eq(listings.externalId, externalId)))
  return row!.n
}

let sourceId = ''

t.test('the operator registers a source; anyone reads the registry', async (t) => {
  const body = {
    id: 'hanoi-portal',
    name: 'Cổng cung cầu công nghệ Hà Nội',
    organizationId: portal.organization.id,
    homepage: 'https://techport.hanoi.example.vn',
  }
  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/sources', headers: portal.auth, payload: body }), 403, 'forbidden')
  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/sources', payload: body }), 401, 'unauthorized')
  const created = await app.inject({ method: 'POST', url: '/v1/sources', headers: operator.auth, payload: body })
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, '/v1/sources/hanoi-portal')
  t.match(created.json(), { ...body, createdAt: String, updatedAt: String })
  sourceId = created.json().id

  const read = await app.inject({ method: 'GET', url: '/v1/sources/hanoi-portal' })
  t.equal(read.statusCode, 200)
  t.same(read.json(), created.json())
  const list = await app.inject({ method: 'GET', url: '/v1/sources?limit=1' })
  t.same(list.json(), { items: [created.json()], nextCursor: null })
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/sources/nowhere' }), 404, 'not_found')

  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/sources', headers: operator.auth, payload: body }), 409, 'already_exists')
  const reserved = assertProblem(
    t,
    await app.inject({ method: 'POST', url: '/v1/sources', headers: operator.auth, payload: { ...body, id: 'tech-exchange' } }),
    422,
    'reserved_source',
  )
  t.same(pointers(reserved), ['#/id'])
  const unknown = { ...body, id: 'ghost-portal', organizationId: '00000000-0000-4000-8000-000000000000' }
  t.same(
    pointers(assertProblem(t, await app.inject({ method: 'POST', url: '/v1/sources', headers: operator.auth, payload: unknown }), 422, 'reference_not_found')),
    ['#/organizationId'],
  )
  assertProblem(
    t,
    await app.inject({ method: 'POST', url: '/v1/sources', headers: operator.auth, payload: { ...body, id: 'Bad Id' } }),
    400,
    'validation_failed',
  )
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/sources?cursor=bm9wZQ' }), 400, 'invalid_cursor')
})

t.test("this exchange's own records carry its id as their source", async (t) => {
  const created = await createListingViaApi(app, stranger.auth, { titleVi: 'Chế phẩm vi sinh xử lý rơm rạ tại ruộng' })
  const expected = { source: 'tech-exchange', externalId: null, globalId: `tech-exchange:listing:${created.id}` }
  t.same(created.provenance, expected, 'on the creation')
  await app.inject({ method: 'POST', url: `/v1/listings/${created.id}/publish`, headers: stranger.auth })
  t.same((await app.inject({ method: 'GET', url: `/v1/listings/${created.id}` })).json().provenance, expected, 'on the listing')
  const found = (await app.inject({ method: 'GET', url: '/v1/listings?q=rom ra vi sinh' })).json().items as Body[]
  t.same(
    found.map((item) => item.provenance),
    [expected],
    'on search results',
  )

  const demand = await fileOpenDemand(app, member.auth, { titleVi: 'Cần chế phẩm xử lý rơm rạ vi sinh' })
  const demandProvenance = { source: 'tech-exchange', externalId: null, globalId: `tech-exchange:demand:${demand.id}` }
  t.same(demand.provenance, demandProvenance, 'on a demand')
  const demandItems = (await app.inject({ method: 'GET', url: '/v1/demands?q=che pham rom ra' })).json().items as Body[]
  t.same(
    demandItems.map((item) => item.provenance),
    [demandProvenance],
    'on demand search results',
  )

  const organization = (await app.inject({ method: 'GET', url: `/v1/organizations/${member.organization.id}` })).json()
  t.same(organization.provenance, { source: 'tech-exchange', externalId: null, globalId: `tech-exchange:organization:${member.organization.id}` })
  const listed = (await app.inject({ method: 'GET', url: '/v1/organizations?q=Đông Anh' })).json().items as Body[]
  t.same(
    listed.map((item) => item.provenance.globalId),
    [organization.provenance.globalId],
    'on the organisation list',
  )

  // A match embeds both summaries, with their provenance.
  const match = await app.inject({
    method: 'POST',
    url: '/v1/matches',
    headers: operator.auth,
    payload: { demandId: demand.id, listingId: created.id, note: 'Chế phẩm đúng nhu cầu xử lý rơm rạ' },
  })
  t.equal(match.statusCode, 201)
  t.same(match.json().listing.provenance, expected)
  t.same(match.json().demand.provenance, demandProvenance)
})

t.test("another source's records are named by their id there", async (t) => {
  const organization = await createOrganization(db, { source: sourceId, externalId: 'ORG-77' })
  t.same((await app.inject({ method: 'GET', url: `/v1/organizations/${organization.id}` })).json().provenance, {
    source: sourceId,
    externalId: 'ORG-77',
    globalId: `${sourceId}:organization:ORG-77`,
  })
  const [demand] = await db
    .insert(demands)
    .values({
      ownerId: member.organization.id,
      status: 'open',
      titleVi: 'Cần dây chuyền đóng gói chè',
      problemVi: 'Đóng gói thủ công chậm.',
      openedAt: new Date(),
      source: sourceId,
      externalId: 'NC-12',
    })
    .returning({ id: demands.id })
  const expected = { source: sourceId, externalId: 'NC-12', globalId: `${sourceId}:demand:NC-12` }
  t.same((await app.inject({ method: 'GET', url: `/v1/demands/${demand!.id}` })).json().provenance, expected)
  const items = (await app.inject({ method: 'GET', url: '/v1/demands?q=dong goi che' })).json().items as Body[]
  t.same(items[0]?.provenance, expected, 'the best match, named by its id there')
})

t.test("an anonymous listing hides its owner's own reference with the owner", async (t) => {
  const id = await insertListing(db, {
    ownerId: stranger.organization.id,
    titleVi: 'Giống chè lai năng suất cao',
    anonymous: true,
    externalId: 'PBX-INTERNAL-9',
  })
  const outsider = (await app.inject({ method: 'GET', url: `/v1/listings/${id}` })).json()
  t.same(outsider.provenance, { source: 'tech-exchange', externalId: null, globalId: `tech-exchange:listing:${id}` })
  t.equal(
    (await app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers: stranger.auth })).json().provenance.externalId,
    'PBX-INTERNAL-9',
    'the owner sees it',
  )
  const items = (await app.inject({ method: 'GET', url: '/v1/listings?q=giong che lai' })).json().items as Body[]
  t.same(
    items.map((item) => item.provenance.externalId),
    [null],
    'so does a search result',
  )
})

t.test("a source's listing: created, re-sent, edited, published, withdrawn", async (t) => {
  const first = await put(sourceId, 'HN-001', sourced())
  t.equal(first.statusCode, 201)
  const created = first.json() as Body
  t.equal(first.headers.location, `/v1/listings/${created.id}`)
  t.equal(versionOf(first.headers.etag), 1)
  t.match(created, {
    status: 'draft',
    version: 1,
    owner: { id: portal.organization.id },
    titleVi: 'Máy gieo hạt khí nén cho ruộng lúa',
    possibleDuplicates: [],
  })
  t.same(created.provenance, { source: sourceId, externalId: 'HN-001', globalId: `${sourceId}:listing:HN-001` })
  t.same(await eventTypes(created.id), ['listing.created'])

  const again = await put(sourceId, 'HN-001', sourced())
  t.equal(again.statusCode, 200, 'the same body again')
  t.same(again.json(), created, 'answers the listing as it is')
  t.same(await eventTypes(created.id), ['listing.created'], 'writes no event')
  t.same(await auditOperations(created.id), ['listing.create'], 'and no audit entry')

  const published = await put(sourceId, 'HN-001', sourced({ status: 'published' }))
  t.equal(published.statusCode, 200)
  t.match(published.json(), { status: 'published', version: 2, publishedAt: String })
  t.equal(versionOf(published.headers.etag), 2)
  const publicView = (await app.inject({ method: 'GET', url: `/v1/listings/${created.id}` })).json()
  t.same(publicView.provenance, created.provenance, 'the public sees where it comes from')
  const found = (await app.inject({ method: 'GET', url: '/v1/listings?q=may gieo hat khi nen' })).json().items as Body[]
  t.same(
    found.map((item) => item.provenance.globalId),
    [`${sourceId}:listing:HN-001`],
  )

  const edited = await put(sourceId, 'HN-001', sourced({ status: 'published', titleEn: 'Pneumatic rice seeder', trl: 8 }), portalEditor, { 'if-match': '"2"' })
  t.equal(edited.statusCode, 200)
  t.match(edited.json(), { titleEn: 'Pneumatic rice seeder', trl: 8, version: 3 })
  // PUT replaces: what the body leaves out takes its default again.
  const trimmed = await put(sourceId, 'HN-001', { ...sourced({ status: 'published' }), titleEn: undefined, trl: undefined, media: undefined })
  t.match(trimmed.json(), { titleEn: null, trl: null, media: [], version: 4 })

  const withdrawn = await put(sourceId, 'HN-001', sourced({ status: 'withdrawn', withdrawReason: 'Đã chuyển giao cho hợp tác xã' }))
  t.equal(withdrawn.statusCode, 200)
  t.match(withdrawn.json(), { status: 'withdrawn', withdrawReason: 'Đã chuyển giao cho hợp tác xã', version: 5 })
  t.same(await eventTypes(created.id), ['listing.created', 'listing.published', 'listing.updated', 'listing.updated', 'listing.withdrawn'])
  t.same(await auditOperations(created.id), ['listing.create', 'listing.publish', 'listing.update', 'listing.update', 'listing.withdraw'])

  t.equal((await put(sourceId, 'HN-001', sourced({ status: 'withdrawn' }))).statusCode, 200, 'a withdrawn listing re-sent as withdrawn is a no-op')
  t.same(assertProblem(t, await put(sourceId, 'HN-001', sourced({ status: 'published' })), 409, 'invalid_state').status, 409, 'withdrawn is final')
  t.equal(await copiesOf(sourceId, 'HN-001'), 1)
})

t.test('published at once, taken back to draft, published again', async (t) => {
  const first = await put(sourceId, 'HN-002', sourced({ status: 'published', titleVi: 'Hệ thống tưới nhỏ giọt điều khiển qua điện thoại' }), portal.auth)
  t.equal(first.statusCode, 201)
  const id = (first.json() as Body).id
  t.match(first.json(), { status: 'published', publishedAt: String })
  t.equal(
    (await put(sourceId, 'HN-002', sourced({ status: 'draft', titleVi: 'Hệ thống tưới nhỏ giọt điều khiển qua điện thoại' }), portal.auth)).json().status,
    'draft',
  )
  t.equal((await app.inject({ method: 'GET', url: `/v1/listings/${id}` })).statusCode, 404, 'a draft again: hidden from the public')
  t.equal(
    (await put(sourceId, 'HN-002', sourced({ status: 'published', titleVi: 'Hệ thống tưới nhỏ giọt điều khiển qua điện thoại' }), portal.auth)).json().status,
    'published',
  )
  t.same(await eventTypes(id), ['listing.created', 'listing.published', 'listing.unpublished', 'listing.published'])
})

t.test('for a member: ownerId, once', async (t) => {
  const created = await put(sourceId, 'HN-003', sourced({ ownerId: member.organization.id, titleVi: 'Lò sấy nông sản dùng năng lượng mặt trời' }), portal.auth)
  t.equal(created.statusCode, 201)
  t.equal(created.json().owner.id, member.organization.id)
  const moved = assertProblem(
    t,
    await put(sourceId, 'HN-003', sourced({ ownerId: portal.organization.id, titleVi: 'Lò sấy nông sản dùng năng lượng mặt trời' }), portal.auth),
    422,
    'owner_fixed',
  )
  t.same(pointers(moved), ['#/ownerId'])
  const foreign = assertProblem(t, await put(sourceId, 'HN-004', sourced({ ownerId: stranger.organization.id }), portal.auth), 403, 'forbidden')
  t.same(pointers(foreign), ['#/ownerId'])
  t.equal(await copiesOf(sourceId, 'HN-004'), 0)
})

t.test('refusals write nothing', async (t) => {
  const [before] = await db.select({ n: count() }).from(listings)
  assertProblem(t, await put('nowhere', 'X-1', sourced()), 404, 'not_found')
  assertProblem(t, await put(sourceId, 'X-1', sourced(), stranger.auth), 403, 'forbidden')
  assertProblem(t, await put(sourceId, 'X-1', sourced(), member.auth), 403, 'forbidden')
  assertProblem(t, await put(sourceId, 'X-1', sourced(), portalReader), 403, 'forbidden')
  assertProblem(t, await app.inject({ method: 'PUT', url: `/v1/sources/${sourceId}/listings/X-1`, payload: sourced() }), 401, 'unauthorized')
  const { status: _status, ...noStatus } = sourced()
  assertProblem(t, await put(sourceId, 'X-1', noStatus), 400, 'validation_failed')
  assertProblem(t, await put(sourceId, 'X-1', sourced({ status: 'expired' })), 400, 'validation_failed')
  assertProblem(t, await put(sourceId, 'X 1', sourced()), 400, 'validation_failed')
  assertProblem(t, await put(sourceId, 'a/b', sourced()), 400, 'validation_failed')
  t.same(pointers(assertProblem(t, await put(sourceId, 'X-1', sourced({ priceType: 'amount', priceVnd: null })), 422, 'invalid_listing')), ['#/priceVnd'])
  t.same(pointers(assertProblem(t, await put(sourceId, 'X-1', sourced({ provinceCodes: ['99'] })), 422, 'unknown_province')), ['#/provinceCodes/0'])
  assertProblem(t, await put(sourceId, 'X-1', sourced({ status: 'published', validUntil: '2026-01-01' })), 422, 'validity_passed')
  assertProblem(t, await put(sourceId, 'X-1', sourced({ status: 'withdrawn' })), 409, 'invalid_transition')
  assertProblem(t, await put(sourceId, 'X-1', sourced(), portalEditor, { 'if-match': '"1"' }), 412, 'precondition_failed')
  const [after] = await db.select({ n: count() }).from(listings)
  t.equal(after!.n, before!.n)

  t.equal((await put(sourceId, 'X-2', sourced())).statusCode, 201)
  assertProblem(t, await put(sourceId, 'X-2', sourced({ titleEn: 'Stale' }), portalEditor, { 'if-match': '"7"' }), 412, 'precondition_failed')
  assertProblem(t, await put(sourceId, 'X-2', sourced({ status: 'withdrawn' })), 409, 'invalid_transition')
  t.equal((await put(sourceId, 'X-2', sourced())).json().version, 1, 'the refused writes left it alone')
})

t.test('two concurrent first PUTs of one external id make one listing', async (t) => {
  const body = sourced({ titleVi: 'Robot thu hoạch dứa tự động' })
  const responses = await Promise.all([1, 2, 3, 4].map(() => put(sourceId, 'HN-RACE', body)))
  t.same(responses.map((response) => response.statusCode).sort(), [200, 200, 200, 201], 'one creates, the others find it as it is')
  t.equal(new Set(responses.map((response) => response.json().id)).size, 1, 'all name the same listing')
  t.equal(await copiesOf(sourceId, 'HN-RACE'), 1)
  const id = responses[0]!.json().id as string
  t.same(await eventTypes(id), ['listing.created'])

  const edits = await Promise.all(['A', 'B'].map((suffix) => put(sourceId, 'HN-RACE-2', sourced({ titleVi: `Robot thu hoạch dứa ${suffix}` }))))
  t.same(edits.map((response) => response.statusCode).sort(), [200, 201], 'different bodies: one creates, the other updates')
  t.equal(await copiesOf(sourceId, 'HN-RACE-2'), 1)
})

t.test("a source's demand: filed for a member, opened, closed", async (t) => {
  const putDemand = (externalId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    app.inject({ method: 'PUT', url: `/v1/sources/${sourceId}/demands/${externalId}`, headers: { ...portalEditor, ...headers }, payload: body })
  const demand = (overrides: Record<string, unknown> = {}) => ({
    ...demandInput({ titleVi: 'Cần máy bóc vỏ lạc quy mô hộ' }),
    ownerId: member.organization.id,
    status: 'draft',
    ...overrides,
  })

  const { ownerId: _ownerId, ...forPortal } = demand()
  assertProblem(t, await putDemand('NC-001', forPortal), 403, 'forbidden')
  const first = await putDemand('NC-001', demand())
  t.equal(first.statusCode, 201)
  const created = first.json() as Body
  t.equal(first.headers.location, `/v1/demands/${created.id}`)
  t.match(created, { status: 'draft', version: 1, owner: { id: member.organization.id }, currentProvinceCode: '37' })
  t.same(created.provenance, { source: sourceId, externalId: 'NC-001', globalId: `${sourceId}:demand:NC-001` })
  t.same((await putDemand('NC-001', demand())).json(), created, 'the same body again changes nothing')

  assertProblem(t, await putDemand('NC-001', demand({ status: 'open' }), { 'if-match': '"5"' }), 412, 'precondition_failed')
  t.same(pointers(assertProblem(t, await putDemand('NC-001', demand({ budgetMinVnd: 9_000_000_000 })), 422, 'invalid_budget')), ['#/budgetMinVnd'])
  assertProblem(t, await putDemand('NC-001', demand({ status: 'open', deadline: '2026-01-31' })), 422, 'deadline_passed')
  assertProblem(t, await putDemand('NC-001', demand({ status: 'closed', closeReason: 'fulfilled' })), 409, 'invalid_transition')
  const opened = await putDemand('NC-001', demand({ status: 'open' }), { 'if-match': '"1"' })
  t.match(opened.json(), { status: 'open', openedAt: String, version: 2 })
  t.equal((await app.inject({ method: 'GET', url: `/v1/demands/${created.id}` })).json().provenance.globalId, `${sourceId}:demand:NC-001`, 'public once open')

  assertProblem(t, await putDemand('NC-001', demand({ status: 'draft' })), 409, 'invalid_transition')
  t.same(pointers(assertProblem(t, await putDemand('NC-001', demand({ status: 'closed' })), 422, 'reason_required')), ['#/closeReason'])
  t.same(pointers(assertProblem(t, await putDemand('NC-001', demand({ status: 'closed', closeReason: 'other' })), 422, 'note_required')), ['#/closeNote'])
  const closed = await putDemand('NC-001', demand({ status: 'closed', closeReason: 'fulfilled', closeNote: 'Đã mua máy của viện' }))
  t.match(closed.json(), { status: 'closed', closeReason: 'fulfilled', closeNote: 'Đã mua máy của viện', version: 3 })
  t.equal((await putDemand('NC-001', demand({ status: 'closed', closeReason: 'fulfilled' }))).json().version, 3, 'closed again: unchanged')
  assertProblem(t, await putDemand('NC-001', demand({ status: 'open' })), 409, 'invalid_state')
  t.same(await eventTypes(created.id), ['demand.created', 'demand.opened', 'demand.closed'])
  t.same(await auditOperations(created.id), ['demand.create', 'demand.open', 'demand.close'])

  const race = await Promise.all([1, 2, 3].map(() => putDemand('NC-RACE', demand({ status: 'open' }))))
  t.same(race.map((response) => response.statusCode).sort(), [200, 200, 201])
  const [copies] = await db
    .select({ n: count() })
    .from(demands)
    .where(and(eq(demands.source, sourceId), eq(demands.externalId, 'NC-RACE')))
  t.equal(copies!.n, 1)
})

t.test('possibleDuplicates: near titles the owner may see', async (t) => {
  const title = 'Quy trình sản xuất phân bón hữu cơ từ phụ phẩm nông nghiệp'
  const published = await insertListing(db, { ownerId: stranger.organization.id, titleVi: title, descriptionVi: 'Ủ phân hữu cơ từ rơm rạ và vỏ cà phê.' })
  const hiddenDraft = await insertListing(db, { ownerId: stranger.organization.id, status: 'draft', titleVi: `${title} (bản nháp)` })
  const withdrawn = await insertListing(db, { ownerId: stranger.organization.id, status: 'withdrawn', titleVi: title })
  const ownDraft = await insertListing(db, { ownerId: member.organization.id, status: 'draft', titleVi: `${title} quy mô hộ` })

  const created = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: member.auth,
    payload: listingInput({
      titleVi: 'Quy trình sản xuất phân bón hữu cơ từ phụ phẩm nông nghiệp mới',
      descriptionVi: 'Ủ phân từ rơm rạ, vỏ cà phê.',
      keywords: [],
    }),
  })
  t.equal(created.statusCode, 201)
  const duplicates = created.json().possibleDuplicates as Duplicate[]
  t.same(
    duplicates.map((duplicate) => duplicate.id).sort(),
    [published, ownDraft].sort(),
    "a published listing and the owner's own draft; never another's draft or a withdrawn one",
  )
  t.notOk(duplicates.some((duplicate) => [hiddenDraft, withdrawn].includes(duplicate.id)))
  for (const duplicate of duplicates) {
    t.ok(duplicate.similarity >= 0.5 && duplicate.similarity <= 1, `similarity ${duplicate.similarity}`)
    t.equal(typeof duplicate.descriptionSimilarity, 'number')
  }
  t.match(
    duplicates.find((duplicate) => duplicate.id === published),
    { title, provenance: { source: 'tech-exchange', globalId: `tech-exchange:listing:${published}` } },
  )

  const unrelated = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: member.auth,
    payload: listingInput({ titleVi: 'Cảm biến đo độ mặn nước sông', descriptionVi: 'Đo độ mặn liên tục, gửi cảnh báo qua SMS.', keywords: [] }),
  })
  t.same(unrelated.json().possibleDuplicates, [], 'an unrelated title has none')
  const unaccented = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: portal.auth,
    payload: listingInput({
      titleVi: 'quy trinh san xuat phan bon huu co tu phu pham nong nghiep',
      descriptionVi: 'U phan tu rom ra, vo ca phe.',
      keywords: [],
    }),
  })
  t.same(
    (unaccented.json().possibleDuplicates as Duplicate[]).map((duplicate) => duplicate.id),
    [published],
    'diacritics do not matter; another owner sees only the published one',
  )

  const upserted = await put(sourceId, 'HN-PB', sourced({ titleVi: title, descriptionVi: 'Ủ phân hữu cơ từ rơm rạ, vỏ cà phê.' }))
  t.equal(upserted.statusCode, 201)
  t.same(
    (upserted.json().possibleDuplicates as Duplicate[]).map((duplicate) => duplicate.id).sort(),
    [published, unaccented.json().id].sort(),
    'an upsert warns too',
  )
})
