import { performance } from 'node:perf_hooks'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { buildTestApp } from '../../helpers/app.ts'
import { move, offerTerms, startInterest } from '../../helpers/deals.ts'
import { createMember } from '../../helpers/factories.ts'
import { publishListing } from '../../helpers/matching.ts'

// Concurrency through real sockets: the API listens on a port and 100 requests race on one deal.
// On PostgreSQL they run on 20 pooled connections and meet at the deal's row lock; on PGlite
// they queue on its one connection. Either way exactly one may win.

const racers = 100
const env = { RATE_LIMIT_MAX: '0' }

async function racingSetting(t: Parameters<typeof buildTestApp>[0]) {
  const context = await buildTestApp(t, env, { poolSize: 20 })
  const provider = await createMember(context.db, { kind: 'research_institute' })
  const seeker = await createMember(context.db)
  const listing = await publishListing(context.app, provider.auth, { titleVi: 'Quy trình ủ phân hữu cơ vi sinh từ rơm rạ' })
  const address = await context.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...context, provider, seeker, listing, address }
}

type Outcome = { status: number; contentType: string; body: Record<string, unknown>; ms: number }

async function race(
  address: string,
  dealId: string,
  calls: Array<{ auth: Record<string, string>; body: Record<string, unknown> }>,
): Promise<{ outcomes: Outcome[]; wallMs: number }> {
  const started = performance.now()
  const outcomes = await Promise.all(
    calls.map(async ({ auth, body }) => {
      const begin = performance.now()
      const response = await fetch(`${address}/v1/deals/${dealId}/transitions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: (await response.json()) as Record<string, unknown>,
        ms: performance.now() - begin,
      }
    }),
  )
  return { outcomes, wallMs: performance.now() - started }
}

const count = async (db: Awaited<ReturnType<typeof buildTestApp>>['db'], query: ReturnType<typeof sql>) =>
  Number((await db.execute<{ n: string }>(query)).rows[0]!.n)

const percentile = (values: number[], p: number) => values.sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!

t.test(`${racers} concurrent accepts of one offer: exactly one succeeds, the rest are 409 problems, one event`, async (t) => {
  const { app, db, provider, seeker, listing, address } = await racingSetting(t)
  const deal = await startInterest(app, seeker.auth, listing.id)
  await move(app, provider.auth, deal.id, { transition: 'accept_interest' })
  const offered = await move(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms() })
  const offerId = offered.offers[0]!.id

  const { outcomes, wallMs } = await race(
    address,
    deal.id,
    Array.from({ length: racers }, () => ({ auth: seeker.auth, body: { transition: 'accept_offer', offerId } })),
  )
  const won = outcomes.filter((outcome) => outcome.status === 200)
  const lost = outcomes.filter((outcome) => outcome.status === 409)
  t.equal(won.length, 1, 'one accept wins')
  t.equal(lost.length, racers - 1, 'every other one is a 409')
  t.ok(
    lost.every((outcome) => outcome.contentType.startsWith('application/problem+json') && outcome.body.code === 'invalid_transition'),
    'as problem+json: the deal is no longer negotiating',
  )
  t.ok(
    lost.every((outcome) => JSON.stringify(outcome.body.allowed) === JSON.stringify(['sign_contract', 'cancel', 'open_dispute'])),
    'each names what is allowed now',
  )
  t.match(won[0]!.body, { state: 'agreed', version: offered.version + 1 })

  t.equal(await count(db, sql`select count(*) as n from outbox_events where type = 'deal.offer_accepted'`), 1, 'one event')
  t.equal(await count(db, sql`select count(*) as n from deal_transitions where transition = 'accept_offer'`), 1, 'one history entry')
  t.equal(await count(db, sql`select count(*) as n from deal_milestones where deal_id = ${deal.id}`), 2, 'milestones copied once')
  t.equal(await count(db, sql`select count(*) as n from audit_events where operation = 'deal.accept_offer'`), 1, 'one audit entry')
  const times = outcomes.map((outcome) => outcome.ms)
  t.comment(
    `race figures: ${racers} accepts in ${wallMs.toFixed(0)} ms wall; per request p50 ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms; 1 × 200, ${lost.length} × 409`,
  )
})

t.test('a race between opposite moves: half the provider accepting the interest, half the seeker cancelling; one wins and the state is its', async (t) => {
  const { app, db, provider, seeker, listing, address } = await racingSetting(t)
  const deal = await startInterest(app, seeker.auth, listing.id)
  const calls = Array.from({ length: racers }, (_, index) =>
    index % 2 === 0
      ? { auth: provider.auth, body: { transition: 'accept_interest' } }
      : { auth: seeker.auth, body: { transition: 'cancel', reason: 'changed_needs' } },
  )
  const { outcomes } = await race(address, deal.id, calls)
  const final = await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: seeker.auth })
  const state = final.json().state as string
  t.ok(['accepted', 'cancelled'].includes(state))
  // A cancel may legitimately follow an accept (cancel is allowed from accepted); an accept never follows a cancel.
  const accepts = outcomes.filter((outcome, index) => index % 2 === 0 && outcome.status === 200).length
  const cancels = outcomes.filter((outcome, index) => index % 2 === 1 && outcome.status === 200).length
  t.ok(accepts <= 1 && cancels <= 1 && accepts + cancels >= 1, `one winner of each kind at most (${accepts} accept, ${cancels} cancel)`)
  t.equal(state, cancels === 1 ? 'cancelled' : 'accepted', "the state is the last winner's")
  t.ok(
    outcomes.every((outcome) => outcome.status === 200 || outcome.status === 409),
    'no other status',
  )
  const history = await count(db, sql`select count(*) as n from deal_transitions where deal_id = ${deal.id}`)
  t.equal(history, 1 + accepts + cancels, 'one history entry per winning move')
  t.equal(await count(db, sql`select count(*) as n from outbox_events where subject_id = ${deal.id}`), history, 'and one event each')
})
