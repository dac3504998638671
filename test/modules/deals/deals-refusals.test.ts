import { eq } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { dealOffers } from '../../../src/db/schema/index.ts'
import { createApiKey } from '../../../src/core/keys.ts'
import { dealCounts, dealRow, dealSetting, driveTo, fire, matchWhole, move, offerTerms, startInterest, type DealBody } from '../../helpers/deals.ts'
import { createMember, createOperator } from '../../helpers/factories.ts'
import { outboxEvents } from '../../helpers/matching.ts'
import { assertProblem, pointers, type ProblemBody } from '../../helpers/problem.ts'
import { versionOf } from '../../helpers/etag.ts'

// Every way a deal move (or start) is refused, each with its status and problem code, and with the
// deal tables, the outbox and the audit trail left exactly as they were.

type Setting = Awaited<ReturnType<typeof dealSetting>>
type Auth = Record<string, string>
type Response = Awaited<ReturnType<typeof fire>>

const missingId = '00000000-0000-4000-8000-000000000000'
const allowedOf = (problem: ProblemBody) => (problem as ProblemBody & { allowed?: string[] }).allowed

/** Runs the refusals and checks that none of them wrote a row or moved the deal. */
async function unchanged(t: Test, setting: Setting, dealIds: string[], refusals: () => Promise<void>) {
  const before = await dealCounts(setting.db)
  const rows = await Promise.all(dealIds.map((id) => dealRow(setting.db, id)))
  await refusals()
  t.same(await dealCounts(setting.db), before, 'no deal, offer, milestone, history row, event or audit entry written')
  t.same(await Promise.all(dealIds.map((id) => dealRow(setting.db, id))), rows, 'the deals are as they were')
}

/** A 409 invalid_transition whose `allowed` is exactly what the caller may fire now. */
function invalid(t: Test, response: Response, allowed: string[]) {
  const problem = assertProblem(t, response, 409, 'invalid_transition')
  t.same(allowedOf(problem), allowed, `allowed: [${allowed.join(', ')}]`)
  return problem
}

/** A second seeker enterprise, for a second open deal on the same listing. */
const anotherSeeker = (setting: Setting, name: string) => createMember(setting.db, { name })

const parties = (setting: Setting) => ({ provider: setting.provider.auth, seeker: setting.seeker.auth })

// One app for the file (a fresh database costs seconds): each test gets a seeker of its own, so its
// deals on the shared listing are its own. The test that moves the clock builds its own app.
const shared = await dealSetting(t)
let seekers = 0
async function withNewSeeker(): Promise<Setting> {
  seekers += 1
  return { ...shared, seeker: await createMember(shared.db, { name: `HTX Nông nghiệp thử nghiệm ${seekers}` }) }
}

t.test('a transition the state does not allow: 409 invalid_transition with what the caller may fire now', async (t) => {
  const setting = await withNewSeeker()
  const { app, provider, seeker, listing } = setting
  const deal = await startInterest(app, seeker.auth, listing.id)

  await unchanged(t, setting, [deal.id], async () => {
    invalid(t, await fire(app, provider.auth, deal.id, { transition: 'accept_offer', offerId: missingId }), ['accept_interest', 'decline_interest', 'cancel'])
    invalid(t, await fire(app, seeker.auth, deal.id, { transition: 'accept_offer', offerId: missingId }), ['cancel'])
    invalid(t, await fire(app, seeker.auth, deal.id, { transition: 'sign_contract', signedOn: '2026-03-01' }), ['cancel'])
    invalid(t, await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms() }), ['accept_interest', 'decline_interest', 'cancel'])
    // The state is checked before the input: a wrong move with a bad input is still a wrong move.
    invalid(t, await fire(app, provider.auth, deal.id, { transition: 'start_transfer' }), ['accept_interest', 'decline_interest', 'cancel'])
  })

  // Negotiating on the provider's open offer: what each side may do differs.
  await driveTo(app, parties(setting), deal.id, 'negotiating')
  await unchanged(t, setting, [deal.id], async () => {
    invalid(t, await fire(app, seeker.auth, deal.id, { transition: 'sign_contract', signedOn: '2026-03-01' }), [
      'make_offer',
      'reject_offer',
      'accept_offer',
      'cancel',
      'open_dispute',
    ])
    invalid(t, await fire(app, provider.auth, deal.id, { transition: 'sign_contract', signedOn: '2026-03-01' }), ['withdraw_offer', 'cancel', 'open_dispute'])
    invalid(t, await fire(app, provider.auth, deal.id, { transition: 'accept_interest' }), ['withdraw_offer', 'cancel', 'open_dispute'])
    invalid(t, await fire(app, provider.auth, deal.id, { transition: 'complete', completedOn: '2026-03-02' }), ['withdraw_offer', 'cancel', 'open_dispute'])
  })
})

t.test('who may fire a transition: 403 for a role the table does not name, 409 guard_respondent for the side that started', async (t) => {
  const setting = await withNewSeeker()
  const { app, db, provider, seeker, listing } = setting
  const operator = await createOperator(db)
  const deal = await startInterest(app, seeker.auth, listing.id)

  await unchanged(t, setting, [deal.id], async () => {
    // The seeker is a party, so the table lets it fire accept_interest; the respondent guard does not.
    const own = assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'accept_interest' }), 409, 'guard_respondent')
    t.same(allowedOf(own), ['cancel'])
    assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'decline_interest', reason: 'not_a_fit' }), 409, 'guard_respondent')
    assertProblem(t, await fire(app, operator.auth, deal.id, { transition: 'accept_interest' }), 403, 'forbidden')
  })

  const transferring = await driveTo(app, parties(setting), deal.id, 'in_transfer')
  for (const milestone of transferring.milestones) {
    await move(app, provider.auth, deal.id, {
      transition: 'complete_milestone',
      milestoneId: milestone.id,
      evidence: [{ url: 'https://example.vn/bien-ban.pdf' }],
    })
  }
  await unchanged(t, setting, [deal.id], async () => {
    const refused = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'complete', completedOn: '2026-03-02' }), 403, 'forbidden')
    t.match(refused.detail, 'seeker')
    assertProblem(
      t,
      await fire(app, seeker.auth, deal.id, {
        transition: 'complete_milestone',
        milestoneId: transferring.milestones[0]!.id,
        evidence: [{ url: 'https://example.vn/x.pdf' }],
      }),
      403,
      'forbidden',
    )
  })

  await move(app, seeker.auth, deal.id, { transition: 'open_dispute', note: 'Thiết bị bàn giao thiếu bộ điều khiển' })
  await unchanged(t, setting, [deal.id], async () => {
    for (const auth of [provider.auth, seeker.auth]) {
      assertProblem(t, await fire(app, auth, deal.id, { transition: 'resolve_dispute', outcome: 'resume', note: 'Tự giải quyết' }), 403, 'forbidden')
    }
  })
  const resumed = await move(app, operator.auth, deal.id, {
    transition: 'resolve_dispute',
    outcome: 'resume',
    note: 'Hai bên đã thống nhất bổ sung bộ điều khiển',
  })
  matchWhole(t, resumed, { state: 'in_transfer', yourRoles: ['operator'], allowedTransitions: ['open_dispute'] })
})

t.test('guards: an own open offer, an offer that is not the open one of the other side, a milestone already done', async (t) => {
  const setting = await withNewSeeker()
  const { app, provider, seeker, listing } = setting
  const deal = await startInterest(app, seeker.auth, listing.id)
  const negotiating = await driveTo(app, parties(setting), deal.id, 'negotiating')
  const first = negotiating.offers[0]!

  await unchanged(t, setting, [deal.id], async () => {
    const again = assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms({ priceVnd: 240_000_000 }) }),
      409,
      'guard_no_own_open_offer',
    )
    t.same(allowedOf(again), ['withdraw_offer', 'cancel', 'open_dispute'])
    assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_offer', offerId: first.id }), 409, 'guard_offer_to_actor')
  })

  const countered = await move(app, seeker.auth, deal.id, { transition: 'make_offer', terms: offerTerms({ priceVnd: 200_000_000 }) })
  const second = countered.offers[1]!
  matchWhole(t, countered.offers, [
    { id: first.id, status: 'countered' },
    { id: second.id, status: 'open' },
  ])
  await unchanged(t, setting, [deal.id], async () => {
    // The countered offer is no longer open; the seeker's own open offer is not the seeker's to accept.
    const stale = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_offer', offerId: first.id }), 409, 'guard_offer_to_actor')
    t.same(allowedOf(stale), ['make_offer', 'reject_offer', 'accept_offer', 'cancel', 'open_dispute'])
    assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_offer', offerId: missingId }), 409, 'guard_offer_to_actor')
    assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'accept_offer', offerId: second.id }), 409, 'guard_offer_to_actor')
    assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'reject_offer', offerId: second.id }), 409, 'guard_offer_to_actor')
    assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'withdraw_offer', offerId: second.id }), 409, 'guard_offer_by_actor')
    assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'make_offer', terms: offerTerms() }), 409, 'guard_no_own_open_offer')
  })

  await move(app, provider.auth, deal.id, { transition: 'accept_offer', offerId: second.id })
  const transferring = await driveTo(app, parties(setting), deal.id, 'in_transfer')
  const [done, open] = transferring.milestones as [DealBody['milestones'][number], DealBody['milestones'][number]]
  const evidence = [{ url: 'https://example.vn/tai-lieu.pdf', title: 'Biên bản bàn giao tài liệu' }]
  await move(app, provider.auth, deal.id, { transition: 'complete_milestone', milestoneId: done.id, evidence })
  await unchanged(t, setting, [deal.id], async () => {
    const twice = assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'complete_milestone', milestoneId: done.id, evidence }),
      409,
      'guard_milestone_open',
    )
    t.same(allowedOf(twice), ['complete_milestone', 'cancel', 'open_dispute'], 'another milestone is still open')
    assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'complete_milestone', milestoneId: missingId, evidence }),
      409,
      'guard_milestone_open',
    )
    assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'complete', completedOn: '2026-03-02' }), 409, 'guard_milestones_done')
  })
  const last = await move(app, provider.auth, deal.id, { transition: 'complete_milestone', milestoneId: open.id, evidence })
  t.same(last.allowedTransitions, ['cancel', 'open_dispute'], 'nothing left to mark done')
})

t.test("a transition's input: 400 for its shape (with JSON pointers), 422 for terms and dates that break a rule", async (t) => {
  const setting = await withNewSeeker()
  const { app, provider, seeker, listing } = setting
  const deal = await startInterest(app, seeker.auth, listing.id)

  await unchanged(t, setting, [deal.id], async () => {
    const missing = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'decline_interest' }), 400, 'validation_failed')
    t.same(pointers(missing), ['#/reason'])
    const extra = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_interest', offerId: missingId }), 400, 'validation_failed')
    t.same(pointers(extra), ['#/offerId'], 'a field of another transition is not one of this one')
    t.match(extra.errors, [{ detail: /accept_interest/ }])
    const cancelReason = assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'decline_interest', reason: 'no_funding' }),
      400,
      'validation_failed',
    )
    t.same(pointers(cancelReason), ['#/reason'], 'a cancel reason is not a decline reason')
    const unknown = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'approve' }), 400, 'validation_failed')
    t.ok(pointers(unknown).includes('#/transition'))
    const stranger = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_interest', colour: 'red' }), 400, 'validation_failed')
    t.ok(pointers(stranger).includes('#/colour'))
    assertProblem(t, await fire(app, provider.auth, deal.id, {}), 400, 'validation_failed')
  })

  await driveTo(app, parties(setting), deal.id, 'accepted')
  const later = (days: number) => new Date(setting.clock.now().getTime() + days * 86_400_000).toISOString()
  await unchanged(t, setting, [deal.id], async () => {
    const noTerms = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'make_offer' }), 400, 'validation_failed')
    t.same(pointers(noTerms), ['#/terms'])
    const shape = assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms({ transferMethods: [] }) }),
      400,
      'validation_failed',
    )
    t.ok(pointers(shape).includes('#/terms/transferMethods'))
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['an amount without priceVnd', { priceVnd: undefined }, '#/terms/priceVnd'],
      ['free with priceVnd', { priceType: 'free' }, '#/terms/priceVnd'],
      ['validUntil in the past', { validUntil: later(-1) }, '#/terms/validUntil'],
      ['validUntil now', { validUntil: setting.clock.now().toISOString() }, '#/terms/validUntil'],
      ['validUntil past a year', { validUntil: later(400) }, '#/terms/validUntil'],
    ]
    for (const [what, overrides, pointer] of cases) {
      const problem = assertProblem(
        t,
        await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms(overrides) }),
        422,
        'invalid_terms',
      )
      t.same(pointers(problem), [pointer], what)
    }
  })
  const free = await move(app, provider.auth, deal.id, {
    transition: 'make_offer',
    terms: offerTerms({ priceType: 'free', priceVnd: undefined, validUntil: later(365) }),
  })
  matchWhole(t, free.offers, [{ status: 'open', terms: { priceType: 'free', priceVnd: null } }], 'free, valid for a year: fine')

  await move(app, seeker.auth, deal.id, { transition: 'accept_offer', offerId: free.offers[0]!.id })
  await unchanged(t, setting, [deal.id], async () => {
    const future = assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'sign_contract', signedOn: '2026-03-03' }), 422, 'invalid_date')
    t.same(pointers(future), ['#/signedOn'])
    const badDate = assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'sign_contract', signedOn: '2026-02-30' }), 400, 'validation_failed')
    t.ok(pointers(badDate).includes('#/signedOn'))
  })

  const transferring = await driveTo(app, parties(setting), deal.id, 'in_transfer')
  await unchanged(t, setting, [deal.id], async () => {
    const empty = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'complete_milestone' }), 400, 'validation_failed')
    t.same(pointers(empty).sort(), ['#/evidence', '#/milestoneId'])
    const noEvidence = assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'complete_milestone', milestoneId: transferring.milestones[0]!.id, evidence: [] }),
      400,
      'validation_failed',
    )
    t.ok(pointers(noEvidence).includes('#/evidence'))
  })
  for (const milestone of transferring.milestones) {
    await move(app, provider.auth, deal.id, {
      transition: 'complete_milestone',
      milestoneId: milestone.id,
      evidence: [{ url: 'https://example.vn/bien-ban.pdf' }],
    })
  }
  await unchanged(t, setting, [deal.id], async () => {
    // driveTo signed on 2026-03-01; the test's clock reads 2026-03-02 in Vietnam.
    const early = assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'complete', completedOn: '2026-02-28' }), 422, 'invalid_date')
    t.same(pointers(early), ['#/completedOn'])
    assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'complete', completedOn: '2026-03-03' }), 422, 'invalid_date')
  })
  const completed = await move(app, seeker.auth, deal.id, { transition: 'complete', completedOn: '2026-03-01' })
  matchWhole(t, completed, { state: 'completed', completedOn: '2026-03-01', transferValueVnd: 0 }, 'a free transfer is worth 0 unless told')
})

t.test('If-Match: a stale or malformed ETag is 412 and changes nothing; the current one moves the deal', async (t) => {
  const setting = await withNewSeeker()
  const { app, provider, seeker, listing } = setting
  const deal = await startInterest(app, seeker.auth, listing.id)
  const accepted = await fire(app, provider.auth, deal.id, { transition: 'accept_interest' }, { 'if-match': '"1"' })
  t.equal(accepted.statusCode, 200)
  t.equal(versionOf(accepted.headers.etag), 2)

  await unchanged(t, setting, [deal.id], async () => {
    assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms() }, { 'if-match': '"1"' }),
      412,
      'precondition_failed',
    )
    assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms() }, { 'if-match': '"3"' }),
      412,
      'precondition_failed',
    )
    assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms() }, { 'if-match': 'version 2' }),
      412,
      'precondition_failed',
    )
    assertProblem(
      t,
      await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms() }, { 'if-match': '2' }),
      412,
      'precondition_failed',
    )
    // A stale ETag is 412 even when the move would also be refused for the state.
    assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_interest' }, { 'if-match': '"1"' }), 412, 'precondition_failed')
  })

  const read = await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: seeker.auth })
  t.equal(versionOf(read.headers.etag), 2)
  const offered = await fire(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms() }, { 'if-match': read.headers.etag as string })
  t.equal(offered.statusCode, 200)
  t.equal(versionOf(offered.headers.etag), 3)
  matchWhole(t, offered.json(), { state: 'negotiating', version: 3 })
  const weak = await fire(app, provider.auth, deal.id, { transition: 'withdraw_offer', offerId: offered.json().offers[0].id }, { 'if-match': 'W/"3"' })
  t.equal(weak.statusCode, 200, 'a weak ETag of the current version matches too')
  t.equal(versionOf(weak.headers.etag), 4)
})

t.test('readers of a party see the deal but move nothing; strangers do not see it at all', async (t) => {
  const setting = await withNewSeeker()
  const { app, db, provider, seeker, listing } = setting
  const deal = await startInterest(app, seeker.auth, listing.id)
  const readerOf = async (organizationId: string) => ({ authorization: `Bearer ${(await createApiKey(db, { organizationId, role: 'reader' })).key}` })
  const seekerReader = await readerOf(seeker.organization.id)
  const providerReader = await readerOf(provider.organization.id)
  const stranger = await createMember(db, { name: 'Công ty TNHH Cơ khí Ý Yên' })
  const strangerReader = await readerOf(stranger.organization.id)

  await unchanged(t, setting, [deal.id], async () => {
    for (const [auth, role] of [
      [seekerReader, 'seeker'],
      [providerReader, 'provider'],
    ] as const) {
      const read = await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: auth })
      t.equal(read.statusCode, 200)
      matchWhole(t, read.json(), { id: deal.id, yourRoles: [role], allowedTransitions: [] })
      t.equal((await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}/history`, headers: auth })).statusCode, 200)
    }
    assertProblem(t, await fire(app, seekerReader, deal.id, { transition: 'cancel', reason: 'changed_needs' }), 403, 'forbidden')
    assertProblem(t, await fire(app, providerReader, deal.id, { transition: 'accept_interest' }), 403, 'forbidden')
    assertProblem(t, await fire(app, providerReader, deal.id, { transition: 'make_offer', terms: offerTerms() }), 403, 'forbidden')
    const start = await app.inject({ method: 'POST', url: '/v1/deals', headers: seekerReader, payload: { listingId: listing.id, message: 'Quan tâm' } })
    assertProblem(t, start, 403, 'forbidden')

    for (const auth of [stranger.auth, strangerReader]) {
      assertProblem(t, await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: auth }), 404, 'not_found')
      assertProblem(t, await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}/history`, headers: auth }), 404, 'not_found')
      assertProblem(t, await fire(app, auth, deal.id, { transition: 'cancel', reason: 'other' }), 404, 'not_found')
      // Not even a wrong move or a bad input tells a stranger the deal exists.
      assertProblem(t, await fire(app, auth, deal.id, { transition: 'accept_offer', offerId: missingId }), 404, 'not_found')
      assertProblem(t, await fire(app, auth, deal.id, { transition: 'decline_interest' }), 404, 'not_found')
    }
    assertProblem(t, await app.inject({ method: 'GET', url: `/v1/deals/${missingId}`, headers: provider.auth }), 404, 'not_found')
    assertProblem(t, await fire(app, provider.auth, missingId, { transition: 'accept_interest' }), 404, 'not_found')
    assertProblem(t, await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}` }), 401, 'unauthorized')
    assertProblem(t, await fire(app, {}, deal.id, { transition: 'accept_interest' }), 401, 'unauthorized')
  })
  const listed = await app.inject({ method: 'GET', url: '/v1/deals', headers: stranger.auth })
  t.same(listed.json().items, [], 'nor in their list')
})

t.test('decline with a reason; then the seeker may start again, but not while a deal is open', async (t) => {
  const setting = await withNewSeeker()
  const { app, db, provider, seeker, listing } = setting
  const deal = await startInterest(app, seeker.auth, listing.id)

  await unchanged(t, setting, [deal.id], async () => {
    const twice = await app.inject({ method: 'POST', url: '/v1/deals', headers: seeker.auth, payload: { listingId: listing.id, message: 'Nhắc lại' } })
    const problem = assertProblem(t, twice, 409, 'deal_exists')
    t.match(problem.detail, deal.id)
  })

  const declined = await move(app, provider.auth, deal.id, {
    transition: 'decline_interest',
    reason: 'not_available',
    note: 'Máy đang cho đơn vị khác thuê đến hết vụ',
  })
  matchWhole(t, declined, {
    state: 'declined',
    closeReason: 'not_available',
    closeNote: 'Máy đang cho đơn vị khác thuê đến hết vụ',
    respondBy: null,
    allowedTransitions: [],
  })
  matchWhole(t, await dealRow(db, deal.id), {
    state: 'declined',
    closeReason: 'not_available',
    closeNote: 'Máy đang cho đơn vị khác thuê đến hết vụ',
    version: 2,
  })
  const [event] = (await outboxEvents(db, 'deal.interest_declined')).filter((row) => row.subject_id === deal.id)
  matchWhole(t, event!.payload, {
    dealId: deal.id,
    reason: 'not_available',
    note: 'Máy đang cho đơn vị khác thuê đến hết vụ',
    state: 'declined',
    actorRole: 'provider',
  })

  const again = await startInterest(app, seeker.auth, listing.id, { message: 'Sau vụ mùa chúng tôi vẫn cần máy.' })
  t.not(again.id, deal.id)
  matchWhole(t, again, { state: 'interest_expressed', message: 'Sau vụ mùa chúng tôi vẫn cần máy.' })
  await unchanged(t, setting, [deal.id, again.id], async () => {
    assertProblem(
      t,
      await app.inject({ method: 'POST', url: '/v1/deals', headers: seeker.auth, payload: { listingId: listing.id, message: 'Lần ba' } }),
      409,
      'deal_exists',
    )
  })
  // Another seeker is not held back by this one's deal.
  const other = await anotherSeeker(setting, 'Công ty TNHH Gạo sạch Trực Ninh')
  t.equal((await startInterest(app, other.auth, listing.id)).state, 'interest_expressed')
})

t.test('either party cancels with a reason, from any open state; an open offer is withdrawn with the deal', async (t) => {
  const setting = await withNewSeeker()
  const { app, db, provider, listing } = setting
  const cases: Array<[string, 'interest_expressed' | 'accepted' | 'negotiating' | 'agreed' | 'in_transfer', 'provider' | 'seeker', string]> = [
    ['HTX Nông nghiệp Hải Anh', 'interest_expressed', 'seeker', 'found_alternative'],
    ['HTX Nông nghiệp Hải Đông', 'accepted', 'provider', 'no_response'],
    ['HTX Nông nghiệp Hải Tây', 'negotiating', 'seeker', 'no_funding'],
    ['HTX Nông nghiệp Hải Nam', 'agreed', 'provider', 'no_agreement'],
    ['HTX Nông nghiệp Hải Bắc', 'in_transfer', 'seeker', 'other'],
  ]
  const dealIds: string[] = []
  for (const [name, state, by, reason] of cases) {
    const seeker = await anotherSeeker(setting, name)
    const started = await startInterest(app, seeker.auth, listing.id)
    dealIds.push(started.id)
    const at = state === 'interest_expressed' ? started : await driveTo(app, { provider: provider.auth, seeker: seeker.auth }, started.id, state)
    t.equal(at.state, state)
    const auth = by === 'provider' ? provider.auth : seeker.auth
    await unchanged(t, setting, [started.id], async () => {
      const bare = assertProblem(t, await fire(app, auth, started.id, { transition: 'cancel' }), 400, 'validation_failed')
      t.same(pointers(bare), ['#/reason'])
      const declineReason = assertProblem(t, await fire(app, auth, started.id, { transition: 'cancel', reason: 'not_a_fit' }), 400, 'validation_failed')
      t.same(pointers(declineReason), ['#/reason'])
    })
    const cancelled = await move(app, auth, started.id, { transition: 'cancel', reason, note: `Hủy từ ${state}` })
    matchWhole(t, cancelled, { state: 'cancelled', closeReason: reason, closeNote: `Hủy từ ${state}`, allowedTransitions: [] }, `${by} cancels from ${state}`)
    t.equal(cancelled.offers.filter((offer) => offer.status === 'open').length, 0, 'no offer is left open')
    if (state === 'negotiating') {
      matchWhole(t, cancelled.offers, [{ status: 'withdrawn', decidedAt: String }], "the provider's open offer is withdrawn")
      const stored = await db.select().from(dealOffers).where(eq(dealOffers.dealId, started.id))
      matchWhole(t, stored, [{ status: 'withdrawn', decidedAt: Date }], 'as stored')
    }
    if (state === 'agreed') matchWhole(t, cancelled.offers, [{ status: 'accepted' }], 'an accepted offer stays accepted')
    const history = (await app.inject({ method: 'GET', url: `/v1/deals/${started.id}/history?limit=100`, headers: seeker.auth })).json()
    matchWhole(t, history.items.at(-1), { transition: 'cancel', fromState: state, toState: 'cancelled', actorRole: by, payload: { reason } })
  }
  const events = (await outboxEvents(db, 'deal.cancelled')).filter((event) => dealIds.includes(event.subject_id))
  t.same(
    events.map((event) => event.payload.reason),
    cases.map(([, , , reason]) => reason),
  )
})

t.test('disputes: a party opens one, the deal is frozen, the operator resumes it or cancels it', async (t) => {
  const setting = await withNewSeeker()
  const { app, db, provider, seeker, listing } = setting
  const operator = await createOperator(db)
  const deal = await startInterest(app, seeker.auth, listing.id)
  await unchanged(t, setting, [deal.id], async () => {
    invalid(t, await fire(app, seeker.auth, deal.id, { transition: 'open_dispute', note: 'Chưa trả lời' }), ['cancel'])
    const bare = assertProblem(t, await fire(app, operator.auth, deal.id, { transition: 'open_dispute' }), 409, 'invalid_transition')
    t.same(allowedOf(bare), [], 'the operator has nothing to do on an unanswered interest')
  })
  const negotiating = await driveTo(app, parties(setting), deal.id, 'negotiating')
  matchWhole(t, negotiating.offers, [{ status: 'open', madeBy: 'provider' }])

  await unchanged(t, setting, [deal.id], async () => {
    const noNote = assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'open_dispute' }), 400, 'validation_failed')
    t.same(pointers(noNote), ['#/note'])
  })
  const disputed = await move(app, seeker.auth, deal.id, { transition: 'open_dispute', note: 'Bên cung cấp đòi thêm phí ngoài báo giá' })
  matchWhole(t, disputed, { state: 'disputed', disputedFrom: 'negotiating', allowedTransitions: [] })
  matchWhole(t, disputed.offers, [{ status: 'withdrawn' }], 'the open offer is withdrawn')

  await unchanged(t, setting, [deal.id], async () => {
    for (const auth of [provider.auth, seeker.auth]) {
      t.same((await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: auth })).json().allowedTransitions, [])
      invalid(t, await fire(app, auth, deal.id, { transition: 'make_offer', terms: offerTerms() }), [])
      invalid(t, await fire(app, auth, deal.id, { transition: 'cancel', reason: 'no_agreement' }), [])
      invalid(t, await fire(app, auth, deal.id, { transition: 'open_dispute', note: 'Lần nữa' }), [])
    }
    invalid(t, await fire(app, operator.auth, deal.id, { transition: 'cancel', reason: 'other' }), ['resolve_dispute'])
    const noOutcome = assertProblem(t, await fire(app, operator.auth, deal.id, { transition: 'resolve_dispute', note: 'Quyết định' }), 400, 'validation_failed')
    t.same(pointers(noOutcome), ['#/outcome'])
  })
  const asOperator = (await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: operator.auth })).json()
  matchWhole(t, asOperator, { yourRoles: ['operator'], allowedTransitions: ['resolve_dispute'] })

  const resumed = await move(app, operator.auth, deal.id, { transition: 'resolve_dispute', outcome: 'resume', note: 'Phí phát sinh do hai bên thỏa thuận lại' })
  matchWhole(t, resumed, { state: 'negotiating', disputedFrom: null })
  const providerView = (await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: provider.auth })).json()
  t.same(providerView.allowedTransitions, ['make_offer', 'cancel', 'open_dispute'], 'negotiation resumes with no offer open')

  // From agreed this time; the operator ends it.
  const offered = await move(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms({ priceVnd: 230_000_000 }) })
  await move(app, seeker.auth, deal.id, { transition: 'accept_offer', offerId: offered.offers.at(-1)!.id })
  const again = await move(app, provider.auth, deal.id, { transition: 'open_dispute', note: 'Bên nhận không ký hợp đồng' })
  matchWhole(t, again, { state: 'disputed', disputedFrom: 'agreed' })
  const ended = await move(app, operator.auth, deal.id, {
    transition: 'resolve_dispute',
    outcome: 'cancel',
    note: 'Hai bên không thống nhất được, chấm dứt giao dịch',
  })
  matchWhole(t, ended, {
    state: 'cancelled',
    disputedFrom: null,
    closeReason: 'dispute',
    closeNote: 'Hai bên không thống nhất được, chấm dứt giao dịch',
    allowedTransitions: [],
  })
  matchWhole(t, await dealRow(db, deal.id), { state: 'cancelled', closeReason: 'dispute', disputedFrom: null })

  const history = (await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}/history?limit=100`, headers: seeker.auth })).json()
  const disputes = history.items.filter((entry: { transition: string }) => entry.transition.endsWith('_dispute'))
  matchWhole(t, disputes, [
    { transition: 'open_dispute', fromState: 'negotiating', toState: 'disputed', actorRole: 'seeker', payload: { disputedFrom: 'negotiating' } },
    {
      transition: 'resolve_dispute',
      fromState: 'disputed',
      toState: 'negotiating',
      actorRole: 'operator',
      actorOrganizationId: operator.organization.id,
      payload: { outcome: 'resume' },
    },
    { transition: 'open_dispute', fromState: 'agreed', toState: 'disputed', actorRole: 'provider' },
    { transition: 'resolve_dispute', fromState: 'disputed', toState: 'cancelled', actorRole: 'operator', payload: { outcome: 'cancel' } },
  ])
  const events = (await outboxEvents(db)).filter((event) => event.subject_id === deal.id && event.type.startsWith('deal.dispute'))
  t.same(
    events.map((event) => event.type),
    ['deal.dispute_opened', 'deal.dispute_resolved', 'deal.dispute_opened', 'deal.dispute_resolved'],
  )
})

t.test('nothing moves a completed, declined, expired or cancelled deal: allowed is []', async (t) => {
  // Last: the timers' sweep this test runs would expire every unanswered interest of the shared app.
  const setting = await withNewSeeker()
  const { app, db, clock, provider, seeker, listing } = setting
  const completed = await driveTo(app, parties(setting), (await startInterest(app, seeker.auth, listing.id)).id, 'completed')
  t.equal(completed.state, 'completed')

  const second = await anotherSeeker(setting, 'Công ty TNHH Xay xát Hải Hậu')
  const declined = await move(app, provider.auth, (await startInterest(app, second.auth, listing.id)).id, {
    transition: 'decline_interest',
    reason: 'capacity',
  })
  t.equal(declined.state, 'declined')

  const third = await anotherSeeker(setting, 'HTX Dịch vụ Nông nghiệp Xuân Trường')
  const cancelled = await move(app, third.auth, (await startInterest(app, third.auth, listing.id)).id, { transition: 'cancel', reason: 'changed_needs' })
  t.equal(cancelled.state, 'cancelled')

  const fourth = await anotherSeeker(setting, 'Công ty CP Lương thực Nghĩa Hưng')
  const unanswered = await startInterest(app, fourth.auth, listing.id)
  const process = (await app.inject({ method: 'GET', url: '/v1/deal-process' })).json() as { timers: { responseDays: number } }
  clock.advanceDays(process.timers.responseDays + 1)
  const swept = await app.services.dealTimers.sweep()
  t.ok(swept.expired >= 1)
  t.equal((await dealRow(db, unanswered.id)).state, 'expired')

  const ended: Array<[string, string, Auth]> = [
    [completed.id, 'completed', seeker.auth],
    [declined.id, 'declined', second.auth],
    [cancelled.id, 'cancelled', third.auth],
    [unanswered.id, 'expired', fourth.auth],
  ]
  await unchanged(
    t,
    setting,
    ended.map(([id]) => id),
    async () => {
      for (const [id, state, seekerAuth] of ended) {
        for (const auth of [provider.auth, seekerAuth]) {
          const problem = invalid(t, await fire(app, auth, id, { transition: 'cancel', reason: 'other' }), [])
          t.match(problem.detail, state)
          invalid(t, await fire(app, auth, id, { transition: 'open_dispute', note: 'Tranh chấp' }), [])
          const read = await app.inject({ method: 'GET', url: `/v1/deals/${id}`, headers: auth })
          matchWhole(t, read.json(), { state, allowedTransitions: [] })
        }
      }
    },
  )
})
