import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { deals } from '../../../src/db/schema/index.ts'
import { dealCounts, dealRow, dealSetting, driveTo, fire, matchWhole, move, offerTerms, startInterest, type DealBody } from '../../helpers/deals.ts'
import { closeDemand, fileDemand, fileOpenDemand } from '../../helpers/demands.ts'
import { delegate } from '../../helpers/delegations.ts'
import { createMember, createOperator, nationalScope } from '../../helpers/factories.ts'
import { createListingViaApi } from '../../helpers/listings.ts'
import { matchesOf, publishListing, type MatchItem } from '../../helpers/matching.ts'
import { assertProblem, pointers } from '../../helpers/problem.ts'

// How deals start (an interest, a provider's proposal for a demand, a seeker's shortlisted match),
// who acts on them (brokers for either side), how they are listed, and what the seeker sees of
// the listing at each stage.

type Setting = Awaited<ReturnType<typeof dealSetting>>
type Auth = Record<string, string>
type Problem = ReturnType<typeof assertProblem>

const missingId = '00000000-0000-4000-8000-000000000000'
const message = 'Chúng tôi muốn trao đổi về công nghệ này.'

const startDeal = (app: FastifyInstance, auth: Auth, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/v1/deals', headers: auth, payload: { message, ...payload } })
const getDeal = async (app: FastifyInstance, auth: Auth, id: string) => {
  const response = await app.inject({ method: 'GET', url: `/v1/deals/${id}`, headers: auth })
  if (response.statusCode !== 200) throw new Error(`getDeal: ${response.statusCode} ${response.body}`)
  return response.json() as DealBody
}
const historyOf = async (app: FastifyInstance, auth: Auth, id: string) =>
  (await app.inject({ method: 'GET', url: `/v1/deals/${id}/history?limit=100`, headers: auth })).json().items as Array<Record<string, unknown>>

/** Runs refused starts and checks that none of them wrote anything. */
async function nothingWritten(t: Test, setting: Setting, refusals: () => Promise<void>) {
  const before = await dealCounts(setting.db)
  await refusals()
  t.same(await dealCounts(setting.db), before, 'no deal, history row, event or audit entry written')
}

/** The connection point a member delegated to: it proposed, and the member's admin accepted. */
async function delegateOf(t: Test, setting: Setting, member: { organization: { id: string }; auth: Record<string, string> }, name: string) {
  const point = await createMember(setting.db, { kind: 'connection_point', name, delegationScope: nationalScope })
  t.ok(await delegate(setting.app, point.auth, member.auth, member.organization.id), `${name} acts for the member`)
  return point
}

// One app for the tests that do not count what is listed (a fresh database costs seconds); each
// gets a seeker of its own, so its deals on the shared listing are its own.
const shared = await dealSetting(t)
let seekers = 0
async function withNewSeeker(): Promise<Setting> {
  seekers += 1
  return { ...shared, seeker: await createMember(shared.db, { name: `Công ty TNHH Nông sản thử nghiệm ${seekers}` }) }
}
/** A provider of its own with a published listing, and a seeker of its own: their lists hold only this test's deals. */
async function withNewParties(name: string): Promise<Setting> {
  const provider = await createMember(shared.db, { kind: 'research_institute', name })
  const listing = await publishListing(shared.app, provider.auth, {
    titleVi: 'Máy sấy lúa tầng sôi 5 tấn/mẻ',
    descriptionVi: 'Máy sấy lúa tầng sôi cỡ nhỏ cho hợp tác xã.',
  })
  return { ...(await withNewSeeker()), provider, listing }
}
/** Every deal in the database, newest change first (ties by id): what the operator's list shows. */
async function everyDeal(setting: Setting) {
  const rows = await setting.db.select({ id: deals.id, updatedAt: deals.updatedAt }).from(deals)
  return rows.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((row) => row.id)
}
/** Moves the shared clock for the rest of a test only. */
function setClockUntilEnd(t: Test, setting: Setting, instant: string) {
  const before = setting.clock.now()
  t.teardown(() => setting.clock.set(before))
  setting.clock.set(instant)
}

t.test("proposal: the listing owner proposes its listing for an enterprise's open demand; the demand owner answers", async (t) => {
  const setting = await withNewSeeker()
  const { app, db, provider, seeker, listing } = setting
  const demand = await fileOpenDemand(app, seeker.auth)

  const response = await startDeal(app, provider.auth, {
    listingId: listing.id,
    demandId: demand.id,
    message: 'Máy sấy của Viện đáp ứng công suất anh chị cần.',
  })
  t.equal(response.statusCode, 201, response.body)
  const deal = response.json() as DealBody
  t.equal(response.headers.location, `/v1/deals/${deal.id}`)
  matchWhole(t, deal, {
    state: 'interest_expressed',
    origin: 'proposal',
    initiatedBy: 'provider',
    demandId: demand.id,
    matchId: null,
    provider: { id: provider.organization.id },
    seeker: { id: seeker.organization.id },
    yourRoles: ['provider'],
    allowedTransitions: ['cancel'],
  })
  matchWhole(t, await dealRow(db, deal.id), {
    origin: 'proposal',
    initiatedBy: 'provider',
    providerId: provider.organization.id,
    seekerId: seeker.organization.id,
    demandId: demand.id,
  })
  matchWhole(t, await historyOf(app, seeker.auth, deal.id), [
    { transition: 'start', toState: 'interest_expressed', actorRole: 'provider', payload: { origin: 'proposal', demandId: demand.id } },
  ])

  const asSeeker = await getDeal(app, seeker.auth, deal.id)
  matchWhole(t, asSeeker, { yourRoles: ['seeker'], allowedTransitions: ['accept_interest', 'decline_interest', 'cancel'] })
  await nothingWritten(t, setting, async () => {
    const own = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_interest' }), 409, 'guard_respondent')
    t.same((own as Problem & { allowed: string[] }).allowed, ['cancel'])
  })
  const accepted = await move(app, seeker.auth, deal.id, { transition: 'accept_interest', note: 'Mời Viện khảo sát thực tế' })
  matchWhole(t, accepted, { state: 'accepted', yourRoles: ['seeker'] })
  matchWhole(t, (await historyOf(app, provider.auth, deal.id)).at(-1), {
    transition: 'accept_interest',
    actorRole: 'seeker',
    actorOrganizationId: seeker.organization.id,
  })
})

t.test('proposal refusals: own demand, a closed demand, a draft, someone else’s listing', async (t) => {
  const setting = await withNewSeeker()
  const { app, provider, seeker, listing } = setting
  // Only enterprises file demands: one that also offers a listing cannot propose it to itself.
  const enterprise = await createMember(setting.db, { name: 'Công ty CP Cơ khí Nông nghiệp Nam Định' })
  const ownListing = await publishListing(app, enterprise.auth, { titleVi: 'Băng tải lúa di động' })
  const ownDemand = await fileOpenDemand(app, enterprise.auth, { titleVi: 'Cần cảm biến độ ẩm hạt' })
  const closed = await fileOpenDemand(app, seeker.auth, { titleVi: 'Cần lò sấy cũ' })
  await closeDemand(app, seeker.auth, closed.id)
  const draft = await fileDemand(app, seeker.auth, { titleVi: 'Bản nháp nhu cầu' })
  const soon = await fileOpenDemand(app, seeker.auth, { titleVi: 'Cần máy sấy trước vụ chiêm', deadline: '2026-03-05' })
  const open = await fileOpenDemand(app, seeker.auth)
  const other = await createMember(setting.db, { name: 'Công ty TNHH Cơ khí Hải Hậu' })

  await nothingWritten(t, setting, async () => {
    assertProblem(t, await startDeal(app, enterprise.auth, { listingId: ownListing.id, demandId: ownDemand.id }), 409, 'same_owner')
    assertProblem(t, await startDeal(app, provider.auth, { listingId: listing.id, demandId: closed.id }), 409, 'invalid_state')
    assertProblem(t, await startDeal(app, provider.auth, { listingId: listing.id, demandId: draft.id }), 404, 'not_found')
    assertProblem(t, await startDeal(app, provider.auth, { listingId: listing.id, demandId: missingId }), 404, 'not_found')
    // Only those who act for the listing's owner propose it.
    assertProblem(t, await startDeal(app, seeker.auth, { listingId: listing.id, demandId: open.id }), 403, 'forbidden')
    assertProblem(t, await startDeal(app, other.auth, { listingId: listing.id, demandId: open.id }), 403, 'forbidden')
    setClockUntilEnd(t, setting, '2026-03-06T03:00:00Z')
    assertProblem(t, await startDeal(app, provider.auth, { listingId: listing.id, demandId: soon.id }), 409, 'invalid_state')
  })
  t.equal((await startDeal(app, provider.auth, { listingId: listing.id, demandId: open.id })).statusCode, 201, 'an open demand still takes it')
})

t.test('match: the demand owner starts from its shortlisted match', async (t) => {
  const setting = await withNewSeeker()
  const { app, db, provider, seeker } = setting
  const listing = await publishListing(app, provider.auth, {
    titleVi: 'Máy sấy lúa tầng sôi di động',
    descriptionVi: 'Máy sấy lúa tầng sôi lắp trên rơ moóc, sấy ngay tại ruộng.',
    keywords: ['sấy lúa', 'máy sấy'],
    provinceCodes: ['36'],
  })
  const demand = await fileOpenDemand(app, seeker.auth)
  await app.jobs.runPending()
  const match = (await matchesOf(app, seeker.auth, 'demand', demand.id)).items.find((item) => item.listingId === listing.id) as MatchItem
  t.ok(match, 'the listing is suggested for the demand')
  const stranger = await createMember(db, { name: 'Công ty TNHH Nông sản Vụ Bản' })

  await nothingWritten(t, setting, async () => {
    const suggested = assertProblem(t, await startDeal(app, seeker.auth, { matchId: match.id }), 409, 'invalid_state')
    t.match(suggested.detail, 'suggested')
    assertProblem(t, await startDeal(app, stranger.auth, { matchId: match.id }), 404, 'not_found')
    assertProblem(t, await startDeal(app, provider.auth, { matchId: match.id }), 404, 'not_found')
    assertProblem(t, await startDeal(app, seeker.auth, { matchId: missingId }), 404, 'not_found')
  })

  const shortlisted = await app.inject({ method: 'POST', url: `/v1/matches/${match.id}/shortlist`, headers: seeker.auth })
  t.equal(shortlisted.statusCode, 200)
  await nothingWritten(t, setting, async () => {
    assertProblem(t, await startDeal(app, stranger.auth, { matchId: match.id }), 404, 'not_found')
  })
  const response = await startDeal(app, seeker.auth, { matchId: match.id, message: 'Máy sấy này đúng nhu cầu trong danh sách chọn của chúng tôi.' })
  t.equal(response.statusCode, 201, response.body)
  const deal = response.json() as DealBody
  matchWhole(t, deal, {
    origin: 'match',
    initiatedBy: 'seeker',
    demandId: demand.id,
    matchId: match.id,
    listing: { id: listing.id },
    provider: { id: provider.organization.id },
    seeker: { id: seeker.organization.id },
    yourRoles: ['seeker'],
    allowedTransitions: ['cancel'],
  })
  matchWhole(t, await dealRow(db, deal.id), { origin: 'match', demandId: demand.id, matchId: match.id })
  t.same((await getDeal(app, provider.auth, deal.id)).allowedTransitions, ['accept_interest', 'decline_interest', 'cancel'], 'the provider answers')
  await nothingWritten(t, setting, async () => {
    assertProblem(t, await startDeal(app, seeker.auth, { matchId: match.id }), 409, 'deal_exists')
    assertProblem(t, await startDeal(app, seeker.auth, { listingId: listing.id }), 409, 'deal_exists')
  })
})

t.test('interest refusals: the listing must be live and not the caller’s, the start unambiguous, the seeker not merged', async (t) => {
  const setting = await withNewSeeker()
  const { app, db, provider, seeker, listing } = setting
  const operator = await createOperator(db)
  const draft = await createListingViaApi(app, provider.auth, { titleVi: 'Bản nháp' })
  const withdrawn = await publishListing(app, provider.auth, { titleVi: 'Lò sấy đã rút' })
  const withdrawal = await app.inject({
    method: 'POST',
    url: `/v1/listings/${withdrawn.id}/withdraw`,
    headers: provider.auth,
    payload: { reason: 'Đã chuyển giao độc quyền' },
  })
  t.equal(withdrawal.statusCode, 200)
  const shortLived = await publishListing(app, provider.auth, { titleVi: 'Máy sấy cho vụ chiêm', validUntil: '2026-03-10' })
  const demand = await fileOpenDemand(app, seeker.auth)
  const merged = await createMember(db, { name: 'HTX Nông nghiệp Giao Hà' })
  const successor = await createMember(db, { name: 'HTX Nông nghiệp Giao Thủy mới' })
  const merge = await app.inject({
    method: 'POST',
    url: `/v1/organizations/${merged.organization.id}/merge`,
    headers: operator.auth,
    payload: { intoOrganizationId: successor.organization.id },
  })
  t.equal(merge.statusCode, 200, merge.body)
  const stranger = await createMember(db, { name: 'Công ty TNHH Thương mại Nam Trực' })

  await nothingWritten(t, setting, async () => {
    assertProblem(t, await startDeal(app, seeker.auth, { listingId: draft.id }), 404, 'not_found')
    assertProblem(t, await startDeal(app, seeker.auth, { listingId: missingId }), 404, 'not_found')
    assertProblem(t, await startDeal(app, seeker.auth, { listingId: withdrawn.id }), 409, 'invalid_state')
    assertProblem(t, await startDeal(app, provider.auth, { listingId: listing.id }), 409, 'same_owner')
    for (const payload of [
      { matchId: missingId, listingId: listing.id },
      { listingId: listing.id, demandId: demand.id, seekerId: seeker.organization.id },
      {},
      { matchId: missingId, seekerId: seeker.organization.id },
      { demandId: demand.id },
      { seekerId: seeker.organization.id },
    ]) {
      assertProblem(t, await startDeal(app, seeker.auth, payload), 400, 'invalid_start')
    }
    const shape = assertProblem(t, await startDeal(app, seeker.auth, { listingId: 'máy-sấy' }), 400, 'validation_failed')
    t.same(pointers(shape), ['#/listingId'])
    assertProblem(t, await app.inject({ method: 'POST', url: '/v1/deals', headers: seeker.auth, payload: { listingId: listing.id } }), 400, 'validation_failed')
    // The successor acts for the merged organisation, which can no longer start anything.
    assertProblem(t, await startDeal(app, successor.auth, { listingId: listing.id, seekerId: merged.organization.id }), 409, 'organization_merged')
    assertProblem(t, await startDeal(app, merged.auth, { listingId: listing.id }), 401, 'unauthorized')
    const notActed = assertProblem(t, await startDeal(app, stranger.auth, { listingId: listing.id, seekerId: seeker.organization.id }), 403, 'forbidden')
    t.same(pointers(notActed), ['#/seekerId'])
    setClockUntilEnd(t, setting, '2026-03-11T03:00:00Z')
    assertProblem(t, await startDeal(app, seeker.auth, { listingId: shortLived.id }), 409, 'invalid_state')
  })
  t.equal((await startDeal(app, successor.auth, { listingId: listing.id })).statusCode, 201, 'the successor starts for itself')
})

t.test('brokers: a delegate starts and answers for its member; lists by side, state, listing and organisation', async (t) => {
  const setting = await withNewParties('Viện Nghiên cứu Lúa')
  const { app, db, provider, seeker, listing } = setting
  const operator = await createOperator(db)
  const seekerPoint = await delegateOf(t, setting, seeker, 'Điểm kết nối cung cầu Nam Định')
  const providerPoint = await delegateOf(t, setting, provider, 'Điểm kết nối công nghệ Hà Nội')

  const response = await startDeal(app, seekerPoint.auth, { listingId: listing.id, seekerId: seeker.organization.id })
  t.equal(response.statusCode, 201, response.body)
  const deal = response.json() as DealBody
  matchWhole(t, deal, {
    origin: 'interest',
    initiatedBy: 'seeker',
    seeker: { id: seeker.organization.id },
    yourRoles: ['seeker_broker'],
    allowedTransitions: ['cancel'],
  })
  matchWhole(t, await historyOf(app, seeker.auth, deal.id), [
    { transition: 'start', actorRole: 'seeker_broker', actorOrganizationId: seekerPoint.organization.id },
  ])
  matchWhole(t, await getDeal(app, seeker.auth, deal.id), { id: deal.id, yourRoles: ['seeker'], allowedTransitions: ['cancel'] })
  matchWhole(t, await getDeal(app, providerPoint.auth, deal.id), {
    yourRoles: ['provider_broker'],
    allowedTransitions: ['accept_interest', 'decline_interest', 'cancel'],
  })

  const accepted = await move(app, providerPoint.auth, deal.id, { transition: 'accept_interest', note: 'Thay mặt Viện mời trao đổi' })
  matchWhole(t, accepted, { state: 'accepted', yourRoles: ['provider_broker'] })
  matchWhole(t, (await historyOf(app, provider.auth, deal.id)).at(-1), {
    transition: 'accept_interest',
    actorRole: 'provider_broker',
    actorOrganizationId: providerPoint.organization.id,
  })
  const offered = await move(app, seekerPoint.auth, deal.id, { transition: 'make_offer', terms: offerTerms({ priceVnd: 180_000_000 }) })
  matchWhole(t, offered.offers, [{ madeBy: 'seeker', status: 'open' }], "a broker's offer is its member's side's")

  // A second deal, another seeker, on another listing, to filter against.
  const otherListing = await publishListing(app, provider.auth, { titleVi: 'Máy gặt đập liên hợp mini' })
  const otherSeeker = await createMember(db, { name: 'Công ty TNHH Nông cơ Ý Yên' })
  const other = await startInterest(app, otherSeeker.auth, otherListing.id)
  // The seeker itself is the provider of a third deal.
  const seekersListing = await publishListing(app, seeker.auth, { titleVi: 'Quy trình bảo quản lúa giống' })
  const reverse = await startInterest(app, otherSeeker.auth, seekersListing.id)

  const ids = async (auth: Auth, query: string, status = 200) => {
    const listed = await app.inject({ method: 'GET', url: `/v1/deals${query}`, headers: auth })
    t.equal(listed.statusCode, status, `GET /v1/deals${query}`)
    return status === 200 ? (listed.json().items as DealBody[]).map((item) => item.id).sort() : listed
  }
  const sorted = (...values: string[]) => values.sort()
  t.same(await ids(seeker.auth, ''), sorted(deal.id, reverse.id))
  t.same(await ids(seeker.auth, '?side=seeker'), [deal.id])
  t.same(await ids(seeker.auth, '?side=provider'), [reverse.id])
  t.same(await ids(provider.auth, '?side=provider'), sorted(deal.id, other.id))
  t.same(await ids(provider.auth, '?side=seeker'), [])
  t.same(await ids(provider.auth, '?state=negotiating'), [deal.id])
  t.same(await ids(provider.auth, '?state=interest_expressed'), [other.id])
  t.same(await ids(provider.auth, `?listingId=${otherListing.id}`), [other.id])
  t.same(await ids(provider.auth, `?listingId=${otherListing.id}&state=negotiating`), [])
  t.same(await ids(seekerPoint.auth, ''), sorted(deal.id, reverse.id), "a delegate lists its member's deals")
  t.same(await ids(seekerPoint.auth, `?organizationId=${seeker.organization.id}&side=seeker`), [deal.id])
  t.same(await ids(providerPoint.auth, `?organizationId=${provider.organization.id}`), sorted(deal.id, other.id))
  const notActed = (await ids(seekerPoint.auth, `?organizationId=${provider.organization.id}`, 403)) as Awaited<ReturnType<typeof app.inject>>
  assertProblem(t, notActed, 403, 'forbidden')
  assertProblem(t, (await ids(seeker.auth, `?organizationId=${otherSeeker.organization.id}`, 403)) as Awaited<ReturnType<typeof app.inject>>, 403, 'forbidden')
  t.same(await ids(otherSeeker.auth, '?side=seeker'), sorted(other.id, reverse.id))
  t.same(await ids(operator.auth, '?limit=100'), (await everyDeal(setting)).sort(), 'the operator lists every deal')
  t.ok((await everyDeal(setting)).length > 3, "every deal, not only this test's")
  t.same(await ids(operator.auth, `?organizationId=${seeker.organization.id}&side=provider`), [reverse.id])
  const listedItem = (await app.inject({ method: 'GET', url: '/v1/deals?side=seeker', headers: seekerPoint.auth })).json().items[0]
  matchWhole(
    t,
    listedItem,
    { id: deal.id, yourRoles: ['seeker_broker'], allowedTransitions: ['withdraw_offer', 'cancel', 'open_dispute'] },
    'each item as getDeal shows it',
  )
})

t.test('listDeals pages through 25 deals with a cursor, most recently changed first', async (t) => {
  const setting = await withNewParties('Viện Máy và Dụng cụ Công nghiệp')
  const { app, db, clock, provider, listing } = setting
  const operator = await createOperator(db)
  const before = clock.now()
  t.teardown(() => clock.set(before))
  const started: string[] = []
  for (let index = 0; index < 25; index += 1) {
    // Some deals share an updatedAt: the id breaks the tie.
    if (index % 5 === 0) clock.advanceDays(1 / 24)
    const seeker = await createMember(db, { name: `HTX Nông nghiệp số ${index + 1}` })
    started.push((await startInterest(app, seeker.auth, listing.id)).id)
  }
  // Moving a deal makes it the most recent.
  clock.advanceDays(1 / 24)
  await move(app, provider.auth, started[3]!, { transition: 'accept_interest' })
  const rows = await Promise.all(started.map((id) => dealRow(db, id)))
  const expected = rows.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((row) => row.id)
  t.equal(expected[0], started[3])

  const pageThrough = async (auth: Auth) => {
    const seen: string[] = []
    const pages: number[] = []
    let cursor: string | null = null
    do {
      const query: string = `?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const page = await app.inject({ method: 'GET', url: `/v1/deals${query}`, headers: auth })
      t.equal(page.statusCode, 200)
      const body = page.json() as { items: DealBody[]; nextCursor: string | null }
      seen.push(...body.items.map((item) => item.id))
      pages.push(body.items.length)
      cursor = body.nextCursor
    } while (cursor && pages.length < 20)
    return { seen, pages }
  }
  const byProvider = await pageThrough(provider.auth)
  t.same(byProvider.pages, [10, 10, 5])
  t.same(byProvider.seen, expected, 'every deal once, newest change first, ties by id')
  const byOperator = await pageThrough(operator.auth)
  t.same(byOperator.seen, await everyDeal(setting), 'the operator pages through every deal of the exchange')
  t.ok(byOperator.pages.length > 3)
  const filtered = (await app.inject({ method: 'GET', url: '/v1/deals?state=interest_expressed&limit=100', headers: provider.auth })).json()
  t.equal(filtered.items.length, 24)
  t.equal(filtered.nextCursor, null)
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/deals?cursor=not-a-cursor', headers: provider.auth }), 400, 'invalid_cursor')

  // A page costs the same number of queries whatever its size (it used to be ~7 per deal), and
  // each item is the deal as getDeal shows it to the same caller.
  const pool = app.database.pool
  const query = pool.query
  t.teardown(() => void (pool.query = query))
  const queriesFor = async (auth: Auth, limit: number) => {
    let count = 0
    pool.query = ((...args: Parameters<typeof query>) => (count++, query.apply(pool, args))) as typeof query
    const page = await app.inject({ method: 'GET', url: `/v1/deals?limit=${limit}`, headers: auth })
    pool.query = query
    t.equal(page.statusCode, 200)
    const items = page.json().items as DealBody[]
    t.equal(items.length, limit)
    return { count, items }
  }
  for (const [who, auth] of [
    ['the provider', provider.auth],
    ['the operator', operator.auth],
  ] as const) {
    const small = await queriesFor(auth, 2)
    const large = await queriesFor(auth, 20)
    t.ok(small.count > 0)
    t.equal(large.count, small.count, `${who}: ${small.count} queries for 2 deals and for 20`)
    for (const item of large.items.slice(0, 5)) t.same(item, await getDeal(app, auth, item.id), `${who}: ${item.id} as getDeal shows it`)
  }
})

t.test('staged disclosure: the seeker sees the anonymous owner, contacts and the price on request once accepted, the IPR numbers once agreed', async (t) => {
  const contacts = [{ name: 'TS. Nguyễn Văn An', position: 'Trưởng phòng Chuyển giao công nghệ', email: 'an.nv@viencodien.vn', phone: '0912345678' }]
  const setting = await withNewSeeker()
  const { app, db, provider, seeker } = setting
  const listing = await publishListing(app, provider.auth, {
    titleVi: 'Máy sấy lúa tầng sôi thế hệ mới',
    descriptionVi: 'Máy sấy lúa tầng sôi tiết kiệm năng lượng.',
    anonymous: true,
    priceType: 'on_request',
    priceVnd: 300_000_000,
    contacts,
    iprNumbers: ['1-0023456'],
  })
  const operator = await createOperator(db)
  const seekerPoint = await delegateOf(t, setting, seeker, 'Điểm kết nối cung cầu Nam Định')
  const everything = {
    provider: { id: provider.organization.id, name: 'Viện Cơ điện Nông nghiệp', kind: 'research_institute' },
    listing: { id: listing.id, anonymous: true, priceType: 'on_request', priceVnd: 300_000_000, contacts, iprNumbers: ['1-0023456'], redacted: [] },
  }
  const seesAll = async (auth: Auth, id: string, who: string) => matchWhole(t, await getDeal(app, auth, id), everything, `${who} sees everything`)

  const started = await startInterest(app, seeker.auth, listing.id)
  const hidden = {
    provider: { id: null, name: null, kind: 'research_institute' },
    listing: {
      id: listing.id,
      anonymous: true,
      priceType: 'on_request',
      priceVnd: null,
      contacts: null,
      iprNumbers: null,
      redacted: ['owner', 'contacts', 'priceVnd', 'iprNumbers'],
    },
  }
  matchWhole(t, started, hidden, 'the start shows the seeker nothing confidential')
  matchWhole(t, await getDeal(app, seeker.auth, started.id), hidden)
  matchWhole(t, await getDeal(app, seekerPoint.auth, started.id), hidden, "the seeker's broker neither")
  const listed = (await app.inject({ method: 'GET', url: '/v1/deals', headers: seeker.auth })).json().items[0]
  matchWhole(t, listed, hidden, 'nor does the list')
  await seesAll(provider.auth, started.id, 'the provider')
  await seesAll(operator.auth, started.id, 'the operator')

  const accepted = await move(app, provider.auth, started.id, { transition: 'accept_interest' })
  matchWhole(t, accepted, everything, "the provider's own answer shows it everything")
  const afterAccept = {
    provider: everything.provider,
    listing: { priceVnd: 300_000_000, contacts, iprNumbers: null, redacted: ['iprNumbers'] },
  }
  matchWhole(t, await getDeal(app, seeker.auth, started.id), afterAccept, 'accepted: owner, contacts and price, not the IPR numbers')
  matchWhole(t, await getDeal(app, seekerPoint.auth, started.id), afterAccept)

  const offered = await move(app, provider.auth, started.id, { transition: 'make_offer', terms: offerTerms() })
  matchWhole(t, await getDeal(app, seeker.auth, started.id), afterAccept, 'negotiating reveals nothing more')
  const agreed = await move(app, seeker.auth, started.id, { transition: 'accept_offer', offerId: offered.offers[0]!.id })
  matchWhole(t, agreed, everything, 'agreed: everything, in the answer to the move itself')
  await seesAll(seeker.auth, started.id, 'the agreed seeker')

  const cancelled = await move(app, seeker.auth, started.id, { transition: 'cancel', reason: 'no_funding' })
  matchWhole(t, cancelled, everything, 'a cancelled deal keeps what it revealed')
  await seesAll(seeker.auth, started.id, 'the seeker of the cancelled deal')

  // Another seeker whose deal was accepted, then cancelled: it keeps the owner, contacts and price only.
  const second = await createMember(db, { name: 'Công ty CP Giống cây trồng Nam Định' })
  const secondDeal = await startInterest(app, second.auth, listing.id)
  matchWhole(t, secondDeal, hidden, "another seeker's deal starts hidden")
  await driveTo(app, { provider: provider.auth, seeker: second.auth }, secondDeal.id, 'accepted')
  await move(app, provider.auth, secondDeal.id, { transition: 'cancel', reason: 'no_agreement' })
  matchWhole(t, await getDeal(app, second.auth, secondDeal.id), { state: 'cancelled', ...afterAccept }, 'cancelled after acceptance: still no IPR numbers')
  await seesAll(provider.auth, secondDeal.id, 'the provider')

  // A new deal of a seeker shows what an earlier deal revealed, as the listing itself does.
  const renewed = await startInterest(app, second.auth, listing.id)
  matchWhole(t, renewed, { state: 'interest_expressed', ...afterAccept }, "a second deal starts from what the seeker's first one revealed")
  const asListing = (await app.inject({ method: 'GET', url: `/v1/listings/${listing.id}`, headers: second.auth })).json()
  t.same([asListing.owner.id, asListing.priceVnd, asListing.redacted], [provider.organization.id, 300_000_000, ['iprNumbers']], 'the same on the listing')
})

t.test('two sides apart: the operator names its seeker, a delegate does not deal with its member, a broker of both sides says which it acts for', async (t) => {
  const setting = await withNewParties('Viện Nghiên cứu Rau quả')
  const { app, db, provider, seeker, listing } = setting
  const operator = await createOperator(db)
  let before = await dealCounts(db)
  const unnamed = assertProblem(
    t,
    await app.inject({ method: 'POST', url: '/v1/deals', headers: operator.auth, payload: { listingId: listing.id, message: 'Sàn giới thiệu' } }),
    400,
    'seeker_required',
  )
  t.same(pointers(unnamed), ['#/seekerId'])

  // The provider's own connection point expressing interest for itself would deal with itself.
  t.same(await dealCounts(db), before, 'nothing written')
  const providerPoint = await delegateOf(t, setting, provider, 'Điểm kết nối của viện')
  before = await dealCounts(db)
  assertProblem(
    t,
    await app.inject({ method: 'POST', url: '/v1/deals', headers: providerPoint.auth, payload: { listingId: listing.id, message: 'Cho chính mình' } }),
    409,
    'same_side',
  )
  t.same(await dealCounts(db), before, 'nothing written')

  // A point both sides delegated to: it must say which side each move is for.
  await delegate(app, providerPoint.auth, seeker.auth, seeker.organization.id)
  const deal = await startInterest(app, providerPoint.auth, listing.id, { seekerId: seeker.organization.id })
  t.same(deal.yourRoles, ['provider_broker', 'seeker_broker'])
  const ambiguous = assertProblem(t, await fire(app, providerPoint.auth, deal.id, { transition: 'cancel', reason: 'other' }), 400, 'side_required')
  t.same(pointers(ambiguous), ['#/side'])
  assertProblem(t, await fire(app, providerPoint.auth, deal.id, { transition: 'accept_interest', side: 'seeker' }), 409, 'guard_respondent')
  const accepted = await move(app, providerPoint.auth, deal.id, { transition: 'accept_interest', side: 'provider' })
  t.equal(accepted.state, 'accepted')
  const history = (await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}/history`, headers: seeker.auth })).json().items
  t.equal(history[1].actorRole, 'provider_broker', 'the move is recorded for the side named')
  assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'cancel', reason: 'other', side: 'provider' }), 403, 'forbidden')
})

t.test("proposal: a merged demand owner's demand takes no proposals", async (t) => {
  const { app, db, provider, listing } = await withNewParties('Viện Công nghệ sau thu hoạch')
  const owner = await createMember(db, { name: 'Công ty Chế biến Nông sản Ý Yên' })
  const successor = await createMember(db, { name: 'Tổng công ty Nông sản Nam Định' })
  const demand = await fileOpenDemand(app, owner.auth)
  const operator = await createOperator(db)
  const merge = await app.inject({
    method: 'POST',
    url: `/v1/organizations/${owner.organization.id}/merge`,
    headers: operator.auth,
    payload: { intoOrganizationId: successor.organization.id },
  })
  t.equal(merge.statusCode, 200, merge.body)
  const before = await dealCounts(db)
  const refused = await app.inject({
    method: 'POST',
    url: '/v1/deals',
    headers: provider.auth,
    payload: { listingId: listing.id, demandId: demand.id, message: 'Đề xuất' },
  })
  assertProblem(t, refused, 409, 'organization_merged')
  t.same(await dealCounts(db), before)
})
