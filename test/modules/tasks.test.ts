import { asc, count, eq } from 'drizzle-orm'
import t from 'tap'
import * as schema from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { buildTestApp } from '../helpers/app.ts'
import { dealSetting, startInterest } from '../helpers/deals.ts'
import { fileOpenDemand, fileDemand } from '../helpers/demands.ts'
import { recordDelegation } from '../helpers/delegations.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// Joint tasks over HTTP: a centre proposes a task with partners, funding and links; an authority
// partner approves it; the lead runs it to completion. The process table decides who moves it,
// every move is audited and evented, and a refused write leaves nothing behind.

type Auth = Record<string, string>
type TaskBody = {
  id: string
  status: string
  version: number
  roles: string[]
  allowedTransitions: string[]
  fundingTotalVnd: number
  partners: Array<{ organization: { id: string }; role: string }>
  invitedPartners: Array<{ organization: { id: string }; role: string }>
  listingIds: string[]
  demandIds: string[]
  dealIds: string[]
  completedOn: string | null
  currentProvinceCode: string | null
} & Record<string, unknown>

// The deal setting gives an institute (provider) with a published listing and a cooperative (seeker).
const { app, db, clock, provider: institute, seeker: cooperative, listing } = await dealSetting(t)
const centre = await createMember(db, { kind: 'transfer_centre', name: 'Trung tâm Ứng dụng tiến bộ KH&CN Nam Định' })
const dost = await createMember(db, { kind: 'authority', name: 'Sở Khoa học và Công nghệ Nam Định' })
const operator = await createOperator(db)
const outsider = await createMember(db)
const deal = await startInterest(app, cooperative.auth, listing.id as string)
const demand = await fileOpenDemand(app, cooperative.auth)

const partners = [
  { organizationId: institute.organization.id, role: 'st_organization', contribution: 'Chuyển giao máy sấy' },
  { organizationId: cooperative.organization.id, role: 'enterprise' },
  { organizationId: dost.organization.id, role: 'authority' },
]
const proposal = (overrides: Record<string, unknown> = {}) => ({
  title: 'Nâng cao giá trị chuỗi lúa gạo Nam Định',
  objectives: 'Ứng dụng máy sấy tầng sôi cho hợp tác xã, giảm hao hụt sau thu hoạch.',
  provinceCode: '36',
  keyProduct: 'Lúa gạo',
  startsOn: '2026-03-01',
  endsOn: '2027-02-28',
  partners,
  funding: [
    { source: 'provincial', amountVnd: 1_500_000_000 },
    { source: 'enterprise', amountVnd: 500_000_000, note: 'Đối ứng của hợp tác xã' },
  ],
  listingIds: [listing.id],
  demandIds: [demand.id],
  dealIds: [deal.id],
  ...overrides,
})

const create = (auth: Auth, body: object) => app.inject({ method: 'POST', url: '/v1/tasks', headers: auth, payload: body })
const get = (auth: Auth, id: string) => app.inject({ method: 'GET', url: `/v1/tasks/${id}`, headers: auth })
const fire = (auth: Auth, id: string, body: object, headers: Auth = {}) =>
  app.inject({ method: 'POST', url: `/v1/tasks/${id}/transitions`, headers: { ...auth, ...headers }, payload: body })
const patch = (auth: Auth, id: string, body: object, headers: Auth = {}) =>
  app.inject({ method: 'PATCH', url: `/v1/tasks/${id}`, headers: { ...auth, ...headers }, payload: body })

async function proposed(overrides: Record<string, unknown> = {}): Promise<TaskBody> {
  const response = await create(centre.auth, proposal(overrides))
  if (response.statusCode !== 201) throw new Error(`createTask failed: ${response.statusCode} ${response.body}`)
  return response.json() as TaskBody
}

const answer = (auth: Auth, id: string, organizationId: string, verb: 'accept' | 'decline') =>
  app.inject({ method: 'POST', url: `/v1/tasks/${id}/partners/${organizationId}/${verb}`, headers: auth })

/** Every partner of the default proposal accepts its invitation, each with its own admin key. */
async function acceptAll(id: string) {
  for (const member of [institute, cooperative, dost]) {
    const response = await answer(member.auth, id, member.organization.id, 'accept')
    if (response.statusCode !== 200) throw new Error(`accepting failed: ${response.statusCode} ${response.body}`)
  }
}

const idsOf = (list: Array<{ organization: { id: string }; role: string }>) => list.map((partner) => [partner.organization.id, partner.role])

async function rows() {
  const tables = {
    tasks: schema.tasks,
    partners: schema.taskPartners,
    funding: schema.taskFunding,
    links: schema.taskLinks,
    transitions: schema.taskTransitions,
    events: schema.outboxEvents,
    audit: schema.auditEvents,
  }
  const result = {} as Record<keyof typeof tables, number>
  for (const [name, table] of Object.entries(tables)) result[name as keyof typeof tables] = (await db.select({ n: count() }).from(table))[0]!.n
  return result
}

t.test('a task goes from proposal through approval to completion', async (t) => {
  clock.set('2026-03-02T03:00:00Z')
  const response = await create(centre.auth, proposal())
  t.equal(response.statusCode, 201)
  t.equal(response.headers.location, `/v1/tasks/${response.json().id}`)
  const task = response.json() as TaskBody
  t.match(task, { status: 'proposed', currentProvinceCode: '37', fundingTotalVnd: 2_000_000_000, roles: ['lead'], allowedTransitions: ['cancel'] })
  t.same(task.partners, [], 'no partner before one accepts')
  t.same(
    idsOf(task.invitedPartners),
    partners.map((partner) => [partner.organizationId, partner.role]),
    'invited in the order given',
  )
  t.same([task.listingIds, task.demandIds, task.dealIds], [[listing.id], [demand.id], [deal.id]])

  t.equal((await get({}, task.id)).statusCode, 404, 'a proposed task is not public')
  t.equal((await get(outsider.auth, task.id)).statusCode, 404, 'nor seen by an organisation with no part in it')
  const inviteeView = (await get(institute.auth, task.id)).json() as TaskBody
  t.same(inviteeView.roles, ['invitee'], 'an invited organisation sees the task to answer it')
  t.same(idsOf(inviteeView.invitedPartners), [[institute.organization.id, 'st_organization']], 'and only its own invitation')
  assertProblem(t, await fire(dost.auth, task.id, { transition: 'approve' }), 403, 'forbidden')
  await acceptAll(task.id)
  const partnerView = (await get(institute.auth, task.id)).json() as TaskBody
  t.same(partnerView.roles, ['partner'])
  t.same(
    idsOf(partnerView.partners),
    partners.map((partner) => [partner.organizationId, partner.role]),
    'partners in the order given',
  )
  t.same((await get(dost.auth, task.id)).json().allowedTransitions, ['approve', 'cancel'], 'the authority may approve or cancel')

  assertProblem(t, await fire(centre.auth, task.id, { transition: 'approve' }), 403, 'forbidden')
  const approved = (await fire(dost.auth, task.id, { transition: 'approve' })).json() as TaskBody
  t.equal(approved.status, 'approved')
  t.ok(approved.approvedAt)
  t.equal((await get({}, task.id)).statusCode, 200, 'public once approved')

  assertProblem(t, await fire(dost.auth, task.id, { transition: 'start' }), 403, 'forbidden')
  t.equal((await fire(centre.auth, task.id, { transition: 'start' })).json().status, 'in_progress')
  const refused = assertProblem(t, await fire(centre.auth, task.id, { transition: 'complete' }), 409, 'guard_has_outputs')
  t.same(refused.allowed, ['cancel'])

  const withOutputs = await patch(centre.auth, task.id, { outputs: [{ title: 'Mô hình sấy lúa tại HTX Giao Thủy', kind: 'model', deliveredOn: '2026-10-15' }] })
  t.equal(withOutputs.statusCode, 200)
  clock.set('2026-12-01T18:30:00Z')
  const completed = (await fire(centre.auth, task.id, { transition: 'complete' })).json() as TaskBody
  t.equal(completed.status, 'completed')
  t.equal(completed.completedOn, '2026-12-02', 'today in Vietnam (UTC+7) by default')
  assertProblem(t, await patch(centre.auth, task.id, { title: 'Đổi tên' }), 409, 'invalid_state')
  assertProblem(t, await fire(operator.auth, task.id, { transition: 'cancel', reason: 'Muộn rồi' }), 409, 'invalid_transition')

  const history = (await app.inject({ method: 'GET', url: `/v1/tasks/${task.id}/history` })).json() as {
    items: Array<{ transition: string; actorRole: string; toState: string }>
  }
  t.same(
    history.items.map((entry) => [entry.transition, entry.actorRole, entry.toState]),
    [
      ['propose', 'lead', 'proposed'],
      ['partner_accepted', 'invitee', 'proposed'],
      ['partner_accepted', 'invitee', 'proposed'],
      ['partner_accepted', 'invitee', 'proposed'],
      ['approve', 'authority', 'approved'],
      ['start', 'lead', 'in_progress'],
      ['complete', 'lead', 'completed'],
    ],
  )
  const events = await db
    .select({ type: schema.outboxEvents.type, organizationIds: schema.outboxEvents.organizationIds })
    .from(schema.outboxEvents)
    .where(eq(schema.outboxEvents.subjectId, task.id))
    .orderBy(asc(schema.outboxEvents.id))
  t.same(
    events.map((event) => event.type),
    [
      'task.proposed',
      ...partners.map(() => 'task.partner_invited'),
      ...partners.map(() => 'task.partner_accepted'),
      'task.approved',
      'task.started',
      'task.updated',
      'task.completed',
    ],
  )
  t.same(events[0]!.organizationIds, [centre.organization.id], 'the proposal reaches the lead; invitees hear of their invitation')
  t.same(
    events.slice(1, 4).map((event) => event.organizationIds),
    partners.map((partner) => [centre.organization.id, partner.organizationId]),
  )
  const approval = events.find((event) => event.type === 'task.approved')!
  t.same(
    new Set(approval.organizationIds),
    new Set([centre.organization.id, ...partners.map((partner) => partner.organizationId)]),
    'moves reach the lead and every partner',
  )
  const audit = await db.select({ operation: schema.auditEvents.operation }).from(schema.auditEvents).where(eq(schema.auditEvents.targetId, task.id))
  t.same(audit.map((entry) => entry.operation).sort(), [
    'task.approve',
    'task.complete',
    'task.partner_accepted',
    'task.partner_accepted',
    'task.partner_accepted',
    'task.propose',
    'task.start',
    'task.update',
  ])
})

t.test('what a task names is checked, and a refused proposal writes nothing', async (t) => {
  const draftOfOther = await createListingViaApi(app, institute.auth)
  const draftDemand = await fileDemand(app, cooperative.auth)
  const before = await rows()
  const response = await create(
    centre.auth,
    proposal({
      endsOn: '2026-01-01',
      partners: [
        { organizationId: centre.organization.id, role: 'centre' },
        { organizationId: institute.organization.id, role: 'st_organization' },
        { organizationId: institute.organization.id, role: 'st_organization' },
        { organizationId: '00000000-0000-4000-8000-000000000000', role: 'enterprise' },
      ],
      listingIds: [draftOfOther.id],
      demandIds: [draftDemand.id],
      dealIds: ['00000000-0000-4000-8000-000000000001'],
    }),
  )
  const problem = assertProblem(t, response, 422, 'invalid_task')
  t.same(pointers(problem), [
    '#/endsOn',
    '#/partners/0/organizationId',
    '#/partners/2/organizationId',
    '#/partners/3/organizationId',
    '#/listingIds/0',
    '#/demandIds/0',
    '#/dealIds/0',
  ])
  assertProblem(t, await create(centre.auth, proposal({ provinceCode: '99' })), 422, 'unknown_province')
  assertProblem(
    t,
    await create(centre.auth, proposal({ partners: [{ organizationId: institute.organization.id, role: 'sponsor' }] })),
    400,
    'validation_failed',
  )
  // The cooperative's deal with the institute may be linked only while one of them takes part.
  const unlinked = await create(centre.auth, proposal({ partners: [{ organizationId: dost.organization.id, role: 'authority' }] }))
  t.same(pointers(assertProblem(t, unlinked, 422, 'invalid_task')), ['#/dealIds/0'])
  t.same(await rows(), before, 'nothing written')
})

t.test('who may propose, edit and move a task', async (t) => {
  const reader = await createApiKey(db, { organizationId: centre.organization.id, role: 'reader' })
  assertProblem(t, await create({ authorization: `Bearer ${reader.key}` }, proposal()), 403, 'forbidden')
  assertProblem(t, await create(outsider.auth, proposal({ leadId: centre.organization.id })), 403, 'forbidden')
  const task = await proposed()
  assertProblem(t, await patch(institute.auth, task.id, { title: 'Của tôi' }), 403, 'forbidden')
  assertProblem(t, await patch(outsider.auth, task.id, { title: 'Của tôi' }), 404, 'not_found')
  assertProblem(t, await patch(centre.auth, task.id, { title: 'Cũ' }, { 'if-match': '"0"' }), 412, 'precondition_failed')
  const orphaned = await patch(centre.auth, task.id, { partners: [partners[2]] })
  t.same(pointers(assertProblem(t, orphaned, 422, 'invalid_task')), ['#/dealIds/0'], "the deal's parties may not leave while their deal is linked")
  const renamed = await patch(
    centre.auth,
    task.id,
    { title: 'Chuỗi lúa gạo hữu cơ', partners: [partners[2]], dealIds: [] },
    { 'if-match': `"${task.version}"` },
  )
  t.equal(renamed.statusCode, 200, renamed.body)
  t.same(
    renamed.json().invitedPartners.map((partner: { role: string }) => partner.role),
    ['authority'],
    'partners replaced as given',
  )
  t.same([renamed.json().dealIds, renamed.json().listingIds], [[], [listing.id]], 'links replaced per list given')

  // Only invited, the authority has no say yet; once it accepted, it may cancel.
  assertProblem(t, await fire(dost.auth, task.id, { transition: 'cancel', reason: 'Chưa tham gia' }), 403, 'forbidden')
  t.equal((await answer(dost.auth, task.id, dost.organization.id, 'accept')).statusCode, 200)
  assertProblem(t, await fire(dost.auth, task.id, { transition: 'cancel' }), 400, 'validation_failed')
  assertProblem(t, await fire(dost.auth, task.id, { transition: 'approve', reason: 'Vì sao' }), 400, 'validation_failed')
  const cancelled = await fire(dost.auth, task.id, { transition: 'cancel', reason: 'Không bố trí được kinh phí' })
  t.equal(cancelled.json().status, 'cancelled')
  t.equal(cancelled.json().cancelReason, 'Không bố trí được kinh phí')
  t.equal((await get({}, task.id)).statusCode, 404, 'cancelled before approval: still private')

  const lonely = await proposed({ partners: [], dealIds: [] })
  assertProblem(t, await fire(operator.auth, lonely.id, { transition: 'approve' }), 409, 'guard_has_partner')
  // Invitations are no partners: a task whose partners have not accepted is not approved either.
  const unanswered = await proposed()
  assertProblem(t, await fire(operator.auth, unanswered.id, { transition: 'approve' }), 409, 'guard_has_partner')
})

t.test("a delegate proposes for its member, and lists show public tasks and the caller's own", async (t) => {
  const point = await createMember(db, { kind: 'connection_point' })
  t.ok(await recordDelegation(app, operator.auth, point.organization.id, centre.organization.id))
  const forMember = await create(point.auth, proposal({ leadId: centre.organization.id, dealIds: [] }))
  t.equal(forMember.statusCode, 201, forMember.body)
  t.same(forMember.json().roles, ['lead'], 'the delegate acts as the lead')

  const approved = await proposed({ provinceCode: '01', dealIds: [] })
  await acceptAll(approved.id)
  t.equal((await fire(operator.auth, approved.id, { transition: 'approve' })).statusCode, 200)
  const list = async (auth: Auth, query = '') => {
    const response = await app.inject({ method: 'GET', url: `/v1/tasks${query}`, headers: auth })
    t.equal(response.statusCode, 200, response.body)
    return (response.json() as { items: TaskBody[] }).items.map((task) => task.id)
  }
  const anonymous = await list({})
  t.ok(anonymous.includes(approved.id))
  t.notOk(anonymous.includes(forMember.json().id), 'proposed tasks are not public')
  t.ok((await list(centre.auth)).includes(forMember.json().id), 'the lead lists its proposed tasks')
  t.ok((await list(point.auth)).includes(forMember.json().id), 'so does its delegate')
  t.same(await list({}, '?provinceCode=01'), [approved.id], 'by province')
  t.same(await list({}, `?organizationId=${dost.organization.id}&status=approved`), [approved.id], 'by partner and status')
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/tasks?provinceCode=98' }), 400, 'unknown_province')

  const page = await app.inject({ method: 'GET', url: '/v1/tasks?limit=1', headers: operator.auth })
  const next = await app.inject({ method: 'GET', url: `/v1/tasks?limit=1&cursor=${encodeURIComponent(page.json().nextCursor)}`, headers: operator.auth })
  t.not(next.json().items[0].id, page.json().items[0].id, 'pages move on')
})

t.test('partners accept before they are shown as partners; they may decline, and answer only for themselves', async (t) => {
  const invited = [
    { organizationId: institute.organization.id, role: 'st_organization' },
    { organizationId: dost.organization.id, role: 'authority' },
  ]
  const task = await proposed({ partners: invited, dealIds: [] })
  const instituteEditor = { authorization: `Bearer ${(await createApiKey(db, { organizationId: institute.organization.id, role: 'editor' })).key}` }
  const instituteReader = { authorization: `Bearer ${(await createApiKey(db, { organizationId: institute.organization.id, role: 'reader' })).key}` }
  const invitedEvents = async () =>
    (await db.select().from(schema.outboxEvents).where(eq(schema.outboxEvents.subjectId, task.id)).orderBy(asc(schema.outboxEvents.id))).filter((event) =>
      event.type.startsWith('task.partner_'),
    )

  // Invitees see the proposed task and list it; a list by partner does not count them yet.
  const listed = async (auth: Auth, query = '') =>
    ((await app.inject({ method: 'GET', url: `/v1/tasks${query}`, headers: auth })).json() as { items: TaskBody[] }).items.map((item) => item.id)
  t.ok((await listed(dost.auth)).includes(task.id), 'the invited DOST lists it')
  t.notOk((await listed(operator.auth, `?organizationId=${institute.organization.id}`)).includes(task.id), 'not yet a task the institute is a partner of')
  // An invitee may not edit or move the task.
  assertProblem(t, await patch(institute.auth, task.id, { title: 'Của tôi' }), 403, 'forbidden')

  // Who answers: the invitee's admin and editor keys, not its readers, the lead, the operator or anyone else.
  const before = await rows()
  assertProblem(t, await answer({}, task.id, institute.organization.id, 'accept'), 401, 'unauthorized')
  for (const auth of [centre.auth, operator.auth, instituteReader])
    assertProblem(t, await answer(auth, task.id, institute.organization.id, 'accept'), 403, 'forbidden')
  // The DOST cannot answer for the institute.
  assertProblem(t, await answer(dost.auth, task.id, institute.organization.id, 'accept'), 403, 'forbidden')
  assertProblem(t, await answer(outsider.auth, task.id, outsider.organization.id, 'accept'), 404, 'not_found')
  assertProblem(t, await answer(centre.auth, task.id, outsider.organization.id, 'accept'), 404, 'not_found')
  t.same(await rows(), before, 'nothing written')

  // The DOST declines: the invitation goes, the lead hears of it, and the DOST no longer sees the task.
  const declined = await answer(dost.auth, task.id, dost.organization.id, 'decline')
  t.equal(declined.statusCode, 200)
  t.same(declined.json().roles, [])
  t.equal((await get(dost.auth, task.id)).statusCode, 404)
  t.same(
    (await get(centre.auth, task.id)).json().invitedPartners.map((partner: { organization: { id: string } }) => partner.organization.id),
    [institute.organization.id],
  )
  assertProblem(t, await answer(dost.auth, task.id, dost.organization.id, 'accept'), 404, 'not_found')

  // The institute's editor accepts: a partner, with a partner's view.
  const accepted = await answer(instituteEditor, task.id, institute.organization.id, 'accept')
  t.equal(accepted.statusCode, 200)
  t.same(idsOf(accepted.json().partners), [[institute.organization.id, 'st_organization']])
  t.same(accepted.json().roles, ['partner'])
  t.ok((await listed(operator.auth, `?organizationId=${institute.organization.id}`)).includes(task.id), 'now a task the institute is a partner of')
  assertProblem(t, await answer(institute.auth, task.id, institute.organization.id, 'accept'), 409, 'invalid_transition')
  assertProblem(t, await answer(institute.auth, task.id, institute.organization.id, 'decline'), 409, 'invalid_transition')
  t.same(
    (await invitedEvents()).map((event) => [event.type, event.organizationIds]),
    [
      ['task.partner_invited', [centre.organization.id, institute.organization.id]],
      ['task.partner_invited', [centre.organization.id, dost.organization.id]],
      ['task.partner_declined', [centre.organization.id, dost.organization.id]],
      ['task.partner_accepted', [centre.organization.id, institute.organization.id]],
    ],
  )

  // The lead invites the DOST again; the institute, named again in its role, keeps its answer; in another role it is asked again.
  const reinvited = await patch(centre.auth, task.id, { partners: [...invited] })
  t.same(idsOf(reinvited.json().partners), [[institute.organization.id, 'st_organization']])
  t.same(idsOf(reinvited.json().invitedPartners), [[dost.organization.id, 'authority']])
  const recast = await patch(centre.auth, task.id, { partners: [{ organizationId: institute.organization.id, role: 'enterprise' }, invited[1]] })
  t.same(recast.json().partners, [], 'a new role needs a new answer')
  t.equal((await invitedEvents()).filter((event) => event.type === 'task.partner_invited').length, 4, 'one invitation event per new invitation')

  // An organisation acting for the invitee (its delegate) may answer for it.
  const point = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Hà Nội' })
  await recordDelegation(app, operator.auth, point.organization.id, institute.organization.id)
  t.equal((await answer(point.auth, task.id, institute.organization.id, 'accept')).statusCode, 200)
  const history = (await app.inject({ method: 'GET', url: `/v1/tasks/${task.id}/history`, headers: centre.auth })).json().items as Array<{
    transition: string
    actorOrganizationId: string
    payload: Record<string, unknown>
  }>
  t.same(
    history
      .filter((entry) => entry.transition.startsWith('partner_'))
      .map((entry) => [entry.transition, entry.actorOrganizationId, entry.payload.organizationId]),
    [
      ['partner_declined', dost.organization.id, dost.organization.id],
      ['partner_accepted', institute.organization.id, institute.organization.id],
      ['partner_accepted', point.organization.id, institute.organization.id],
    ],
  )

  // Once the task ended, invitations can no longer be answered.
  await fire(centre.auth, task.id, { transition: 'cancel', reason: 'Dừng' })
  assertProblem(t, await answer(dost.auth, task.id, dost.organization.id, 'accept'), 409, 'invalid_state')
})

t.test('GET /v1/task-process serves the table the API enforces', async (t) => {
  const { app: fresh } = await buildTestApp(t)
  const process = (await fresh.inject({ method: 'GET', url: '/v1/task-process' })).json()
  t.same(
    process.states.map((state: { name: string }) => state.name),
    ['proposed', 'approved', 'in_progress', 'completed', 'cancelled'],
  )
  t.match(
    process.transitions.find((transition: { name: string }) => transition.name === 'approve'),
    { from: ['proposed'], to: 'approved', by: ['authority', 'operator'], guards: ['has_partner'] },
  )
})
