import t from 'tap'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createJobQueue } from '../src/jobs/queue.ts'
import { buildTestApp, TestClock } from './helpers/app.ts'
import { openTestDatabase } from './helpers/database.ts'
import { fileOpenDemand } from './helpers/demands.ts'
import { createMember } from './helpers/factories.ts'
import { matchesOf, matchJobs, publishListing } from './helpers/matching.ts'
import { checkContract } from './helpers/contract.ts'

// The job queue for real: a polling worker, and jobs that outlive the process that queued them.

const dryer = { titleVi: 'Máy sấy lúa tầng sôi', descriptionVi: 'Máy sấy lúa giảm hao hụt sau thu hoạch.', keywords: ['sấy lúa', 'máy sấy'] }

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 20): Promise<T> {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

t.test('a worker picks the job up by itself and stores the suggestions', async (t) => {
  const { app, db } = await buildTestApp(t, { JOBS_WORKER: 'true', JOBS_POLL_SECONDS: '0.5' })
  const seeker = await createMember(db)
  const provider = await createMember(db, { kind: 'university' })
  const listing = await publishListing(app, provider.auth, dryer)
  const demand = await fileOpenDemand(app, seeker.auth)
  const list = await until('the matches', async () => {
    const result = await matchesOf(app, seeker.auth, 'demand', demand.id)
    return result.computedAt ? result : undefined
  })
  t.same(
    list.items.map((item) => item.listingId),
    [listing.id],
  )
  await until('both jobs to complete', async () => ((await matchJobs(db)).every((job) => job.state === 'completed') ? true : undefined))
})

t.test('a queued job survives the process that queued it', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const clock = new TestClock()
  const first = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database, clock }))
  const seeker = await createMember(database.db)
  const provider = await createMember(database.db, { kind: 'university' })
  const listing = await publishListing(first, provider.auth, dryer)
  const demand = await fileOpenDemand(first, seeker.auth)
  await first.close()
  t.same(
    (await matchJobs(database.db)).map((job) => job.state),
    ['created', 'created'],
    'queued, not run',
  )

  // A new process (here a second app on the same database) with a worker finds and runs them.
  const second = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'true', JOBS_POLL_SECONDS: '0.5' }), { database, clock }))
  t.teardown(() => second.close())
  const list = await until('the matches', async () => {
    const result = await matchesOf(second, seeker.auth, 'demand', demand.id)
    return result.computedAt ? result : undefined
  })
  t.same(
    list.items.map((item) => item.listingId),
    [listing.id],
  )
})

t.test('stopping waits for a job whose fetch was still on its way, so it never runs on an ended pool', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  // Each fetch's answer is held back 300 ms, so stop() is called while one that found the job is
  // in flight: pg-boss's own graceful stop sees no worker holding a job and returns at once.
  let fetchesStarted = 0
  const pool = new Proxy(database.pool, {
    get(target, property) {
      if (property !== 'query') return Reflect.get(target, property)
      return async (text: string, values?: unknown[]) => {
        if (!/SKIP LOCKED/i.test(text)) return target.query(text, values)
        fetchesStarted += 1
        const result = await target.query(text, values)
        await new Promise((resolve) => setTimeout(resolve, 300))
        return result
      }
    },
  })
  const jobs = createJobQueue({ pool, worker: true, pollingIntervalSeconds: 0.5 })
  const outcomes: string[] = []
  jobs.register('test.slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100))
    await database.pool.query('select 1').then(
      () => outcomes.push('done'),
      (error: Error) => outcomes.push(error.message),
    )
  })
  await jobs.start()
  await jobs.send('test.slow', {})
  const sent = fetchesStarted
  await until('a fetch started after the job was sent', async () => (fetchesStarted > sent ? true : undefined), 5)
  await jobs.stop()
  t.same(outcomes, ['done'], 'the job fetched during stop() ran to its end before stop() returned')
})

t.test('a job running longer than its expiry keeps it while its worker beats: pg-boss never hands it to another', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  // Expiry 3 s, checked every second: without a heartbeat the job would be failed and retried at ~4 s.
  const jobs = createJobQueue({ pool: database.pool, worker: true, pollingIntervalSeconds: 0.5, expireSeconds: 3 })
  let runs = 0
  jobs.register('test.long', async () => {
    runs += 1
    await new Promise((resolve) => setTimeout(resolve, 5500))
  })
  await jobs.start()
  t.teardown(() => jobs.stop())
  await jobs.send('test.long', {})
  const state = async () => (await database.pool.query<{ state: string }>(`select state from pgboss.job where name = 'test.long'`)).rows.map((row) => row.state)
  await until('the job to start', async () => ((await state()).includes('active') ? true : undefined), 5)
  await new Promise((resolve) => setTimeout(resolve, 4500))
  t.same(await state(), ['active'], 'still active past its expiry, not failed for a retry')
  await until('the job to complete', async () => ((await state()).includes('completed') ? true : undefined), 10)
  t.equal(runs, 1, 'run once')
})

t.test('a coalesced queue runs its handler once for a fetched batch, and completes every job in it', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const runs = { coalesced: 0, each: 0 }
  const declare = (queue: ReturnType<typeof createJobQueue>) => {
    queue.register('test.coalesced', async () => void (runs.coalesced += 1), { policy: 'standard', coalesce: true })
    queue.register('test.each', async () => void (runs.each += 1), { policy: 'standard' })
  }
  // Five of each are waiting before any worker looks: one process queues, another works.
  const sender = createJobQueue({ pool: database.pool, worker: false, pollingIntervalSeconds: 1 })
  declare(sender)
  await sender.start()
  for (let i = 0; i < 5; i++) await Promise.all([sender.send('test.coalesced', {}), sender.send('test.each', {})])
  await sender.stop()
  const worker = createJobQueue({ pool: database.pool, worker: true, pollingIntervalSeconds: 0.5 })
  declare(worker)
  await worker.start()
  t.teardown(() => worker.stop())
  const states = async (name: string) =>
    (await database.pool.query<{ state: string }>(`select state from pgboss.job where name = $1`, [name])).rows.map((row) => row.state)
  await until('every job to complete', async () =>
    [...(await states('test.coalesced')), ...(await states('test.each'))].every((state) => state === 'completed') ? true : undefined,
  )
  t.same(await states('test.coalesced'), Array(5).fill('completed'))
  t.equal(runs.coalesced, 1, 'one run for the batch of five')
  t.equal(runs.each, 5, 'a queue without coalesce runs every job')
})

t.test('runPending batches as the worker does: a coalesced batch runs once and every job in it completes', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const runs = { coalesced: 0, each: 0 }
  const jobs = createJobQueue({ pool: database.pool, worker: false, pollingIntervalSeconds: 1 })
  jobs.register('test.coalesced', async () => void (runs.coalesced += 1), { policy: 'standard', coalesce: true })
  jobs.register('test.each', async () => void (runs.each += 1), { policy: 'standard' })
  await jobs.start()
  t.teardown(() => jobs.stop())
  for (let i = 0; i < 5; i++) await Promise.all([jobs.send('test.coalesced', {}), jobs.send('test.each', {})])
  t.equal(await jobs.runPending(), 10, 'every job counts as done')
  t.equal(runs.coalesced, 1, 'one run for the batch of five')
  t.equal(runs.each, 5, 'a queue without coalesce runs every job')
  const { rows } = await database.pool.query<{ name: string; state: string; n: number }>(
    `select name, state, count(*)::int as n from pgboss.job where name like 'test.%' group by 1, 2 order by 1`,
  )
  t.same(rows, [
    { name: 'test.coalesced', state: 'completed', n: 5 },
    { name: 'test.each', state: 'completed', n: 5 },
  ])
  t.equal(await jobs.runPending(), 0, 'nothing left')
})

t.test('a start writes only the cron schedules that are missing or changed', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const jobs = createJobQueue({ pool: database.pool, worker: false, pollingIntervalSeconds: 1 })
  jobs.register('test-hourly', async () => {}, { cron: '7 * * * *' })
  jobs.register('test-nightly', async () => {}, { cron: '0 3 * * *' })
  await jobs.start()
  t.teardown(() => jobs.stop())
  const schedules = async () =>
    (
      await database.pool.query<{ name: string; cron: string; fresh: boolean }>(
        `select name, cron, updated_on > now() - interval '1 minute' as fresh from pgboss.schedule where name like 'test-%' order by name`,
      )
    ).rows
  await jobs.writeSchedules()
  t.same(
    await schedules(),
    [
      { name: 'test-hourly', cron: '7 * * * *', fresh: true },
      { name: 'test-nightly', cron: '0 3 * * *', fresh: true },
    ],
    'missing ones are written',
  )
  // As an earlier release would have left them, an hour ago: one with another time, one the same.
  await database.pool.query(`update pgboss.schedule set updated_on = now() - interval '1 hour' where name like 'test-%'`)
  await database.pool.query(`update pgboss.schedule set cron = '9 * * * *' where name = 'test-hourly'`)
  await jobs.writeSchedules()
  t.same(
    await schedules(),
    [
      { name: 'test-hourly', cron: '7 * * * *', fresh: true },
      { name: 'test-nightly', cron: '0 3 * * *', fresh: false },
    ],
    'the changed one is rewritten, the unchanged one left alone',
  )
})
