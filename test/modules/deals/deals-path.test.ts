import t from 'tap'
import { auditTrailOf } from '../../helpers/audit.ts'
import { dealSetting, fire, matchWhole, move, offerTerms, startInterest } from '../../helpers/deals.ts'
import { outboxEvents } from '../../helpers/matching.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { versionOf } from '../../helpers/etag.ts'

t.test('the whole path over HTTP: interest, accept, offer, counter-offer, agreement, contract, transfer, completion', async (t) => {
  const { app, db, provider, seeker, listing } = await dealSetting(t)
  const started = await startInterest(app, seeker.auth, listing.id)
  matchWhole(t, started, { state: 'interest_expressed', origin: 'interest', initiatedBy: 'seeker', yourRoles: ['seeker'], allowedTransitions: ['cancel'] })
  t.ok(started.respondBy, 'the answer is due by respondBy')

  const asProvider = await app.inject({ method: 'GET', url: `/v1/deals/${started.id}`, headers: provider.auth })
  t.equal(asProvider.statusCode, 200)
  t.same(asProvider.json().allowedTransitions, ['accept_interest', 'decline_interest', 'cancel'])
  t.equal(versionOf(asProvider.headers.etag), 1)

  const accepted = await move(app, provider.auth, started.id, { transition: 'accept_interest', note: 'Mời anh chị trao đổi' })
  t.match(accepted, { state: 'accepted', respondBy: null, version: 2 })

  const first = await move(app, provider.auth, started.id, { transition: 'make_offer', terms: offerTerms() })
  t.equal(first.state, 'negotiating')
  t.match(first.offers, [{ number: 1, madeBy: 'provider', status: 'open' }])

  // The seeker counters: the provider's offer is countered, the seeker's is open.
  const countered = await move(app, seeker.auth, started.id, { transition: 'make_offer', terms: offerTerms({ priceVnd: 200_000_000 }) })
  t.match(countered.offers, [
    { number: 1, status: 'countered' },
    { number: 2, madeBy: 'seeker', status: 'open', counterOfId: first.offers[0]!.id },
  ])
  t.notOk(countered.allowedTransitions.includes('accept_offer'), 'the seeker does not accept its own offer')
  t.ok(countered.allowedTransitions.includes('withdraw_offer'))

  const agreed = await move(app, provider.auth, started.id, { transition: 'accept_offer', offerId: countered.offers[1]!.id })
  t.equal(agreed.state, 'agreed')
  t.same(
    agreed.milestones.map((m) => m.title),
    ['Bàn giao tài liệu kỹ thuật', 'Đào tạo kỹ thuật viên'],
  )

  const signed = await move(app, seeker.auth, started.id, { transition: 'sign_contract', signedOn: '2026-03-02', contractReference: 'HĐ 12/2026/CGCN' })
  t.match(signed, { state: 'contract_signed', contractSignedOn: '2026-03-02', contractReference: 'HĐ 12/2026/CGCN' })
  assertProblem(t, await fire(app, seeker.auth, started.id, { transition: 'start_transfer' }), 403, 'forbidden')
  const transferring = await move(app, provider.auth, started.id, { transition: 'start_transfer' })
  t.equal(transferring.state, 'in_transfer')

  const early = assertProblem(t, await fire(app, seeker.auth, started.id, { transition: 'complete', completedOn: '2026-03-02' }), 409, 'guard_milestones_done')
  t.ok(early.detail)
  for (const milestone of transferring.milestones) {
    await move(app, provider.auth, started.id, {
      transition: 'complete_milestone',
      milestoneId: milestone.id,
      evidence: [{ url: 'https://example.vn/bien-ban.pdf', title: 'Biên bản' }],
    })
  }
  const completed = await move(app, seeker.auth, started.id, { transition: 'complete', completedOn: '2026-03-02' })
  matchWhole(t, completed, { state: 'completed', transferValueVnd: 200_000_000, completedOn: '2026-03-02', allowedTransitions: [] })

  const history = await app.inject({ method: 'GET', url: `/v1/deals/${started.id}/history?limit=100`, headers: seeker.auth })
  t.same(
    history.json().items.map((entry: { transition: string }) => entry.transition),
    [
      'start',
      'accept_interest',
      'make_offer',
      'make_offer',
      'accept_offer',
      'sign_contract',
      'start_transfer',
      'complete_milestone',
      'complete_milestone',
      'complete',
    ],
  )
  t.match(history.json().items[1], {
    fromState: 'interest_expressed',
    toState: 'accepted',
    actorRole: 'provider',
    actorOrganizationId: provider.organization.id,
    payload: { note: 'Mời anh chị trao đổi' },
  })

  const events = (await outboxEvents(db)).filter((event) => event.type.startsWith('deal.'))
  t.same(
    events.map((event) => event.type),
    [
      'deal.started',
      'deal.interest_accepted',
      'deal.offer_made',
      'deal.offer_made',
      'deal.offer_accepted',
      'deal.contract_signed',
      'deal.transfer_started',
      'deal.milestone_completed',
      'deal.milestone_completed',
      'deal.completed',
    ],
  )
  t.same(new Set(events[0]!.organization_ids), new Set([provider.organization.id, seeker.organization.id]))
  t.equal((await auditTrailOf(db, started.id)).length, 10, 'every move is audited')
})
