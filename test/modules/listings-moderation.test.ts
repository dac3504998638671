import t from 'tap'
import { createApiKey } from '../../src/core/keys.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator, tableCounts } from '../helpers/factories.ts'
import { createListingViaApi, storedListing } from '../helpers/listings.ts'
import { versionOf } from '../helpers/etag.ts'

// Operator moderation: POST /v1/listings/{id}/unpublish sends a published (or expired) listing back
// to draft with a reason the owner sees; the owner edits and publishes again.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const owner = await createMember(db, { kind: 'university', role: 'admin', name: 'Trường Đại học Nông Lâm' })
const other = await createMember(db)
const ownerReaderKey = await createApiKey(db, { organizationId: owner.organization.id, role: 'reader' })
const ownerReader = { authorization: `Bearer ${ownerReaderKey.key}` }

const unpublish = (id: string, payload: unknown, headers: Record<string, string> = operator.auth) =>
  app.inject({ method: 'POST', url: `/v1/listings/${id}/unpublish`, headers, payload: payload as Record<string, unknown> })
const publish = (id: string) => app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: owner.auth })
const get = (id: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers })

async function publishedListing(overrides: Record<string, unknown> = {}) {
  const { id } = await createListingViaApi(app, owner.auth, { validUntil: null, ...overrides })
  t.equal((await publish(id)).statusCode, 200, 'fixture published')
  return id
}

t.test('the operator unpublishes; the owner sees the reason, edits and publishes again', async (t) => {
  const id = await publishedListing()
  clock.advanceDays(1)
  const events = (await auditTrailOf(db, id)).length
  const response = await unpublish(id, { reason: '  Thông tin sở hữu trí tuệ chưa được xác minh  ' }, { ...operator.auth, 'x-request-id': 'moderation-1' })
  t.equal(response.statusCode, 200)
  t.equal(versionOf(response.headers.etag), 3)
  const moderatedAt = clock.now().toISOString()
  t.match(response.json(), { status: 'draft', moderationReason: 'Thông tin sở hữu trí tuệ chưa được xác minh', moderatedAt, version: 3 })

  t.equal((await get(id)).statusCode, 404, 'a draft again: the public no longer sees it')
  const ownerView = await get(id, ownerReader)
  t.equal(ownerView.statusCode, 200, "the owner's keys still see it")
  t.match(ownerView.json(), { status: 'draft', moderationReason: 'Thông tin sở hữu trí tuệ chưa được xác minh', moderatedAt })

  const trail = await auditTrailOf(db, id)
  t.equal(trail.length, events + 1, 'one audit event')
  t.match(trail.at(-1), {
    operation: 'listing.unpublish',
    targetType: 'listing',
    requestId: 'moderation-1',
    keyId: operator.keyId,
    actingOrganizationId: operator.organization.id,
    owningOrganizationId: owner.organization.id,
  })
  t.match(trail.at(-1)!.changes, {
    status: { before: 'published', after: 'draft' },
    moderationReason: { before: null, after: 'Thông tin sở hữu trí tuệ chưa được xác minh' },
    moderatedAt: { before: null, after: moderatedAt },
  })

  const edited = await app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers: owner.auth, payload: { iprNumbers: ['1-0099999'] } })
  t.equal(edited.statusCode, 200, 'the owner edits the draft')

  clock.advanceDays(1)
  const republished = await publish(id)
  t.equal(republished.statusCode, 200, 'and publishes it again')
  t.match(republished.json(), { status: 'published', publishedAt: clock.now().toISOString(), moderationReason: null, moderatedAt: null })
  t.same(trail.at(-1)!.changes.moderationReason, { before: null, after: 'Thông tin sở hữu trí tuệ chưa được xác minh' })
  t.match(
    (await auditTrailOf(db, id)).at(-1)!.changes,
    { moderationReason: { before: 'Thông tin sở hữu trí tuệ chưa được xác minh', after: null } },
    'the audit trail keeps the cleared reason',
  )
})

t.test('an expired listing may be unpublished too', async (t) => {
  const tomorrow = new Date(clock.now().getTime() + 86_400_000).toISOString().slice(0, 10)
  const id = await publishedListing({ validUntil: tomorrow })
  clock.advanceDays(3)
  t.equal((await get(id)).json().status, 'expired')
  const response = await unpublish(id, { reason: 'Hết hạn, cần cập nhật' })
  t.equal(response.statusCode, 200)
  t.match(response.json(), { status: 'draft', moderationReason: 'Hết hạn, cần cập nhật' })
})

t.test('only operator keys moderate', async (t) => {
  const id = await publishedListing()
  const before = await storedListing(db, id)
  const counts = await tableCounts(db)
  for (const [who, headers] of [
    ['owner admin', owner.auth],
    ['owner reader', ownerReader],
    ['another organisation', other.auth],
  ] as const) {
    const response = await unpublish(id, { reason: 'Không phù hợp' }, headers)
    t.equal(response.statusCode, 403, who)
    t.equal(response.json().code, 'forbidden')
  }
  t.equal((await unpublish(id, { reason: 'Không phù hợp' }, {})).statusCode, 401, 'no key')
  t.same(await storedListing(db, id), before, 'the refused calls changed nothing')
  t.same(await tableCounts(db), counts, 'and wrote no audit event')
})

t.test('a listing another organisation cannot see is 404 to it', async (t) => {
  const { id } = await createListingViaApi(app, owner.auth)
  const response = await unpublish(id, { reason: 'Không phù hợp' }, other.auth)
  t.equal(response.statusCode, 404)
  t.equal((await unpublish('00000000-0000-4000-8000-000000000000', { reason: 'Không phù hợp' })).statusCode, 404, 'unknown id')
})

t.test('409 from draft and withdrawn, with the transitions of the state', async (t) => {
  const { id: draft } = await createListingViaApi(app, owner.auth)
  const before = await storedListing(db, draft)
  const fromDraft = await unpublish(draft, { reason: 'Không phù hợp' })
  t.equal(fromDraft.statusCode, 409)
  t.match(fromDraft.json(), { code: 'invalid_transition', allowed: ['publish'] })
  t.same(await storedListing(db, draft), before)

  const withdrawn = await publishedListing()
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/listings/${withdrawn}/withdraw`, headers: owner.auth, payload: { reason: 'Đã chuyển giao' } })).statusCode,
    200,
  )
  const fromWithdrawn = await unpublish(withdrawn, { reason: 'Không phù hợp' })
  t.equal(fromWithdrawn.statusCode, 409)
  t.same(fromWithdrawn.json().allowed, [])

  const published = await publishedListing()
  const again = await publish(published)
  t.equal(again.statusCode, 409)
  t.same(again.json().allowed, ['withdraw', 'unpublish'], '`allowed` lists the state’s transitions, whoever asks')
})

t.test('the reason is required, 1 to 1000 characters, not blank; no other fields', async (t) => {
  const id = await publishedListing()
  const before = await storedListing(db, id)
  for (const { payload, pointer } of [
    { payload: {}, pointer: '#/reason' },
    { payload: { reason: '' }, pointer: '#/reason' },
    { payload: { reason: '   ' }, pointer: '#/reason' },
    { payload: { reason: 'x'.repeat(1001) }, pointer: '#/reason' },
    { payload: { reason: 'ok', note: 'x' }, pointer: '#/note' },
  ]) {
    const response = await unpublish(id, payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 40))
    t.ok(
      response.json().errors.some((error: { pointer: string }) => error.pointer === pointer),
      pointer,
    )
  }
  t.same(await storedListing(db, id), before, 'nothing written')
  t.equal((await unpublish(id, { reason: 'x'.repeat(1000) })).statusCode, 200, '1000 characters is fine')
})

t.test('of two concurrent unpublishes one wins', async (t) => {
  const id = await publishedListing()
  const responses = await Promise.all([unpublish(id, { reason: 'Lần một' }), unpublish(id, { reason: 'Lần hai' })])
  t.same(responses.map((response) => response.statusCode).sort(), [200, 409])
  t.equal((await auditTrailOf(db, id)).filter((event) => event.operation === 'listing.unpublish').length, 1, 'one event')
})
