import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { matchesOf, outboxEvents, publishListing, type MatchItem } from '../helpers/matching.ts'
import { assertProblem } from '../helpers/problem.ts'
import { versionOf } from '../helpers/etag.ts'

const dryer = {
  titleVi: 'Máy sấy lúa tầng sôi công suất 10 tấn/mẻ',
  descriptionVi: 'Máy sấy lúa tầng sôi giúp giảm hao hụt sau thu hoạch.',
  keywords: ['sấy lúa', 'máy sấy'],
  provinceCodes: ['37'],
}

async function setting(t: Parameters<typeof buildTestApp>[0]) {
  const context = await buildTestApp(t)
  const seeker = await createMember(context.db, { name: 'HTX Nông nghiệp Giao Thủy' })
  const provider = await createMember(context.db, { kind: 'research_institute' })
  const listing = await publishListing(context.app, provider.auth, dryer)
  const demand = await fileOpenDemand(context.app, seeker.auth)
  await context.app.jobs.runPending()
  const [match] = (await matchesOf(context.app, seeker.auth, 'demand', demand.id)).items as [MatchItem]
  return { ...context, seeker, provider, listing, demand, match }
}

t.test('the demand owner shortlists, then dismisses with a reason; the pair is never suggested again', async (t) => {
  const { app, db, seeker, provider, demand, listing, match } = await setting(t)
  const shortlisted = await app.inject({
    method: 'POST',
    url: `/v1/matches/${match.id}/shortlist`,
    headers: { ...seeker.auth, 'if-match': `"${match.version}"` },
  })
  t.equal(shortlisted.statusCode, 200)
  t.match(shortlisted.json(), { status: 'shortlisted', decidedAt: String, version: match.version + 1 })
  t.equal(versionOf(shortlisted.headers.etag), match.version + 1)
  const again = assertProblem(
    t,
    await app.inject({ method: 'POST', url: `/v1/matches/${match.id}/shortlist`, headers: seeker.auth }),
    409,
    'invalid_transition',
  )
  t.same((again as unknown as { allowed: string[] }).allowed, ['dismiss'])
  assertProblem(
    t,
    await app.inject({
      method: 'POST',
      url: `/v1/matches/${match.id}/dismiss`,
      headers: { ...seeker.auth, 'if-match': '"1"' },
      payload: { reason: 'too_expensive' },
    }),
    412,
    'precondition_failed',
  )

  const dismissed = await app.inject({
    method: 'POST',
    url: `/v1/matches/${match.id}/dismiss`,
    headers: seeker.auth,
    payload: { reason: 'too_expensive', note: 'Vượt ngân sách của HTX' },
  })
  t.equal(dismissed.statusCode, 200)
  t.match(dismissed.json(), { status: 'dismissed', dismissReason: 'too_expensive', dismissNote: 'Vượt ngân sách của HTX' })
  t.same((await matchesOf(app, seeker.auth, 'demand', demand.id)).items, [], 'gone from the default list')
  t.same(
    (await matchesOf(app, seeker.auth, 'demand', demand.id, '?status=dismissed')).items.map((item) => item.id),
    [match.id],
  )

  // Recomputing from either side does not bring it back.
  await app.inject({ method: 'POST', url: `/v1/demands/${demand.id}/matches/recompute`, headers: seeker.auth })
  await app.inject({ method: 'POST', url: `/v1/listings/${listing.id}/matches/recompute`, headers: provider.auth })
  t.same((await matchesOf(app, seeker.auth, 'demand', demand.id)).items, [])
  t.same((await matchesOf(app, provider.auth, 'listing', listing.id)).items, [])
  t.same(
    (await matchesOf(app, seeker.auth, 'demand', demand.id, '?status=dismissed')).items.map((item) => item.status),
    ['dismissed'],
    'kept as dismissed',
  )

  // The listing owner never learns why: no dismissed list, no dismissed match.
  assertProblem(t, await app.inject({ method: 'GET', url: `/v1/listings/${listing.id}/matches?status=dismissed`, headers: provider.auth }), 403, 'forbidden')
  assertProblem(t, await app.inject({ method: 'GET', url: `/v1/matches/${match.id}`, headers: provider.auth }), 404, 'not_found')

  // Match events only: the listing and demand behind the match wrote catalogue events too.
  const events = (await outboxEvents(db)).filter((event) => event.type.startsWith('match.'))
  t.same(
    events.map((event) => event.type),
    ['match.suggested', 'match.shortlisted', 'match.dismissed'],
  )
  t.match(events[2]!.payload, { matchId: match.id, status: 'dismissed', reason: 'too_expensive' })
  const audit = await auditTrailOf(db, match.id)
  t.same(
    audit.map((entry) => entry.operation),
    ['match.shortlist', 'match.dismiss'],
  )
})

t.test('dismissal reasons are a closed list, and only the demand side curates', async (t) => {
  const { app, db, provider, match } = await setting(t)
  const url = `/v1/matches/${match.id}/dismiss`
  const centre = await createMember(db, { kind: 'transfer_centre' })
  const stranger = await createMember(db)
  assertProblem(t, await app.inject({ method: 'POST', url, headers: provider.auth, payload: { reason: 'not_relevant' } }), 403, 'forbidden')
  assertProblem(t, await app.inject({ method: 'POST', url, headers: centre.auth, payload: { reason: 'not_relevant' } }), 403, 'forbidden')
  assertProblem(t, await app.inject({ method: 'POST', url, headers: stranger.auth, payload: { reason: 'not_relevant' } }), 404, 'not_found')
  const operator = await createOperator(db)
  const bad = assertProblem(t, await app.inject({ method: 'POST', url, headers: operator.auth, payload: { reason: 'boring' } }), 400, 'validation_failed')
  t.ok(bad.errors?.some((error) => error.pointer === '#/reason'))
  t.equal((await outboxEvents(db)).filter((event) => event.type.startsWith('match.')).length, 1, 'refusals write no event')
  const byOperator = await app.inject({ method: 'POST', url, headers: operator.auth, payload: { reason: 'other', note: 'Trùng lặp' } })
  t.equal(byOperator.statusCode, 200, 'the operator acts for everyone')
})

t.test('brokers propose matches by hand, with a note', async (t) => {
  const { app, db, seeker, provider, demand, listing, match } = await setting(t)
  const point = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối cung cầu Nam Định' })
  const other = await publishListing(app, provider.auth, {
    titleVi: 'Lò sấy nông sản dùng năng lượng mặt trời',
    descriptionVi: 'Sấy nông sản bằng bức xạ mặt trời.',
    keywords: ['sấy nông sản'],
  })
  const body = { demandId: demand.id, listingId: other.id, note: 'HTX có thể dùng lò sấy năng lượng mặt trời cho vụ hè' }

  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/matches', headers: seeker.auth, payload: body }), 403, 'forbidden')
  const created = await app.inject({ method: 'POST', url: '/v1/matches', headers: point.auth, payload: body })
  t.equal(created.statusCode, 201)
  t.match(created.json(), {
    origin: 'broker',
    status: 'suggested',
    proposalNote: body.note,
    proposedBy: { id: point.organization.id },
    explanation: { text: { matchedTerms: Array } },
  })
  t.equal(created.headers.location, `/v1/matches/${created.json().id}`)
  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/matches', headers: point.auth, payload: body }), 409, 'already_proposed')

  // A pair the matcher already suggested takes the broker's note.
  const upgraded = await app.inject({ method: 'POST', url: '/v1/matches', headers: point.auth, payload: { ...body, listingId: listing.id } })
  t.equal(upgraded.statusCode, 200)
  t.match(upgraded.json(), { id: match.id, origin: 'broker', proposalNote: body.note })

  // Dismissed pairs, own listings and listings that are not live are refused.
  await app.inject({ method: 'POST', url: `/v1/matches/${match.id}/dismiss`, headers: seeker.auth, payload: { reason: 'already_known' } })
  assertProblem(
    t,
    await app.inject({ method: 'POST', url: '/v1/matches', headers: point.auth, payload: { ...body, listingId: listing.id } }),
    409,
    'match_dismissed',
  )
  const own = await publishListing(app, seeker.auth, dryer)
  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/matches', headers: point.auth, payload: { ...body, listingId: own.id } }), 409, 'same_owner')
  await app.inject({ method: 'POST', url: `/v1/listings/${other.id}/withdraw`, headers: provider.auth, payload: { reason: 'Ngừng cung cấp' } })
  const third = await publishListing(app, provider.auth, dryer)
  await app.inject({ method: 'POST', url: `/v1/listings/${third.id}/withdraw`, headers: provider.auth, payload: { reason: 'Ngừng cung cấp' } })
  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/matches', headers: point.auth, payload: { ...body, listingId: third.id } }), 404, 'not_found')

  const proposals = await outboxEvents(db, 'match.proposed')
  t.equal(proposals.length, 2)
  t.match(proposals[0]!.payload, { proposedById: point.organization.id, origin: 'broker' })
  const seen = await app.inject({ method: 'GET', url: `/v1/matches/${created.json().id}`, headers: provider.auth })
  t.equal(seen.statusCode, 200, 'the listing owner sees a proposal about its listing')
  t.match(seen.json(), { listing: { id: other.id }, demand: { id: demand.id } })
})
