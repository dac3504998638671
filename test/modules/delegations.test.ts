import t from 'tap'
import { eq } from 'drizzle-orm'
import { delegations, organizations } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/modules/api-keys/api-keys.service.ts'
import { buildTestApp } from '../helpers/app.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { createMember, createOperator, createOrganization, tableCounts } from '../helpers/factories.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// Delegations themselves: who starts, reads and ends them, the rules on agents and members, and
// onboarding (a connection point registering a member). What a delegate may then do with the
// member's listings and demands is in delegations-acting.test.ts.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)

const keyOf = async (organizationId: string, role: 'admin' | 'editor' | 'reader') => {
  const key = await createApiKey(db, { organizationId, role })
  return { authorization: `Bearer ${key.key}` }
}
const post = (url: string, headers: Record<string, string> | undefined, payload: unknown) => app.inject({ method: 'POST', url, headers, payload: payload as object })
const get = (url: string, headers?: Record<string, string>) => app.inject({ method: 'GET', url, headers })

const point = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Hải Dương' })
const pointEditor = await keyOf(point.organization.id, 'editor')
const pointReader = await keyOf(point.organization.id, 'reader')

t.test('a connection point admin starts acting for an enterprise; both sides and the operator read it', async (t) => {
  const member = await createMember(db)
  const created = await post('/v1/delegations', point.auth, { memberOrganizationId: member.organization.id })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.equal(created.headers.location, `/v1/delegations/${body.id}`)
  t.match(body, {
    agentOrganizationId: point.organization.id,
    memberOrganizationId: member.organization.id,
    active: true,
    createdByKeyId: point.keyId,
    endedAt: null,
    endedByOrganizationId: null,
    endReason: null,
  })
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

  // The same pair again, while active: 409, nothing written.
  const before = await tableCounts(db)
  assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: member.organization.id }), 409, 'delegation_exists')
  t.same(await tableCounts(db), before)
})

t.test('who may start a delegation', async (t) => {
  const member = await createMember(db)
  const payload = { memberOrganizationId: member.organization.id }
  const enterprise = await createMember(db)
  const centre = await createMember(db, { kind: 'transfer_centre' })
  const otherPoint = await createMember(db, { kind: 'connection_point' })
  const before = await tableCounts(db)
  assertProblem(t, await post('/v1/delegations', undefined, payload), 401, 'unauthorized')
  assertProblem(t, await post('/v1/delegations', pointEditor, payload), 403, 'forbidden')
  assertProblem(t, await post('/v1/delegations', pointReader, payload), 403, 'forbidden')
  // An enterprise or a centre is nobody's agent.
  assertProblem(t, await post('/v1/delegations', enterprise.auth, payload), 403, 'forbidden')
  assertProblem(t, await post('/v1/delegations', centre.auth, payload), 403, 'forbidden')
  // A connection point names no other agent than itself.
  assertProblem(t, await post('/v1/delegations', point.auth, { ...payload, agentOrganizationId: otherPoint.organization.id }), 403, 'forbidden')
  t.same(await tableCounts(db), before, 'nothing written')

  // The operator names the agent, and must.
  const missing = assertProblem(t, await post('/v1/delegations', operator.auth, payload), 422, 'agent_required')
  t.same(pointers(missing), ['#/agentOrganizationId'])
  const byOperator = await post('/v1/delegations', operator.auth, { ...payload, agentOrganizationId: otherPoint.organization.id })
  t.equal(byOperator.statusCode, 201)
  t.match(byOperator.json(), { agentOrganizationId: otherPoint.organization.id, memberOrganizationId: member.organization.id, createdByKeyId: operator.keyId })
})

t.test('agents and members must be of the right kinds', async (t) => {
  const before = await tableCounts(db)
  for (const kind of ['connection_point', 'authority', 'exchange_operator']) {
    const organization = await createOrganization(db, { kind })
    const refused = assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: organization.id }), 422, 'invalid_member')
    t.same(pointers(refused), ['#/memberOrganizationId'], `a ${kind} is no member`)
  }
  assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: point.organization.id }), 422, 'invalid_member')
  const unknown = assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: '00000000-0000-4000-8000-000000000000' }), 422, 'reference_not_found')
  t.same(pointers(unknown), ['#/memberOrganizationId'])
  const enterprise = await createOrganization(db)
  const notAgent = await createOrganization(db, { kind: 'university' })
  const refused = assertProblem(t, await post('/v1/delegations', operator.auth, { memberOrganizationId: enterprise.id, agentOrganizationId: notAgent.id }), 422, 'invalid_agent')
  t.same(pointers(refused), ['#/agentOrganizationId'])
  assertProblem(t, await post('/v1/delegations', point.auth, {}), 400, 'validation_failed')
  assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: enterprise.id, extra: 1 }), 400, 'validation_failed')
  assertProblem(t, await post('/v1/delegations', point.auth, { memberOrganizationId: 'not-a-uuid' }), 400, 'validation_failed')
  const after = await tableCounts(db)
  t.equal(after.delegations, before.delegations, 'no delegation written')
  t.equal(after.auditEvents, before.auditEvents, 'no audit event written')
})

t.test('a DOST takes members of its own province only; the operator may link across', async (t) => {
  // Hà Nội (01) DOST; members in Hà Nội and in Nam Định (legacy 36, now 37).
  const dost = await createOrganization(db, { kind: 'authority', name: 'Sở KH&CN Hà Nội', provinceCode: '01', currentProvinceCode: '01' })
  const dostAdmin = await keyOf(dost.id, 'admin')
  const local = await createOrganization(db, { provinceCode: '01', currentProvinceCode: '01' })
  const distant = await createOrganization(db, { provinceCode: '36', currentProvinceCode: '37' })
  const before = await tableCounts(db)
  const refused = assertProblem(t, await post('/v1/delegations', dostAdmin, { memberOrganizationId: distant.id }), 422, 'outside_province')
  t.same(pointers(refused), ['#/memberOrganizationId'])
  t.same(await tableCounts(db), before, 'nothing written')
  t.equal((await post('/v1/delegations', dostAdmin, { memberOrganizationId: local.id })).statusCode, 201)
  t.equal((await post('/v1/delegations', operator.auth, { memberOrganizationId: distant.id, agentOrganizationId: dost.id })).statusCode, 201)
})

t.test('ending: either side admin or the operator, once; the pair may start again', async (t) => {
  const member = await createMember(db)
  const memberReader = await keyOf(member.organization.id, 'reader')
  const start = async () => (await post('/v1/delegations', point.auth, { memberOrganizationId: member.organization.id })).json().id as string

  const first = await start()
  const stranger = await createMember(db)
  const before = await tableCounts(db)
  assertProblem(t, await post(`/v1/delegations/${first}/end`, undefined, {}), 401, 'unauthorized')
  assertProblem(t, await post(`/v1/delegations/${first}/end`, stranger.auth, {}), 404, 'not_found')
  assertProblem(t, await post(`/v1/delegations/${first}/end`, memberReader, {}), 403, 'forbidden')
  assertProblem(t, await post(`/v1/delegations/${first}/end`, pointEditor, {}), 403, 'forbidden')
  assertProblem(t, await post(`/v1/delegations/${first}/end`, member.auth, { reason: 'x'.repeat(301) }), 400, 'validation_failed')
  assertProblem(t, await post('/v1/delegations/00000000-0000-4000-8000-000000000000/end', operator.auth, {}), 404, 'not_found')
  t.same(await tableCounts(db), before, 'nothing written')
  t.equal((await get(`/v1/delegations/${first}`, operator.auth)).json().active, true, 'still active')

  // The member ends it.
  const ended = await post(`/v1/delegations/${first}/end`, member.auth, { reason: '  Tự quản lý hồ sơ  ' })
  t.equal(ended.statusCode, 200)
  t.match(ended.json(), { active: false, endedAt: String, endedByOrganizationId: member.organization.id, endReason: 'Tự quản lý hồ sơ' })
  const [event] = (await auditTrailOf(db, first)).filter((row) => row.operation === 'delegation.end')
  t.match(event, { actingOrganizationId: member.organization.id, owningOrganizationId: member.organization.id, changes: { active: { before: true, after: false } } })
  const afterEnd = await tableCounts(db)
  assertProblem(t, await post(`/v1/delegations/${first}/end`, member.auth, {}), 409, 'delegation_ended')
  assertProblem(t, await post(`/v1/delegations/${first}/end`, operator.auth, {}), 409, 'delegation_ended')
  t.same(await tableCounts(db), afterEnd, 'a second end writes nothing')

  // Once ended, the pair may be delegated again; the agent and the operator end that one.
  const second = await start()
  t.not(second, first)
  const byAgent = await post(`/v1/delegations/${second}/end`, point.auth, {})
  t.equal(byAgent.statusCode, 200)
  t.equal(byAgent.json().endedByOrganizationId, point.organization.id)
  const third = await start()
  t.equal((await post(`/v1/delegations/${third}/end`, operator.auth, {})).json().endedByOrganizationId, operator.organization.id)
  const rows = await db.select().from(delegations).where(eq(delegations.memberOrganizationId, member.organization.id))
  t.equal(rows.length, 3, 'ended delegations stay on record')
})

t.test('listing: each side sees its own, the operator all; filters and cursor paging', async (t) => {
  const agent = await createMember(db, { kind: 'connection_point' })
  const agentReader = await keyOf(agent.organization.id, 'reader')
  const members = [await createMember(db), await createMember(db), await createMember(db)]
  const ids: string[] = []
  for (const member of members) ids.push((await post('/v1/delegations', agent.auth, { memberOrganizationId: member.organization.id })).json().id)
  await post(`/v1/delegations/${ids[0]}/end`, members[0]!.auth, {})

  const list = async (query: string, auth: Record<string, string>) => {
    const response = await get(`/v1/delegations${query}`, auth)
    t.equal(response.statusCode, 200, query)
    return response.json() as { items: Array<{ id: string; active: boolean }>; nextCursor: string | null }
  }
  t.same((await list('', agentReader)).items.map((item) => item.id).sort(), [...ids].sort(), "the agent's reader sees its delegations")
  t.same((await list('', members[1]!.auth)).items.map((item) => item.id), [ids[1]], 'a member sees its own')
  t.same((await list('?active=true', agent.auth)).items.map((item) => item.id).sort(), [ids[1], ids[2]].sort())
  t.same((await list('?active=false', agent.auth)).items.map((item) => item.id), [ids[0]])
  t.same((await list(`?memberOrganizationId=${members[2]!.organization.id}`, operator.auth)).items.map((item) => item.id), [ids[2]])
  t.equal((await list(`?agentOrganizationId=${agent.organization.id}`, operator.auth)).items.length, 3, 'the operator sees all')
  // Another organisation's filter finds nothing of theirs.
  t.same((await list(`?agentOrganizationId=${agent.organization.id}`, members[1]!.auth)).items.map((item) => item.id), [ids[1]])

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
})

t.test('onboarding: a connection point registers a member and a delegation in one go', async (t) => {
  const payload = { kind: 'enterprise', name: 'Công ty TNHH Chế biến Nông sản Gia Lộc', provinceCode: '30', taxCode: '0801234567' }
  const created = await post('/v1/organizations', point.auth, payload)
  t.equal(created.statusCode, 201)
  const organization = created.json()
  t.match(organization, { kind: 'enterprise', taxCode: '0801234567' })
  const [delegation] = await db.select().from(delegations).where(eq(delegations.memberOrganizationId, organization.id))
  t.match(delegation, { agentOrganizationId: point.organization.id, endedAt: null, createdByKeyId: point.keyId })
  const operations = (await auditTrailOf(db, organization.id)).map((row) => row.operation)
  t.same(operations, ['organization.create'])
  const [delegationEvent] = await auditTrailOf(db, delegation!.id)
  t.match(delegationEvent, { operation: 'delegation.create', actingOrganizationId: point.organization.id, owningOrganizationId: organization.id })
})

t.test('refused onboarding writes nothing', async (t) => {
  const dost = await createOrganization(db, { kind: 'authority', provinceCode: '01', currentProvinceCode: '01' })
  const dostAdmin = await keyOf(dost.id, 'admin')
  const enterprise = await createMember(db)
  const before = await tableCounts(db)
  const payload = { kind: 'enterprise', name: 'Công ty TNHH Thử nghiệm Onboarding', provinceCode: '01' }
  assertProblem(t, await post('/v1/organizations', pointEditor, payload), 403, 'forbidden')
  assertProblem(t, await post('/v1/organizations', pointReader, payload), 403, 'forbidden')
  assertProblem(t, await post('/v1/organizations', enterprise.auth, payload), 403, 'forbidden')
  for (const kind of ['connection_point', 'authority', 'exchange_operator']) {
    const refused = assertProblem(t, await post('/v1/organizations', point.auth, { ...payload, kind }), 422, 'invalid_member')
    t.same(pointers(refused), ['#/kind'])
  }
  // Only itself as the parent.
  assertProblem(t, await post('/v1/organizations', point.auth, { ...payload, parentId: dost.id }), 403, 'forbidden')
  // A DOST onboards in its own province only: the organisation is not left behind without its delegation.
  assertProblem(t, await post('/v1/organizations', dostAdmin, { ...payload, provinceCode: '36' }), 422, 'outside_province')
  assertProblem(t, await post('/v1/organizations', dostAdmin, { kind: 'enterprise', name: 'Không có tỉnh' }), 422, 'outside_province')
  t.same(await tableCounts(db), before, 'nothing written')
  const orphans = await db.select().from(organizations).where(eq(organizations.name, payload.name))
  t.same(orphans, [])
  // In its province it works.
  t.equal((await post('/v1/organizations', dostAdmin, payload)).statusCode, 201)
})
