import t, { type Test } from 'tap'
import { asc, count, eq } from 'drizzle-orm'
import { apiKeys, auditEvents } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import type { Role } from '../../src/core/actor.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { assertProblem } from '../helpers/problem.ts'

// Who may create, list, read, revoke and rotate which keys. Every refusal writes nothing: no key
// row, no change to the target, no audit row.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)
const member = await createMember(db, { name: 'Viện Cơ điện nông nghiệp' })
const other = await createMember(db, { name: 'Công ty TNHH Cơ khí Hà Nam' })

type Auth = { authorization: string }
/** Another key of an organisation, straight in the database. */
const keyOf = async (organizationId: string, role: Role) => {
  const key = await createApiKey(db, { organizationId, role })
  return { id: key.id, auth: { authorization: `Bearer ${key.key}` } }
}
const editor = await keyOf(member.organization.id, 'editor')
const reader = await keyOf(member.organization.id, 'reader')
const operatorOrgAdmin = await keyOf(operator.organization.id, 'admin')
const [memberAdminKey] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.organizationId, member.organization.id)).limit(1)
const [operatorKey] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.role, 'operator'))

const counts = async () => ({
  keys: (await db.select({ n: count() }).from(apiKeys))[0]!.n,
  audit: (await db.select({ n: count() }).from(auditEvents))[0]!.n,
})
// What a refusal must leave alone (lastUsedAt may move: the caller's key was used).
const keyStates = () =>
  db
    .select({ id: apiKeys.id, role: apiKeys.role, expiresAt: apiKeys.expiresAt, revokedAt: apiKeys.revokedAt, rotatedFromId: apiKeys.rotatedFromId })
    .from(apiKeys)
    .orderBy(asc(apiKeys.id))
/** Runs a request that must be refused, and checks that nothing was written. */
async function refused(t: Test, label: string, request: () => Promise<Parameters<typeof assertProblem>[1]>, status: number, code: string) {
  const before = await counts()
  const keysBefore = await keyStates()
  assertProblem(t, await request(), status, code)
  t.same(await counts(), before, `${label}: nothing written`)
  t.same(await keyStates(), keysBefore, `${label}: no key changed`)
}

const post = (url: string, headers: Auth | Record<string, never>, payload?: unknown) =>
  app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
const get = (url: string, headers: Auth | Record<string, never>) => app.inject({ method: 'GET', url, headers })

t.test('create: admins for their own organisation, the operator for any', async (t) => {
  for (const role of ['admin', 'editor', 'reader']) {
    const response = await post('/v1/api-keys', member.auth, { role })
    t.equal(response.statusCode, 201, `an admin creates an ${role} key`)
    t.equal(response.json().apiKey.organizationId, member.organization.id, "the caller's organisation by default")
  }
  const explicit = await post('/v1/api-keys', member.auth, { role: 'reader', organizationId: member.organization.id })
  t.equal(explicit.statusCode, 201, 'naming its own organisation')
  const forOther = await post('/v1/api-keys', operator.auth, { role: 'admin', organizationId: other.organization.id })
  t.equal(forOther.statusCode, 201, 'the operator creates keys for any organisation')
  t.equal(forOther.json().apiKey.organizationId, other.organization.id)
  const operatorKeyCreated = await post('/v1/api-keys', operator.auth, { role: 'operator' })
  t.equal(operatorKeyCreated.statusCode, 201, 'the operator creates operator keys for its organisation')
  const [audit] = await db.select().from(auditEvents).where(eq(auditEvents.targetId, forOther.json().apiKey.id))
  t.match(audit, { operation: 'api_key.create', actingOrganizationId: operator.organization.id, owningOrganizationId: other.organization.id })
})

t.test('create: everyone else is refused', async (t) => {
  const url = '/v1/api-keys'
  await refused(t, 'anonymous', () => post(url, {}, { role: 'reader' }), 401, 'unauthorized')
  await refused(t, 'editor', () => post(url, editor.auth, { role: 'reader' }), 403, 'forbidden')
  await refused(t, 'reader', () => post(url, reader.auth, { role: 'reader' }), 403, 'forbidden')
  await refused(t, 'admin for another organisation', () => post(url, member.auth, { role: 'reader', organizationId: other.organization.id }), 403, 'forbidden')
  await refused(
    t,
    'admin for an unknown organisation',
    () => post(url, member.auth, { role: 'reader', organizationId: '00000000-0000-4000-8000-000000000000' }),
    403,
    'forbidden',
  )
  await refused(t, 'admin asking for an operator key', () => post(url, member.auth, { role: 'operator' }), 403, 'forbidden')
  await refused(t, "operator organisation's admin asking for an operator key", () => post(url, operatorOrgAdmin.auth, { role: 'operator' }), 403, 'forbidden')
  await refused(
    t,
    'operator role for an enterprise',
    () => post(url, operator.auth, { role: 'operator', organizationId: member.organization.id }),
    422,
    'invalid_role',
  )
  await refused(
    t,
    'unknown organisation',
    () => post(url, operator.auth, { role: 'reader', organizationId: '00000000-0000-4000-8000-000000000000' }),
    422,
    'unknown_organization',
  )
})

t.test('list: admins their own organisation, the operator any', async (t) => {
  const own = await get('/v1/api-keys?limit=100', member.auth)
  t.equal(own.statusCode, 200)
  t.ok(own.json().items.length >= 3)
  t.ok(own.json().items.every((item: { organizationId: string }) => item.organizationId === member.organization.id))
  const byOperator = await get(`/v1/api-keys?organizationId=${member.organization.id}&limit=100`, operator.auth)
  t.equal(byOperator.statusCode, 200)
  t.same(
    byOperator.json().items.map((item: { id: string }) => item.id),
    own.json().items.map((item: { id: string }) => item.id),
    'the operator sees the same keys',
  )
  const operatorOwn = await get('/v1/api-keys', operator.auth)
  t.ok(
    operatorOwn.json().items.every((item: { organizationId: string }) => item.organizationId === operator.organization.id),
    "the operator's own by default",
  )

  assertProblem(t, await get(`/v1/api-keys?organizationId=${other.organization.id}`, member.auth), 403, 'forbidden')
  assertProblem(t, await get('/v1/api-keys', editor.auth), 403, 'forbidden')
  assertProblem(t, await get('/v1/api-keys', reader.auth), 403, 'forbidden')
  assertProblem(t, await get('/v1/api-keys', {}), 401, 'unauthorized')
})

t.test('get and current: itself, its admins, the operator; others 404', async (t) => {
  t.equal((await get(`/v1/api-keys/${editor.id}`, member.auth)).statusCode, 200, "an admin reads its organisation's keys")
  t.equal((await get(`/v1/api-keys/${editor.id}`, editor.auth)).statusCode, 200, 'a key reads itself')
  t.equal((await get(`/v1/api-keys/${editor.id}`, operator.auth)).statusCode, 200, 'the operator reads any key')
  assertProblem(t, await get(`/v1/api-keys/${editor.id}`, reader.auth), 403, 'forbidden')
  assertProblem(t, await get(`/v1/api-keys/${editor.id}`, other.auth), 404, 'not_found')
  assertProblem(t, await get(`/v1/api-keys/${editor.id}`, {}), 401, 'unauthorized')

  const current = await get('/v1/api-keys/current', reader.auth)
  t.equal(current.statusCode, 200, 'any key asks who it is')
  t.match(current.json(), {
    apiKey: { id: reader.id, role: 'reader' },
    organization: { id: member.organization.id, kind: 'enterprise', name: 'Viện Cơ điện nông nghiệp' },
  })
  const operatorCurrent = await get('/v1/api-keys/current', operator.auth)
  t.match(operatorCurrent.json(), { apiKey: { role: 'operator' }, organization: { kind: 'exchange_operator' } })
  assertProblem(t, await get('/v1/api-keys/current', {}), 401, 'unauthorized')
})

t.test('revoke: itself, its admins (not operator keys), the operator', async (t) => {
  const editorKey = await keyOf(member.organization.id, 'editor')
  const otherOrgKey = await keyOf(other.organization.id, 'reader')
  await refused(t, 'an editor revoking another key', () => post(`/v1/api-keys/${reader.id}/revoke`, editorKey.auth), 403, 'forbidden')
  await refused(t, "another organisation's admin", () => post(`/v1/api-keys/${editorKey.id}/revoke`, other.auth), 404, 'not_found')
  await refused(
    t,
    "the operator organisation's admin on an operator key",
    () => post(`/v1/api-keys/${operatorKey!.id}/revoke`, operatorOrgAdmin.auth),
    403,
    'forbidden',
  )
  await refused(t, 'anonymous', () => post(`/v1/api-keys/${editorKey.id}/revoke`, {}), 401, 'unauthorized')
  await refused(t, 'an unknown key', () => post('/v1/api-keys/00000000-0000-4000-8000-000000000000/revoke', operator.auth), 404, 'not_found')

  t.equal((await post(`/v1/api-keys/${editorKey.id}/revoke`, member.auth)).statusCode, 200, "an admin revokes its organisation's key")
  t.equal((await post(`/v1/api-keys/${otherOrgKey.id}/revoke`, operator.auth)).statusCode, 200, 'the operator revokes any key')
  const selfRevoking = await keyOf(member.organization.id, 'reader')
  t.equal((await post(`/v1/api-keys/${selfRevoking.id}/revoke`, selfRevoking.auth)).statusCode, 200, 'a reader revokes itself')
  const audited = await db.select().from(auditEvents).where(eq(auditEvents.operation, 'api_key.revoke'))
  t.same(
    new Set(audited.map((row) => row.targetId)),
    new Set([editorKey.id, otherOrgKey.id, selfRevoking.id]),
    'one audit row per revocation, none for refusals',
  )
})

t.test('rotate: admins (not operator keys) and the operator; not editors, not even themselves', async (t) => {
  const target = await keyOf(member.organization.id, 'editor')
  await refused(t, 'an editor rotating itself', () => post(`/v1/api-keys/${target.id}/rotate`, target.auth, {}), 403, 'forbidden')
  await refused(t, 'a reader rotating another key', () => post(`/v1/api-keys/${target.id}/rotate`, reader.auth, {}), 403, 'forbidden')
  await refused(t, "another organisation's admin", () => post(`/v1/api-keys/${target.id}/rotate`, other.auth, {}), 404, 'not_found')
  await refused(
    t,
    "the operator organisation's admin on an operator key",
    () => post(`/v1/api-keys/${operatorKey!.id}/rotate`, operatorOrgAdmin.auth, {}),
    403,
    'forbidden',
  )
  await refused(t, 'anonymous', () => post(`/v1/api-keys/${target.id}/rotate`, {}, {}), 401, 'unauthorized')

  const byAdmin = await post(`/v1/api-keys/${target.id}/rotate`, member.auth, {})
  t.equal(byAdmin.statusCode, 201, "an admin rotates its organisation's key")
  t.equal(byAdmin.json().apiKey.role, 'editor', 'the successor keeps the role')
  const otherKey = await keyOf(other.organization.id, 'admin')
  const byOperator = await post(`/v1/api-keys/${otherKey.id}/rotate`, operator.auth, { overlapSeconds: 60 })
  t.equal(byOperator.statusCode, 201, 'the operator rotates any key')
  t.equal(byOperator.json().apiKey.organizationId, other.organization.id, 'the successor stays in its organisation')
  const ownAdmin = await post(`/v1/api-keys/${memberAdminKey!.id}/rotate`, member.auth, {})
  t.equal(ownAdmin.statusCode, 201, 'an admin rotates itself')
})
