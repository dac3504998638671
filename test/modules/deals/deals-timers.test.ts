import { sql } from 'drizzle-orm'
import * as schema from '../../../src/db/schema/index.ts'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config.ts'
import type { Db } from '../../../src/db/client.ts'
import { TestClock } from '../../helpers/app.ts'
import { openTestDatabase } from '../../helpers/database.ts'
import { dealRow, dealSetting, fire, matchWhole, move, offerTerms, startInterest, type DealBody } from '../../helpers/deals.ts'
import { createMember } from '../../helpers/factories.ts'
import { outboxEvents, publishListing } from '../../helpers/matching.ts'
import { assertProblem } from '../../helpers/problem.ts'
import { checkContract } from '../../helpers/contract.ts'

// The deal timers: unanswered interests are reminded and then expire, unanswered offers are
// reminded and then lapse, each exactly once, whether the sweep runs as the cron job or directly,
// twice in a row, or in two processes at once.

const day = 86_400_000
const hour = 3_600_000
const at = (instant: number) => new Date(instant).toISOString()
type Auth = Record<string, string>

/** The sweep as the cron runs it: a queued deals.timers job, worked by this process. */
async function sweepViaJob(app: FastifyInstance) {
  await app.jobs.send('deals.timers', {})
  await app.jobs.runPending()
}

async function eventsOf(db: Db, type: string) {
  return outboxEvents(db, type)
}

async function historyOf(app: FastifyInstance, auth: Auth, dealId: string) {
  const response = await app.inject({ method: 'GET', url: `/v1/deals/${dealId}/history?limit=100`, headers: auth })
  return response.json().items as Array<{
    transition: string
    fromState: string | null
    toState: string
    actorRole: string
    actorOrganizationId: string | null
    payload: Record<string, unknown>
    occurredAt: string
  }>
}

async function getDeal(app: FastifyInstance, auth: Auth, dealId: string) {
  const response = await app.inject({ method: 'GET', url: `/v1/deals/${dealId}`, headers: auth })
  if (response.statusCode !== 200) throw new Error(`get failed: ${response.statusCode} ${response.body}`)
  return response.json() as DealBody
}

const noSweep = { expired: 0, lapsed: 0, reminders: 0 }

t.test('an unanswered interest: one reminder DEAL_REMINDER_DAYS before respondBy, then it expires once', async (t) => {
  const { app, db, clock, provider, seeker, listing } = await dealSetting(t)
  const started = clock.now().getTime()
  const deal = await startInterest(app, seeker.auth, listing.id)
  const respondBy = started + 14 * day
  const reminderAt = respondBy - 3 * day
  t.equal(deal.respondBy, at(respondBy), 'DEAL_RESPONSE_DAYS (14) after the interest')
  t.equal((await dealRow(db, deal.id)).respondReminderAt?.toISOString(), at(reminderAt))

  clock.set(new Date(reminderAt - 1))
  await sweepViaJob(app)
  t.same(await app.services.dealTimers.sweep(), noSweep, 'just before the reminder time: nothing')
  t.same(await eventsOf(db, 'deal.interest_reminder'), [])

  clock.set(new Date(reminderAt))
  t.same(await app.services.dealTimers.sweep(), { ...noSweep, reminders: 1 })
  t.same(await app.services.dealTimers.sweep(), noSweep, 'the second sweep sends no second reminder')
  clock.set(new Date(reminderAt + hour))
  await sweepViaJob(app)
  const reminders = await eventsOf(db, 'deal.interest_reminder')
  t.equal(reminders.length, 1, 'exactly one reminder')
  t.match(reminders[0], { subject_id: deal.id, payload: { dealId: deal.id, listingId: listing.id, respondBy: at(respondBy), respondent: 'provider' } })
  t.same(new Set(reminders[0]!.organization_ids), new Set([provider.organization.id, seeker.organization.id]))
  t.equal((await getDeal(app, provider.auth, deal.id)).state, 'interest_expressed', 'a reminder does not move the deal')

  clock.set(new Date(respondBy - 1))
  t.same(await app.services.dealTimers.sweep(), noSweep, 'just before respondBy: still open')
  t.equal((await getDeal(app, provider.auth, deal.id)).state, 'interest_expressed')

  clock.set(new Date(respondBy))
  await sweepViaJob(app)
  const expired = await getDeal(app, seeker.auth, deal.id)
  matchWhole(t, expired, { state: 'expired', respondBy: null, allowedTransitions: [], stateChangedAt: at(respondBy), version: deal.version + 1 })
  const last = (await historyOf(app, seeker.auth, deal.id)).at(-1)
  t.match(last, {
    transition: 'expire_interest',
    fromState: 'interest_expressed',
    toState: 'expired',
    actorRole: 'system',
    actorOrganizationId: null,
    occurredAt: at(respondBy),
  })
  const expiries = await eventsOf(db, 'deal.interest_expired')
  t.equal(expiries.length, 1)
  t.match(expiries[0], {
    subject_id: deal.id,
    payload: { dealId: deal.id, transition: 'expire_interest', fromState: 'interest_expressed', state: 'expired', actorRole: 'system' },
  })

  // Later sweeps find nothing more to do, and the expired interest is no longer answered.
  clock.advanceDays(30)
  t.same(await app.services.dealTimers.sweep(), noSweep)
  await sweepViaJob(app)
  t.equal((await eventsOf(db, 'deal.interest_expired')).length, 1)
  t.equal((await eventsOf(db, 'deal.interest_reminder')).length, 1)
  t.equal((await historyOf(app, seeker.auth, deal.id)).length, 2, 'start and expire_interest')
  assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_interest' }), 409, 'invalid_transition')
})

t.test('an answered interest is neither reminded nor expired', async (t) => {
  const { app, db, clock, provider, seeker, listing } = await dealSetting(t)
  const started = clock.now().getTime()
  const accepted = await startInterest(app, seeker.auth, listing.id)
  const other = await createMember(db)
  const declined = await startInterest(app, other.auth, listing.id)
  await move(app, provider.auth, accepted.id, { transition: 'accept_interest' })
  await move(app, provider.auth, declined.id, { transition: 'decline_interest', reason: 'capacity' })
  t.equal((await dealRow(db, accepted.id)).respondBy, null, 'answering clears the due time')

  for (const days of [11, 14, 100]) {
    clock.set(new Date(started + days * day))
    t.same(await app.services.dealTimers.sweep(), noSweep, `${days} days on: nothing to do`)
  }
  await sweepViaJob(app)
  t.equal((await getDeal(app, seeker.auth, accepted.id)).state, 'accepted')
  t.equal((await getDeal(app, other.auth, declined.id)).state, 'declined')
  t.same(await eventsOf(db, 'deal.interest_reminder'), [])
  t.same(await eventsOf(db, 'deal.interest_expired'), [])
})

t.test('an open offer: one reminder DEAL_OFFER_REMINDER_HOURS before validUntil; at validUntil it lapses and cannot be accepted', async (t) => {
  const { app, db, clock, provider, seeker, listing } = await dealSetting(t)
  const deal = await startInterest(app, seeker.auth, listing.id)
  await move(app, provider.auth, deal.id, { transition: 'accept_interest' })
  const madeAt = clock.now().getTime()
  const offered = await move(app, provider.auth, deal.id, { transition: 'make_offer', terms: offerTerms() })
  const offer = offered.offers[0]!
  const validUntil = madeAt + 30 * day
  t.equal(offer.validUntil, at(validUntil), 'DEAL_OFFER_VALIDITY_DAYS (30) after the offer')
  const reminderAt = validUntil - 48 * hour

  clock.set(new Date(reminderAt - 1))
  await sweepViaJob(app)
  t.same(await app.services.dealTimers.sweep(), noSweep, 'just before the reminder time: nothing')
  t.same(await eventsOf(db, 'deal.offer_reminder'), [])

  clock.set(new Date(reminderAt))
  t.same(await app.services.dealTimers.sweep(), { ...noSweep, reminders: 1 })
  t.same(await app.services.dealTimers.sweep(), noSweep)
  await sweepViaJob(app)
  const reminders = await eventsOf(db, 'deal.offer_reminder')
  t.equal(reminders.length, 1, 'exactly one offer reminder')
  t.match(reminders[0], { subject_id: deal.id, payload: { dealId: deal.id, offerId: offer.id, validUntil: at(validUntil), respondent: 'seeker' } })
  t.same(new Set(reminders[0]!.organization_ids), new Set([provider.organization.id, seeker.organization.id]))
  const reminded = await getDeal(app, seeker.auth, deal.id)
  t.match(reminded.offers, [{ id: offer.id, status: 'open' }])
  t.ok(reminded.allowedTransitions.includes('accept_offer'), 'still valid: the seeker may accept it')

  clock.set(new Date(validUntil - 1))
  t.same(await app.services.dealTimers.sweep(), noSweep, 'just before validUntil: still open')

  // At validUntil the offer can no longer be accepted, even before the sweep closes it.
  clock.set(new Date(validUntil))
  assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'accept_offer', offerId: offer.id }), 409, 'guard_offer_to_actor')
  t.equal((await getDeal(app, seeker.auth, deal.id)).state, 'negotiating')

  t.same(await app.services.dealTimers.sweep(), { ...noSweep, lapsed: 1 })
  t.same(await app.services.dealTimers.sweep(), noSweep, 'a second sweep lapses nothing more')
  await sweepViaJob(app)
  const lapsed = await getDeal(app, seeker.auth, deal.id)
  t.match(lapsed, { state: 'negotiating', version: offered.version + 1 })
  t.match(lapsed.offers, [{ id: offer.id, status: 'lapsed', decidedAt: at(validUntil) }])
  for (const action of ['accept_offer', 'reject_offer', 'withdraw_offer']) t.notOk(lapsed.allowedTransitions.includes(action), `no ${action} on a lapsed offer`)
  t.ok(lapsed.allowedTransitions.includes('make_offer'), 'the seeker may make a new offer')
  const asProvider = await getDeal(app, provider.auth, deal.id)
  t.ok(asProvider.allowedTransitions.includes('make_offer'), 'and so may the provider')
  t.notOk(asProvider.allowedTransitions.includes('withdraw_offer'))

  t.match((await historyOf(app, seeker.auth, deal.id)).at(-1), {
    transition: 'lapse_offer',
    fromState: 'negotiating',
    toState: 'negotiating',
    actorRole: 'system',
    actorOrganizationId: null,
    payload: { offerId: offer.id },
  })
  const lapses = await eventsOf(db, 'deal.offer_lapsed')
  t.equal(lapses.length, 1)
  t.match(lapses[0], { subject_id: deal.id, payload: { offerId: offer.id, actorRole: 'system', state: 'negotiating' } })
  t.equal((await eventsOf(db, 'deal.offer_reminder')).length, 1)

  // Accepting or withdrawing the lapsed offer is refused and changes nothing.
  assertProblem(t, await fire(app, seeker.auth, deal.id, { transition: 'accept_offer', offerId: offer.id }), 409, 'guard_offer_to_actor')
  assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'withdraw_offer', offerId: offer.id }), 409, 'guard_offer_by_actor')
  t.match(await getDeal(app, seeker.auth, deal.id), { state: 'negotiating', version: lapsed.version })

  // A new offer starts afresh: it counters nothing, and its own timers run from now.
  const renewed = await move(app, seeker.auth, deal.id, { transition: 'make_offer', terms: offerTerms({ priceVnd: 220_000_000 }) })
  t.match(renewed.offers, [
    { id: offer.id, status: 'lapsed' },
    { number: 2, madeBy: 'seeker', status: 'open', counterOfId: null, validUntil: at(validUntil + 30 * day) },
  ])
})

t.test('the timers follow the configuration', async (t) => {
  const env = { DEAL_RESPONSE_DAYS: '2', DEAL_REMINDER_DAYS: '1', DEAL_OFFER_VALIDITY_DAYS: '5', DEAL_OFFER_REMINDER_HOURS: '12' }
  const { app, db, clock, provider, seeker, listing } = await dealSetting(t, env)
  const process = await app.inject({ method: 'GET', url: '/v1/deal-process' })
  t.same(process.json().timers, { responseDays: 2, responseReminderDays: 1, offerValidityDays: 5, offerReminderHours: 12 })

  const started = clock.now().getTime()
  const deal = await startInterest(app, seeker.auth, listing.id)
  t.equal(deal.respondBy, at(started + 2 * day), 'respondBy is DEAL_RESPONSE_DAYS (2) away')
  t.equal((await dealRow(db, deal.id)).respondReminderAt?.toISOString(), at(started + day), 'the reminder DEAL_REMINDER_DAYS (1) before it')
  clock.set(new Date(started + day - 1))
  t.same(await app.services.dealTimers.sweep(), noSweep)
  clock.set(new Date(started + day))
  t.same(await app.services.dealTimers.sweep(), { ...noSweep, reminders: 1 })
  clock.set(new Date(started + 2 * day))
  t.same(await app.services.dealTimers.sweep(), { ...noSweep, expired: 1 })

  const other = await createMember(db)
  const second = await startInterest(app, other.auth, listing.id)
  await move(app, provider.auth, second.id, { transition: 'accept_interest' })
  const madeAt = clock.now().getTime()
  const offered = await move(app, provider.auth, second.id, { transition: 'make_offer', terms: offerTerms() })
  t.equal(offered.offers[0]!.validUntil, at(madeAt + 5 * day), 'valid DEAL_OFFER_VALIDITY_DAYS (5)')
  clock.set(new Date(madeAt + 5 * day - 12 * hour - 1))
  t.same(await app.services.dealTimers.sweep(), noSweep)
  clock.set(new Date(madeAt + 5 * day - 12 * hour))
  t.same(await app.services.dealTimers.sweep(), { ...noSweep, reminders: 1 }, 'reminded DEAL_OFFER_REMINDER_HOURS (12) before')
  clock.set(new Date(madeAt + 5 * day))
  t.same(await app.services.dealTimers.sweep(), { ...noSweep, lapsed: 1 })
})

/** Two API processes (two apps on one database) sweeping at the same time. */
async function twoProcesses(t: Test) {
  const database = await openTestDatabase()
  const clock = new TestClock()
  const config = loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' })
  const first = checkContract(await buildApp(config, { database, clock }))
  const second = checkContract(await buildApp(config, { database, clock }))
  t.teardown(async () => {
    await first.close()
    await second.close()
    await database.close()
  })
  return { first, second, db: database.db, clock }
}

async function countBy(db: Db, query: ReturnType<typeof sql>) {
  return (await db.execute<{ key: string; n: number }>(query)).rows.map((row) => ({ key: row.key, n: Number(row.n) }))
}

t.test('several processes sweeping at once: every reminder, expiry and lapse happens once', async (t) => {
  const { first, second, db, clock } = await twoProcesses(t)
  const provider = await createMember(db, { kind: 'research_institute' })
  const listing = await publishListing(first, provider.auth, { titleVi: 'Máy sấy lúa tầng sôi', descriptionVi: 'Máy sấy lúa giảm hao hụt sau thu hoạch.' })
  const start = clock.now().getTime()
  const interests: string[] = []
  for (let index = 0; index < 20; index++) {
    const seeker = await createMember(db)
    interests.push((await startInterest(first, seeker.auth, listing.id)).id)
  }
  // Offers valid for 13 days: reminded from day 11 like the interests, lapsed from day 13.
  const offers: string[] = []
  for (let index = 0; index < 10; index++) {
    const seeker = await createMember(db)
    const deal = await startInterest(second, seeker.auth, listing.id)
    await move(second, provider.auth, deal.id, { transition: 'accept_interest' })
    const offered = await move(first, seeker.auth, deal.id, { transition: 'make_offer', terms: offerTerms({ validUntil: at(start + 13 * day) }) })
    offers.push(offered.offers[0]!.id)
  }

  const sweepBoth = async () => {
    const [a, b] = await Promise.all([first.services.dealTimers.sweep(), second.services.dealTimers.sweep()])
    return { expired: a.expired + b.expired, lapsed: a.lapsed + b.lapsed, reminders: a.reminders + b.reminders }
  }

  clock.set(new Date(start + 12 * day))
  t.same(await sweepBoth(), { expired: 0, lapsed: 0, reminders: 30 }, 'thirty reminders between the two')
  t.same(await sweepBoth(), noSweep)
  const reminded = await countBy(db, sql`select type as key, count(*) as n from outbox_events where type like 'deal.%reminder' group by type order by type`)
  t.same(reminded, [
    { key: 'deal.interest_reminder', n: 20 },
    { key: 'deal.offer_reminder', n: 10 },
  ])
  const perDeal = await countBy(db, sql`select subject_id::text as key, count(*) as n from outbox_events where type like 'deal.%reminder' group by subject_id`)
  t.equal(perDeal.length, 30, 'one reminder per deal')
  t.ok(perDeal.every((row) => row.n === 1))

  clock.set(new Date(start + 14 * day))
  t.same(await sweepBoth(), { expired: 20, lapsed: 10, reminders: 0 }, 'twenty expiries and ten lapses between the two')
  t.same(await sweepBoth(), noSweep)

  const states = await countBy(db, sql`select state as key, count(*) as n from deals group by state order by state`)
  t.same(states, [
    { key: 'expired', n: 20 },
    { key: 'negotiating', n: 10 },
  ])
  const offerStates = await countBy(db, sql`select status as key, count(*) as n from deal_offers group by status`)
  t.same(offerStates, [{ key: 'lapsed', n: 10 }])
  const moves = await countBy(
    db,
    sql`select deal_id::text || ' ' || transition as key, count(*) as n from deal_transitions where actor_role = 'system' group by deal_id, transition`,
  )
  t.equal(moves.length, 30, 'one system move per deal')
  t.ok(
    moves.every((row) => row.n === 1),
    'no deal moved twice',
  )
  t.same(new Set(moves.filter((row) => row.key.endsWith('expire_interest')).map((row) => row.key.split(' ')[0])), new Set(interests))

  const events = await countBy(
    db,
    sql`select type || ' ' || subject_id::text as key, count(*) as n from outbox_events where type in ('deal.interest_expired', 'deal.offer_lapsed') group by type, subject_id`,
  )
  t.equal(events.filter((row) => row.key.startsWith('deal.interest_expired')).length, 20)
  t.equal(events.filter((row) => row.key.startsWith('deal.offer_lapsed')).length, 10)
  t.ok(
    events.every((row) => row.n === 1),
    'each event exactly once',
  )
  const lapsedOffers = (await outboxEvents(db, 'deal.offer_lapsed')).map((event) => event.payload.offerId)
  t.same(new Set(lapsedOffers), new Set(offers))
})

t.test('a worker process schedules the sweep as a pg-boss cron job', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const schedules = async () =>
    (await database.db.execute<{ name: string; cron: string }>(sql`select name, cron from pgboss.schedule where name = 'deals.timers'`)).rows

  // A process that only queues schedules nothing. (The test template holds the schedules already,
  // as the embedded template does: src/build-template.ts. Removed here, as on a database made without one.)
  await database.db.execute(sql`delete from pgboss.schedule`)
  const quiet = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database, clock: new TestClock() }))
  await quiet.close()
  t.same(await schedules(), [])

  const worker = checkContract(
    await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'true', JOBS_POLL_SECONDS: '0.5' }), { database, clock: new TestClock() }),
  )
  try {
    t.same(await schedules(), [{ name: 'deals.timers', cron: '* * * * *' }], 'every minute')
    const purge = await database.db.execute<{ cron: string }>(sql`select cron from pgboss.schedule where name = 'maintenance.idempotency-keys'`)
    t.same(purge.rows, [{ cron: '17 * * * *' }], 'and the purge of expired Idempotency-Key records every hour')
    const compaction = await database.db.execute<{ cron: string }>(sql`select cron from pgboss.schedule where name = 'maintenance.activity-rollup'`)
    t.same(compaction.rows, [{ cron: '*/5 * * * *' }], "and the activity roll-up's compaction every five minutes")
    const queue = await database.db.execute<{ name: string }>(sql`select name from pgboss.queue where name = 'deals.timers'`)
    t.equal(queue.rows.length, 1, 'the queue exists')
  } finally {
    await worker.close()
  }
})

t.test('a late answer finds the interest expired, even before the sweep has run', async (t) => {
  const { app, clock, provider, seeker, listing } = await dealSetting(t)
  const deal = await startInterest(app, seeker.auth, listing.id)
  clock.advanceDays(14)
  const late = assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'accept_interest' }), 409, 'guard_before_respond_by')
  t.same((late as unknown as { allowed: string[] }).allowed, ['cancel'], 'only cancelling is left to the provider')
  assertProblem(t, await fire(app, provider.auth, deal.id, { transition: 'decline_interest', reason: 'capacity' }), 409, 'guard_before_respond_by')
  t.same(await app.services.dealTimers.sweep(), { ...noSweep, expired: 1 }, 'expired, and not reminded of what is over')
  t.equal((await getDeal(app, seeker.auth, deal.id)).state, 'expired')
})

t.test('a backlog larger than one batch (after downtime) clears in one sweep', async (t) => {
  const { app, db, clock, provider, listing } = await dealSetting(t)
  const count = 130
  const seekers = await db
    .insert(schema.organizations)
    .values(Array.from({ length: count }, (_, index) => ({ kind: 'enterprise', name: `Doanh nghiệp tồn đọng ${index}` })))
    .returning({ id: schema.organizations.id })
  const now = clock.now()
  await db.insert(schema.deals).values(
    seekers.map((seeker) => ({
      listingId: listing.id,
      providerId: provider.organization.id,
      seekerId: seeker.id,
      origin: 'interest',
      initiatedBy: 'seeker',
      state: 'interest_expressed' as const,
      reachedState: 'interest_expressed' as const,
      message: 'Quan tâm',
      respondBy: new Date(now.getTime() - hour),
      respondReminderAt: new Date(now.getTime() - 3 * day),
      stateChangedAt: new Date(now.getTime() - 15 * day),
    })),
  )
  t.same(await app.services.dealTimers.sweep(), { expired: count, lapsed: 0, reminders: 0 }, 'every due interest expires (the reminders were moot)')
  t.equal((await eventsOf(db, 'deal.interest_expired')).length, count)
  t.same(await app.services.dealTimers.sweep(), noSweep)
})
