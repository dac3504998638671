import t from 'tap'
import { createApiKey } from '../../src/core/keys.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator, tableCounts } from '../helpers/factories.ts'
import { createListingViaApi, insertListing, storedListing } from '../helpers/listings.ts'
import { versionOf } from '../helpers/etag.ts'

// draft -> published -> withdrawn, expiry by the Vietnamese calendar, and concurrent transitions.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const owner = await createMember(db, { kind: 'university', role: 'editor', name: 'Trường Đại học Nông Lâm' })
const other = await createMember(db)
const readerKey = await createApiKey(db, { organizationId: owner.organization.id, role: 'reader' })
const ownerReader = { authorization: `Bearer ${readerKey.key}` }

const publish = (id: string, headers: Record<string, string> = owner.auth) => app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers })
const withdraw = (id: string, payload: unknown, headers: Record<string, string> = owner.auth) =>
  app.inject({ method: 'POST', url: `/v1/listings/${id}/withdraw`, headers, payload: payload as Record<string, unknown> })
const get = (id: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers })

t.test('publish, then withdraw with a reason', async (t) => {
  const { id } = await createListingViaApi(app, owner.auth, { validUntil: '2026-12-31' })
  t.equal((await get(id)).statusCode, 404, 'a draft is not public')

  clock.advanceDays(1)
  const published = await publish(id)
  t.equal(published.statusCode, 200)
  t.equal(versionOf(published.headers.etag), 2)
  t.match(published.json(), { status: 'published', publishedAt: clock.now().toISOString(), version: 2 })
  const publicRead = await get(id)
  t.equal(publicRead.statusCode, 200, 'now anyone can read it')
  t.equal(publicRead.json().status, 'published')

  const before = await storedListing(db, id)
  const again = await publish(id)
  t.equal(again.statusCode, 409)
  t.match(again.json(), { code: 'invalid_transition', allowed: ['withdraw', 'unpublish'] })
  t.same(await storedListing(db, id), before, 'the refused publish changed nothing')

  const refusedBodies = [
    { payload: {}, pointer: '#/reason' },
    { payload: { reason: '' }, pointer: '#/reason' },
    { payload: { reason: '   ' }, pointer: '#/reason' },
    { payload: { reason: 'x'.repeat(1001) }, pointer: '#/reason' },
    { payload: { reason: 'ok', note: 'x' }, pointer: '#/note' },
  ]
  for (const { payload, pointer } of refusedBodies) {
    const response = await withdraw(id, payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 40))
    t.ok(response.json().errors.some((error: { pointer: string }) => error.pointer === pointer))
  }
  t.same(await storedListing(db, id), before, 'the refused withdrawals changed nothing')

  clock.advanceDays(1)
  const withdrawn = await withdraw(id, { reason: '  Đã chuyển giao độc quyền cho một doanh nghiệp  ' })
  t.equal(withdrawn.statusCode, 200)
  t.equal(versionOf(withdrawn.headers.etag), 3)
  t.match(withdrawn.json(), {
    status: 'withdrawn',
    withdrawnAt: clock.now().toISOString(),
    withdrawReason: 'Đã chuyển giao độc quyền cho một doanh nghiệp',
    publishedAt: published.json().publishedAt,
    version: 3,
  })
  t.equal((await get(id)).statusCode, 404, 'withdrawn listings leave the public view')
  t.equal((await get(id, other.auth)).statusCode, 404)
  t.equal((await get(id, owner.auth)).json().status, 'withdrawn', 'the owner still sees it')

  const final = await storedListing(db, id)
  const publishWithdrawn = await publish(id)
  t.equal(publishWithdrawn.statusCode, 409)
  t.match(publishWithdrawn.json(), { code: 'invalid_transition', allowed: [] })
  const withdrawAgain = await withdraw(id, { reason: 'again' })
  t.equal(withdrawAgain.statusCode, 409)
  t.match(withdrawAgain.json(), { code: 'invalid_transition', allowed: [] })
  t.same(await storedListing(db, id), final)
})

t.test('a draft cannot be withdrawn', async (t) => {
  const { id } = await createListingViaApi(app, owner.auth)
  const before = await storedListing(db, id)
  const response = await withdraw(id, { reason: 'Không cần nữa' })
  t.equal(response.statusCode, 409)
  t.match(response.json(), { code: 'invalid_transition', allowed: ['publish'] })
  t.same(await storedListing(db, id), before)
})

t.test('publishing is refused once validUntil has passed in Vietnam', async (t) => {
  clock.set('2026-03-10T03:00:00Z')
  const { id } = await createListingViaApi(app, owner.auth, { validUntil: '2026-03-09' })
  const before = await storedListing(db, id)
  const refused = await publish(id)
  t.equal(refused.statusCode, 422)
  t.equal(refused.json().code, 'validity_passed')
  t.same(await storedListing(db, id), before)

  // 23:59 on 9 March in Vietnam is 16:59 UTC: the last day still counts.
  clock.set('2026-03-09T16:59:00Z')
  const lastDay = await publish(id)
  t.equal(lastDay.statusCode, 200)
  t.equal(lastDay.json().status, 'published')
})

t.test('a published listing expires after its validity date, by Vietnam time', async (t) => {
  clock.set('2026-04-01T03:00:00Z')
  const { id } = await createListingViaApi(app, owner.auth, { validUntil: '2026-04-05' })
  t.equal((await publish(id)).statusCode, 200)

  clock.set('2026-04-05T16:59:59Z')
  t.equal((await get(id)).json().status, 'published', 'still 5 April in Vietnam')
  clock.set('2026-04-05T17:00:00Z')
  const expired = await get(id)
  t.equal(expired.statusCode, 200, 'an expired listing stays public')
  t.equal(expired.json().status, 'expired', 'midnight in Vietnam, though still 5 April in UTC')

  const republish = await publish(id)
  t.equal(republish.statusCode, 409)
  t.match(republish.json(), { code: 'invalid_transition', allowed: ['withdraw', 'unpublish'] })

  const extended = await app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers: owner.auth, payload: { validUntil: '2026-06-30' } })
  t.equal(extended.statusCode, 200, 'an expired listing can be edited')
  t.equal(extended.json().status, 'published', 'and a later date brings it back')

  clock.advanceDays(100)
  t.equal((await get(id)).json().status, 'expired')
  const withdrawn = await withdraw(id, { reason: 'Hết hạn' })
  t.equal(withdrawn.statusCode, 200, 'an expired listing can be withdrawn')
  t.equal(withdrawn.json().status, 'withdrawn')
})

t.test('who may publish and withdraw', async (t) => {
  clock.set('2026-03-02T03:00:00Z')
  const { id: draftId } = await createListingViaApi(app, owner.auth)
  const publishedId = await insertListing(db, { ownerId: owner.organization.id })
  const before = await tableCounts(db)
  const draftBefore = await storedListing(db, draftId)
  const publishedBefore = await storedListing(db, publishedId)

  t.equal((await publish(draftId, {})).statusCode, 401)
  t.equal((await publish(draftId, other.auth)).statusCode, 404, "another organisation's draft stays hidden")
  t.equal((await publish(draftId, ownerReader)).statusCode, 403, "the owner's reader key")
  t.equal((await withdraw(publishedId, { reason: 'x' }, {})).statusCode, 401)
  const foreign = await withdraw(publishedId, { reason: 'x' }, other.auth)
  t.equal(foreign.statusCode, 403, 'another organisation cannot withdraw a public listing')
  t.equal((await withdraw(publishedId, { reason: 'x' }, ownerReader)).statusCode, 403)
  const missing = '00000000-0000-4000-8000-000000000000'
  t.equal((await publish(missing, operator.auth)).statusCode, 404)
  t.equal((await withdraw(missing, { reason: 'x' }, operator.auth)).statusCode, 404)
  t.equal((await publish('nope', operator.auth)).statusCode, 400)
  t.same(await storedListing(db, draftId), draftBefore)
  t.same(await storedListing(db, publishedId), publishedBefore)
  t.same(await tableCounts(db), before)

  const byOperator = await publish(draftId, operator.auth)
  t.equal(byOperator.statusCode, 200, 'the operator publishes for the owner')
  const moderated = await withdraw(publishedId, { reason: 'Vi phạm quy chế sàn' }, operator.auth)
  t.equal(moderated.statusCode, 200, 'and may take a listing down')
  t.equal(moderated.json().withdrawReason, 'Vi phạm quy chế sàn')
})

t.test('of two concurrent transitions only one wins', async (t) => {
  const { id } = await createListingViaApi(app, owner.auth)
  const publishes = await Promise.all([publish(id), publish(id, operator.auth), publish(id)])
  t.same(publishes.map((response) => response.statusCode).sort(), [200, 409, 409])
  for (const loser of publishes.filter((response) => response.statusCode === 409)) {
    t.match(loser.json(), { code: 'invalid_transition', allowed: ['withdraw', 'unpublish'] })
  }
  t.equal((await storedListing(db, id))!.version, 2, 'published exactly once')

  const withdrawals = await Promise.all([withdraw(id, { reason: 'a' }), withdraw(id, { reason: 'b' }, operator.auth)])
  t.same(withdrawals.map((response) => response.statusCode).sort(), [200, 409])
  const winner = withdrawals.find((response) => response.statusCode === 200)!.json()
  const stored = await storedListing(db, id)
  t.equal(stored!.withdrawReason, winner.withdrawReason, 'the stored reason is the winner’s')
  t.equal(stored!.version, 3)
})

t.test('an edit racing a withdrawal either lands first or is refused', async (t) => {
  const id = await insertListing(db, { ownerId: owner.organization.id })
  const [edit, withdrawal] = await Promise.all([
    app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers: owner.auth, payload: { titleEn: 'Raced' } }),
    withdraw(id, { reason: 'race' }),
  ])
  t.equal(withdrawal.statusCode, 200)
  const stored = await storedListing(db, id)
  t.equal(stored!.status, 'withdrawn')
  if (edit.statusCode === 200) t.equal(stored!.titleEn, 'Raced')
  else {
    t.equal(edit.statusCode, 409)
    t.equal(stored!.titleEn, null)
  }
})
