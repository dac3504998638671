import { and, asc, eq } from 'drizzle-orm'
import t from 'tap'
import { delegations, outboxEvents } from '../../src/db/schema/index.ts'
import { delegationExpiryJob } from '../../src/modules/delegations/delegations.service.ts'
import { fanOutJob } from '../../src/core/outbox.ts'
import { buildTestApp } from '../helpers/app.ts'
import { keyMaker, sender, type Auth } from '../helpers/requests.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { createMember, createOperator, nationalScope, tableCounts } from '../helpers/factories.ts'
import { listingInput } from '../helpers/listings.ts'
import { publishListing } from '../helpers/matching.ts'
import { assertProblem } from '../helpers/problem.ts'
import { startReceiver, subscribe } from '../helpers/webhooks.ts'

// Consent (issue 15): a delegation grants nothing until the member's own admin accepts it. The
// outside review's attack (a connection point's admin makes a Hà Nội enterprise its member and
// withdraws its published listing) fails; accepting, declining, withdrawing and ending follow the
// process table; unanswered proposals expire; both sides hear of every step, by webhook too.

const { app, db, clock } = await buildTestApp(t, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SECONDS: '0', RATE_LIMIT_MAX: '0' })
const receiver = await startReceiver()
t.teardown(() => receiver.stop())
const operator = await createOperator(db)

const keyOf = keyMaker(db)
const send = sender(app)
const propose = (agent: Auth, memberOrganizationId: string) => send('POST', '/v1/delegations', agent, { memberOrganizationId })
const eventsOf = (delegationId: string) =>
  db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.subjectType, 'delegation'), eq(outboxEvents.subjectId, delegationId)))
    .orderBy(asc(outboxEvents.id))

/** A connection point that serves the whole country, with its admin, editor and reader keys. */
async function nationalPoint(name: string) {
  const point = await createMember(db, { kind: 'connection_point', name, delegationScope: nationalScope })
  return { ...point, editor: await keyOf(point.organization.id, 'editor'), reader: await keyOf(point.organization.id, 'reader') }
}

t.test("the review's attack: a connection point cannot make a Hà Nội enterprise its member and withdraw its listing", async (t) => {
  const enterprise = await createMember(db, { name: 'Công ty CP Cơ khí Đông Anh', provinceCode: '01' })
  const listing = await publishListing(app, enterprise.auth, { titleVi: 'Máy ép viên nhiên liệu sinh khối' })
  const withdraw = (auth: Auth) => send('POST', `/v1/listings/${listing.id}/withdraw`, auth, { reason: 'Đã chuyển giao' })

  // A connection point the operator gave no scope: it cannot even propose.
  const unscoped = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Bắc Ninh' })
  // One scoped to another province and sector: neither.
  const elsewhere = await createMember(db, { kind: 'connection_point', delegationScope: { provinceCodes: ['27'], sectors: ['A'] } })
  const before = await tableCounts(db)
  assertProblem(t, await propose(unscoped.auth, enterprise.organization.id), 422, 'outside_scope')
  assertProblem(t, await propose(elsewhere.auth, enterprise.organization.id), 422, 'outside_scope')
  t.same(await tableCounts(db), before, 'nothing written')

  // One whose scope covers Hà Nội may propose, and that is all: the proposal grants nothing.
  const point = await nationalPoint('Điểm kết nối công nghệ Hà Nội')
  const proposed = await propose(point.auth, enterprise.organization.id)
  t.equal(proposed.statusCode, 201)
  t.equal(proposed.json().status, 'proposed')
  const afterProposal = await tableCounts(db)
  for (const auth of [point.auth, point.editor]) assertProblem(t, await withdraw(auth), 403, 'forbidden')
  assertProblem(t, await send('PATCH', `/v1/listings/${listing.id}`, point.editor, { titleEn: 'Taken over' }), 403, 'forbidden')
  assertProblem(t, await send('POST', '/v1/listings', point.editor, listingInput({ ownerId: enterprise.organization.id })), 403, 'forbidden')
  assertProblem(
    t,
    await send('POST', '/v1/webhooks', point.auth, { url: receiver.url('/hijack'), organizationId: enterprise.organization.id }),
    403,
    'forbidden',
  )
  const drafts = await send('GET', `/v1/listings?status=draft&owner=${enterprise.organization.id}`, point.reader)
  t.equal(drafts.statusCode, 403, "the member's drafts stay private")
  t.same(await tableCounts(db), afterProposal, 'nothing written')
  t.equal((await send('GET', `/v1/listings/${listing.id}`)).json().status, 'published', 'the listing is still published')

  // The member heard of it, and says no; the agent is refused as before.
  const [event] = await eventsOf(proposed.json().id)
  t.match(event, { type: 'delegation.proposed', organizationIds: [enterprise.organization.id, point.organization.id], payload: { status: 'proposed' } })
  t.equal((await send('POST', `/v1/delegations/${proposed.json().id}/decline`, enterprise.auth, { reason: 'Chúng tôi không đề nghị' })).statusCode, 200)
  assertProblem(t, await withdraw(point.auth), 403, 'forbidden')
})

t.test("accepted by the member's admin, the delegation takes effect; only that admin accepts", async (t) => {
  const member = await createMember(db, { name: 'Công ty TNHH Cơ khí Gia Lộc' })
  const memberEditor = await keyOf(member.organization.id, 'editor')
  const memberReader = await keyOf(member.organization.id, 'reader')
  const listing = await publishListing(app, member.auth, { titleVi: 'Máy cấy lúa mạ khay' })
  const point = await nationalPoint('Điểm kết nối công nghệ Hải Dương')
  const stranger = await createMember(db)
  const id = (await propose(point.auth, member.organization.id)).json().id as string
  const accept = (auth?: Auth) => send('POST', `/v1/delegations/${id}/accept`, auth)

  const before = await tableCounts(db)
  assertProblem(t, await accept(), 401, 'unauthorized')
  assertProblem(t, await accept(stranger.auth), 404, 'not_found')
  // Neither the agent, nor the member's editors and readers, nor the operator accept for the member.
  for (const auth of [point.auth, point.editor, memberEditor, memberReader, operator.auth]) assertProblem(t, await accept(auth), 403, 'forbidden')
  assertProblem(t, await send('POST', '/v1/delegations/00000000-0000-4000-8000-000000000000/accept', member.auth), 404, 'not_found')
  t.same(await tableCounts(db), before, 'nothing written')

  const accepted = await accept(member.auth)
  t.equal(accepted.statusCode, 200)
  t.match(accepted.json(), { id, status: 'active', active: true, acceptedAt: clock.now().toISOString(), acceptedByKeyId: member.keyId, endedAt: null })
  t.match((await auditTrailOf(db, id)).at(-1), {
    operation: 'delegation.accept',
    keyId: member.keyId,
    actingOrganizationId: member.organization.id,
    changes: { status: { before: 'proposed', after: 'active' } },
  })
  t.same(
    (await eventsOf(id)).map((event) => event.type),
    ['delegation.proposed', 'delegation.accepted'],
  )

  // From now on the agent acts for the member.
  const withdrawn = await send('POST', `/v1/listings/${listing.id}/withdraw`, point.editor, { reason: 'Doanh nghiệp đã chuyển giao' })
  t.equal(withdrawn.statusCode, 200)
  t.match((await auditTrailOf(db, listing.id)).at(-1), {
    operation: 'listing.withdraw',
    actingOrganizationId: point.organization.id,
    owningOrganizationId: member.organization.id,
  })

  // Accepting or declining again is no move from active: the answer says what is possible.
  const twice = assertProblem(t, await accept(member.auth), 409, 'invalid_transition')
  t.same(twice.allowed, ['end'])
  assertProblem(t, await send('POST', `/v1/delegations/${id}/decline`, member.auth, {}), 409, 'invalid_transition')
  t.equal((await send('POST', `/v1/delegations/${id}/end`, member.auth, {})).statusCode, 200)
  assertProblem(t, await accept(member.auth), 409, 'delegation_ended')
})

t.test('declining and withdrawing close a proposal; the member ends nothing it has not accepted', async (t) => {
  const member = await createMember(db)
  const point = await nationalPoint('Điểm kết nối công nghệ Thái Bình')

  const first = (await propose(point.auth, member.organization.id)).json().id as string
  const memberEditor = await keyOf(member.organization.id, 'editor')
  const before = await tableCounts(db)
  // The member answers a proposal with accept or decline, not end.
  const ending = assertProblem(t, await send('POST', `/v1/delegations/${first}/end`, member.auth, {}), 409, 'invalid_transition')
  t.same(ending.allowed, ['accept', 'decline'])
  // Only the member's admin declines.
  for (const auth of [point.auth, operator.auth, memberEditor]) {
    assertProblem(t, await send('POST', `/v1/delegations/${first}/decline`, auth, {}), 403, 'forbidden')
  }
  assertProblem(t, await send('POST', `/v1/delegations/${first}/decline`, member.auth, { reason: 'x'.repeat(301) }), 400, 'validation_failed')
  t.same(await tableCounts(db), before, 'nothing written')
  const declined = await send('POST', `/v1/delegations/${first}/decline`, member.auth, { reason: '  Chưa có nhu cầu  ' })
  t.match(declined.json(), { status: 'declined', active: false, endedAt: String, endedByOrganizationId: member.organization.id, endReason: 'Chưa có nhu cầu' })
  t.equal((await auditTrailOf(db, first)).at(-1)!.operation, 'delegation.decline')
  assertProblem(t, await send('POST', `/v1/delegations/${first}/accept`, member.auth), 409, 'delegation_ended')

  // The agent may ask again; it, or the operator, takes a proposal back.
  const second = (await propose(point.auth, member.organization.id)).json().id as string
  t.not(second, first)
  assertProblem(t, await send('POST', `/v1/delegations/${second}/end`, point.editor, {}), 403, 'forbidden')
  const withdrawn = await send('POST', `/v1/delegations/${second}/end`, point.auth, { reason: 'Gửi nhầm' })
  t.match(withdrawn.json(), { status: 'withdrawn', endedByOrganizationId: point.organization.id })
  t.equal((await auditTrailOf(db, second)).at(-1)!.operation, 'delegation.withdraw')
  const third = (await propose(point.auth, member.organization.id)).json().id as string
  t.match((await send('POST', `/v1/delegations/${third}/end`, operator.auth, {})).json(), {
    status: 'withdrawn',
    endedByOrganizationId: operator.organization.id,
  })
  assertProblem(t, await send('POST', `/v1/delegations/${third}/accept`, member.auth), 409, 'delegation_ended')

  t.same(
    (await eventsOf(first)).map((event) => event.type),
    ['delegation.proposed', 'delegation.declined'],
  )
  t.same(
    (await eventsOf(second)).map((event) => event.type),
    ['delegation.proposed', 'delegation.withdrawn'],
  )
})

t.test('ending: either side admin or the operator, once; the pair may be delegated again', async (t) => {
  const member = await createMember(db)
  const memberReader = await keyOf(member.organization.id, 'reader')
  const point = await nationalPoint('Điểm kết nối công nghệ Hưng Yên')
  const start = async () => {
    const id = (await propose(point.auth, member.organization.id)).json().id as string
    await send('POST', `/v1/delegations/${id}/accept`, member.auth)
    return id
  }

  const first = await start()
  const stranger = await createMember(db)
  const before = await tableCounts(db)
  assertProblem(t, await send('POST', `/v1/delegations/${first}/end`, undefined, {}), 401, 'unauthorized')
  assertProblem(t, await send('POST', `/v1/delegations/${first}/end`, stranger.auth, {}), 404, 'not_found')
  assertProblem(t, await send('POST', `/v1/delegations/${first}/end`, memberReader, {}), 403, 'forbidden')
  assertProblem(t, await send('POST', `/v1/delegations/${first}/end`, point.editor, {}), 403, 'forbidden')
  assertProblem(t, await send('POST', '/v1/delegations/00000000-0000-4000-8000-000000000000/end', operator.auth, {}), 404, 'not_found')
  t.same(await tableCounts(db), before, 'nothing written')

  const ended = await send('POST', `/v1/delegations/${first}/end`, member.auth, { reason: '  Tự quản lý hồ sơ  ' })
  t.equal(ended.statusCode, 200)
  t.match(ended.json(), { status: 'ended', active: false, endedAt: String, endedByOrganizationId: member.organization.id, endReason: 'Tự quản lý hồ sơ' })
  const [event] = (await auditTrailOf(db, first)).filter((row) => row.operation === 'delegation.end')
  t.match(event, {
    actingOrganizationId: member.organization.id,
    owningOrganizationId: member.organization.id,
    changes: { active: { before: true, after: false } },
  })
  const afterEnd = await tableCounts(db)
  assertProblem(t, await send('POST', `/v1/delegations/${first}/end`, member.auth, {}), 409, 'delegation_ended')
  assertProblem(t, await send('POST', `/v1/delegations/${first}/end`, operator.auth, {}), 409, 'delegation_ended')
  t.same(await tableCounts(db), afterEnd, 'a second end writes nothing')

  const second = await start()
  t.equal((await send('POST', `/v1/delegations/${second}/end`, point.auth, {})).json().endedByOrganizationId, point.organization.id)
  const third = await start()
  t.equal((await send('POST', `/v1/delegations/${third}/end`, operator.auth, {})).json().endedByOrganizationId, operator.organization.id)
  const rows = await db.select().from(delegations).where(eq(delegations.memberOrganizationId, member.organization.id))
  t.same(
    rows.map((row) => row.status),
    ['ended', 'ended', 'ended'],
    'ended delegations stay on record',
  )
  t.same(
    (await eventsOf(first)).map((row) => row.type),
    ['delegation.proposed', 'delegation.accepted', 'delegation.ended'],
  )
})

t.test('both sides receive every step by webhook', async (t) => {
  const member = await createMember(db, { name: 'Công ty CP Nông sản Thái Nguyên' })
  const point = await nationalPoint('Điểm kết nối công nghệ Thái Nguyên')
  await subscribe(app, member.auth, receiver, '/member', { eventTypes: ['delegation.proposed', 'delegation.accepted', 'delegation.ended'] })
  await subscribe(app, point.auth, receiver, '/agent')
  const id = (await propose(point.auth, member.organization.id)).json().id as string
  await send('POST', `/v1/delegations/${id}/accept`, member.auth)
  await send('POST', `/v1/delegations/${id}/end`, point.auth, { reason: 'Hết hợp đồng' })
  await app.jobs.send(fanOutJob, {})
  await app.jobs.runPending()

  const received = (path: string) =>
    receiver.hits
      .filter((hit) => hit.path === path && hit.body.data.id === id)
      // Deliveries run concurrently; webhook-id (evt_<event id>) gives the order of the events.
      .sort((a, b) => Number(a.id.slice(4)) - Number(b.id.slice(4)))
      .map((hit) => [hit.body.type, hit.body.data.status, hit.verified])
  t.same(received('/member'), [
    ['delegation.proposed', 'proposed', true],
    ['delegation.accepted', 'active', true],
    ['delegation.ended', 'ended', true],
  ])
  t.same(received('/agent'), received('/member'), 'the agent hears the same')
  // A subscription may name the types; an unknown one is refused.
  assertProblem(t, await send('POST', '/v1/webhooks', member.auth, { url: receiver.url('/x'), eventTypes: ['delegation.nonsense'] }), 400, 'validation_failed')
})

t.test('an unanswered proposal expires: it reads as expired at once, and the sweep records it and tells both sides', async (t) => {
  const member = await createMember(db)
  const point = await nationalPoint('Điểm kết nối công nghệ Nam Định')
  const lapsing = await propose(point.auth, member.organization.id)
  const id = lapsing.json().id as string
  const other = await createMember(db)
  const otherId = (await propose(point.auth, other.organization.id)).json().id as string

  clock.advanceDays(14)
  // Before any sweep: the API already says expired, and the proposal can no longer be accepted.
  const read = (await send('GET', `/v1/delegations/${id}`, member.auth)).json()
  t.match(read, { status: 'expired', active: false, endedAt: lapsing.json().expiresAt, endReason: 'expired' })
  const before = await tableCounts(db)
  assertProblem(t, await send('POST', `/v1/delegations/${id}/accept`, member.auth), 409, 'delegation_ended')
  assertProblem(t, await send('POST', `/v1/delegations/${id}/decline`, member.auth, {}), 409, 'delegation_ended')
  t.same(await tableCounts(db), before, 'a refused answer writes nothing')
  const ids = async (query: string) => (await send('GET', `/v1/delegations${query}`, point.auth)).json().items.map((item: { id: string }) => item.id)
  t.ok((await ids('?status=expired')).includes(id))
  t.notOk((await ids('?status=proposed')).includes(id))

  // Proposing again closes the lapsed one in the same transaction, with its event.
  const again = await propose(point.auth, member.organization.id)
  t.equal(again.statusCode, 201)
  t.equal((await db.select().from(delegations).where(eq(delegations.id, id)))[0]!.status, 'expired')
  t.same(
    (await eventsOf(id)).map((event) => event.type),
    ['delegation.proposed', 'delegation.expired'],
  )

  // The sweep, run as the job queue runs it, stores the other one as expired and tells both sides.
  await app.jobs.send(delegationExpiryJob, {})
  await app.jobs.runPending()
  const [stored] = await db.select().from(delegations).where(eq(delegations.id, otherId))
  t.match(stored, { status: 'expired', endReason: 'expired', endedByOrganizationId: null })
  t.equal(stored!.endedAt!.toISOString(), stored!.expiresAt!.toISOString(), 'closed at the instant it lapsed')
  const [, expired] = await eventsOf(otherId)
  t.match(expired, { type: 'delegation.expired', organizationIds: [other.organization.id, point.organization.id], payload: { status: 'expired' } })
  t.match((await auditTrailOf(db, otherId)).at(-1), { operation: 'delegation.expire', keyId: null, actingOrganizationId: null })
  t.equal(await app.services.delegations.expireDue(), 0, 'a second sweep finds nothing')
  t.equal((await send('GET', `/v1/delegations/${again.json().id}`, member.auth)).json().status, 'proposed', 'the new proposal waits its own 14 days')
})
