import { and, asc, eq } from 'drizzle-orm'
import t from 'tap'
import { outboxEvents } from '../../src/db/schema/index.ts'
import { listingRenewalJob } from '../../src/modules/listings/listings.renewal.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { createMember } from '../helpers/factories.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { versionOf } from '../helpers/etag.ts'

// A published listing drops out of search after its validUntil. LISTING_RENEWAL_REMINDER_DAYS before
// (14 here), its owner gets listing.renewal_due, once per validUntil; moving the date renews it and
// earns a reminder of its own when the new date comes near.

const { app, db, clock } = await buildTestApp(t, { LISTING_RENEWAL_REMINDER_DAYS: '14' })
const owner = await createMember(db, { kind: 'research_institute', name: 'Viện Cơ điện Nông nghiệp' })

const remindersOf = (listingId: string) =>
  db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.subjectId, listingId), eq(outboxEvents.type, 'listing.renewal_due')))
    .orderBy(asc(outboxEvents.id))
const sweep = async () => {
  await app.jobs.send(listingRenewalJob, {})
  await app.jobs.runPending()
}
async function publishedListing(validUntil: string | null) {
  const { id } = await createListingViaApi(app, owner.auth, { validUntil })
  const published = await app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: owner.auth })
  if (published.statusCode !== 200) throw new Error(`publish: ${published.statusCode} ${published.body}`)
  return published.json() as { id: string; version: number }
}

t.test('the owner is reminded once, 14 days before validUntil, and again after a renewal', async (t) => {
  clock.set('2026-03-02T03:00:00Z') // 10:00 on 2 March in Vietnam
  const listing = await publishedListing('2026-04-30')
  const undated = await publishedListing(null)
  const withdrawn = await publishedListing('2026-04-20')
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/listings/${withdrawn.id}/withdraw`, headers: owner.auth, payload: { reason: 'licensed' } })).statusCode,
    200,
  )

  clock.set('2026-04-15T16:59:00Z') // 23:59 on 15 April: 15 days left
  await sweep()
  t.same(await remindersOf(listing.id), [], 'not before the window')

  clock.set('2026-04-15T17:01:00Z') // 00:01 on 16 April: 14 days left
  await sweep()
  const [reminder, ...more] = await remindersOf(listing.id)
  t.same(more, [], 'one reminder')
  t.match(reminder, {
    subjectType: 'listing',
    organizationIds: [owner.organization.id],
    payload: { listingId: listing.id, validUntil: '2026-04-30', daysLeft: 14 },
    public: false,
  })
  t.same(await remindersOf(undated.id), [], 'no validUntil, nothing to renew')
  t.same(await remindersOf(withdrawn.id), [], 'a withdrawn listing is not reminded')

  await sweep()
  t.equal((await remindersOf(listing.id)).length, 1, 'a second sweep sends nothing')
  const read = await app.inject({ method: 'GET', url: `/v1/listings/${listing.id}`, headers: owner.auth })
  t.equal(read.json().version, listing.version, 'the reminder is no edit: the version and ETag stay')

  // Renewing is moving the date; the new date gets its own reminder when it comes near.
  const renewed = await app.inject({
    method: 'PATCH',
    url: `/v1/listings/${listing.id}`,
    headers: { ...owner.auth, 'if-match': read.headers.etag as string },
    payload: { validUntil: '2026-10-31' },
  })
  t.equal(renewed.statusCode, 200)
  await sweep()
  t.equal((await remindersOf(listing.id)).length, 1, 'nothing while the new date is far')
  clock.set('2026-10-20T03:00:00Z')
  await sweep()
  t.match(
    (await remindersOf(listing.id)).map((event) => event.payload),
    [{ validUntil: '2026-04-30' }, { validUntil: '2026-10-31', daysLeft: 11 }],
  )
})

t.test('a published listing past its validUntil is not reminded: it has already dropped out', async (t) => {
  clock.set('2026-11-01T03:00:00Z')
  const listing = await publishedListing('2026-11-03')
  clock.set('2026-11-05T03:00:00Z')
  await sweep()
  t.same(await remindersOf(listing.id), [])
})

t.test('LISTING_RENEWAL_REMINDER_DAYS=0 sends none', async (t) => {
  const quiet = await buildTestApp(t, { LISTING_RENEWAL_REMINDER_DAYS: '0' })
  const member = await createMember(quiet.db, { kind: 'university' })
  const { id } = await createListingViaApi(quiet.app, member.auth, { validUntil: '2026-03-05' })
  t.equal((await quiet.app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: member.auth })).statusCode, 200)
  t.equal(await quiet.app.services.renewalReminders.remind(), 0)
})

t.test('renew: one call within the window moves validUntil, a year on by default', async (t) => {
  clock.set('2026-05-01T03:00:00Z') // 1 May in Vietnam
  const listing = await publishedListing('2026-05-20')
  const renew = (body: Record<string, unknown>, id = listing.id) =>
    app.inject({ method: 'POST', url: `/v1/listings/${id}/renew`, headers: owner.auth, payload: body })

  const early = await renew({})
  t.equal(early.statusCode, 409)
  t.match(early.json(), { code: 'renewal_not_due', detail: /từ ngày 2026-05-06, 14 ngày trước validUntil 2026-05-20/ })

  clock.set('2026-05-06T03:00:00Z')
  const renewed = await renew({})
  t.equal(renewed.statusCode, 200)
  t.match(renewed.json(), { validUntil: '2027-05-20', status: 'published', version: listing.version + 1 })
  t.equal(versionOf(renewed.headers.etag), listing.version + 1, 'the ETag names the new version')
  t.match((await auditTrailOf(db, listing.id)).at(-1), { operation: 'listing.renew', changes: { validUntil: { before: '2026-05-20', after: '2027-05-20' } } })

  // Past its date it has dropped out of search; a renewal brings it back, to the date asked for.
  const lapsed = await publishedListing('2026-05-10')
  clock.set('2026-05-15T03:00:00Z')
  t.equal((await app.inject({ method: 'GET', url: `/v1/listings/${lapsed.id}` })).json().status, 'expired')
  const back = await renew({ validUntil: '2026-12-31' }, lapsed.id)
  t.equal(back.statusCode, 200)
  t.match(back.json(), { status: 'published', validUntil: '2026-12-31' })

  const backwards = await renew({ validUntil: '2026-05-14' }, lapsed.id)
  t.equal(backwards.statusCode, 409, 'out of the window again once renewed')
  const undated = await publishedListing(null)
  t.match((await renew({}, undated.id)).json(), { code: 'renewal_not_due', detail: /không có validUntil/ })
  const { id: draftId } = await createListingViaApi(app, owner.auth, { validUntil: '2026-05-20' })
  t.match((await renew({}, draftId)).json(), { code: 'invalid_state' })

  const due = await publishedListing('2026-05-20')
  const tooEarly = await renew({ validUntil: '2026-05-18' }, due.id)
  t.equal(tooEarly.statusCode, 422)
  t.match(tooEarly.json(), { code: 'invalid_valid_until', errors: [{ pointer: '#/validUntil' }] })
  t.equal((await renew({ validUntil: 'soon' }, due.id)).statusCode, 400)
  t.equal((await renew({ until: '2027-01-01' }, due.id)).statusCode, 400)
})
