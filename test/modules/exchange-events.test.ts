import { count } from 'drizzle-orm'
import t from 'tap'
import * as schema from '../../src/db/schema/index.ts'
import { dealSetting } from '../helpers/deals.ts'
import { createMember, createOrganization } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// Workshops and technology fairs over HTTP: a centre announces a fair with its co-organiser,
// participants and showcased listings; a deal started there names it, and the fair's outcomes and
// the activity report count that deal. The test clock stands at 2 March 2026.

type EventBody = {
  id: string
  version: number
  coOrganizers: Array<{ id: string }>
  participants: Array<{ id: string }>
  listings: Array<{ id: string }>
  outcomes: { dealsStarted: number; dealsByState: Record<string, number>; completedTransfers: number }
}

const { app, db, provider, seeker, listing } = await dealSetting(t)
const centre = await createMember(db, { kind: 'transfer_centre', name: 'Trung tâm Ứng dụng KH&CN Nam Định' })
const dost = await createMember(db, { kind: 'authority', name: 'Sở KH&CN Nam Định' })
const outsider = await createMember(db)

const fair = (overrides: Record<string, unknown> = {}) => ({
  kind: 'fair',
  title: 'Chợ công nghệ và thiết bị Nam Định 2026',
  startsOn: '2026-02-27',
  endsOn: '2026-03-01',
  place: 'Trung tâm Hội chợ triển lãm tỉnh, TP. Nam Định',
  provinceCode: '36',
  coOrganizerIds: [dost.organization.id],
  participantIds: [provider.organization.id, seeker.organization.id],
  listingIds: [listing.id],
  ...overrides,
})
const create = (auth: Record<string, string>, body: object) => app.inject({ method: 'POST', url: '/v1/exchange-events', headers: auth, payload: body })
const startDeal = (eventId: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/deals',
    headers: seeker.auth,
    payload: { listingId: listing.id, message: 'Gặp nhau tại chợ công nghệ, chúng tôi muốn trao đổi thêm.', eventId },
  })

async function rows() {
  const tables = {
    events: schema.exchangeEvents,
    organizations: schema.exchangeEventOrganizations,
    listings: schema.exchangeEventListings,
    deals: schema.deals,
  }
  const result = {} as Record<keyof typeof tables, number>
  for (const [name, table] of Object.entries(tables)) result[name as keyof typeof tables] = (await db.select({ n: count() }).from(table))[0]!.n
  return result
}

t.test('a fair is announced, a deal starts there, and its outcomes and the report count it', async (t) => {
  const response = await create(centre.auth, fair())
  t.equal(response.statusCode, 201, response.body)
  const event = response.json() as EventBody
  t.same(
    event.coOrganizers.map((organization) => organization.id),
    [dost.organization.id],
  )
  t.same(event.participants.map((organization) => organization.id).sort(), [provider.organization.id, seeker.organization.id].sort())
  t.same(
    event.listings.map((showcased) => showcased.id),
    [listing.id],
  )
  t.same(event.outcomes, { dealsStarted: 0, dealsByState: {}, completedTransfers: 0, transferValueVnd: 0 })

  t.equal((await startDeal(event.id)).statusCode, 201, 'the day after the fair, a deal names it')
  const after = (await app.inject({ method: 'GET', url: `/v1/exchange-events/${event.id}` })).json() as EventBody
  t.same(after.outcomes, { dealsStarted: 1, dealsByState: { interest_expressed: 1 }, completedTransfers: 0, transferValueVnd: 0 })
  const report = (await app.inject({ method: 'GET', url: '/v1/reports/activity?period=year&from=2026-01-01&to=2026-12-31' })).json() as {
    totals: { total: Record<string, number> }
  }
  t.match(report.totals.total, { dealsStarted: 1, eventDeals: 1 })
})

t.test('a deal names only an event that is running or recently over', async (t) => {
  const future = (await create(centre.auth, fair({ startsOn: '2026-06-01', endsOn: '2026-06-03', participantIds: [], listingIds: [] }))).json() as EventBody
  const past = (await create(centre.auth, fair({ startsOn: '2026-01-10', endsOn: '2026-01-20', participantIds: [], listingIds: [] }))).json() as EventBody
  const before = await rows()
  assertProblem(t, await startDeal(future.id), 422, 'event_closed')
  assertProblem(t, await startDeal(past.id), 422, 'event_closed')
  assertProblem(t, await startDeal('00000000-0000-4000-8000-000000000000'), 422, 'unknown_event')
  t.same(await rows(), before, 'no deal started')
})

t.test('bad events are refused whole, and only the organiser changes one', async (t) => {
  const draft = await createListingViaApi(app, provider.auth)
  const merged = await createOrganization(db, { mergedIntoId: dost.organization.id })
  const before = await rows()
  const refused = await create(
    centre.auth,
    fair({ endsOn: '2026-02-01', coOrganizerIds: [merged.id], participantIds: ['00000000-0000-4000-8000-000000000000', merged.id], listingIds: [draft.id] }),
  )
  t.same(pointers(assertProblem(t, refused, 422, 'invalid_event')), [
    '#/endsOn',
    '#/coOrganizerIds/0',
    '#/participantIds/0',
    '#/participantIds/1',
    '#/participantIds/1',
    '#/listingIds/0',
  ])
  assertProblem(t, await create(centre.auth, fair({ provinceCode: '99' })), 422, 'unknown_province')
  assertProblem(t, await create(centre.auth, fair({ kind: 'party' })), 400, 'validation_failed')
  t.same(await rows(), before, 'nothing written')

  const event = (await create(centre.auth, fair({ title: 'Hội thảo kết nối cung cầu', kind: 'workshop' }))).json() as EventBody
  const patch = (auth: Record<string, string>, body: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'PATCH', url: `/v1/exchange-events/${event.id}`, headers: { ...auth, ...headers }, payload: body })
  assertProblem(t, await patch(outsider.auth, { title: 'Của tôi' }), 403, 'forbidden')
  assertProblem(t, await patch(centre.auth, { title: 'Cũ' }, { 'if-match': '"7"' }), 412, 'precondition_failed')
  const updated = await patch(centre.auth, { participantIds: [seeker.organization.id], listingIds: [] }, { 'if-match': `"${event.version}"` })
  t.equal(updated.statusCode, 200, updated.body)
  t.same(
    [updated.json().participants.length, updated.json().listings.length, updated.json().coOrganizers.length],
    [1, 0, 1],
    'lists given are replaced, others kept',
  )
})

t.test('events are listed by province, kind, dates and organisation', async (t) => {
  const list = async (query: string) => ((await app.inject({ method: 'GET', url: `/v1/exchange-events${query}` })).json() as { items: EventBody[] }).items
  const all = await list('')
  t.ok(all.length >= 4)
  t.same((await list('?provinceCode=36')).length, (await list('?provinceCode=37')).length, 'a legacy code finds its 2025 unit')
  t.equal((await list('?kind=workshop')).length, 1)
  t.equal((await list('?from=2026-05-01')).length, 1, 'the June fair only')
  t.ok((await list(`?organizationId=${seeker.organization.id}`)).length >= 1, 'by participant')
  t.same(await list(`?organizationId=${outsider.organization.id}`), [])
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/exchange-events?provinceCode=98' }), 400, 'unknown_province')
})
