import t from 'tap'
import { asc, eq } from 'drizzle-orm'
import { delegations, organizations, outboxEvents } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { buildTestApp } from '../helpers/app.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { createMember, createOperator, createOrganization, nationalScope, tableCounts } from '../helpers/factories.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// Delegations themselves: who proposes and records them, the rules on agents and members, where
// an agent may reach (a DOST's province, a connection point's declared scope), onboarding (a
// connection point registering a member) and lists. Consent (accepting, declining, expiry, events)
// is in delegations-consent.test.ts; what a delegate may then do with the member's listings and
// demands is in delegations-acting.test.ts.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)

const keyOf = async (organizationId: string, role: 'admin' | 'editor' | 'reader') => {
  const key = await createApiKey(db, { organizationId, role })
  return { authorization: `Bearer ${key.key}` }
}
const post = (url: string, headers: Record<string, string> | undefined, payload?: unknown) =>
  app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
const get = (url: string, headers?: Record<string, string>) => app.inject({ method: 'GET', url, headers })
const eventsOf = async (delegationId: string) =>
  (await db.select().from(outboxEvents).where(eq(outboxEvents.subjectId, delegationId)).orderBy(asc(outboxEvents.id))).map((event) => ({
    type: event.type,
    to: event.organizationIds,
    origin: (event.payload as { origin: string }).origin,
  }))
const patch = (url: string, headers: Record<string, string>, payload: unknown) => app.inject({ method: 'PATCH', url, headers, payload: payload as object })

const point = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Hải Dương', delegationScope: nationalScope })
const pointEditor = await keyOf(point.organization.id, 'editor')
const pointReader = await keyOf(point.organization.id, 'reader')

t.test('a connection point admin proposes; both sides and the operator read it; nothing is in effect yet', async (t) => {
  const member = await createMember(db)
  const created = await post('/v1/delegations', point.auth, { memberOrganizationId: member.organization.id })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.equal(created.headers.location, `/v1/delegations/${body.id}`)
  t.match(body, {
    agentOrganizationId: point.organization.id,
    memberOrganizationId: member.organization.id,
    status: 'proposed',
    active: false,
    origin: 'proposal',
    basis: null,
    createdByKeyId: point.keyId,
    acceptedAt: null,
    endedAt: null,
  })
  // It waits DELEGATION_PROPOSAL_DAYS (14 by default) for the member's answer.
  t.equal(Date.parse(body.expiresAt) - Date.parse(body.createdAt), 14 * 86_400_000)
  for (const auth of [point.auth, pointReader, member.auth, operator.auth]) {
    const read = await get(`/v1/delegations/${body.id}`, auth)
    t.equal(read.statusCode, 200)
    t.same(read.json(), body)
  }
  // A stranger cannot tell it exists; without a key it is a 401.
  const stranger = await createMember(db)
  assertProblem(t, await get(`/v1/delegations/${body.id}`, stranger.auth), 404, 'not_found')
  assertProblem(t, await get(`/v1/delegations/${body.id}`), 401, 'unauthorized')

  const [event] = (await auditTrailOf(db, body.id)).filter((row) => row.operation === 'delegation.create')
  t.match(event, { actingOrganizationId: point.organization.id, owningOrganizationId: member.organization.id, keyId: point.keyId, targetType: 'delegation' })

  // The same pair again, while the proposal waits: 409, nothing written.
  const before = await tableCounts(db)
  const again = assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: member.organization.id }), 409, 'delegation_exists')
  t.match(again.detail, body.id, 'the detail names the pending proposal')
  t.same(await tableCounts(db), before)
})

t.test('who may propose, and the operator who records with a basis', async (t) => {
  const member = await createMember(db)
  const payload = { memberOrganizationId: member.organization.id }
  const enterprise = await createMember(db)
  const centre = await createMember(db, { kind: 'transfer_centre' })
  const otherPoint = await createMember(db, { kind: 'connection_point', delegationScope: nationalScope })
  const before = await tableCounts(db)
  assertProblem(t, await post('/v1/delegations', undefined, payload), 401, 'unauthorized')
  assertProblem(t, await post('/v1/delegations', pointEditor, payload), 403, 'forbidden')
  assertProblem(t, await post('/v1/delegations', pointReader, payload), 403, 'forbidden')
  // An enterprise or a centre is nobody's agent.
  assertProblem(t, await post('/v1/delegations', enterprise.auth, payload), 403, 'forbidden')
  assertProblem(t, await post('/v1/delegations', centre.auth, payload), 403, 'forbidden')
  // A connection point names no other agent than itself, and cannot skip the member's consent.
  assertProblem(t, await post('/v1/delegations', point.auth, { ...payload, agentOrganizationId: otherPoint.organization.id }), 403, 'forbidden')
  const basis = assertProblem(t, await post('/v1/delegations', point.auth, { ...payload, basis: 'Hợp đồng dịch vụ' }), 403, 'forbidden')
  t.same(pointers(basis), ['#/basis'])
  // A blank basis says nothing.
  assertProblem(
    t,
    await post('/v1/delegations', operator.auth, { ...payload, agentOrganizationId: otherPoint.organization.id, basis: '   ' }),
    400,
    'validation_failed',
  )
  t.same(await tableCounts(db), before, 'nothing written')

  // The operator names the agent, and must.
  const missing = assertProblem(t, await post('/v1/delegations', operator.auth, payload), 422, 'agent_required')
  t.same(pointers(missing), ['#/agentOrganizationId'])
  // Without a basis the operator proposes too: the member still answers.
  const proposed = await post('/v1/delegations', operator.auth, { ...payload, agentOrganizationId: otherPoint.organization.id })
  t.equal(proposed.statusCode, 201)
  t.match(proposed.json(), { status: 'proposed', origin: 'proposal', createdByKeyId: operator.keyId })
  // With a basis it records the delegation, in effect at once; the basis is kept and audited.
  const other = await createMember(db)
  const recorded = await post('/v1/delegations', operator.auth, {
    memberOrganizationId: other.organization.id,
    agentOrganizationId: otherPoint.organization.id,
    basis: '  Giấy ủy quyền số 12/UQ-2026 của doanh nghiệp  ',
  })
  t.equal(recorded.statusCode, 201)
  t.match(recorded.json(), {
    status: 'active',
    active: true,
    origin: 'operator',
    basis: 'Giấy ủy quyền số 12/UQ-2026 của doanh nghiệp',
    expiresAt: null,
    createdByKeyId: operator.keyId,
  })
  const [audit] = await auditTrailOf(db, recorded.json().id)
  t.match(audit, {
    operation: 'delegation.create',
    keyId: operator.keyId,
    changes: { basis: { after: 'Giấy ủy quyền số 12/UQ-2026 của doanh nghiệp' }, origin: { after: 'operator' } },
  })
  // The member is told that someone now acts for it, and on what basis.
  t.same(await eventsOf(recorded.json().id), [{ type: 'delegation.recorded', to: [other.organization.id, otherPoint.organization.id], origin: 'operator' }])
  t.same(await eventsOf(proposed.json().id), [{ type: 'delegation.proposed', to: [member.organization.id, otherPoint.organization.id], origin: 'proposal' }])
})

t.test('agents and members must be of the right kinds', async (t) => {
  const before = await tableCounts(db)
  for (const kind of ['connection_point', 'authority', 'exchange_operator']) {
    const organization = await createOrganization(db, { kind })
    const refused = assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: organization.id }), 422, 'invalid_member')
    t.same(pointers(refused), ['#/memberOrganizationId'], `a ${kind} is no member`)
  }
  assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: point.organization.id }), 422, 'invalid_member')
  const unknown = assertProblem(
    t,
    await post('/v1/delegations', point.auth, { memberOrganizationId: '00000000-0000-4000-8000-000000000000' }),
    422,
    'reference_not_found',
  )
  t.same(pointers(unknown), ['#/memberOrganizationId'])
  const enterprise = await createOrganization(db)
  const notAgent = await createOrganization(db, { kind: 'university' })
  const refused = assertProblem(
    t,
    await post('/v1/delegations', operator.auth, { memberOrganizationId: enterprise.id, agentOrganizationId: notAgent.id }),
    422,
    'invalid_agent',
  )
  t.same(pointers(refused), ['#/agentOrganizationId'])
  assertProblem(t, await post('/v1/delegations', point.auth, {}), 400, 'validation_failed')
  assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: enterprise.id, extra: 1 }), 400, 'validation_failed')
  assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: 'not-a-uuid' }), 400, 'validation_failed')
  const after = await tableCounts(db)
  t.equal(after.delegations, before.delegations, 'no delegation written')
  t.equal(after.auditEvents, before.auditEvents, 'no audit event written')
})

t.test('a DOST proposes to members of its own province only; the operator may link across', async (t) => {
  // Hà Nội (01) DOST; members in Hà Nội and in Nam Định (legacy 36, now 37).
  const dost = await createOrganization(db, { kind: 'authority', name: 'Sở KH&CN Hà Nội', provinceCode: '01', currentProvinceCode: '01' })
  const dostAdmin = await keyOf(dost.id, 'admin')
  const local = await createOrganization(db, { provinceCode: '01', currentProvinceCode: '01' })
  const distant = await createOrganization(db, { provinceCode: '36', currentProvinceCode: '37' })
  const before = await tableCounts(db)
  const refused = assertProblem(t, await post('/v1/delegations', dostAdmin, { memberOrganizationId: distant.id }), 422, 'outside_province')
  t.same(pointers(refused), ['#/memberOrganizationId'])
  t.same(await tableCounts(db), before, 'nothing written')
  t.equal((await post('/v1/delegations', dostAdmin, { memberOrganizationId: local.id })).json().status, 'proposed')
  t.equal((await post('/v1/delegations', operator.auth, { memberOrganizationId: distant.id, agentOrganizationId: dost.id })).statusCode, 201)
})

t.test('a connection point proposes only within the scope the operator declared for it', async (t) => {
  const hanoi = await createOrganization(db, { name: 'Công ty CP Cơ khí Đông Anh', provinceCode: '01', currentProvinceCode: '01', sectors: ['C'] })
  const farm = await createOrganization(db, { name: 'HTX Nông nghiệp Hải Hậu', provinceCode: '36', currentProvinceCode: '37', sectors: ['A'] })
  const newcomer = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Ninh Bình' })
  const newcomerId = newcomer.organization.id
  const proposeTo = (memberOrganizationId: string) => post('/v1/delegations', newcomer.auth, { memberOrganizationId })

  // No scope declared yet: it takes no members, and its admin cannot declare one itself.
  const before = await tableCounts(db)
  const undeclared = assertProblem(t, await proposeTo(hanoi.id), 422, 'outside_scope')
  t.same(pointers(undeclared), ['#/memberOrganizationId'])
  t.match(undeclared.detail, 'chưa khai báo phạm vi')
  const own = assertProblem(t, await patch(`/v1/organizations/${newcomerId}`, newcomer.auth, { delegationScope: nationalScope }), 403, 'forbidden')
  t.same(pointers(own), ['#/delegationScope'])
  t.same(await tableCounts(db), before, 'nothing written')

  // The operator declares Ninh Bình (legacy Nam Định 36 resolves to it) and agriculture.
  const declared = await patch(`/v1/organizations/${newcomerId}`, operator.auth, { delegationScope: { provinceCodes: ['36', '37'], sectors: ['A'] } })
  t.equal(declared.statusCode, 200)
  t.same(declared.json().delegationScope, { provinceCodes: ['37'], sectors: ['A'] }, 'stored as 2025 units, once each')
  t.same((await get(`/v1/organizations/${newcomerId}`)).json().delegationScope, { provinceCodes: ['37'], sectors: ['A'] }, 'public: members see whom it serves')
  const audit = (await auditTrailOf(db, newcomerId)).at(-1)
  t.match(audit, { operation: 'organization.update', keyId: operator.keyId, changes: { delegationScope: { before: null, after: { provinceCodes: ['37'] } } } })

  assertProblem(t, await proposeTo(hanoi.id), 422, 'outside_scope')
  t.equal((await proposeTo(farm.id)).statusCode, 201, 'in its province and sector')
  // In the province but in another sector, or declaring none: outside.
  const factory = await createOrganization(db, { provinceCode: '37', currentProvinceCode: '37', sectors: ['C'] })
  assertProblem(t, await proposeTo(factory.id), 422, 'outside_scope')
  const silent = await createOrganization(db, { provinceCode: '37', currentProvinceCode: '37' })
  assertProblem(t, await proposeTo(silent.id), 422, 'outside_scope')
  // The operator is not bound by it.
  t.equal((await post('/v1/delegations', operator.auth, { memberOrganizationId: hanoi.id, agentOrganizationId: newcomerId })).statusCode, 201)

  // Only connection points have a scope; a bad province code is named.
  const dost = await createMember(db, { kind: 'authority', provinceCode: '01' })
  assertProblem(t, await patch(`/v1/organizations/${dost.organization.id}`, operator.auth, { delegationScope: nationalScope }), 422, 'invalid_scope')
  const unknown = assertProblem(
    t,
    await patch(`/v1/organizations/${newcomerId}`, operator.auth, { delegationScope: { provinceCodes: ['99'], sectors: [] } }),
    422,
    'unknown_province',
  )
  t.same(pointers(unknown), ['#/delegationScope/provinceCodes/0'])
  assertProblem(
    t,
    await patch(`/v1/organizations/${newcomerId}`, operator.auth, { delegationScope: { provinceCodes: [], sectors: ['Z'] } }),
    400,
    'validation_failed',
  )
  // Withdrawn (null): nowhere again.
  t.equal((await patch(`/v1/organizations/${newcomerId}`, operator.auth, { delegationScope: null })).json().delegationScope, null)
  assertProblem(t, await proposeTo(factory.id), 422, 'outside_scope')
})

t.test('listing: each side sees its own, the operator all; filters by status and cursor paging', async (t) => {
  const agent = await createMember(db, { kind: 'connection_point', delegationScope: nationalScope })
  const agentReader = await keyOf(agent.organization.id, 'reader')
  const members = [await createMember(db), await createMember(db), await createMember(db)]
  const ids: string[] = []
  for (const member of members) ids.push((await post('/v1/delegations', agent.auth, { memberOrganizationId: member.organization.id })).json().id)
  t.equal((await post(`/v1/delegations/${ids[0]}/decline`, members[0]!.auth, {})).statusCode, 200)
  t.equal((await post(`/v1/delegations/${ids[1]}/accept`, members[1]!.auth)).statusCode, 200)

  const list = async (query: string, auth: Record<string, string>) => {
    const response = await get(`/v1/delegations${query}`, auth)
    t.equal(response.statusCode, 200, query)
    return response.json() as { items: Array<{ id: string; active: boolean }>; nextCursor: string | null }
  }
  const idsOf = async (query: string, auth: Record<string, string>) => (await list(query, auth)).items.map((item) => item.id).sort()
  t.same(await idsOf('', agentReader), [...ids].sort(), "the agent's reader sees its delegations")
  t.same(await idsOf('', members[2]!.auth), [ids[2]], 'a member sees its own, proposals included')
  t.same(await idsOf('?active=true', agent.auth), [ids[1]])
  t.same(await idsOf('?active=false', agent.auth), [ids[0], ids[2]].sort())
  t.same(await idsOf('?status=proposed', agent.auth), [ids[2]])
  t.same(await idsOf('?status=declined', agent.auth), [ids[0]])
  t.same(await idsOf(`?memberOrganizationId=${members[2]!.organization.id}`, operator.auth), [ids[2]])
  t.equal((await list(`?agentOrganizationId=${agent.organization.id}`, operator.auth)).items.length, 3, 'the operator sees all')
  // Another organisation's filter finds nothing of theirs.
  t.same(await idsOf(`?agentOrganizationId=${agent.organization.id}`, members[1]!.auth), [ids[1]])

  const seen: string[] = []
  let cursor: string | null = null
  do {
    const page = await list(`?agentOrganizationId=${agent.organization.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, operator.auth)
    seen.push(...page.items.map((item) => item.id))
    cursor = page.nextCursor
  } while (cursor)
  t.same([...seen].sort(), [...ids].sort(), 'paging returns every delegation once')

  assertProblem(t, await get('/v1/delegations'), 401, 'unauthorized')
  assertProblem(t, await get('/v1/delegations?cursor=bm90LWEtY3Vyc29y', operator.auth), 400, 'invalid_cursor')
  assertProblem(t, await get('/v1/delegations?active=maybe', operator.auth), 400, 'validation_failed')
  assertProblem(t, await get('/v1/delegations?status=pending', operator.auth), 400, 'validation_failed')
})

t.test('onboarding: the member a connection point registers is its member from the start; later it sees and ends that', async (t) => {
  const payload = { kind: 'enterprise', name: 'Công ty TNHH Chế biến Nông sản Gia Lộc', provinceCode: '30', taxCode: '0801234567', sectors: ['A', 'C'] }
  const created = await post('/v1/organizations', point.auth, payload)
  t.equal(created.statusCode, 201)
  const organization = created.json()
  t.match(organization, { kind: 'enterprise', taxCode: '0801234567', sectors: ['A', 'C'], delegationScope: null })
  const [delegation] = await db.select().from(delegations).where(eq(delegations.memberOrganizationId, organization.id))
  t.match(delegation, {
    agentOrganizationId: point.organization.id,
    status: 'active',
    origin: 'onboarding',
    expiresAt: null,
    endedAt: null,
    createdByKeyId: point.keyId,
  })
  const operations = (await auditTrailOf(db, organization.id)).map((row) => row.operation)
  t.same(operations, ['organization.create'])
  const [delegationEvent] = await auditTrailOf(db, delegation!.id)
  t.match(delegationEvent, { operation: 'delegation.create', actingOrganizationId: point.organization.id, owningOrganizationId: organization.id })
  t.same(await eventsOf(delegation!.id), [{ type: 'delegation.recorded', to: [organization.id, point.organization.id], origin: 'onboarding' }])

  // The member gets its own admin key (from the operator): it sees who acts for it, and ends it.
  const keyed = await post('/v1/api-keys', operator.auth, { organizationId: organization.id, role: 'admin', label: 'Quản trị doanh nghiệp' })
  t.equal(keyed.statusCode, 201, keyed.body)
  const memberAdmin = { authorization: `Bearer ${keyed.json().secret}` }
  const seen = (await get('/v1/delegations?status=active', memberAdmin)).json().items
  t.match(seen, [{ id: delegation!.id, agentOrganizationId: point.organization.id, origin: 'onboarding' }])
  const ended = await post(`/v1/delegations/${delegation!.id}/end`, memberAdmin, { reason: 'Doanh nghiệp tự quản lý hồ sơ' })
  t.equal(ended.statusCode, 200)
  t.match(ended.json(), { status: 'ended', endedByOrganizationId: organization.id })
})

t.test('refused onboarding writes nothing', async (t) => {
  const dost = await createOrganization(db, { kind: 'authority', provinceCode: '01', currentProvinceCode: '01' })
  const dostAdmin = await keyOf(dost.id, 'admin')
  const enterprise = await createMember(db)
  const narrowPoint = await createMember(db, { kind: 'connection_point', delegationScope: { provinceCodes: ['01'], sectors: ['A'] } })
  const unscopedPoint = await createMember(db, { kind: 'connection_point' })
  const before = await tableCounts(db)
  const payload = { kind: 'enterprise', name: 'Công ty TNHH Thử nghiệm Onboarding', provinceCode: '01' }
  assertProblem(t, await post('/v1/organizations', pointEditor, payload), 403, 'forbidden')
  assertProblem(t, await post('/v1/organizations', pointReader, payload), 403, 'forbidden')
  assertProblem(t, await post('/v1/organizations', enterprise.auth, payload), 403, 'forbidden')
  for (const kind of ['connection_point', 'authority', 'exchange_operator']) {
    const refused = assertProblem(t, await post('/v1/organizations', point.auth, { ...payload, kind }), 422, 'invalid_member')
    t.same(pointers(refused), ['#/kind'])
  }
  // Only itself as the parent, and no scope of its own choosing.
  assertProblem(t, await post('/v1/organizations', point.auth, { ...payload, parentId: dost.id }), 403, 'forbidden')
  assertProblem(t, await post('/v1/organizations', point.auth, { ...payload, delegationScope: nationalScope }), 403, 'forbidden')
  // A DOST onboards in its own province only: the organisation is not left behind without its delegation.
  assertProblem(t, await post('/v1/organizations', dostAdmin, { ...payload, provinceCode: '36' }), 422, 'outside_province')
  assertProblem(t, await post('/v1/organizations', dostAdmin, { kind: 'enterprise', name: 'Không có tỉnh' }), 422, 'outside_province')
  // A connection point onboards within its scope: here Hà Nội, agriculture.
  const sector = assertProblem(t, await post('/v1/organizations', narrowPoint.auth, { ...payload, sectors: ['C'] }), 422, 'outside_scope')
  t.same(pointers(sector), ['#/sectors'])
  const province = assertProblem(t, await post('/v1/organizations', narrowPoint.auth, { ...payload, provinceCode: '36', sectors: ['A'] }), 422, 'outside_scope')
  t.same(pointers(province), ['#/provinceCode'])
  assertProblem(t, await post('/v1/organizations', unscopedPoint.auth, payload), 422, 'outside_scope')
  t.same(await tableCounts(db), before, 'nothing written')
  const orphans = await db.select().from(organizations).where(eq(organizations.name, payload.name))
  t.same(orphans, [])
  // In its province, or its scope, it works.
  t.equal((await post('/v1/organizations', dostAdmin, payload)).statusCode, 201)
  t.equal((await post('/v1/organizations', narrowPoint.auth, { ...payload, name: 'HTX Rau an toàn Đông Anh', sectors: ['A'] })).statusCode, 201)
})
