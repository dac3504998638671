import { and, asc, eq } from 'drizzle-orm'
import t from 'tap'
import { outboxEvents } from '../../src/db/schema/index.ts'
import { maintainFacetCounts } from '../../src/jobs/maintenance.ts'
import { listingArchiveJob } from '../../src/modules/listings/listings.service.ts'
import { buildTestApp } from '../helpers/app.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { createListingViaApi, insertListing } from '../helpers/listings.ts'

// A listing expired for LISTING_ARCHIVE_AFTER_DAYS (30 here) is archived by an hourly sweep: out of
// public view like a draft, a tombstone in the feed, an audit entry with no key. A new validUntil
// (renew, an edit, an import row) brings it back, as it brings back an expired one.

const { app, db, clock } = await buildTestApp(t, { LISTING_ARCHIVE_AFTER_DAYS: '30' })
const owner = await createMember(db, { kind: 'research_institute', name: 'Viện Cơ điện Nông nghiệp' })
const stranger = await createMember(db, { kind: 'enterprise', name: 'Công ty TNHH Sấy Thái Bình' })
const operator = await createOperator(db)

type Listing = { id: string; status: string; version: number; validUntil: string | null; archivedAt: string | null }

async function publishedListing(validUntil: string | null, overrides: Record<string, unknown> = {}) {
  const { id } = await createListingViaApi(app, owner.auth, { validUntil, ...overrides })
  const published = await app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: owner.auth })
  if (published.statusCode !== 200) throw new Error(`publish: ${published.statusCode} ${published.body}`)
  return published.json() as Listing
}
const read = (id: string, auth?: Record<string, string>) => app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers: auth ?? {} })
/** What the hourly schedule does: the facet maintenance marks the expired (every five minutes), then the archive sweep. */
async function sweep() {
  await maintainFacetCounts(db, clock)
  await app.jobs.send(listingArchiveJob, {})
  await app.jobs.runPending()
}
const eventsOf = async (id: string) =>
  (await db.select().from(outboxEvents).where(eq(outboxEvents.subjectId, id)).orderBy(asc(outboxEvents.id))).map((event) => event.type)
const feedTypes = async (id: string) => {
  const feed = (await app.inject({ method: 'GET', url: '/v1/events?types=listing.published,listing.archived&limit=200' })).json() as {
    items: Array<{ type: string; subject: { id: string }; tombstone: boolean }>
  }
  return feed.items.filter((item) => item.subject.id === id).map((item) => `${item.type}${item.tombstone ? ' (tombstone)' : ''}`)
}
const idsOf = (page: { items: Array<{ id: string }> }) => page.items.map((item) => item.id)

t.test('the sweep archives a listing 30 days past its validUntil, and nothing else', async (t) => {
  clock.set('2026-03-02T03:00:00Z') // 10:00 on 2 March in Vietnam
  const old = await publishedListing('2026-03-31', { titleVi: 'Máy gieo hạt ngô kiểu khí nén' })
  const recent = await publishedListing('2026-04-20')
  const undated = await publishedListing(null)
  const draft = await createListingViaApi(app, owner.auth, { validUntil: '2026-03-20' })
  const mirrored = await insertListing(db, { ownerId: owner.organization.id, validUntil: '2026-03-01', source: 'techmart-hn', externalId: 'TM-7' })

  clock.set('2026-04-30T16:59:00Z') // 23:59 on 30 April: expired for 30 days, not more
  await sweep()
  t.equal((await read(old.id)).json().status, 'expired', 'expired, and still public')

  clock.set('2026-04-30T17:01:00Z') // 00:01 on 1 May
  await sweep()
  const archived = (await read(old.id, owner.auth)).json() as Listing
  t.match(archived, { status: 'archived', archivedAt: clock.now().toISOString(), validUntil: '2026-03-31', version: old.version + 1 })
  t.equal((await read(old.id)).statusCode, 404, 'out of public view, like a draft')
  t.equal((await read(old.id, stranger.auth)).statusCode, 404)
  t.equal((await read(recent.id)).json().status, 'expired', 'expired for 10 days: stays')
  t.equal((await read(undated.id)).json().status, 'published')
  t.equal((await read(draft.id, owner.auth)).json().status, 'draft', 'a draft is not the sweep’s')
  t.equal((await read(mirrored, operator.auth)).json().status, 'expired', 'a mirrored listing follows its source, not the sweep')

  t.same(await feedTypes(old.id), ['listing.published', 'listing.archived (tombstone)'], 'mirrors remove it')
  t.match((await auditTrailOf(db, old.id)).at(-1), {
    operation: 'listing.archive',
    keyId: null,
    actingOrganizationId: null,
    owningOrganizationId: owner.organization.id,
  })
  t.equal(await app.services.listings.archiveLongExpired(), 0, 'a second sweep finds nothing')

  // Public search leaves it out under any status a stranger may ask for; the owner lists it.
  const expired = (await app.inject({ method: 'GET', url: '/v1/listings?status=expired' })).json()
  t.ok(idsOf(expired).includes(recent.id) && !idsOf(expired).includes(old.id), 'not among the expired')
  const searched = (await app.inject({ method: 'GET', url: '/v1/listings?q=gieo%20h%E1%BA%A1t%20ng%C3%B4&status=expired' })).json()
  t.notOk(idsOf(searched).includes(old.id), 'nor found by its words')
  t.equal((await app.inject({ method: 'GET', url: '/v1/listings?status=archived' })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/v1/listings?status=archived', headers: stranger.auth })).statusCode, 403)
  const own = (await app.inject({ method: 'GET', url: `/v1/listings?status=archived&owner=${owner.organization.id}`, headers: owner.auth })).json()
  t.same(idsOf(own), [old.id])
  // The operator's browse counts from the facet table, which the trigger moved from expired to archived.
  const counted = (await app.inject({ method: 'GET', url: '/v1/listings?status=archived', headers: operator.auth })).json()
  t.same(idsOf(counted), [old.id])
  t.same(counted.facets.kind, [{ code: 'technology', count: 1 }])
  t.equal(counted.facets.exhaustive, true)
  const expiredCounts = (await app.inject({ method: 'GET', url: '/v1/listings?status=expired', headers: operator.auth })).json()
  t.equal(expiredCounts.facets.kind[0].count, idsOf(expiredCounts).length, 'the expired count lost it')

  const exported = await app.inject({ method: 'GET', url: '/v1/listings/export?status=archived&format=ndjson' })
  t.equal(exported.statusCode, 401, 'an export of archived listings needs a key, as of drafts')
})

t.test('renewing an archived listing brings it back: published, public, in the feed again', async (t) => {
  clock.set('2026-03-02T03:00:00Z')
  const listing = await publishedListing('2026-03-10')
  clock.set('2026-05-02T03:00:00Z')
  await sweep()
  t.equal((await read(listing.id, owner.auth)).json().status, 'archived')

  const renewed = await app.inject({ method: 'POST', url: `/v1/listings/${listing.id}/renew`, headers: owner.auth, payload: {} })
  t.equal(renewed.statusCode, 200)
  t.match(renewed.json(), { status: 'published', validUntil: '2027-05-02', archivedAt: null })
  t.equal((await read(listing.id)).statusCode, 200, 'public again')
  t.same(await feedTypes(listing.id), ['listing.published', 'listing.archived (tombstone)', 'listing.published'], 'mirrors take it again')
  t.same(
    (await auditTrailOf(db, listing.id)).map((entry) => entry.operation),
    ['listing.create', 'listing.publish', 'listing.archive', 'listing.renew'],
  )
})

t.test('an edit brings an archived listing back only when it moves validUntil ahead or clears it', async (t) => {
  clock.set('2026-03-02T03:00:00Z')
  const moved = await publishedListing('2026-03-10')
  const cleared = await publishedListing('2026-03-10')
  clock.set('2026-05-02T03:00:00Z')
  await sweep()

  const patch = async (id: string, payload: Record<string, unknown>) => {
    const current = await read(id, owner.auth)
    return app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers: { ...owner.auth, 'if-match': current.headers.etag as string }, payload })
  }
  const retitled = await patch(moved.id, { titleVi: 'Máy gieo hạt đậu tương' })
  t.equal(retitled.statusCode, 200, 'an archived listing can be edited')
  t.equal(retitled.json().status, 'archived', 'and stays put away while its date is past')
  t.equal((await read(moved.id)).statusCode, 404)
  const stillPast = await patch(moved.id, { validUntil: '2026-04-30' })
  t.equal(stillPast.json().status, 'archived', 'a date still past does not bring it back')

  const revived = await patch(moved.id, { validUntil: '2026-12-31' })
  t.match(revived.json(), { status: 'published', archivedAt: null, validUntil: '2026-12-31' })
  t.match((await patch(cleared.id, { validUntil: null })).json(), { status: 'published', validUntil: null })
  const events = await eventsOf(moved.id)
  t.same(events.slice(-2), ['listing.updated', 'listing.published'], 'the edit, then its return to public view')
})

t.test('an archived listing can be withdrawn, not unpublished; the 409 lists what callers may do', async (t) => {
  clock.set('2026-03-02T03:00:00Z')
  const listing = await publishedListing('2026-03-10')
  clock.set('2026-05-02T03:00:00Z')
  await sweep()
  const unpublish = await app.inject({ method: 'POST', url: `/v1/listings/${listing.id}/unpublish`, headers: operator.auth, payload: { reason: 'cũ' } })
  t.equal(unpublish.statusCode, 409)
  t.same(unpublish.json().allowed, ['withdraw'], 'not archive: that is the sweep’s')
  const withdrawn = await app.inject({ method: 'POST', url: `/v1/listings/${listing.id}/withdraw`, headers: owner.auth, payload: { reason: 'đã chuyển giao' } })
  t.equal(withdrawn.statusCode, 200)
  t.equal(withdrawn.json().status, 'withdrawn')
})

t.test('an import row with a validUntil ahead brings back the archived listing it names', async (t) => {
  clock.set('2026-03-02T03:00:00Z')
  const row = (validUntil: string, status = 'published', descriptionVi = 'Lò sấy vải, nhãn bằng củi trấu, tiết kiệm nhiên liệu.') =>
    JSON.stringify({ externalId: 'VCD-ARCH-1', status, kind: 'technology', titleVi: 'Lò sấy vải thiều dùng sinh khối', descriptionVi, validUntil })
  const importRow = async (validUntil: string, status?: string, descriptionVi?: string) => {
    const upload = await app.inject({
      method: 'POST',
      url: '/v1/imports?kind=listings',
      headers: { ...owner.auth, 'content-type': 'application/x-ndjson' },
      payload: `${row(validUntil, status, descriptionVi)}\n`,
    })
    t.equal(upload.statusCode, 202)
    await app.jobs.runPending()
    return (await app.inject({ method: 'GET', url: `/v1/imports/${upload.json().id}`, headers: owner.auth })).json()
  }
  const created = await importRow('2026-03-10')
  t.match(created, { rowsCreated: 1 })
  const found = await app.inject({ method: 'GET', url: `/v1/listings?status=published&owner=${owner.organization.id}&q=v%E1%BA%A3i%20thi%E1%BB%81u` })
  const id = (found.json().items as Array<{ id: string }>)[0]!.id
  clock.set('2026-05-02T03:00:00Z')
  await sweep()
  t.equal((await read(id, owner.auth)).json().status, 'archived')

  // A published row past its date is refused, as for any listing; a draft row updates the content.
  t.match(await importRow('2026-03-10'), { rowsFailed: 1 })
  t.match(await importRow('2026-03-10', 'draft', 'Lò sấy vải, nhãn bằng trấu.'), { rowsUpdated: 1 })
  t.equal((await read(id, owner.auth)).json().status, 'archived', 'still past its date: still archived')
  t.match(await importRow('2027-03-10'), { rowsUpdated: 1, rowsFailed: 0 })
  t.match((await read(id)).json(), { status: 'published', validUntil: '2027-03-10', archivedAt: null })
  t.same((await eventsOf(id)).slice(-2), ['listing.updated', 'listing.published'])
})

t.test('a backlog larger than one batch is archived in one sweep', async (t) => {
  clock.set('2026-03-02T03:00:00Z')
  const ids = await Promise.all(
    Array.from({ length: 105 }, (_, index) => insertListing(db, { ownerId: owner.organization.id, validUntil: '2026-03-05', titleVi: `Thiết bị số ${index}` })),
  )
  clock.set('2026-06-01T03:00:00Z')
  await maintainFacetCounts(db, clock)
  t.ok((await app.services.listings.archiveLongExpired()) >= 105, 'in batches of 100')
  const statuses = new Set(await Promise.all(ids.map(async (id) => (await read(id, owner.auth)).json().status)))
  t.same([...statuses], ['archived'])
  const archivedEvents = await db
    .select({ id: outboxEvents.id })
    .from(outboxEvents)
    .where(and(eq(outboxEvents.subjectId, ids[0]!), eq(outboxEvents.type, 'listing.archived')))
  t.equal(archivedEvents.length, 1)
})

t.test('LISTING_ARCHIVE_AFTER_DAYS=0 never archives', async (t) => {
  const { app: keeping, db: keepingDb, clock: keepingClock } = await buildTestApp(t, { LISTING_ARCHIVE_AFTER_DAYS: '0' })
  const member = await createMember(keepingDb, { name: 'Trung tâm Ứng dụng KH&CN Nam Định' })
  const id = await insertListing(keepingDb, { ownerId: member.organization.id, validUntil: '2020-01-01' })
  keepingClock.set('2026-06-01T03:00:00Z')
  await maintainFacetCounts(keepingDb, keepingClock)
  t.equal(await keeping.services.listings.archiveLongExpired(), 0)
  t.equal((await keeping.inject({ method: 'GET', url: `/v1/listings/${id}` })).json().status, 'expired')
})
