import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import * as schema from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { keyMaker, sender } from '../helpers/requests.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { demandRow, fileDemand, fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator, createOrganization, tableCounts } from '../helpers/factories.ts'
import { createListingViaApi, insertListing, listingInput, storedListing } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'

// The operator splits organisation A between successors by rule: each of A's listings and demands
// gets the successor of the first rule it meets as its steward, which manages it (retiring only);
// the other successors do not. A turns read-only as after a merge. Reports count A's facts before
// the effective day for A and from it on for each record's steward. Every refusal writes nothing.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)

const keyOf = keyMaker(db)
const send = sender(app)
const organizationRow = async (id: string) => (await db.select().from(schema.organizations).where(eq(schema.organizations.id, id)))[0]
const splitUrl = (id: string) => `/v1/organizations/${id}/split`

// A firm (only enterprises file demands) divided between three.
const split = await createMember(db, { name: 'Công ty Cổ phần Công nghệ sinh học Bắc Nam' })
const splitId = split.organization.id
// B takes what lies in Ninh Bình (named by Nam Định's legacy code 36), C the agriculture elsewhere, D the rest.
const [b, c, d] = await Promise.all(
  ['Trung tâm KH&CN Ninh Bình', 'Trung tâm Nông nghiệp công nghệ cao', 'Trung tâm KH&CN Hà Nội'].map((name) =>
    createMember(db, { kind: 'transfer_centre', name }),
  ),
)
const [bEditor, bReader, cEditor, cReader, dEditor] = await Promise.all([
  keyOf(b!.organization.id, 'editor'),
  keyOf(b!.organization.id, 'reader'),
  keyOf(c!.organization.id, 'editor'),
  keyOf(c!.organization.id, 'reader'),
  keyOf(d!.organization.id, 'editor'),
])
const stranger = await createMember(db, { name: 'Công ty TNHH Cơ khí Nam Định' })
const merged = await createOrganization(db, { kind: 'transfer_centre', name: 'Trung tâm đã sáp nhập', mergedIntoId: b!.organization.id })
const rules = [
  { organizationId: b!.organization.id, provinceCodes: ['36'] },
  { organizationId: c!.organization.id, sectors: ['A'] },
  { organizationId: d!.organization.id },
]

// A's records, filed through the API as A would have.
const ninhBinh = await createListingViaApi(app, split.auth, { provinceCodes: ['36'], sectors: ['A'] })
const hanoi = await createListingViaApi(app, split.auth, { provinceCodes: ['01'], sectors: ['C'] })
const southDraft = await createListingViaApi(app, split.auth, { provinceCodes: ['79'], sectors: ['A'] })
const anonymous = await createListingViaApi(app, split.auth, { provinceCodes: ['79'], sectors: ['A'], anonymous: true })
const publications = await Promise.all([ninhBinh, hanoi, anonymous].map((listing) => send('POST', `/v1/listings/${listing.id}/publish`, split.auth)))
const ninhBinhDemand = await fileOpenDemand(app, split.auth, { provinceCode: '36', sectors: ['C'] })
const southDemand = await fileDemand(app, split.auth, { provinceCode: '79', sectors: ['J'] })
// A deal on the Ninh Bình listing, under way at the split.
const [deal] = await db
  .insert(schema.deals)
  .values({
    listingId: ninhBinh.id,
    providerId: splitId,
    seekerId: stranger.organization.id,
    origin: 'interest',
    initiatedBy: 'seeker',
    state: 'interest_expressed',
    reachedState: 'interest_expressed',
    message: 'Quan tâm',
    stateChangedAt: new Date(),
  })
  .returning()
t.ok(
  publications.every((response) => response.statusCode === 200),
  'the fixture listings are published',
)

t.test('refused splits write nothing', async (t) => {
  const before = await tableCounts(db)
  const row = await organizationRow(splitId)
  const body = (successors: unknown[], extra: Record<string, unknown> = {}) => ({ successors, ...extra })
  assertProblem(t, await send('POST', splitUrl(splitId), b!.auth, body(rules)), 403, 'forbidden')
  assertProblem(t, await send('POST', splitUrl(splitId), undefined, body(rules)), 401, 'unauthorized')
  assertProblem(t, await send('POST', splitUrl('00000000-0000-4000-8000-000000000000'), operator.auth, body(rules)), 404, 'not_found')
  assertProblem(t, await send('POST', splitUrl(splitId), operator.auth, body([rules[2]])), 400, 'validation_failed')
  const cases: Array<[unknown[], string[]]> = [
    [[rules[0], { organizationId: b!.organization.id }], ['#/successors']],
    [
      [rules[2], rules[0]],
      ['#/successors/0', '#/successors/1'],
    ],
    [[rules[0], { organizationId: splitId }], ['#/successors/1/organizationId']],
    [[rules[0], { organizationId: '00000000-0000-4000-8000-000000000000' }], ['#/successors/1/organizationId']],
    [[rules[0], { organizationId: merged.id }], ['#/successors/1/organizationId']],
    [[{ ...rules[0], provinceCodes: ['99'] }, rules[2]], ['#/successors/0/provinceCodes/0']],
  ]
  for (const [successors, pointers] of cases) {
    const code = pointers[0]!.includes('provinceCodes') ? 'unknown_province' : 'invalid_successor'
    const problem = assertProblem(t, await send('POST', splitUrl(splitId), operator.auth, body(successors)), 422, code)
    t.same(
      problem.errors?.map((error) => error.pointer),
      pointers,
      JSON.stringify(successors),
    )
  }
  assertProblem(t, await send('POST', splitUrl(splitId), operator.auth, body(rules, { effectiveOn: '2099-01-01' })), 422, 'invalid_effective_date')
  const stale = await app.inject({ method: 'POST', url: splitUrl(splitId), headers: { ...operator.auth, 'if-match': '"99"' }, payload: body(rules) })
  assertProblem(t, stale, 412, 'precondition_failed')
  t.same(await tableCounts(db), before, 'nothing written, no audit events')
  t.same(await organizationRow(splitId), row, 'A unchanged')
  t.equal((await storedListing(db, ninhBinh.id))!.stewardId, null, 'no steward given')
})

t.test('the operator splits A by rule', async (t) => {
  const listingVersion = (await storedListing(db, hanoi.id))!.version
  const response = await send('POST', splitUrl(splitId), operator.auth, { successors: rules, effectiveOn: '2025-07-01', reason: 'Chia tách theo địa bàn' })
  t.equal(response.statusCode, 200, response.body)
  const body = response.json()
  t.same(body.splitInto, [
    { organizationId: b!.organization.id, provinceCodes: ['37'], sectors: [] },
    { organizationId: c!.organization.id, provinceCodes: [], sectors: ['A'] },
    { organizationId: d!.organization.id, provinceCodes: [], sectors: [] },
  ])
  t.equal(body.mergedIntoId, d!.organization.id, 'the default successor')
  t.equal(body.mergeEffectiveOn, '2025-07-01')

  const stewards = async (table: 'listings' | 'demands', id: string) => (await send('GET', `/v1/${table}/${id}`, operator.auth)).json().stewardId
  t.equal(await stewards('listings', ninhBinh.id), b!.organization.id, 'Ninh Bình, the first rule (a legacy code resolved)')
  t.equal(await stewards('listings', hanoi.id), d!.organization.id, 'neither province nor sector: the default')
  t.equal(await stewards('listings', southDraft.id), c!.organization.id, 'agriculture elsewhere: the second rule')
  t.equal(await stewards('demands', ninhBinhDemand.id), b!.organization.id)
  t.equal(await stewards('demands', southDemand.id), d!.organization.id)
  t.equal((await storedListing(db, hanoi.id))!.version, listingVersion + 1, "a record's version moves with its steward")

  assertProblem(t, await send('GET', '/v1/api-keys/current', split.auth), 401, 'unauthorized')
  const [event] = (await auditTrailOf(db, splitId)).filter((row) => row.operation === 'organization.split')
  t.ok(event, 'the split is audited')
  t.same(event!.changes.mergedIntoId, { before: null, after: d!.organization.id })
  t.same(event!.changes.reason, { before: null, after: 'Chia tách theo địa bàn' })

  const feed = await send('GET', '/v1/events?types=organization.split')
  t.equal(feed.statusCode, 200, feed.body)
  const [published] = feed.json().items
  t.match(published, { type: 'organization.split', data: { id: splitId, successorId: d!.organization.id } })
  t.same(published.data.successors, body.splitInto, 'the rules, for mirrors')
})

t.test("each successor manages its own share of A's records, retiring only", async (t) => {
  t.equal((await send('GET', `/v1/listings/${southDraft.id}`, cReader)).statusCode, 200, "C's reader sees the draft C was given")
  t.equal((await send('GET', `/v1/listings/${southDraft.id}`, bReader)).statusCode, 404, 'B does not')
  t.equal((await send('GET', `/v1/demands/${southDemand.id}`, dEditor)).statusCode, 200, 'D sees the draft demand it was given')
  t.equal((await send('GET', `/v1/demands/${southDemand.id}`, cReader)).statusCode, 404)

  const before = await tableCounts(db)
  assertProblem(t, await send('POST', `/v1/listings/${ninhBinh.id}/withdraw`, cEditor, { reason: 'Không còn' }), 403, 'forbidden')
  assertProblem(t, await send('POST', `/v1/demands/${ninhBinhDemand.id}/close`, dEditor, { reason: 'fulfilled' }), 403, 'forbidden')
  const edit = assertProblem(t, await send('PATCH', `/v1/listings/${southDraft.id}`, cEditor, { titleEn: 'Renamed' }), 409, 'organization_merged')
  t.match(edit.detail, 'chia tách', 'the detail says A was split')
  assertProblem(t, await send('POST', `/v1/listings/${southDraft.id}/publish`, cEditor), 409, 'organization_merged')
  assertProblem(t, await send('POST', '/v1/listings', operator.auth, listingInput({ ownerId: splitId })), 409, 'organization_merged')
  assertProblem(t, await send('POST', '/v1/listings', cEditor, listingInput({ ownerId: splitId })), 403, 'forbidden')
  t.same(await tableCounts(db), before, 'nothing written')

  const withdrawn = await send('POST', `/v1/listings/${ninhBinh.id}/withdraw`, bEditor, { reason: 'Trung tâm đã chia tách' })
  t.equal(withdrawn.statusCode, 200, withdrawn.body)
  t.match(withdrawn.json(), { status: 'withdrawn', owner: { id: splitId }, stewardId: b!.organization.id })
  const closed = await send('POST', `/v1/demands/${ninhBinhDemand.id}/close`, bEditor, { reason: 'fulfilled' })
  t.equal(closed.statusCode, 200, closed.body)
  const [event] = (await auditTrailOf(db, ninhBinh.id)).filter((row) => row.operation === 'listing.withdraw')
  t.equal(event!.actingOrganizationId, b!.organization.id, 'recorded as done by B')
  t.equal(event!.owningOrganizationId, splitId, 'on a record of A')
  t.equal((await demandRow(db, ninhBinhDemand.id))!.status, 'closed')
})

t.test("A's side of a deal passes to the steward of the deal's listing", async (t) => {
  const seen = await send('GET', `/v1/deals/${deal!.id}`, bReader)
  t.equal(seen.statusCode, 200, seen.body)
  t.ok(seen.json().yourRoles.includes('provider'), 'B takes the provider side')
  t.equal((await send('GET', `/v1/deals/${deal!.id}`, cReader)).statusCode, 404, 'C does not see it')
})

t.test('a stranger sees no steward where the owner is hidden', async (t) => {
  const hidden = (await send('GET', `/v1/listings/${anonymous.id}`, stranger.auth)).json()
  t.match(hidden, { owner: { id: null }, stewardId: null })
  t.ok(hidden.redacted.includes('owner'))
  const own = (await send('GET', `/v1/listings/${anonymous.id}`, cReader)).json()
  t.match(own, { owner: { id: splitId }, stewardId: c!.organization.id, redacted: [] })
})

t.test('a split is applied once, and A cannot be merged after it', async (t) => {
  const before = await tableCounts(db)
  assertProblem(t, await send('POST', splitUrl(splitId), operator.auth, { successors: rules }), 409, 'already_merged')
  assertProblem(t, await send('POST', `/v1/organizations/${splitId}/merge`, operator.auth, { intoOrganizationId: b!.organization.id }), 409, 'already_merged')
  t.same(await tableCounts(db), before)
})

// Reports, on facts placed in time around a split that took effect on 1 July 2024.
type Figures = Record<string, number>
const report = async (query: string) => {
  const response = await send('GET', `/v1/reports/activity?${query}`)
  if (response.statusCode !== 200) throw new Error(`report failed: ${response.statusCode} ${response.body}`)
  return response.json() as { totals: { values: Figures[] }; groups: Array<{ key: string; total: Figures }> }
}

t.test("reports: A's facts before the day for A, from it on for each record's steward", async (t) => {
  const centre = await createOrganization(db, {
    kind: 'transfer_centre',
    name: 'Trung tâm Ứng dụng KH&CN Hà Tây',
    provinceCode: '01',
    currentProvinceCode: '01',
  })
  const [north, south] = await Promise.all([
    createOrganization(db, { kind: 'transfer_centre', name: 'Trung tâm phía Bắc', provinceCode: '01', currentProvinceCode: '01' }),
    createOrganization(db, { kind: 'transfer_centre', name: 'Trung tâm phía Nam', provinceCode: '79', currentProvinceCode: '79' }),
  ])
  const listing = (provinceCodes: string[], publishedAt: string) =>
    insertListing(db, { ownerId: centre.id, provinceCodes, sectors: ['A'], publishedAt: new Date(publishedAt) })
  await listing(['79'], '2023-05-01T02:00:00Z')
  await listing(['01'], '2024-03-01T02:00:00Z')
  const northAfter = await listing(['01'], '2024-09-01T02:00:00Z')
  await listing(['79'], '2024-10-01T02:00:00Z')
  // 23:30 on 30 June in Vietnam: still the old centre's.
  const southBefore = await listing(['79'], '2024-06-30T16:30:00Z')
  const seekerId = stranger.organization.id
  const dealOf = (listingId: string, created: string, completedOn: string) => ({
    listingId,
    providerId: centre.id,
    seekerId,
    origin: 'interest' as const,
    initiatedBy: 'seeker' as const,
    state: 'completed' as const,
    reachedState: 'completed' as const,
    message: 'Quan tâm',
    completedOn,
    transferValueVnd: 40_000_000,
    createdAt: new Date(created),
    stateChangedAt: new Date(created),
    updatedAt: new Date(created),
  })
  await db.insert(schema.deals).values([dealOf(northAfter, '2024-08-01T02:00:00Z', '2024-11-01'), dealOf(southBefore, '2024-01-05T02:00:00Z', '2024-12-01')])
  await db.insert(schema.demands).values({
    ownerId: centre.id,
    titleVi: 'Cần công nghệ bảo quản',
    problemVi: 'Hư hỏng sau thu hoạch.',
    status: 'open',
    provinceCode: '01',
    currentProvinceCode: '01',
    openedAt: new Date('2024-08-01T02:00:00Z'),
  })
  const years = 'period=year&from=2023-01-01&to=2024-12-31'
  const whole = await report(years)

  const response = await send('POST', splitUrl(centre.id), operator.auth, {
    successors: [{ organizationId: north.id, provinceCodes: ['01'] }, { organizationId: south.id }],
    effectiveOn: '2024-07-01',
  })
  t.equal(response.statusCode, 200, response.body)

  const figures = async (query: string, id: string, metric: string) =>
    (await report(`${query}&groupBy=organization&organizationId=${id}`)).totals.values.map((values) => values[metric])
  t.same(await figures(years, centre.id, 'listingsPublished'), [1, 2], 'before the day: the old centre')
  t.same(await figures(years, north.id, 'listingsPublished'), [0, 1], "from the day: the steward's")
  t.same(await figures(years, south.id, 'listingsPublished'), [0, 1])
  t.same(await figures(years, north.id, 'demandsOpened'), [0, 1], "a demand's opening, for its steward")
  t.same(await figures(years, north.id, 'dealsStarted'), [0, 1], "a deal, for its listing's steward")
  t.same(await figures(years, north.id, 'completedTransfers'), [0, 1])
  t.same(await figures(years, centre.id, 'dealsStarted'), [0, 1], 'a deal started before the day stays with the old centre')
  t.same(await figures(years, south.id, 'completedTransfers'), [0, 1], 'but its completion after the day is the steward’s')
  t.same(await figures(years, centre.id, 'completedTransfers'), [0, 0])
  t.same(await figures('period=month&from=2024-06-01&to=2024-09-30', north.id, 'listingsPublished'), [0, 0, 0, 1], 'months around the day')
  t.same(await figures('ranges=2024-06-15..2024-07-15', centre.id, 'listingsPublished'), [1], 'a range the day cuts through')
  t.same(await figures(`${years}&successor=true`, north.id, 'listingsPublished'), [0, 2], "successor=true: all of A's history, by steward")
  t.same(await figures(`${years}&successor=true`, south.id, 'listingsPublished'), [1, 2])
  t.same(await figures(`${years}&successor=true`, centre.id, 'listingsPublished'), [0, 0])
  const sectors = await report(`${years}&groupBy=sector&organizationId=${north.id}`)
  t.equal(sectors.groups.find((group) => group.key === 'A')?.total.listingsPublished, 1, 'by sector too')
  t.same((await report(years)).totals, whole.totals, 'the exchange as a whole counts every fact once, as before')
  // The same from the roll-up as from the records: a rebuild changes nothing.
  const before = await report(`period=month&from=2023-01-01&to=2024-12-31&groupBy=organization`)
  await db.execute(sql`select tx_activity_rebuild()`)
  t.same(await report(`period=month&from=2023-01-01&to=2024-12-31&groupBy=organization`), before)
})
