import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { Db } from '../../src/db/client.ts'
import { fanOutJob } from '../../src/core/outbox.ts'
import { TestClock } from '../helpers/app.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { move, startInterest } from '../helpers/deals.ts'
import { fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { publishListing } from '../helpers/matching.ts'
import { startServerProcess } from '../helpers/server-process.ts'
import { eventsFor, startReceiver, subscribe, waitFor, type Hit, type Receiver } from '../helpers/webhooks.ts'
import { checkContract } from '../helpers/contract.ts'

// Webhooks with the real job workers (JOBS_WORKER=true, polling every 0.5 s) and a real receiver
// on 127.0.0.1: the fault test (the receiver is down while events happen; once it is back, every
// event arrives) and the scale-out test (two API processes on one database deliver each event
// once per webhook, and fire each deal timer once).

const workerEnv = { LOG_LEVEL: 'silent', JOBS_WORKER: 'true', JOBS_POLL_SECONDS: '0.5', WEBHOOK_ALLOW_PRIVATE: 'true', RATE_LIMIT_MAX: '0' } as const

type Auth = Record<string, string>
type Expected = Map<string, string> // "<path> <webhook-id>" -> event type

/** The (path, webhook-id) pairs a webhook of this organisation should have received. */
async function expectedFor(db: Db, path: string, organizationId: string, since: string, types?: string[]): Promise<Expected> {
  return new Map((await eventsFor(db, organizationId, new Date(since), types)).map((event) => [`${path} evt_${event.id}`, event.type]))
}

async function deliveryCounts(db: Db) {
  const result = await db.execute<{ status: string; n: number | string }>(sql`select status, count(*) as n from webhook_deliveries group by status`)
  return Object.fromEntries(result.rows.map((row) => [row.status, Number(row.n)])) as Record<string, number>
}

async function scalar(db: Db, query: ReturnType<typeof sql>): Promise<number> {
  const result = await db.execute<{ n: number | string }>(query)
  return Number(result.rows[0]!.n)
}

/** Hits per (path, webhook-id). */
function tally(hits: Hit[], paths: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const hit of hits.filter((hit) => paths.includes(hit.path))) counts.set(`${hit.path} ${hit.id}`, (counts.get(`${hit.path} ${hit.id}`) ?? 0) + 1)
  return counts
}

async function matchingIdle(db: Db) {
  return (await scalar(db, sql`select count(*) as n from pgboss.job where name = 'matching.compute' and state in ('created', 'retry', 'active')`)) === 0
}

/** Deals and their moves through the API, spread over the given processes in turn. */
async function dealTraffic(apps: FastifyInstance[], db: Db, provider: Auth, listingId: string, count: number) {
  const ids: string[] = []
  for (let index = 0; index < count; index++) {
    const seeker = await createMember(db)
    ids.push((await startInterest(apps[index % apps.length]!, seeker.auth, listingId)).id)
  }
  return ids
}

t.test('the receiver is down while ~50 events happen: once it is back, every event arrives, signed, none lost', async (t) => {
  const database = await openTestDatabase()
  // Thirteen attempts over about 25 s: the receiver is back long before they run out.
  const clock = new TestClock()
  const app = checkContract(
    await buildApp(loadConfig({ ...workerEnv, WEBHOOK_RETRY_SECONDS: '1,1,1,2,2,2,2,2,2,2,2,2', WEBHOOK_TIMEOUT_MS: '2000' }), { database, clock }),
  )
  const receiver = await startReceiver()
  t.teardown(async () => {
    await receiver.stop()
    await app.close()
    await database.close()
  })
  const db = database.db
  const provider = await createMember(db, { kind: 'research_institute', name: 'Viện Cơ điện Nông nghiệp' })
  const partner = await createMember(db, { name: 'HTX Nông nghiệp Giao Thủy' })
  const operator = await createOperator(db)
  const listings = []
  for (let index = 0; index < 4; index++) listings.push(await publishListing(app, provider.auth, { titleVi: `Máy sấy lúa tầng sôi mẫu ${index + 1}` }))
  const demand = await fileOpenDemand(app, partner.auth)
  // The matcher's own events (match.suggested) come before the webhooks exist: settle it first.
  await waitFor(
    () => matchingIdle(db),
    30_000,
    () => 'matching jobs still running',
  )
  // A webhook hears of what happens from its creation on.
  clock.set(new Date(clock.now().getTime() + 60_000))

  const providerHook = await subscribe(app, provider.auth, receiver, '/provider')
  const partnerTypes = ['deal.started', 'deal.interest_accepted', 'deal.message_posted', 'match.proposed']
  const partnerHook = await subscribe(app, partner.auth, receiver, '/partner', { eventTypes: partnerTypes })
  await receiver.stop()

  // 47 events for the provider, 17 of them also for the partner.
  await dealTraffic([app], db, provider.auth, listings[0]!.id, 30)
  for (const listing of listings.slice(1)) {
    const deal = await startInterest(app, partner.auth, listing.id)
    await move(app, provider.auth, deal.id, { transition: 'accept_interest' })
    if (listing === listings[1]) {
      for (let index = 0; index < 10; index++) {
        const author = index % 2 === 0 ? provider.auth : partner.auth
        const posted = await app.inject({
          method: 'POST',
          url: `/v1/deals/${deal.id}/messages`,
          headers: author,
          payload: { body: `Tin nhắn số ${index + 1} về lịch lắp đặt` },
        })
        if (posted.statusCode !== 201) throw new Error(`postDealMessage: ${posted.statusCode} ${posted.body}`)
      }
    }
  }
  const proposed = await app.inject({
    method: 'POST',
    url: '/v1/matches',
    headers: operator.auth,
    payload: { demandId: demand.id, listingId: listings[0]!.id, note: 'Giải pháp sấy phù hợp quy mô hợp tác xã' },
  })
  t.ok([200, 201].includes(proposed.statusCode), 'a match proposed by the operator (the matcher may have found the pair already)')
  // Deal and match events are recorded without queueing the fan-out: ask for it (the every-minute cron would too).
  await app.jobs.send(fanOutJob, {})

  const expected = new Map([
    ...(await expectedFor(db, '/provider', provider.organization.id, providerHook.webhook.createdAt)),
    ...(await expectedFor(db, '/partner', partner.organization.id, partnerHook.webhook.createdAt, partnerTypes)),
  ])
  const events = new Set([...expected.keys()].map((key) => key.split(' ')[1]))
  t.ok(events.size >= 45, `events produced while the receiver was down: ${events.size}`)
  t.equal(expected.size, events.size + 17, 'the partner shares 17 of them')

  // Every delivery has failed at least once (connection refused) before the receiver comes back.
  await waitFor(
    async () => (await scalar(db, sql`select count(distinct delivery_id) as n from webhook_attempts where error is not null`)) === expected.size,
    30_000,
    async () => JSON.stringify(await deliveryCounts(db)),
  )
  t.equal(receiver.hits.length, 0, 'nothing got through while it was down')
  const failedWhileDown = await scalar(db, sql`select count(*) as n from webhook_attempts`)
  const restarted = Date.now()
  await receiver.start()
  await waitFor(
    async () => (await deliveryCounts(db)).succeeded === expected.size,
    90_000,
    async () => JSON.stringify(await deliveryCounts(db)),
  )
  const drainedMs = Math.max(...receiver.hits.map((hit) => hit.at)) - restarted

  const counts = tally(receiver.hits, ['/provider', '/partner'])
  t.same([...counts.keys()].sort(), [...expected.keys()].sort(), 'exactly the expected events, for each webhook: none lost, none extra')
  t.ok(
    receiver.hits.every((hit) => hit.verified),
    'every signature verifies',
  )
  t.ok(
    receiver.hits.every((hit) => hit.body.type === expected.get(`${hit.path} ${hit.id}`)),
    'each with its type',
  )
  // A duplicate is only allowed where a timeout left the sender not knowing that the first one arrived.
  const duplicates = [...counts].filter(([, n]) => n > 1)
  for (const [key] of duplicates) {
    const eventId = Number(key.split(' evt_')[1])
    const timeouts = await scalar(
      db,
      sql`select count(*) as n from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.event_id = ${eventId} and a.error like 'timeout%'`,
    )
    t.ok(timeouts > 0, `${key} arrived twice after a timeout`)
  }
  const attempts = await scalar(db, sql`select count(*) as n from webhook_attempts`)
  t.same(await deliveryCounts(db), { succeeded: expected.size }, 'every delivery succeeded')
  t.comment(
    `fault test: ${events.size} events, ${expected.size} deliveries to 2 webhooks; ${failedWhileDown} failed attempts while down, ${attempts} attempts in all; ` +
      `drained ${drainedMs} ms after the restart; ${receiver.hits.length} requests received, ${duplicates.length} duplicates`,
  )
})

/** Two API processes, both working the queue, on one database; one clock for both. */
async function twoWorkers(t: Test) {
  const database = await openTestDatabase({ poolSize: 10 })
  const clock = new TestClock()
  const config = loadConfig({ ...workerEnv, WEBHOOK_RETRY_SECONDS: '1,1,1,1,1' })
  const first = checkContract(await buildApp(config, { database, clock }))
  const second = checkContract(await buildApp(config, { database, clock }))
  const receiver = await startReceiver()
  t.teardown(async () => {
    await receiver.stop()
    await first.close()
    await second.close()
    await database.close()
  })
  return { first, second, db: database.db, clock, receiver }
}

/**
 * Waits until every expected delivery has succeeded and arrived. An event recorded without queueing
 * the fan-out (a deal timer's, a cron job's that finished after the test's fan-out ran) waits for the
 * every-minute cron in production; here a fan-out is asked for every 5 s instead. An event the
 * fan-out skipped past would never arrive, so the wait still fails on a lost event.
 */
async function drained(db: Db, receiver: Receiver, expected: Expected, jobs: Pick<FastifyInstance['jobs'], 'send'>) {
  let asked = Date.now()
  await waitFor(
    async () => {
      if (Date.now() - asked > 5_000) {
        asked = Date.now()
        await jobs.send(fanOutJob, {})
      }
      return (await deliveryCounts(db)).succeeded === expected.size && tally(receiver.hits, ['/all', '/expired']).size === expected.size
    },
    60_000,
    () => fanOutState(db, receiver, expected),
  )
}

/** What a stalled drain needs to be told apart: deliveries, events the fan-out has not reached, its jobs. */
async function fanOutState(db: Db, receiver: Receiver, expected: Expected): Promise<string> {
  const behind = await scalar(
    db,
    sql`select count(*) as n from outbox_events e, webhook_cursor c where (e.transaction_id, e.id) > (c.transaction_id, c.event_id)`,
  )
  const jobs = await db.execute(sql`select state, retry_count, output from pgboss.job where name = ${fanOutJob} and state <> 'completed'`)
  const received = tally(receiver.hits, ['/all', '/expired'])
  return JSON.stringify({
    deliveries: await deliveryCounts(db),
    expected: expected.size,
    received: received.size,
    missing: [...expected].filter(([key]) => !received.has(key)).slice(0, 5),
    eventsBehindCursor: behind,
    fanOutJobs: jobs.rows,
  })
}

t.test('two processes on one database: each event delivered once per webhook, each deal timer fired once', async (t) => {
  const { first, second, db, clock, receiver } = await twoWorkers(t)
  const provider = await createMember(db, { kind: 'research_institute' })
  const listing = await publishListing(first, provider.auth, { titleVi: 'Máy sấy lúa tầng sôi', descriptionVi: 'Máy sấy lúa giảm hao hụt sau thu hoạch.' })
  // A webhook hears of what happens from its creation on.
  clock.set(new Date(clock.now().getTime() + 60_000))
  const all = await subscribe(first, provider.auth, receiver, '/all')
  const expiredOnly = await subscribe(second, provider.auth, receiver, '/expired', { eventTypes: ['deal.interest_expired'] })

  const deals = await dealTraffic([first, second], db, provider.auth, listing.id, 20)
  // Both processes fan out at once, and their workers too.
  await Promise.all([
    first.jobs.send(fanOutJob, {}),
    second.jobs.send(fanOutJob, {}),
    first.services.webhookDispatch.fanOut(),
    second.services.webhookDispatch.fanOut(),
  ])
  let expected = await expectedFor(db, '/all', provider.organization.id, all.webhook.createdAt)
  t.ok(expected.size >= 20, `${expected.size} events for the provider`)
  await drained(db, receiver, expected, first.jobs)

  // The interests expire: both processes sweep at the same moment (and the cron may join them).
  clock.advanceDays(14)
  await Promise.all([first.services.dealTimers.sweep(), second.services.dealTimers.sweep()])
  await Promise.all([first.jobs.send(fanOutJob, {}), second.jobs.send(fanOutJob, {})])
  expected = new Map([
    ...(await expectedFor(db, '/all', provider.organization.id, all.webhook.createdAt)),
    ...(await expectedFor(db, '/expired', provider.organization.id, expiredOnly.webhook.createdAt, ['deal.interest_expired'])),
  ])
  await drained(db, receiver, expected, first.jobs)

  const counts = tally(receiver.hits, ['/all', '/expired'])
  t.same([...counts.keys()].sort(), [...expected.keys()].sort(), 'every event, to each webhook that asked for it')
  t.same(
    [...counts.values()].filter((n) => n !== 1),
    [],
    'each exactly once',
  )
  t.ok(
    receiver.hits.every((hit) => hit.verified),
    'every signature verifies',
  )
  t.equal(await scalar(db, sql`select count(*) as n from webhook_attempts`), expected.size, 'one attempt per delivery')
  t.equal(await scalar(db, sql`select count(*) as n from (select 1 from webhook_deliveries group by subscription_id, event_id having count(*) > 1) twice`), 0)

  const expiries = await db.execute<{ subject_id: string; n: number | string }>(
    sql`select subject_id, count(*) as n from outbox_events where type = 'deal.interest_expired' group by subject_id`,
  )
  t.same(expiries.rows.map((row) => row.subject_id).sort(), [...deals].sort(), 'every interest expired')
  t.ok(
    expiries.rows.every((row) => Number(row.n) === 1),
    'each once',
  )
  t.equal(await scalar(db, sql`select count(*) as n from deal_transitions where actor_role = 'system'`), deals.length, 'one system move per deal')
  const expiredHits = receiver.hits.filter((hit) => hit.body.type === 'deal.interest_expired')
  t.equal(expiredHits.filter((hit) => hit.path === '/expired').length, deals.length, 'the filtered webhook got each expiry once')
  t.equal(expiredHits.filter((hit) => hit.path === '/all').length, deals.length, 'and so did the catch-all one')
  t.comment(
    `scale-out: 2 processes, ${expected.size} deliveries of ${new Set([...expected.keys()].map((key) => key.split(' ')[1])).size} events, ${receiver.hits.length} requests received`,
  )
})

t.test('two API processes (separate OS processes) on one database: each event delivered once per webhook', async (t) => {
  // The test's own database: PostgreSQL, or the embedded PGlite, which serves other processes too.
  const database = await openTestDatabase({ poolSize: 16 })
  t.teardown(() => database.close())
  // Real second processes, with the job workers on.
  const serverEnv = { ...workerEnv, LOG_LEVEL: 'info', RATE_LIMIT_ANONYMOUS_MAX: '0', WEBHOOK_RETRY_SECONDS: '1,1,1,1,1' }
  const [{ url: first }, { url: second }] = await Promise.all([startServerProcess(t, database.url, serverEnv), startServerProcess(t, database.url, serverEnv)])
  const receiver = await startReceiver()
  t.teardown(() => receiver.stop())
  const provider = await createMember(database.db, { kind: 'research_institute' })
  const call = async (base: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...provider.auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as Record<string, unknown> & { id: string }
  }
  const created = (await call(first, 'POST', '/v1/webhooks', { url: receiver.url('/two') })) as unknown as { webhook: { createdAt: string }; secret: string }
  receiver.secrets.set('/two', created.secret)

  // 10 listings, created and published through either process in turn: 20 events for the provider.
  for (let index = 0; index < 10; index++) {
    const base = index % 2 === 0 ? first : second
    const listing = await call(base, 'POST', '/v1/listings', {
      kind: 'technology',
      titleVi: `Quy trình xử lý nước thải số ${index}`,
      descriptionVi: 'Xử lý nước thải chăn nuôi bằng màng sinh học.',
    })
    await call(base === first ? second : first, 'POST', `/v1/listings/${listing.id}/publish`)
  }
  const expected = await expectedFor(database.db, '/two', provider.organization.id, created.webhook.createdAt)
  t.equal(expected.size, 20, '20 events for the provider: each listing created and published')
  await waitFor(
    async () => (await deliveryCounts(database.db)).succeeded === expected.size && tally(receiver.hits, ['/two']).size === expected.size,
    60_000,
    async () => JSON.stringify(await deliveryCounts(database.db)),
  )
  const counts = tally(receiver.hits, ['/two'])
  t.same([...counts.keys()].sort(), [...expected.keys()].sort(), 'every event arrived')
  t.same(
    [...counts.values()].filter((n) => n !== 1),
    [],
    'each exactly once',
  )
  t.ok(
    receiver.hits.every((hit) => hit.verified),
    'every signature verifies',
  )
  t.equal(await scalar(database.db, sql`select count(*) as n from webhook_attempts`), expected.size, 'one attempt per delivery')
})
