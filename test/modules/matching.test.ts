import { sql } from 'drizzle-orm'
import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { closeDemand, fileDemand, fileOpenDemand } from '../helpers/demands.ts'
import { createMember } from '../helpers/factories.ts'
import { matchesOf, matchJobs, outboxEvents, publishListing } from '../helpers/matching.ts'
import { assertProblem } from '../helpers/problem.ts'

// A demand for a rice dryer (filed in Nam Định, legacy code 36, now Ninh Bình 37) and listings
// that fit it more or less well.
const dryer = {
  titleVi: 'Máy sấy lúa tầng sôi công suất 10 tấn/mẻ',
  descriptionVi: 'Máy sấy lúa tầng sôi giúp giảm hao hụt sau thu hoạch, sấy đều hạt, tiết kiệm nhiên liệu trấu.',
  keywords: ['sấy lúa', 'máy sấy', 'sau thu hoạch'],
  sectors: ['A', 'C'],
  fields: ['4'],
  trl: 8,
  priceType: 'amount',
  priceVnd: 900_000_000,
  provinceCodes: ['37'],
}
const textileWater = {
  titleVi: 'Hệ thống xử lý nước thải dệt nhuộm',
  descriptionVi: 'Xử lý nước thải dệt nhuộm bằng keo tụ và oxy hóa nâng cao, đạt QCVN 13-MT:2015.',
  keywords: ['nước thải dệt nhuộm', 'keo tụ'],
  sectors: ['E'],
  fields: ['2'],
  trl: 7,
  provinceCodes: ['79'],
}

async function setting(t: Parameters<typeof buildTestApp>[0]) {
  const context = await buildTestApp(t)
  const seeker = await createMember(context.db, { name: 'HTX Nông nghiệp Giao Thủy' })
  const provider = await createMember(context.db, { kind: 'research_institute', name: 'Viện Cơ điện nông nghiệp' })
  return { ...context, seeker, provider }
}

t.test('a demand is matched with the listings that fit, each score explained', async (t) => {
  const { app, seeker, provider } = await setting(t)
  const fit = await publishListing(app, provider.auth, dryer)
  const unrelated = await publishListing(app, provider.auth, textileWater)
  // The seeker's own dryer would fit perfectly, but one's own listing is never a match.
  const own = await publishListing(app, seeker.auth, dryer)
  const demand = await fileOpenDemand(app, seeker.auth)
  await app.jobs.runPending()
  t.ok((await matchesOf(app, seeker.auth, 'demand', demand.id)).computedAt, 'the job ran and stamped the run')
  // The listing's run found the pair too; recomputing shows the demand's run gives the same answer.
  const recomputed = await app.inject({ method: 'POST', url: `/v1/demands/${demand.id}/matches/recompute`, headers: seeker.auth })
  t.equal(recomputed.statusCode, 200)
  const { items } = recomputed.json() as Awaited<ReturnType<typeof matchesOf>>
  const ids = items.map((item) => item.listingId)
  t.same(ids, [fit.id], 'only the fitting listing: not the unrelated one, not its own')
  t.notOk(ids.includes(unrelated.id))
  t.notOk(ids.includes(own.id))
  const [match] = items
  t.match(match, { status: 'suggested', origin: 'computed', listing: { id: fit.id, titleVi: dryer.titleVi } })
  const explanation = match!.explanation
  const { multiplier, ...components } = explanation as unknown as { multiplier: number } & Record<string, { weight: number; value: number }>
  t.same(Object.keys(components).sort(), ['freshness', 'location', 'price', 'taxonomy', 'text', 'trl'])
  const weights = Object.values(components).reduce((sum, component) => sum + component.weight, 0)
  t.ok(Math.abs(weights - 1) < 0.001, 'weights sum to 1')
  // The other components rerank within text relevance: score = min(1, text × multiplier).
  const pull = Object.entries(components)
    .filter(([name]) => name !== 'text')
    .reduce((sum, [, component]) => sum + (component.weight / components.text!.weight) * (component.value - 0.5), 0)
  t.ok(Math.abs(multiplier - (1 + pull)) < 0.001, 'multiplier = 1 + the pull of the other components')
  t.ok(Math.abs(Math.min(1, components.text!.value * multiplier) - match!.score) < 0.001, 'score = text × multiplier')
  const matchedTerms = explanation.text.matchedTerms as unknown as Array<{ term: string; weight: number; field: string; origin: string }>
  const terms = matchedTerms.map((term) => term.term)
  t.ok(terms.includes('say lua') && terms.includes('may say'), "the demand's title and keyword phrases are found")
  t.match(
    matchedTerms.find((term) => term.term === 'say lua'),
    { field: 'both', origin: 'query' },
  )
  t.ok(terms.includes('hao hut'), 'a phrase of the problem text matched too')
  const shares = matchedTerms.map((term) => term.weight)
  t.same(
    shares,
    [...shares].sort((a, b) => b - a),
    'heaviest first',
  )
  t.ok(Math.abs(shares.reduce((sum, share) => sum + share, 0) - 1) < 0.01, 'the shares of the text score sum to 1')
  t.same(explanation.taxonomy, { ...explanation.taxonomy, sharedSectors: ['A', 'C'], sharedFields: ['4'] })
  t.match(explanation.trl, { listingTrl: 8, minTrl: 6, gap: 0, value: 1 })
  // Filed under legacy Nam Định (36): the listing in Ninh Bình (37) is in the same province now.
  t.match(explanation.location, { distanceClass: 'same_province', demandProvince: '37', listingProvinces: ['37'], value: 1 })
  t.match(explanation.price, { fit: 'within_budget', priceVnd: 900_000_000, budgetMaxVnd: 2_000_000_000, value: 1 })
  t.match(explanation.freshness, { ageDays: 0, value: 1 })
})

t.test('an explanation stored by an older release, without the fields added since, is repaired on the way out', async (t) => {
  const { app, db, seeker, provider } = await setting(t)
  const fit = await publishListing(app, provider.auth, dryer)
  const demand = await fileOpenDemand(app, seeker.auth)
  await app.jobs.runPending()
  const [before] = (await matchesOf(app, seeker.auth, 'demand', demand.id)).items
  t.ok(before, 'the pair was computed')
  // As an earlier release would have written it: no multiplier, no freshness, no thesaurus uses.
  await db.execute(sql`
    update matches set explanation = (explanation - 'multiplier' - 'freshness') #- '{text,thesaurus}'
    where demand_id = ${demand.id}::uuid and listing_id = ${fit.id}::uuid`)
  const response = await app.inject({ url: `/v1/demands/${demand.id}/matches`, headers: seeker.auth })
  t.equal(response.statusCode, 200, 'the list answers, not a 500 from the response schema')
  const [after] = (response.json() as Awaited<ReturnType<typeof matchesOf>>).items
  const explanation = after!.explanation as unknown as Record<string, unknown> & { text: Record<string, unknown> }
  t.same(explanation.text.matchedTerms, before!.explanation.text.matchedTerms, 'what was stored is kept')
  t.equal(after!.score, before!.score, 'the score is the stored one')
  t.same(explanation.text.thesaurus, [], 'a missing list is empty')
  t.match(explanation.freshness, { weight: Number, value: Number, ageDays: Number }, 'a missing component has every field')
  t.type(explanation.multiplier, 'number')
})

t.test('a listing is matched with open demands of others, in the other direction', async (t) => {
  const { app, db, seeker, provider } = await setting(t)
  const open = await fileOpenDemand(app, seeker.auth)
  const closed = await fileOpenDemand(app, seeker.auth, { titleVi: 'Cần máy sấy lúa cho hợp tác xã' })
  await closeDemand(app, seeker.auth, closed.id)
  const draft = await fileDemand(app, seeker.auth, { titleVi: 'Cần máy sấy lúa mini' })
  const listing = await publishListing(app, provider.auth, dryer)
  t.same(
    (await matchJobs(db)).map((job) => job.key).sort(),
    [`demand:${closed.id}`, `demand:${open.id}`, `listing:${listing.id}`].sort(),
    'one job per opened or published subject',
  )
  await app.jobs.runPending()
  t.equal((await matchesOf(app, provider.auth, 'listing', listing.id)).items.length, 1)

  // The listing's run scores each pair from the demand's side, as the demand's own run does: one
  // scale for every stored match. The demand's keywords lead the matched terms, not the listing's.
  const recomputed = await app.inject({ method: 'POST', url: `/v1/listings/${listing.id}/matches/recompute`, headers: provider.auth })
  const { items } = recomputed.json() as Awaited<ReturnType<typeof matchesOf>>
  t.same(
    items.map((item) => item.demandId),
    [open.id],
    'the open demand only: not the closed one, not the draft',
  )
  t.notOk(items.some((item) => item.demandId === draft.id))
  t.match(items[0], { demand: { id: open.id }, explanation: { trl: { listingTrl: 8, minTrl: 6 }, location: { distanceClass: 'same_province' } } })
  const terms = (items[0]!.explanation.text.matchedTerms as unknown as Array<{ term: string }>).map((term) => term.term)
  t.ok(terms.includes('say lua') && terms.includes('hao hut'), "the demand's terms, weighed from the demand's side")
  t.notOk('listing' in items[0]!, 'a listing-side list carries the demands')
})

t.test("MATCH_TOP_N holds for every demand a listing's run adds to, and the lists are what the demands' own runs give", async (t) => {
  const context = await buildTestApp(t, { MATCH_TOP_N: '2' })
  const { app, db } = context
  const seeker = await createMember(db, { name: 'HTX Nông nghiệp Giao Thủy' })
  const other = await createMember(db, { name: 'HTX Dịch vụ Hải Hậu' })
  const provider = await createMember(db, { kind: 'research_institute', name: 'Viện Cơ điện nông nghiệp' })
  const demands = [await fileOpenDemand(app, seeker.auth), await fileOpenDemand(app, other.auth, { titleVi: 'Cần máy sấy lúa tầng sôi cho hợp tác xã' })]
  const ownerOf = (demand: { id: string }) => (demand.id === demands[0]!.id ? seeker.auth : other.auth)
  await publishListing(app, provider.auth, { ...dryer, titleVi: 'Máy sấy lúa kiểu tháp', keywords: ['máy sấy'] })
  await publishListing(app, provider.auth, { ...dryer, titleVi: 'Lò sấy lúa dùng trấu', keywords: ['sấy lúa'] })
  await app.jobs.runPending()
  for (const demand of demands) t.equal((await matchesOf(app, ownerOf(demand), 'demand', demand.id)).items.length, 2, 'both dryers suggested')

  // A third dryer: its run scores the pair for both demands and trims each list back to two.
  const third = await publishListing(app, provider.auth, dryer)
  await app.jobs.runPending()
  const fromListing = await matchesOf(app, provider.auth, 'listing', third.id)
  t.same(fromListing.items.map((item) => item.demandId).sort(), demands.map((demand) => demand.id).sort(), "the listing's run reached both demands")
  for (const demand of demands) {
    const auth = ownerOf(demand)
    const after = (await matchesOf(app, auth, 'demand', demand.id)).items.map((item) => item.listingId)
    t.equal(after.length, 2, 'two suggestions, not three')
    const recomputed = await app.inject({ method: 'POST', url: `/v1/demands/${demand.id}/matches/recompute`, headers: auth })
    t.same(
      (recomputed.json() as { items: Array<{ listingId: string }> }).items.map((item) => item.listingId),
      after,
      "the demand's own run keeps the same two",
    )
  }
})

t.test('location, price and TRL are graded and explained', async (t) => {
  const { app, seeker, provider } = await setting(t)
  const demand = await fileOpenDemand(app, seeker.auth, { minTrl: 7, budgetMaxVnd: 1_000_000_000, budgetMinVnd: null })
  // Same region (Red River Delta: Hà Nội 01 with Ninh Bình 37), too expensive, a level short.
  const near = await publishListing(app, provider.auth, { ...dryer, provinceCodes: ['01'], priceVnd: 1_500_000_000, trl: 6 })
  // Far away (Hồ Chí Minh City 79), negotiable price, no TRL stated.
  const far = await publishListing(app, provider.auth, { ...dryer, provinceCodes: ['79'], priceType: 'negotiable', priceVnd: null, trl: null })
  await app.jobs.runPending()
  const byListing = new Map((await matchesOf(app, seeker.auth, 'demand', demand.id)).items.map((item) => [item.listingId, item.explanation]))
  t.match(byListing.get(near.id), {
    location: { distanceClass: 'same_region', value: 0.6 },
    price: { fit: 'over_budget', value: 0.5 },
    trl: { listingTrl: 6, minTrl: 7, gap: 1 },
  })
  t.ok(Math.abs((byListing.get(near.id)!.trl.value as number) - 2 / 3) < 0.001, 'one level short costs a third')
  t.match(byListing.get(far.id), {
    location: { distanceClass: 'other_region', value: 0.25 },
    price: { fit: 'price_not_stated', value: 0.5 },
    trl: { listingTrl: null, value: 0.5 },
  })
})

t.test('expired and withdrawn listings never match, and a rerun retires their suggestions', async (t) => {
  const { app, clock, seeker, provider } = await setting(t)
  const expiring = await publishListing(app, provider.auth, { ...dryer, validUntil: '2026-03-10' })
  const lasting = await publishListing(app, provider.auth, dryer)
  const withdrawn = await publishListing(app, provider.auth, dryer)
  const demand = await fileOpenDemand(app, seeker.auth)
  await app.jobs.runPending()
  t.equal((await matchesOf(app, seeker.auth, 'demand', demand.id)).items.length, 3)

  const response = await app.inject({
    method: 'POST',
    url: `/v1/listings/${withdrawn.id}/withdraw`,
    headers: provider.auth,
    payload: { reason: 'Đã chuyển giao độc quyền' },
  })
  t.equal(response.statusCode, 200)
  clock.advanceDays(10)
  t.same(
    (await matchesOf(app, seeker.auth, 'demand', demand.id)).items.map((item) => item.listingId),
    [lasting.id],
    'hidden at once when read',
  )
  const rerun = await app.inject({ method: 'POST', url: `/v1/demands/${demand.id}/matches/recompute`, headers: seeker.auth })
  t.equal(rerun.statusCode, 200)
  t.same(
    rerun.json().items.map((item: { listingId: string }) => item.listingId),
    [lasting.id],
  )
  t.notOk(rerun.json().items.some((item: { listingId: string }) => item.listingId === expiring.id))
})

t.test('each new suggestion writes a match.suggested event for both owners, once', async (t) => {
  const { app, db, seeker, provider } = await setting(t)
  const listing = await publishListing(app, provider.auth, dryer)
  const demand = await fileOpenDemand(app, seeker.auth)
  await app.jobs.runPending()
  const events = await outboxEvents(db, 'match.suggested')
  t.equal(events.length, 1, 'the demand run and the listing run found the same pair: one event')
  t.match(events[0]!.payload, { demandId: demand.id, listingId: listing.id, status: 'suggested', origin: 'computed' })
  t.same([...events[0]!.organization_ids].sort(), [seeker.organization.id, provider.organization.id].sort())
  await app.inject({ method: 'POST', url: `/v1/demands/${demand.id}/matches/recompute`, headers: seeker.auth })
  t.equal((await outboxEvents(db, 'match.suggested')).length, 1, 'a rerun that finds the same pair says nothing new')
})

t.test('jobs are queued in the transaction of the change, once per subject', async (t) => {
  const { app, db, clock, seeker, provider } = await setting(t)
  const demand = await fileOpenDemand(app, seeker.auth)
  // Two edits while a job is pending collapse into that job.
  for (const titleVi of ['Cần máy sấy lúa 12 tấn/mẻ', 'Cần máy sấy lúa 15 tấn/mẻ']) {
    const response = await app.inject({ method: 'PATCH', url: `/v1/demands/${demand.id}`, headers: seeker.auth, payload: { titleVi } })
    t.equal(response.statusCode, 200)
  }
  t.same(await matchJobs(db), [{ key: `demand:${demand.id}`, state: 'created' }])
  // A refused publish (validity already past) rolls back, and its job with it.
  const draft = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: provider.auth,
    payload: { ...dryer, kind: 'technology', validUntil: '2026-03-05' },
  })
  clock.advanceDays(5)
  assertProblem(t, await app.inject({ method: 'POST', url: `/v1/listings/${draft.json().id}/publish`, headers: provider.auth }), 422, 'validity_passed')
  t.equal((await matchJobs(db)).length, 1, 'no job for the listing that was not published')
  // The one matching job runs (besides the webhook fan-outs the catalogue events queued).
  await app.jobs.runPending()
  t.same(await matchJobs(db), [{ key: `demand:${demand.id}`, state: 'completed' }])
})

t.test('matches are for the owner, its delegates and brokers', async (t) => {
  const { app, db, seeker, provider } = await setting(t)
  await publishListing(app, provider.auth, dryer)
  const demand = await fileOpenDemand(app, seeker.auth)
  const draft = await fileDemand(app, seeker.auth)
  await app.jobs.runPending()
  const stranger = await createMember(db)
  const centre = await createMember(db, { kind: 'transfer_centre' })
  const reader = await createMember(db, { kind: 'connection_point', role: 'reader' })
  const url = `/v1/demands/${demand.id}/matches`
  assertProblem(t, await app.inject({ method: 'GET', url }), 401, 'unauthorized')
  assertProblem(t, await app.inject({ method: 'GET', url, headers: stranger.auth }), 403, 'forbidden')
  t.equal((await matchesOf(app, centre.auth, 'demand', demand.id)).items.length, 1, 'a transfer centre brokers')
  t.equal((await matchesOf(app, reader.auth, 'demand', demand.id)).items.length, 1, 'a reader key reads')
  assertProblem(t, await app.inject({ method: 'POST', url: `${url}/recompute`, headers: reader.auth }), 403, 'forbidden')
  assertProblem(t, await app.inject({ method: 'GET', url: `/v1/demands/${draft.id}/matches`, headers: stranger.auth }), 404, 'not_found')
  const notOpen = assertProblem(
    t,
    await app.inject({ method: 'POST', url: `/v1/demands/${draft.id}/matches/recompute`, headers: seeker.auth }),
    409,
    'invalid_state',
  )
  t.match(notOpen.detail, /nhu cầu đang mở/)
  t.same((await matchesOf(app, seeker.auth, 'demand', draft.id)).items, [], 'a draft has no matches yet')
})
