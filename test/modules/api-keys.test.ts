import t from 'tap'
import { asc, eq } from 'drizzle-orm'
import { apiKeys, auditEvents } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { assertProblem } from '../helpers/problem.ts'

// Key management through HTTP: the lifecycle, rotation, revocation and the audit rows they write.
// Who may do what is in api-keys-permissions.test.ts; bad input in api-keys-validation.test.ts.

const { app, db, clock } = await buildTestApp(t)
await createOperator(db)

type Body = Record<string, unknown>
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })
const whoAmI = (secret: string) => app.inject({ method: 'GET', url: '/v1/api-keys/current', headers: bearer(secret) })
const auditOf = (targetId: string) => db.select().from(auditEvents).where(eq(auditEvents.targetId, targetId)).orderBy(asc(auditEvents.id))
const keyRow = async (id: string) => (await db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0]!

t.test('create, use, list, rotate, overlap, expiry of the old key, revoke', async (t) => {
  const admin = await createMember(db, { name: 'Trung tâm Ứng dụng tiến bộ KH&CN Thái Bình' })
  const created = await app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: admin.auth,
    payload: { role: 'editor', label: 'portal Thái Bình' },
  })
  t.equal(created.statusCode, 201)
  const { apiKey, secret } = created.json() as { apiKey: Body & { id: string; prefix: string }; secret: string }
  t.match(secret, /^txk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/, 'the secret is a key')
  t.equal(secret.slice(4, 16), apiKey.prefix, 'its prefix is the public part')
  t.equal(created.headers.location, `/v1/api-keys/${apiKey.id}`)
  t.same(apiKey, {
    id: apiKey.id,
    organizationId: admin.organization.id,
    prefix: apiKey.prefix,
    role: 'editor',
    label: 'portal Thái Bình',
    status: 'active',
    createdAt: clock.now().toISOString(),
    lastUsedAt: null,
    expiresAt: null,
    revokedAt: null,
    rotatedFromId: null,
  })
  t.notOk(JSON.stringify(apiKey).includes(secret.slice(17)), 'metadata never carries the secret')

  // Use it: who am I.
  const current = await whoAmI(secret)
  t.equal(current.statusCode, 200)
  t.match(current.json(), {
    apiKey: { id: apiKey.id, role: 'editor', status: 'active' },
    organization: { id: admin.organization.id, kind: 'enterprise', name: 'Trung tâm Ứng dụng tiến bộ KH&CN Thái Bình' },
  })

  // The admin's list shows it, with when it was last used.
  const list = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: admin.auth })
  t.equal(list.statusCode, 200)
  const listed = (list.json().items as Body[]).find((item) => item.id === apiKey.id)
  t.equal(listed?.lastUsedAt, clock.now().toISOString(), 'lastUsedAt is recorded')
  t.notOk(JSON.stringify(list.json()).includes('secretHash'), 'no hash in the list')

  // Rotate with a one-hour overlap.
  const rotated = await app.inject({ method: 'POST', url: `/v1/api-keys/${apiKey.id}/rotate`, headers: admin.auth, payload: { overlapSeconds: 3600 } })
  t.equal(rotated.statusCode, 201)
  const successor = rotated.json() as { apiKey: Body & { id: string }; secret: string }
  t.not(successor.secret, secret)
  t.equal(rotated.headers.location, `/v1/api-keys/${successor.apiKey.id}`)
  t.match(successor.apiKey, {
    organizationId: admin.organization.id,
    role: 'editor',
    label: 'portal Thái Bình',
    rotatedFromId: apiKey.id,
    expiresAt: null,
    status: 'active',
  })
  const overlapEnd = new Date(clock.now().getTime() + 3600_000).toISOString()
  t.equal((await keyRow(apiKey.id)).expiresAt?.toISOString(), overlapEnd, 'the old key now expires when the overlap ends')

  t.equal((await whoAmI(secret)).statusCode, 200, 'the old key works during the overlap')
  t.equal((await whoAmI(successor.secret)).statusCode, 200, 'the new key works')

  clock.set(new Date(clock.now().getTime() + 3600_000 + 1000))
  assertProblem(t, await whoAmI(secret), 401, 'unauthorized')
  t.equal((await whoAmI(successor.secret)).statusCode, 200, 'the new key still works after the overlap')
  const old = await app.inject({ method: 'GET', url: `/v1/api-keys/${apiKey.id}`, headers: admin.auth })
  t.match(old.json(), { status: 'expired', expiresAt: overlapEnd })

  // Revoke the successor: it stops at once; a second revocation is a conflict.
  const revoked = await app.inject({ method: 'POST', url: `/v1/api-keys/${successor.apiKey.id}/revoke`, headers: admin.auth })
  t.equal(revoked.statusCode, 200)
  t.match(revoked.json(), { id: successor.apiKey.id, status: 'revoked', revokedAt: clock.now().toISOString() })
  assertProblem(t, await whoAmI(successor.secret), 401, 'unauthorized')
  const again = await app.inject({ method: 'POST', url: `/v1/api-keys/${successor.apiKey.id}/revoke`, headers: admin.auth })
  assertProblem(t, again, 409, 'key_revoked')

  // The audit trail: one row per write, none for the refused second revocation, no secrets.
  const trail = [...(await auditOf(apiKey.id)), ...(await auditOf(successor.apiKey.id))].sort((a, b) => a.id - b.id)
  t.same(
    trail.map((row) => [row.operation, row.targetId]),
    [
      ['api_key.create', apiKey.id],
      ['api_key.rotate', apiKey.id],
      ['api_key.create', successor.apiKey.id],
      ['api_key.revoke', successor.apiKey.id],
    ],
  )
  for (const row of trail) {
    t.match(row, { targetType: 'api_key', owningOrganizationId: admin.organization.id, actingOrganizationId: admin.organization.id, requestId: String })
    t.ok(row.keyId, 'the acting key is recorded')
    const changes = JSON.stringify(row.changes)
    for (const secretValue of [secret, successor.secret]) t.notOk(changes.includes(secretValue.slice(17)), 'no secret in the audit changes')
    for (const id of [apiKey.id, successor.apiKey.id]) t.notOk(changes.includes((await keyRow(id)).secretHash), 'no hash in the audit changes')
  }
  t.match(trail[0]!.changes, { role: { after: 'editor' }, label: { after: 'portal Thái Bình' }, status: { after: 'active' } })
  t.same(trail[1]!.changes, { expiresAt: { before: null, after: overlapEnd }, replacedById: { after: successor.apiKey.id } })
  t.same(trail[3]!.changes, { status: { before: 'active', after: 'revoked' }, revokedAt: { before: null, after: clock.now().toISOString() } })
  t.equal(trail[3]!.requestId, revoked.headers['x-request-id'], 'the request id is recorded')
})

t.test('rotation: defaults, no overlap, an earlier expiry is kept, and what cannot be rotated', async (t) => {
  const admin = await createMember(db)
  const create = async (payload: Body) => {
    const response = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin.auth, payload })
    t.equal(response.statusCode, 201)
    return response.json() as { apiKey: { id: string }; secret: string }
  }
  const rotate = (id: string, payload?: Body) =>
    app.inject({ method: 'POST', url: `/v1/api-keys/${id}/rotate`, headers: admin.auth, ...(payload ? { payload } : {}) })

  const plain = await create({ role: 'reader' })
  // The body is required, as the OpenAPI document says; {} asks for the defaults.
  assertProblem(t, await rotate(plain.apiKey.id), 400, 'validation_failed')
  const nullBody = await app.inject({
    method: 'POST',
    url: `/v1/api-keys/${plain.apiKey.id}/rotate`,
    headers: { ...admin.auth, 'content-type': 'application/json' },
    payload: 'null',
  })
  assertProblem(t, nullBody, 400, 'validation_failed')
  t.equal((await keyRow(plain.apiKey.id)).expiresAt, null, 'refused rotations changed nothing')
  const byDefault = await rotate(plain.apiKey.id, {})
  t.equal(byDefault.statusCode, 201, '{}: the defaults')
  t.equal((await keyRow(plain.apiKey.id)).expiresAt?.getTime(), clock.now().getTime() + 86_400_000, 'one day of overlap by default')
  assertProblem(t, await rotate(plain.apiKey.id, {}), 409, 'key_already_rotated')

  const instant = await create({ role: 'reader' })
  const now = await rotate(instant.apiKey.id, { overlapSeconds: 0 })
  t.equal(now.statusCode, 201)
  assertProblem(t, await whoAmI(instant.secret), 401, 'unauthorized')
  t.equal((await whoAmI(now.json().secret)).statusCode, 200)

  const soon = new Date(clock.now().getTime() + 600_000).toISOString()
  const shortLived = await create({ role: 'reader', expiresAt: soon })
  const later = new Date(clock.now().getTime() + 30 * 86_400_000).toISOString()
  const kept = await rotate(shortLived.apiKey.id, { overlapSeconds: 86_400, expiresAt: later })
  t.equal(kept.statusCode, 201)
  t.equal((await keyRow(shortLived.apiKey.id)).expiresAt?.toISOString(), soon, 'the earlier expiry stays')
  t.equal(kept.json().apiKey.expiresAt, later, 'the successor gets the requested expiry')

  const revoked = await create({ role: 'reader' })
  t.equal((await app.inject({ method: 'POST', url: `/v1/api-keys/${revoked.apiKey.id}/revoke`, headers: admin.auth })).statusCode, 200)
  const expiring = await create({ role: 'reader', expiresAt: new Date(clock.now().getTime() + 60_000).toISOString() })
  clock.set(new Date(clock.now().getTime() + 120_000))

  const before = await db.select({ id: apiKeys.id }).from(apiKeys)
  const auditBefore = await db.select({ id: auditEvents.id }).from(auditEvents)
  assertProblem(t, await rotate(revoked.apiKey.id, {}), 409, 'key_revoked')
  assertProblem(t, await rotate(expiring.apiKey.id, {}), 409, 'key_expired')
  t.equal((await db.select({ id: apiKeys.id }).from(apiKeys)).length, before.length, 'no key was created')
  t.equal((await db.select({ id: auditEvents.id }).from(auditEvents)).length, auditBefore.length, 'nothing audited')
})

t.test('a key may revoke itself, and a revoked key may still be listed', async (t) => {
  const admin = await createMember(db)
  const reader = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin.auth, payload: { role: 'reader' } })
  const { apiKey, secret } = reader.json() as { apiKey: { id: string }; secret: string }
  const self = await app.inject({ method: 'POST', url: `/v1/api-keys/${apiKey.id}/revoke`, headers: bearer(secret) })
  t.equal(self.statusCode, 200)
  t.equal(self.json().status, 'revoked')
  assertProblem(t, await whoAmI(secret), 401, 'unauthorized')
  const [audit] = await auditOf(apiKey.id).then((rows) => rows.filter((row) => row.operation === 'api_key.revoke'))
  t.equal(audit?.keyId, apiKey.id, 'the revoking key is the key itself')

  const hidden = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: admin.auth })
  t.notOk(
    (hidden.json().items as Body[]).some((item) => item.id === apiKey.id),
    'revoked keys are left out by default',
  )
  const shown = await app.inject({ method: 'GET', url: '/v1/api-keys?includeRevoked=true', headers: admin.auth })
  t.ok(
    (shown.json().items as Body[]).some((item) => item.id === apiKey.id && item.status === 'revoked'),
    'includeRevoked=true shows them',
  )
})

t.test('list: newest first, cursor pages, only the organisation asked for', async (t) => {
  const admin = await createMember(db)
  const other = await createMember(db)
  const ids: string[] = []
  for (let index = 0; index < 4; index++) {
    clock.set(new Date(clock.now().getTime() + 60_000))
    const response = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin.auth, payload: { role: 'reader', label: `key ${index}` } })
    ids.push(response.json().apiKey.id)
  }
  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : 'limit=2'
    const page = await app.inject({ method: 'GET', url: `/v1/api-keys?${query}`, headers: admin.auth })
    t.equal(page.statusCode, 200)
    const body = page.json() as { items: { id: string; organizationId: string }[]; nextCursor: string | null }
    t.ok(
      body.items.every((item) => item.organizationId === admin.organization.id),
      'only this organisation',
    )
    seen.push(...body.items.map((item) => item.id))
    cursor = body.nextCursor
    pages += 1
  } while (cursor && pages < 10)
  // Five keys: the four made here and the factory's (stamped by the database's clock, not the test's).
  t.equal(seen.length, 5)
  t.same(
    seen.filter((id) => ids.includes(id)),
    [...ids].reverse(),
    'newest first',
  )
  t.equal(new Set(seen).size, seen.length, 'no key twice')
  const otherList = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: other.auth })
  t.notOk(
    (otherList.json().items as { id: string }[]).some((item) => ids.includes(item.id)),
    "another organisation's list does not show them",
  )
})
