import t, { type Test } from 'tap'
import { createApiKey } from '../../src/core/keys.ts'
import { buildTestApp } from '../helpers/app.ts'
import { auditTrailOf, creationChanges } from '../helpers/audit.ts'
import { demandInput } from '../helpers/demands.ts'
import { createMember, createOperator, tableCounts } from '../helpers/factories.ts'
import { listingInput } from '../helpers/listings.ts'

// Every successful write records exactly one audit event: who (key, acting and owning
// organisation), what (operation, target, the changed fields before and after), when (the
// injected clock) and the request id the client sent.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const enterprise = await createMember(db, { kind: 'enterprise', role: 'editor', name: 'Công ty TNHH Cơ khí Nông nghiệp Thái Bình' })

type Who = { keyId: string; organization: { id: string } }
type Body = Record<string, unknown> & { id: string }

/**
 * Sends one write with its own X-Request-Id, checks that it succeeded and wrote exactly one audit
 * event, and returns the response body and that event.
 */
async function audited(
  t: Test,
  request: { method: 'POST' | 'PATCH'; url: string; who: Who & { auth: Record<string, string> }; payload?: object; headers?: Record<string, string> },
  // owner: the owning organisation when it is not the caller's; 'self' when the target is it.
  expected: { status: number; operation: string; targetType: string; owner?: string },
) {
  clock.advanceDays(1) // so occurredAt can only match if it was taken from the injected clock
  const requestId = `audit-${expected.operation}-${Math.random().toString(36).slice(2, 10)}`
  const before = await tableCounts(db)
  const response = await app.inject({
    method: request.method,
    url: request.url,
    headers: { ...request.who.auth, ...request.headers, 'x-request-id': requestId },
    payload: request.payload,
  })
  t.equal(response.statusCode, expected.status, `${expected.operation} succeeds`)
  t.equal(response.headers['x-request-id'], requestId)
  const body = response.json() as Body
  t.equal((await tableCounts(db)).auditEvents, before.auditEvents + 1, `${expected.operation} recorded one event`)
  const event = (await auditTrailOf(db, body.id)).at(-1)!
  t.match(event, {
    operation: expected.operation,
    targetType: expected.targetType,
    targetId: body.id,
    requestId,
    keyId: request.who.keyId,
    actingOrganizationId: request.who.organization.id,
    owningOrganizationId: expected.owner === 'self' ? body.id : (expected.owner ?? request.who.organization.id),
  })
  t.equal(event.occurredAt.toISOString(), clock.now().toISOString(), 'occurredAt is the time of the write')
  return { body, event }
}

t.test('organization.create and organization.update', async (t) => {
  const payload = { kind: 'enterprise', name: 'Công ty Cổ phần Giống cây trồng Nam Định', provinceCode: '36', contacts: [{ name: 'Trần Thị Bình' }] }
  const created = await audited(
    t,
    { method: 'POST', url: '/v1/organizations', who: operator, payload },
    { status: 201, operation: 'organization.create', targetType: 'organization', owner: 'self' },
  )
  t.same(created.event.changes, creationChanges(created.body), 'a creation records every field as `after`')
  t.notOk('version' in created.event.changes || 'updatedAt' in created.event.changes, 'bookkeeping fields are left out')

  const key = await createApiKey(db, { organizationId: created.body.id, role: 'admin' })
  const admin = { keyId: key.id, organization: { id: created.body.id }, auth: { authorization: `Bearer ${key.key}` } }
  const updated = await audited(
    t,
    {
      method: 'PATCH',
      url: `/v1/organizations/${created.body.id}`,
      who: admin,
      headers: { 'if-match': '"1"' },
      payload: { nameEn: 'Nam Dinh Seed JSC', provinceCode: '01', contacts: [{ name: 'Trần Thị Bình' }] },
    },
    { status: 200, operation: 'organization.update', targetType: 'organization' },
  )
  t.same(
    updated.event.changes,
    {
      nameEn: { before: null, after: 'Nam Dinh Seed JSC' },
      provinceCode: { before: '36', after: '01' },
      currentProvinceCode: { before: '37', after: '01' },
    },
    'only the fields that changed, with before and after; unchanged contacts are left out',
  )

  const byOperator = await audited(
    t,
    { method: 'PATCH', url: `/v1/organizations/${created.body.id}`, who: operator, payload: { description: 'Giống lúa chất lượng cao' } },
    { status: 200, operation: 'organization.update', targetType: 'organization', owner: created.body.id },
  )
  t.same(byOperator.event.changes, { description: { before: null, after: 'Giống lúa chất lượng cao' } }, 'the operator acts, the organisation owns')
})

t.test('listing.create, update, publish and withdraw', async (t) => {
  const created = await audited(
    t,
    { method: 'POST', url: '/v1/listings', who: enterprise, payload: listingInput() },
    { status: 201, operation: 'listing.create', targetType: 'listing' },
  )
  t.same(created.event.changes, creationChanges(created.body))
  t.equal((created.event.changes.titleVi as { after: unknown }).after, 'Quy trình sản xuất lúa gạo hữu cơ')
  const url = `/v1/listings/${created.body.id}`

  const updated = await audited(
    t,
    { method: 'PATCH', url, who: enterprise, headers: { 'if-match': '"1"' }, payload: { titleEn: 'Organic rice, certified', priceVnd: 300_000_000, trl: 7 } },
    { status: 200, operation: 'listing.update', targetType: 'listing' },
  )
  t.same(
    updated.event.changes,
    {
      titleEn: { before: 'Organic rice production process', after: 'Organic rice, certified' },
      priceVnd: { before: 250_000_000, after: 300_000_000 },
    },
    'an unchanged trl sent again is not a change',
  )

  const published = await audited(
    t,
    { method: 'POST', url: `${url}/publish`, who: enterprise },
    { status: 200, operation: 'listing.publish', targetType: 'listing' },
  )
  t.same(published.event.changes, {
    status: { before: 'draft', after: 'published' },
    publishedAt: { before: null, after: clock.now().toISOString() },
  })

  const withdrawn = await audited(
    t,
    { method: 'POST', url: `${url}/withdraw`, who: operator, payload: { reason: 'Trùng với một chào bán khác' } },
    { status: 200, operation: 'listing.withdraw', targetType: 'listing', owner: enterprise.organization.id },
  )
  t.same(
    withdrawn.event.changes,
    {
      status: { before: 'published', after: 'withdrawn' },
      withdrawnAt: { before: null, after: clock.now().toISOString() },
      withdrawReason: { before: null, after: 'Trùng với một chào bán khác' },
    },
    'the withdrawal reason is recorded',
  )
  t.equal((await auditTrailOf(db, created.body.id)).length, 4, 'four writes, four events')
})

t.test('demand.create, update, open and close', async (t) => {
  const created = await audited(
    t,
    { method: 'POST', url: '/v1/demands', who: enterprise, payload: demandInput() },
    { status: 201, operation: 'demand.create', targetType: 'demand' },
  )
  t.same(created.event.changes, creationChanges(created.body))
  const url = `/v1/demands/${created.body.id}`

  const updated = await audited(
    t,
    { method: 'PATCH', url, who: enterprise, payload: { budgetMaxVnd: 3_000_000_000, problemEn: 'Wet paddy after the harvest' } },
    { status: 200, operation: 'demand.update', targetType: 'demand' },
  )
  t.same(updated.event.changes, {
    budgetMaxVnd: { before: 2_000_000_000, after: 3_000_000_000 },
    problemEn: { before: null, after: 'Wet paddy after the harvest' },
  })

  const opened = await audited(t, { method: 'POST', url: `${url}/open`, who: enterprise }, { status: 200, operation: 'demand.open', targetType: 'demand' })
  t.same(opened.event.changes, { status: { before: 'draft', after: 'open' }, openedAt: { before: null, after: clock.now().toISOString() } })

  const closed = await audited(
    t,
    { method: 'POST', url: `${url}/close`, who: enterprise, payload: { reason: 'other', note: 'Đã tự chế tạo máy sấy' } },
    { status: 200, operation: 'demand.close', targetType: 'demand' },
  )
  t.same(
    closed.event.changes,
    {
      status: { before: 'open', after: 'closed' },
      closedAt: { before: null, after: clock.now().toISOString() },
      closeReason: { before: null, after: 'other' },
      closeNote: { before: null, after: 'Đã tự chế tạo máy sấy' },
    },
    'the close reason and note are recorded',
  )
})

t.test('of two concurrent publishes, one wins and one event is written', async (t) => {
  const created = await app.inject({ method: 'POST', url: '/v1/listings', headers: enterprise.auth, payload: listingInput() })
  const id = created.json().id as string
  const before = await tableCounts(db)
  const responses = await Promise.all([1, 2].map(() => app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: enterprise.auth })))
  t.same(responses.map((response) => response.statusCode).sort(), [200, 409])
  t.equal((await tableCounts(db)).auditEvents, before.auditEvents + 1)
  t.same(
    (await auditTrailOf(db, id)).map((event) => event.operation),
    ['listing.create', 'listing.publish'],
  )
})
