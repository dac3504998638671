import { and, asc, eq } from 'drizzle-orm'
import t from 'tap'
import { outboxEvents } from '../../src/db/schema/index.ts'
import { listingRenewalJob } from '../../src/modules/listings/listings.renewal.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { createMember } from '../helpers/factories.ts'

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
