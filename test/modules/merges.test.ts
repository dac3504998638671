import { eq } from 'drizzle-orm'
import t from 'tap'
import { apiKeys, delegations, organizations } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { keyMaker, sender } from '../helpers/requests.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { demandInput, demandRow, fileDemand, fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator, nationalScope, tableCounts } from '../helpers/factories.ts'
import { createListingViaApi, listingInput, storedListing } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'
import { versionOf } from '../helpers/etag.ts'

// The operator merges organisation A into B: A turns read-only and points to B, its keys stop
// working, its delegations end, its records stay A's but B manages them (retiring only), and the
// merge cannot be applied twice. Every refusal leaves the database as it was.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)

const keyOf = keyMaker(db)
const send = sender(app)
const organizationRow = async (id: string) => (await db.select().from(organizations).where(eq(organizations.id, id)))[0]

const merged = await createMember(db, { name: 'Trung tâm Ứng dụng tiến bộ KH&CN Hà Tây' })
const mergedId = merged.organization.id
const mergedEditor = await keyOf(mergedId, 'editor')
const successor = await createMember(db, { name: 'Trung tâm Ứng dụng tiến bộ KH&CN Hà Nội' })
const successorId = successor.organization.id
const successorEditor = await keyOf(successorId, 'editor')
const successorReader = await keyOf(successorId, 'reader')
const outsider = await createMember(db, { name: 'Công ty TNHH Thiết bị Ninh Bình' })
const point = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Hà Nội', delegationScope: nationalScope })
const pendingPoint = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Hà Đông', delegationScope: nationalScope })

// A's records and delegation, made before the merge through the API, as A would have.
// (Asserted only after the last await: tap ends a file whose top level asserts and then goes on awaiting.)
const delegation = await send('POST', '/v1/delegations', point.auth, { memberOrganizationId: mergedId })
const delegationId = delegation.json().id as string
const accepted = await send('POST', `/v1/delegations/${delegationId}/accept`, merged.auth)
// A second agent's proposal, still unanswered at the merge.
const proposal = await send('POST', '/v1/delegations', pendingPoint.auth, { memberOrganizationId: mergedId })
const proposalId = proposal.json().id as string
const draftListing = await createListingViaApi(app, merged.auth)
const publishedListing = await createListingViaApi(app, merged.auth)
const published = await send('POST', `/v1/listings/${publishedListing.id}/publish`, merged.auth)
const secondListing = await createListingViaApi(app, merged.auth)
const secondPublished = await send('POST', `/v1/listings/${secondListing.id}/publish`, merged.auth)
const draftDemand = await fileDemand(app, merged.auth)
const openDemand = await fileOpenDemand(app, merged.auth)
t.equal(delegation.statusCode, 201, 'the fixture delegation')
t.equal(accepted.statusCode, 200, 'A accepted it')
t.equal(proposal.statusCode, 201, 'the fixture proposal')
t.equal(published.statusCode, 200, 'the fixture listing is published')
t.equal(secondPublished.statusCode, 200, 'the second fixture listing is published')

const mergeUrl = (id: string) => `/v1/organizations/${id}/merge`

t.test('refused merges write nothing', async (t) => {
  const before = await tableCounts(db)
  const row = await organizationRow(mergedId)
  assertProblem(t, await send('POST', mergeUrl(mergedId), { ...successor.auth }, { intoOrganizationId: successorId }), 403, 'forbidden')
  assertProblem(t, await send('POST', mergeUrl(mergedId), undefined, { intoOrganizationId: successorId }), 401, 'unauthorized')
  const self = assertProblem(t, await send('POST', mergeUrl(mergedId), operator.auth, { intoOrganizationId: mergedId }), 422, 'invalid_successor')
  t.same(
    self.errors?.map((error) => error.pointer),
    ['#/intoOrganizationId'],
  )
  assertProblem(
    t,
    await send('POST', mergeUrl(mergedId), operator.auth, { intoOrganizationId: '00000000-0000-4000-8000-000000000000' }),
    422,
    'invalid_successor',
  )
  assertProblem(t, await send('POST', mergeUrl('00000000-0000-4000-8000-000000000000'), operator.auth, { intoOrganizationId: successorId }), 404, 'not_found')
  const stale = await app.inject({
    method: 'POST',
    url: mergeUrl(mergedId),
    headers: { ...operator.auth, 'if-match': '"99"' },
    payload: { intoOrganizationId: successorId },
  })
  assertProblem(t, stale, 412, 'precondition_failed')
  t.same(await tableCounts(db), before, 'nothing written, no audit events')
  t.same(await organizationRow(mergedId), row, 'A unchanged')
  t.same(await auditTrailOf(db, mergedId).then((events) => events.filter((event) => event.operation === 'organization.merge')), [], 'no merge event')
})

t.test('the operator merges A into B', async (t) => {
  const version = (await organizationRow(mergedId))!.version
  const response = await app.inject({
    method: 'POST',
    url: mergeUrl(mergedId),
    headers: { ...operator.auth, 'if-match': `"${version}"` },
    payload: { intoOrganizationId: successorId, reason: 'Sáp nhập theo quyết định của UBND thành phố' },
  })
  t.equal(response.statusCode, 200, response.body)
  const body = response.json()
  t.equal(body.mergedIntoId, successorId)
  t.type(body.mergedAt, 'string')
  t.equal(body.version, version + 1)
  t.equal(versionOf(response.headers.etag), version + 1)

  const got = await send('GET', `/v1/organizations/${mergedId}`)
  t.equal(got.statusCode, 200, 'A still answers')
  t.equal(got.json().mergedIntoId, successorId, 'and points to B')
  t.equal((await send('GET', `/v1/organizations/${successorId}`)).json().mergedIntoId, null, 'B is not merged')

  // A's keys are revoked: they no longer authenticate.
  assertProblem(t, await send('GET', '/v1/api-keys/current', merged.auth), 401, 'unauthorized')
  assertProblem(t, await send('GET', '/v1/api-keys/current', mergedEditor), 401, 'unauthorized')
  const keys = await db.select().from(apiKeys).where(eq(apiKeys.organizationId, mergedId))
  t.equal(keys.length, 2)
  t.ok(
    keys.every((key) => key.revokedAt?.toISOString() === body.mergedAt),
    'every key revoked at the merge',
  )

  const [ended] = await db.select().from(delegations).where(eq(delegations.id, delegationId))
  t.equal(ended!.status, 'ended')
  t.equal(ended!.endReason, 'merged')
  t.equal(ended!.endedByOrganizationId, operator.organization.id)
  t.equal(ended!.endedAt?.toISOString(), body.mergedAt)
  // The unanswered proposal is withdrawn: A can no longer answer it.
  const [withdrawn] = await db.select().from(delegations).where(eq(delegations.id, proposalId))
  t.match(withdrawn, { status: 'withdrawn', endReason: 'merged', endedByOrganizationId: operator.organization.id })

  // The merge, each key revocation and the delegation's end, under the merge request's id.
  const [event] = (await auditTrailOf(db, mergedId)).filter((row) => row.operation === 'organization.merge')
  t.ok(event, 'the merge is audited')
  t.equal(event!.keyId, operator.keyId)
  t.equal(event!.owningOrganizationId, mergedId)
  t.same(event!.changes.mergedIntoId, { before: null, after: successorId })
  t.same(event!.changes.mergedAt, { before: null, after: body.mergedAt })
  t.same(event!.changes.reason, { before: null, after: 'Sáp nhập theo quyết định của UBND thành phố' })
  for (const key of keys) {
    const revocations = (await auditTrailOf(db, key.id)).filter((row) => row.operation === 'api_key.revoke')
    t.equal(revocations.length, 1, 'one revocation event per key')
    t.equal(revocations[0]!.requestId, event!.requestId)
  }
  const endings = (await auditTrailOf(db, delegationId)).filter((row) => row.operation === 'delegation.end')
  t.equal(endings.length, 1)
  t.equal(endings[0]!.requestId, event!.requestId)
  const withdrawals = (await auditTrailOf(db, proposalId)).filter((row) => row.operation === 'delegation.withdraw')
  t.equal(withdrawals.length, 1)
  t.equal(withdrawals[0]!.requestId, event!.requestId)

  const mergedOnly = await send('GET', '/v1/organizations?merged=true')
  t.same(
    mergedOnly.json().items.map((item: { id: string }) => item.id),
    [mergedId],
    'merged=true lists A only',
  )
  t.notOk(
    (await send('GET', '/v1/organizations?merged=false&limit=100')).json().items.some((item: { id: string }) => item.id === mergedId),
    'merged=false leaves A out',
  )
})

t.test('a merge cannot be applied twice, nor into a merged organisation', async (t) => {
  const before = await tableCounts(db)
  const row = await organizationRow(mergedId)
  assertProblem(t, await send('POST', mergeUrl(mergedId), operator.auth, { intoOrganizationId: successorId }), 409, 'already_merged')
  assertProblem(t, await send('POST', mergeUrl(mergedId), operator.auth, { intoOrganizationId: outsider.organization.id }), 409, 'already_merged')
  const chain = assertProblem(t, await send('POST', mergeUrl(outsider.organization.id), operator.auth, { intoOrganizationId: mergedId }), 409, 'already_merged')
  t.match(chain.detail, successorId, 'names the final successor')
  t.same(await tableCounts(db), before, 'nothing written')
  t.same(await organizationRow(mergedId), row, 'A unchanged')
  t.equal((await organizationRow(outsider.organization.id))!.mergedIntoId, null, 'the outsider is not merged')
})

t.test('A is read-only', async (t) => {
  const before = await tableCounts(db)
  const organization = await organizationRow(mergedId)
  const listing = await storedListing(db, draftListing.id)
  const demand = await demandRow(db, draftDemand.id)
  const refused = [
    await send('PATCH', `/v1/organizations/${mergedId}`, operator.auth, { nameEn: 'Ha Tay centre' }),
    await send('POST', '/v1/listings', successorEditor, listingInput({ ownerId: mergedId })),
    await send('POST', '/v1/listings', operator.auth, listingInput({ ownerId: mergedId })),
    await send('POST', '/v1/demands', successorEditor, demandInput({ ownerId: mergedId })),
    await send('PATCH', `/v1/listings/${draftListing.id}`, successorEditor, { titleEn: 'Renamed' }),
    await send('POST', `/v1/listings/${draftListing.id}/publish`, successorEditor),
    await send('POST', `/v1/listings/${draftListing.id}/publish`, operator.auth),
    await send('PATCH', `/v1/demands/${draftDemand.id}`, successorEditor, { titleEn: 'Renamed' }),
    await send('POST', `/v1/demands/${draftDemand.id}/open`, successorEditor),
    await send('POST', '/v1/delegations', point.auth, { memberOrganizationId: mergedId }),
    await send('POST', '/v1/api-keys', operator.auth, { organizationId: mergedId, role: 'reader' }),
  ]
  for (const response of refused) {
    const problem = assertProblem(t, response, 409, 'organization_merged')
    t.match(problem.detail, successorId, 'the detail names B')
  }
  t.same(await tableCounts(db), before, 'nothing written')
  t.same(await organizationRow(mergedId), organization)
  t.same(await storedListing(db, draftListing.id), listing)
  t.same(await demandRow(db, draftDemand.id), demand)
})

t.test("B manages A's records: sees them and retires them", async (t) => {
  t.equal((await send('GET', `/v1/listings/${draftListing.id}`, successorReader)).statusCode, 200, "B's reader sees A's draft")
  t.equal((await send('GET', `/v1/listings/${draftListing.id}`, outsider.auth)).statusCode, 404, 'others do not')
  assertProblem(t, await send('POST', `/v1/listings/${publishedListing.id}/withdraw`, outsider.auth, { reason: 'Không còn' }), 403, 'forbidden')
  assertProblem(t, await send('POST', `/v1/listings/${publishedListing.id}/withdraw`, successorReader, { reason: 'Không còn' }), 403, 'forbidden')

  const withdrawn = await send('POST', `/v1/listings/${publishedListing.id}/withdraw`, successorEditor, { reason: 'Trung tâm đã sáp nhập' })
  t.equal(withdrawn.statusCode, 200, withdrawn.body)
  t.equal(withdrawn.json().status, 'withdrawn')
  t.equal(withdrawn.json().owner.id, mergedId, 'the listing stays attributed to A')
  const closed = await send('POST', `/v1/demands/${openDemand.id}/close`, successorEditor, { reason: 'fulfilled' })
  t.equal(closed.statusCode, 200, closed.body)
  t.equal(closed.json().status, 'closed')
  t.equal(closed.json().owner.id, mergedId)

  const [event] = (await auditTrailOf(db, publishedListing.id)).filter((row) => row.operation === 'listing.withdraw')
  t.equal(event!.actingOrganizationId, successorId, 'recorded as done by B')
  t.equal(event!.owningOrganizationId, mergedId, 'on a record of A')

  // The operator may retire too.
  const byOperator = await send('POST', `/v1/listings/${secondListing.id}/withdraw`, operator.auth, { reason: 'Trung tâm đã sáp nhập' })
  t.equal(byOperator.statusCode, 200, byOperator.body)
})
