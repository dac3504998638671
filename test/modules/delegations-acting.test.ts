import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { keyMaker, sender } from '../helpers/requests.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { demandInput, demandRow } from '../helpers/demands.ts'
import { delegate } from '../helpers/delegations.ts'
import { createMember, createOperator, nationalScope, tableCounts } from '../helpers/factories.ts'
import { listingInput, storedListing } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'

// A connection point acting for a member enterprise: it creates, edits and moves the member's
// listings and demands, its readers only look, every write is recorded with both organisations,
// and once the member ends the delegation every such write is refused.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)

const keyOf = keyMaker(db)
const send = sender(app)

const member = await createMember(db, { name: 'Công ty TNHH Cơ khí Gia Lộc' })
const point = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Hải Dương', delegationScope: nationalScope })
const pointEditor = await keyOf(point.organization.id, 'editor')
const pointReader = await keyOf(point.organization.id, 'reader')
const outsider = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Thái Bình' })
const memberId = member.organization.id

const delegationId = await delegate(app, point.auth, member.auth, memberId)

/** The last audit event of a record. */
const lastEvent = async (id: string) => (await auditTrailOf(db, id)).at(-1)!

t.test("the delegate creates, edits, publishes and withdraws the member's listing", async (t) => {
  const created = await send('POST', '/v1/listings', pointEditor, listingInput({ ownerId: memberId }))
  t.equal(created.statusCode, 201)
  const id = created.json().id as string
  t.equal(created.json().owner.id, memberId, 'owned by the member')
  t.match(await lastEvent(id), { operation: 'listing.create', actingOrganizationId: point.organization.id, owningOrganizationId: memberId })

  // The member's own keys and the delegate's reader see the draft; an outsider does not.
  t.equal((await send('GET', `/v1/listings/${id}`, member.auth)).statusCode, 200)
  t.equal((await send('GET', `/v1/listings/${id}`, pointReader)).statusCode, 200)
  assertProblem(t, await send('GET', `/v1/listings/${id}`, outsider.auth), 404, 'not_found')
  const drafts = await send('GET', `/v1/listings?status=draft&owner=${memberId}`, pointReader)
  t.equal(drafts.statusCode, 200)
  t.ok(
    drafts.json().items.some((item: { id: string }) => item.id === id),
    "the member's drafts in search",
  )
  assertProblem(t, await send('GET', `/v1/listings?status=draft&owner=${memberId}`, outsider.auth), 403, 'forbidden')

  // A reader of the delegate sees but never writes.
  const before = await tableCounts(db)
  assertProblem(t, await send('PATCH', `/v1/listings/${id}`, pointReader, { titleEn: 'Reader' }), 403, 'forbidden')
  assertProblem(t, await send('POST', `/v1/listings/${id}/publish`, pointReader), 403, 'forbidden')
  assertProblem(t, await send('POST', '/v1/listings', pointReader, listingInput({ ownerId: memberId })), 403, 'forbidden')
  t.same(await tableCounts(db), before, 'nothing written')

  const updated = await send('PATCH', `/v1/listings/${id}`, pointEditor, { titleEn: 'Rice dryer, by the connection point' })
  t.equal(updated.statusCode, 200)
  t.match(await lastEvent(id), {
    operation: 'listing.update',
    actingOrganizationId: point.organization.id,
    owningOrganizationId: memberId,
    changes: { titleEn: { after: 'Rice dryer, by the connection point' } },
  })
  t.equal((await send('POST', `/v1/listings/${id}/publish`, point.auth)).statusCode, 200)
  t.match(await lastEvent(id), { operation: 'listing.publish', actingOrganizationId: point.organization.id, owningOrganizationId: memberId })
  t.equal((await send('POST', `/v1/listings/${id}/withdraw`, pointEditor, { reason: 'Đã chuyển giao' })).statusCode, 200)
  t.match(await lastEvent(id), { operation: 'listing.withdraw', actingOrganizationId: point.organization.id, owningOrganizationId: memberId, keyId: String })
})

t.test('only a delegate creates for another owner', async (t) => {
  const before = await tableCounts(db)
  assertProblem(t, await send('POST', '/v1/listings', outsider.auth, listingInput({ ownerId: memberId })), 403, 'forbidden')
  assertProblem(t, await send('POST', '/v1/demands', outsider.auth, demandInput({ ownerId: memberId })), 403, 'forbidden')
  // The member cannot create for its delegate either: delegation runs one way.
  assertProblem(t, await send('POST', '/v1/listings', member.auth, listingInput({ ownerId: point.organization.id })), 403, 'forbidden')
  t.same(await tableCounts(db), before, 'nothing written')
  // The operator may name any owner.
  const byOperator = await send('POST', '/v1/listings', operator.auth, listingInput({ ownerId: memberId }))
  t.equal(byOperator.statusCode, 201)
  t.equal(byOperator.json().owner.id, memberId)
})

t.test("the delegate files, opens and closes the member's demand; the owner must be an enterprise", async (t) => {
  const created = await send('POST', '/v1/demands', pointEditor, demandInput({ ownerId: memberId }))
  t.equal(created.statusCode, 201)
  const id = created.json().id as string
  t.equal(created.json().owner.id, memberId)
  t.match(await lastEvent(id), { operation: 'demand.create', actingOrganizationId: point.organization.id, owningOrganizationId: memberId })
  const drafts = await send('GET', `/v1/demands?status=draft&owner=${memberId}`, pointReader)
  t.equal(drafts.statusCode, 200)
  t.ok(drafts.json().items.some((item: { id: string }) => item.id === id))
  assertProblem(t, await send('POST', `/v1/demands/${id}/open`, pointReader), 403, 'forbidden')
  t.equal((await send('PATCH', `/v1/demands/${id}`, pointEditor, { titleEn: 'Edited by the point' })).statusCode, 200)
  t.equal((await send('POST', `/v1/demands/${id}/open`, pointEditor)).statusCode, 200)
  t.match(await lastEvent(id), { operation: 'demand.open', actingOrganizationId: point.organization.id, owningOrganizationId: memberId })
  t.equal((await send('POST', `/v1/demands/${id}/close`, point.auth, { reason: 'fulfilled' })).statusCode, 200)
  t.match(await lastEvent(id), { operation: 'demand.close', actingOrganizationId: point.organization.id, owningOrganizationId: memberId })

  // The connection point files nothing in its own name, nor for a member that is not an enterprise.
  const centre = await createMember(db, { kind: 'transfer_centre' })
  await delegate(app, point.auth, centre.auth, centre.organization.id)
  const before = await tableCounts(db)
  assertProblem(t, await send('POST', '/v1/demands', pointEditor, demandInput()), 403, 'forbidden')
  assertProblem(t, await send('POST', '/v1/demands', pointEditor, demandInput({ ownerId: centre.organization.id })), 403, 'forbidden')
  t.same(await tableCounts(db), before, 'nothing written')
  // ... but lists technologies for the centre.
  t.equal((await send('POST', '/v1/listings', pointEditor, listingInput({ ownerId: centre.organization.id }))).statusCode, 201)
})

t.test('after the member ends the delegation, the former delegate is refused and nothing changes', async (t) => {
  const draftListing = (await send('POST', '/v1/listings', pointEditor, listingInput({ ownerId: memberId }))).json().id as string
  const publishedListing = (await send('POST', '/v1/listings', pointEditor, listingInput({ ownerId: memberId }))).json().id as string
  t.equal((await send('POST', `/v1/listings/${publishedListing}/publish`, pointEditor)).statusCode, 200)
  const draftDemand = (await send('POST', '/v1/demands', pointEditor, demandInput({ ownerId: memberId }))).json().id as string
  const openDemand = (await send('POST', '/v1/demands', pointEditor, demandInput({ ownerId: memberId }))).json().id as string
  t.equal((await send('POST', `/v1/demands/${openDemand}/open`, pointEditor)).statusCode, 200)

  const ended = await send('POST', `/v1/delegations/${delegationId}/end`, member.auth, { reason: 'Tự quản lý' })
  t.equal(ended.statusCode, 200)

  const rows = async () => [
    await storedListing(db, draftListing),
    await storedListing(db, publishedListing),
    await demandRow(db, draftDemand),
    await demandRow(db, openDemand),
  ]
  const before = { counts: await tableCounts(db), rows: await rows() }
  for (const auth of [pointEditor, point.auth]) {
    assertProblem(t, await send('POST', '/v1/listings', auth, listingInput({ ownerId: memberId })), 403, 'forbidden')
    assertProblem(t, await send('POST', '/v1/demands', auth, demandInput({ ownerId: memberId })), 403, 'forbidden')
    // Unpublished records are no longer visible to it: 404, as if they did not exist.
    assertProblem(t, await send('GET', `/v1/listings/${draftListing}`, auth), 404, 'not_found')
    assertProblem(t, await send('PATCH', `/v1/listings/${draftListing}`, auth, { titleEn: 'Too late' }), 404, 'not_found')
    assertProblem(t, await send('POST', `/v1/listings/${draftListing}/publish`, auth), 404, 'not_found')
    assertProblem(t, await send('PATCH', `/v1/listings/${publishedListing}`, auth, { titleEn: 'Too late' }), 403, 'forbidden')
    assertProblem(t, await send('POST', `/v1/listings/${publishedListing}/withdraw`, auth, { reason: 'Quá hạn' }), 403, 'forbidden')
    assertProblem(t, await send('PATCH', `/v1/demands/${draftDemand}`, auth, { titleEn: 'Too late' }), 404, 'not_found')
    assertProblem(t, await send('POST', `/v1/demands/${draftDemand}/open`, auth), 404, 'not_found')
    assertProblem(t, await send('POST', `/v1/demands/${openDemand}/close`, auth, { reason: 'fulfilled' }), 403, 'forbidden')
    assertProblem(t, await send('GET', `/v1/listings?status=draft&owner=${memberId}`, auth), 403, 'forbidden')
    assertProblem(t, await send('GET', `/v1/demands?status=draft&owner=${memberId}`, auth), 403, 'forbidden')
  }
  t.same(await tableCounts(db), before.counts, 'nothing written')
  t.same(await rows(), before.rows, 'nothing changed')

  // The member itself carries on.
  t.equal((await send('POST', `/v1/listings/${draftListing}/publish`, member.auth)).statusCode, 200)
})
