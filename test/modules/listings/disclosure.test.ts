import { eq } from 'drizzle-orm'
import t from 'tap'
import { deals } from '../../../src/db/schema/index.ts'
import { createApiKey } from '../../../src/core/keys.ts'
import { buildTestApp } from '../../helpers/app.ts'
import { fileOpenDemand } from '../../helpers/demands.ts'
import { delegate as delegateFor } from '../../helpers/delegations.ts'
import { createMember, createOperator, nationalScope } from '../../helpers/factories.ts'
import { storedListing } from '../../helpers/listings.ts'
import { matchesOf, publishListing } from '../../helpers/matching.ts'

// Staged disclosure on the listing side: an anonymous listing hides its owner, a price on request
// its amount, undisclosed contacts and IPR numbers stay hidden, from everyone who does not act for
// the owner, until that caller's deal on the listing gets far enough (core/disclosure.ts).
// Summaries (search, matches) never stage-reveal.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const owner = await createMember(db, { kind: 'university', name: 'Trường Đại học Nông Lâm Huế' })
const ownerReaderKey = await createApiKey(db, { organizationId: owner.organization.id, role: 'reader' })
const ownerReader = { authorization: `Bearer ${ownerReaderKey.key}` }
const delegate = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Thừa Thiên Huế', delegationScope: nationalScope })
const otherBroker = await createMember(db, { kind: 'transfer_centre', name: 'Trung tâm Ứng dụng tiến bộ KH&CN Quảng Trị' })
const stranger = await createMember(db, { name: 'Công ty CP Cơ khí Phú Bài' })
const seeker = await createMember(db, { name: 'HTX Nông nghiệp Giao Thủy' })

// Fixtures throw rather than assert: a top-level assertion lets tap end the root test while they still run.
const delegateTo = (agent: { auth: Record<string, string> }, member: { auth: Record<string, string>; organization: { id: string } }) =>
  delegateFor(app, agent.auth, member.auth, member.organization.id)
await delegateTo(delegate, owner)

const contacts = [{ name: 'Trần Thị Bình', position: 'Trưởng phòng KHCN', email: 'binh@huaf.edu.vn' }]
// Fits the demand of test/helpers/demands.ts (a rice dryer), so the matcher pairs them.
const dryer = {
  titleVi: 'Máy sấy lúa tầng sôi công suất 10 tấn/mẻ',
  descriptionVi: 'Máy sấy lúa tầng sôi giúp giảm hao hụt sau thu hoạch, sấy đều hạt, tiết kiệm nhiên liệu trấu.',
  keywords: ['sấy lúa', 'máy sấy', 'sau thu hoạch'],
  sectors: ['A', 'C'],
  fields: ['4'],
  trl: 8,
  provinceCodes: ['37'],
  contacts,
  validUntil: null,
}
const askingPrice = 1_200_000_000
const secretive = { ...dryer, anonymous: true, priceType: 'on_request', priceVnd: askingPrice }

const everything = {
  owner: { id: owner.organization.id, name: 'Trường Đại học Nông Lâm Huế', kind: 'university' },
  contacts,
  priceVnd: askingPrice,
  iprNumbers: ['1-0023456'],
  redacted: [],
}
const nothing = {
  owner: { id: null, name: null, kind: 'university' },
  contacts: null,
  priceVnd: null,
  iprNumbers: null,
  redacted: ['owner', 'contacts', 'priceVnd', 'iprNumbers'],
}
const insiders = [
  ['owner admin', owner.auth],
  ['owner reader', ownerReader],
  ['delegate', delegate.auth],
  ['operator', operator.auth],
] as const
const outsiders = [
  ['no key', {}],
  ['another organisation', stranger.auth],
  ['a broker that is no delegate', otherBroker.auth],
] as const

type Owner = { id: string | null; name: string | null; kind: string }
type Summary = { id: string; owner: Owner; priceVnd: number | null; redacted: string[] }
type Page = { items: Summary[]; facets: { kind: { code: string; count: number }[] } }

/** The confidential part of a full listing, compared exactly (a null pattern in t.match would also pass a missing field). */
const confidentialOf = (listing: Record<string, unknown>) => ({
  owner: listing.owner,
  contacts: listing.contacts,
  priceVnd: listing.priceVnd,
  iprNumbers: listing.iprNumbers,
  redacted: listing.redacted,
})
/** The confidential part of a summary. */
const summaryPart = (summary: Summary | undefined) => summary && { owner: summary.owner, priceVnd: summary.priceVnd, redacted: summary.redacted }
const hiddenSummary = { owner: nothing.owner, priceVnd: null, redacted: ['owner', 'priceVnd'] }
const fullSummary = { owner: everything.owner, priceVnd: askingPrice, redacted: [] }

const get = (id: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers })
const view = async (id: string, headers: Record<string, string> = {}) => confidentialOf((await get(id, headers)).json())
async function search(query: string, headers: Record<string, string> = {}) {
  const response = await app.inject({ method: 'GET', url: `/v1/listings?${query}`, headers })
  t.equal(response.statusCode, 200, `search ${query}`)
  return response.json() as Page
}

const anonymousListing = await publishListing(app, owner.auth, { ...secretive, titleVi: 'Máy sấy lúa tầng sôi ẩn danh' })
const openListing = await publishListing(app, owner.auth, { ...dryer, titleVi: 'Máy sấy lúa tầng sôi công khai', priceType: 'amount', priceVnd: 900_000_000 })

t.test('anonymous and a price on request are stored; create and update take them', async (t) => {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: owner.auth,
    payload: { kind: 'service', titleVi: 'Tư vấn', descriptionVi: 'Tư vấn sấy nông sản.' },
  })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { anonymous: false, priceType: 'negotiable' }, 'anonymous defaults to false')

  t.match((await get(anonymousListing.id, owner.auth)).json(), { anonymous: true, priceType: 'on_request', priceVnd: askingPrice })
  t.match(await storedListing(db, anonymousListing.id), { anonymous: true, priceType: 'on_request', priceVnd: askingPrice }, 'stored as sent')

  const id = created.json().id as string
  const patched = await app.inject({
    method: 'PATCH',
    url: `/v1/listings/${id}`,
    headers: owner.auth,
    payload: { anonymous: true, priceType: 'on_request', priceVnd: 5_000_000 },
  })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { anonymous: true, priceType: 'on_request', priceVnd: 5_000_000 })
  const cleared = await app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers: owner.auth, payload: { anonymous: false, priceVnd: null } })
  t.equal(cleared.statusCode, 200, 'a price on request may also be left out')
  t.match(await storedListing(db, id), { anonymous: false, priceType: 'on_request', priceVnd: null })

  const negotiable = await app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers: owner.auth, payload: { priceType: 'negotiable', priceVnd: 7 } })
  t.equal(negotiable.statusCode, 422, 'negotiable still forbids a price')
  t.same(negotiable.json().errors, [{ pointer: '#/priceVnd', detail: 'phải bỏ trống hoặc null khi priceType là negotiable' }])
  const notBoolean = await app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers: owner.auth, payload: { anonymous: 'yes' } })
  t.equal(notBoolean.statusCode, 400)
  t.match(await storedListing(db, id), { anonymous: false, priceType: 'on_request', version: 3 }, 'refused writes changed nothing')
})

t.test('getListing: outsiders see an anonymous listing without owner, price, contacts, IPR numbers', async (t) => {
  for (const [who, headers] of outsiders) {
    const response = await get(anonymousListing.id, headers)
    t.equal(response.statusCode, 200, who)
    t.same(confidentialOf(response.json()), nothing, `${who} sees it redacted`)
    t.match(response.json(), { anonymous: true, priceType: 'on_request', titleVi: 'Máy sấy lúa tầng sôi ẩn danh' }, `${who} sees the rest`)
  }
  for (const [who, headers] of insiders) t.same(await view(anonymousListing.id, headers), everything, `${who} sees everything`)
  t.same(
    await view(openListing.id, stranger.auth),
    { owner: everything.owner, contacts: null, priceVnd: 900_000_000, iprNumbers: null, redacted: ['contacts', 'iprNumbers'] },
    'a listing that is neither anonymous nor on request shows its owner and price',
  )
})

t.test('search results hide the owner of an anonymous listing and a price on request from outsiders', async (t) => {
  const query = `q=${encodeURIComponent('máy sấy lúa tầng sôi')}`
  for (const [who, headers] of outsiders) {
    const { items } = await search(query, headers)
    t.same(summaryPart(items.find((item) => item.id === anonymousListing.id)), hiddenSummary, `${who}: hidden`)
    t.same(
      summaryPart(items.find((item) => item.id === openListing.id)),
      { owner: everything.owner, priceVnd: 900_000_000, redacted: [] },
      `${who}: an open listing as it is`,
    )
  }
  for (const [who, headers] of insiders) {
    const { items } = await search(query, headers)
    t.same(summaryPart(items.find((item) => item.id === anonymousListing.id)), fullSummary, `${who}: shown`)
  }
})

t.test('owner=<id> leaves the anonymous listings out for those who do not act for the owner', async (t) => {
  const query = `owner=${owner.organization.id}`
  for (const [who, headers] of outsiders) {
    const page = await search(query, headers)
    t.same(
      page.items.map((item) => item.id),
      [openListing.id],
      `${who}: only the open listing`,
    )
    t.same(page.facets.kind, [{ code: 'technology', count: 1 }], `${who}: the facets do not count it either`)
  }
  for (const [who, headers] of insiders) {
    const page = await search(query, headers)
    t.same(page.items.map((item) => item.id).sort(), [anonymousListing.id, openListing.id].sort(), `${who}: both`)
    t.same(page.facets.kind, [{ code: 'technology', count: 2 }], `${who}: both counted`)
  }
})

t.test('a price range never finds a price on request, not even in range', async (t) => {
  for (const headers of [stranger.auth, owner.auth]) {
    const ids = (await search(`priceMin=${askingPrice - 1}&priceMax=${askingPrice + 1}`, headers)).items.map((item) => item.id)
    t.notOk(ids.includes(anonymousListing.id))
  }
  t.same(
    (await search('priceMin=800000000&priceMax=1000000000', stranger.auth)).items.map((item) => item.id),
    [openListing.id],
    'an amount in range is found',
  )
})

t.test('matches: the demand owner and other brokers do not learn who offers an anonymous listing', async (t) => {
  const demand = await fileOpenDemand(app, seeker.auth)
  await app.jobs.runPending()
  type Item = Awaited<ReturnType<typeof matchesOf>>['items'][number] & { listing: Summary }
  const listOf = async (headers: Record<string, string>) => (await matchesOf(app, headers, 'demand', demand.id)).items as Item[]
  const pick = (items: Item[], listingId = anonymousListing.id) => items.find((item) => item.listingId === listingId)

  const matched = pick(await listOf(seeker.auth))
  if (!matched) throw new Error('the anonymous listing was not matched with the demand')
  t.same(
    matched.explanation.price,
    { ...matched.explanation.price, priceType: 'on_request', priceVnd: null, fit: 'price_not_stated' },
    'the explanation does not give the price away',
  )
  t.same(
    summaryPart(pick(await listOf(seeker.auth), openListing.id)?.listing),
    { owner: everything.owner, priceVnd: 900_000_000, redacted: [] },
    'an open listing shows its owner',
  )

  for (const [who, headers] of [
    ['demand owner', seeker.auth],
    ['a broker that is no delegate', otherBroker.auth],
  ] as const) {
    t.same(summaryPart(pick(await listOf(headers))?.listing), hiddenSummary, `${who}: owner and price hidden in the list`)
    const one = await app.inject({ method: 'GET', url: `/v1/matches/${matched.id}`, headers })
    t.equal(one.statusCode, 200)
    t.same(summaryPart(one.json().listing), hiddenSummary, `${who}: and in the single match`)
  }
  const shortlisted = await app.inject({ method: 'POST', url: `/v1/matches/${matched.id}/shortlist`, headers: seeker.auth })
  t.equal(shortlisted.statusCode, 200)
  t.same(summaryPart(shortlisted.json().listing), hiddenSummary, 'nor does curating reveal them')

  for (const [who, headers] of [
    ['delegate', delegate.auth],
    ['operator', operator.auth],
  ] as const) {
    t.same(summaryPart(pick(await listOf(headers))?.listing), fullSummary, `${who} sees them in the list`)
    const one = await app.inject({ method: 'GET', url: `/v1/matches/${matched.id}`, headers })
    t.same(summaryPart(one.json().listing), fullSummary, `${who}: and in the single match`)
  }
})

t.test("a seeker's deal reveals the listing step by step, and what it revealed stays revealed", async (t) => {
  const listing = await publishListing(app, owner.auth, { ...secretive, titleVi: 'Máy sấy lúa ẩn danh cho giao dịch' })
  const dealSeeker = await createMember(db, { name: 'Công ty TNHH Lương thực Hương Trà' })
  const seekerBroker = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Hương Trà', delegationScope: nationalScope })
  await delegateTo(seekerBroker, dealSeeker)

  t.same(await view(listing.id, dealSeeker.auth), nothing, 'no deal: nothing revealed')
  const now = clock.now()
  const [deal] = await db
    .insert(deals)
    .values({
      listingId: listing.id,
      providerId: owner.organization.id,
      seekerId: dealSeeker.organization.id,
      origin: 'interest',
      initiatedBy: 'seeker',
      state: 'interest_expressed',
      reachedState: 'interest_expressed',
      message: 'Chúng tôi quan tâm tới máy sấy này.',
      stateChangedAt: now,
    })
    .returning({ id: deals.id })
  t.same(await view(listing.id, dealSeeker.auth), nothing, 'interest expressed: still nothing')

  await db.update(deals).set({ state: 'accepted', reachedState: 'accepted' }).where(eq(deals.id, deal!.id))
  const accepted = { owner: everything.owner, contacts, priceVnd: askingPrice, iprNumbers: null, redacted: ['iprNumbers'] }
  t.same(await view(listing.id, dealSeeker.auth), accepted, 'accepted: owner, contacts and price, not the IPR numbers')
  t.same(await view(listing.id, seekerBroker.auth), accepted, "the seeker's delegate sees what the seeker sees")
  t.same(await view(listing.id, stranger.auth), nothing, 'another organisation with no deal still sees nothing')
  t.same(await view(listing.id), nothing, 'nor does a caller without a key')
  const found = (await search(`q=${encodeURIComponent('máy sấy lúa ẩn danh cho giao dịch')}`, dealSeeker.auth)).items.find((item) => item.id === listing.id)
  t.same(summaryPart(found), hiddenSummary, 'a search summary never stage-reveals')

  await db.update(deals).set({ state: 'cancelled', reachedState: 'agreed' }).where(eq(deals.id, deal!.id))
  t.same(await view(listing.id, dealSeeker.auth), everything, 'agreed, even if cancelled since: the IPR numbers too')
  t.same(await view(listing.id, stranger.auth), nothing, 'still nothing for another organisation')
})
