import { sql, type SQL } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import type pg from 'pg'
import PgBoss from 'pg-boss'
import type { DbOrTx } from '../db/client.ts'
import { isDatabaseUnreachable } from '../lib/db-unavailable.ts'
import { outcomeStatements } from './outcomes.ts'

// The project's one job queue: pg-boss 10 on the same database (and connection pool) as the API.
// Jobs live in PostgreSQL, so they survive a restart and several API processes share them without
// running one twice (pg-boss fetches with SELECT ... FOR UPDATE SKIP LOCKED).
//
// A job whose worker dies (kill -9, a lost machine) must be run again by another. pg-boss 10's own
// answer is the job's expiry: its maintenance fails an active job past it, for a retry. But the
// same expiry is also how long pg-boss lets a handler run before failing it in-process, so it
// cannot be short: the default, 15 minutes, had a killed import wait that long. So jobs have a
// heartbeat instead, as pg-boss 12 has built in (heartbeatSeconds) and as SQS workers extend a
// message's visibility: while a worker holds a job, the job's started_on moves on every third of
// `expireSeconds`; every worker process looks as often for active jobs whose heartbeat is older
// than that, and fails them (pg-boss's fail, so the retry policy applies). A live job is never taken
// however long it runs; a dead one is retried `expireSeconds` after its last beat, plus the look.
// The queues' pg-boss expiry is set to hungAfterSeconds: a handler that has not returned by then,
// in a live process, is stuck.

export const jobSchema = 'pgboss'

/** Jobs a worker fetches at once. */
const workBatchSize = 10
/**
 * Jobs a worker fetches at once from a coalesced queue (register's `coalesce`), whose batch runs
 * its handler once: the webhook fan-out is sent by every write, and its every run hands on all
 * the events committed so far, so after a burst of writes one run serves the whole burst.
 */
const coalescedBatchSize = 100

/** How long stop() waits for running jobs before it gives up on them (pg-boss retries them). */
const stopTimeoutMs = 10_000

/** deadlock_detected, unique_violation, duplicate_table: what a concurrent create_queue can raise. */
const racingCreateCodes = ['40P01', '23505', '42P07']

export type QueuePolicy = 'stately' | 'standard'

/** What a handler is told besides its data: `signal` aborts when the process is stopping. */
export type JobContext = { signal: AbortSignal }

export type JobHandler = (data: Record<string, unknown>, job: JobContext) => Promise<void>

export type JobQueueOptions = {
  pool: pg.Pool
  /** false: jobs are queued but this process does not poll for them (tests run them by hand). */
  worker: boolean
  pollingIntervalSeconds: number
  /**
   * How long a held job may go without a heartbeat before it is run again (JOBS_EXPIRE_SECONDS,
   * default 30): heartbeats, and looks for jobs without one, come every third of it.
   */
  expireSeconds?: number
  /** Where queue errors go; the CLI, which only queues, has none. */
  log?: Pick<FastifyBaseLogger, 'error'>
}

export const defaultExpireSeconds = 30

/** pg-boss's own expiry of every queue: how long a handler may run before pg-boss fails it as stuck. */
const hungAfterSeconds = 4 * 3600

/** pg-boss's SQL ($1, $2 ...) run through a drizzle transaction, so a job is queued iff the write commits. */
function executorOf(tx: DbOrTx): PgBoss.Db {
  return {
    executeSql: async (text, values) => {
      const chunks: SQL[] = []
      let last = 0
      for (const placeholder of text.matchAll(/\$(\d+)/g)) {
        chunks.push(sql.raw(text.slice(last, placeholder.index)), sql`${values[Number(placeholder[1]) - 1] ?? null}`)
        last = placeholder.index + placeholder[0].length
      }
      chunks.push(sql.raw(text.slice(last)))
      const result = await tx.execute(sql.join(chunks))
      return { rows: result.rows }
    },
  }
}

export function createJobQueue(options: JobQueueOptions) {
  // Everything this queue has running on the pool: pg-boss's own queries (fetches, completions,
  // maintenance) and the handlers. stop() waits for it to drain, because pg-boss's graceful stop
  // only waits for workers holding jobs: a worker still fetching when stop() is called gets its
  // jobs afterwards and would run them on a pool the caller has already ended.
  const running = new Set<Promise<unknown>>()
  function track<T>(work: Promise<T>): Promise<T> {
    running.add(work)
    const forget = () => running.delete(work)
    work.then(forget, forget)
    return work
  }

  const expireSeconds = options.expireSeconds ?? defaultExpireSeconds
  const beatMs = (expireSeconds * 1000) / 3
  // Aborted by stop(): handlers that run long (an import) end at a safe point instead of being cut off.
  const stopping = new AbortController()

  const unawaited = outcomeStatements(jobSchema)
  const executeSql = (text: string, values?: unknown[]) => {
    const work = track(options.pool.query(text, values))
    if (!unawaited.has(text)) return work
    return work.catch((error: unknown) => {
      if (!isDatabaseUnreachable(error)) throw error
      options.log?.error({ err: error }, 'job outcome not recorded, the database is unreachable: without a heartbeat the job is taken back and retried')
      return { rows: [{ count: 0 }] }
    })
  }

  const boss = new PgBoss({
    db: { executeSql },
    schema: jobSchema,
    // Maintenance and cron belong to the processes that work; a process that only queues stays quiet.
    supervise: options.worker,
    schedule: options.worker,
    migrate: true,
  })
  const handlers = new Map<string, JobHandler>()
  const crons = new Map<string, string>()
  const policies = new Map<string, QueuePolicy>()
  const coalesced = new Set<string>()
  boss.on('error', (error) => options.log?.error({ err: error }, 'job queue error'))

  /**
   * Declares a queue; by default one pending job per key at a time ('stately'), so a burst of edits
   * recomputes once. 'standard' queues every job sent: a stately send waits on the pending job's
   * unique key while another transaction holds it, which a job sent by every write cannot afford.
   * With `cron`, a working process also schedules it: pg-boss sends a scheduled job once per tick
   * however many processes hold the schedule. With `coalesce`, the jobs are interchangeable (each
   * asks for "all there is to do") and a fetched batch of them runs the handler once.
   */
  function register(name: string, handler: JobHandler, options: { cron?: string; policy?: QueuePolicy; coalesce?: boolean } = {}) {
    handlers.set(name, handler)
    if (options.cron) crons.set(name, options.cron)
    policies.set(name, options.policy ?? 'stately')
    if (options.coalesce) coalesced.add(name)
  }

  const batchSizeOf = (name: string) => (coalesced.has(name) ? coalescedBatchSize : workBatchSize)

  /**
   * The jobs of a fetched batch to run: all of them, or the first alone for a coalesced queue. Every
   * job of that batch committed before the fetch, so one run that starts after it does what each asked.
   */
  const runsOf = <T>(name: string, jobs: T[]): T[] => (coalesced.has(name) ? jobs.slice(0, 1) : jobs)

  async function run(name: string, job: PgBoss.Job<object>) {
    const handler = handlers.get(name)!
    await track(handler(job.data as Record<string, unknown>, { signal: stopping.signal }))
  }

  /**
   * Runs `work` while beating for the jobs it holds: all of a fetched batch, as pg-boss marks them
   * active at once though they run one after the other.
   */
  async function holding<T>(name: string, jobs: PgBoss.Job<object>[], work: () => Promise<T>): Promise<T> {
    const ids = jobs.map((job) => job.id)
    if (ids.length === 0) return work()
    const beat = () =>
      track(
        options.pool.query(`update ${jobSchema}.job set started_on = now() where name = $1 and id = any($2::uuid[]) and state = 'active'`, [name, ids]),
      ).catch((error: unknown) => options.log?.error({ err: error }, 'job heartbeat failed'))
    const timer = setInterval(beat, beatMs)
    try {
      return await work()
    } finally {
      clearInterval(timer)
    }
  }

  /** Fails, for a retry, the active jobs whose heartbeat stopped: their worker is gone. */
  async function reclaim() {
    const { rows } = await track(
      options.pool.query<{ name: string; id: string }>(
        `select name, id from ${jobSchema}.job where state = 'active' and started_on < now() - make_interval(secs => $1)`,
        [expireSeconds],
      ),
    )
    for (const job of rows) await track(boss.fail(job.name, job.id, { message: `no heartbeat for ${expireSeconds} s: its worker is gone` }))
  }

  /**
   * Creates a queue unless it exists. Two processes starting at once on a fresh database both
   * create it; pg-boss's create_queue then deadlocks or trips over the other's rows, so the loser
   * looks again (the test with two server processes crashed one at start-up without this).
   */
  async function createQueue(name: string, known?: PgBoss.QueueResult) {
    const policy = policies.get(name)
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = known ?? (await boss.getQueue(name))
        if (!existing) await boss.createQueue(name, { name, policy, retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: hungAfterSeconds })
        // A queue made by an earlier version (the 15-minute expiry, another policy) is brought up to date.
        else if (existing.policy !== policy || existing.expireInSeconds !== hungAfterSeconds)
          await boss.updateQueue(name, { name, policy, expireInSeconds: hungAfterSeconds })
        return
      } catch (error) {
        if (!racingCreateCodes.includes((error as { code?: string }).code ?? '') || attempt >= 5) throw error
        known = undefined
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
      }
    }
  }

  let reclaiming: NodeJS.Timeout | undefined

  /**
   * Writes the cron schedules that are missing or changed: one read at a start instead of a write
   * for each. A database template holds them already (build-template.ts), so a new one writes none.
   */
  async function writeSchedules() {
    const written = new Map((await boss.getSchedules()).map((schedule) => [schedule.name, schedule.cron]))
    for (const [name, cron] of crons) if (written.get(name) !== cron) await boss.schedule(name, cron)
  }

  async function start() {
    await boss.start()
    // One read of every queue, not one per queue: a start-up on the embedded database paid 50 ms each.
    const queues = new Map((await boss.getQueues()).map((queue) => [queue.name, queue]))
    for (const name of handlers.keys()) {
      const queue = queues.get(name)
      if (!queue || queue.policy !== policies.get(name) || queue.expireInSeconds !== hungAfterSeconds) await createQueue(name, queue)
    }
    if (!options.worker) return
    const look = () => void reclaim().catch((error: unknown) => options.log?.error({ err: error }, 'reclaiming jobs without a heartbeat failed'))
    look()
    reclaiming = setInterval(look, beatMs)
    await writeSchedules()
    for (const name of handlers.keys()) {
      let workerId = ''
      const batchSize = batchSizeOf(name)
      workerId = await boss.work<object>(name, { pollingIntervalSeconds: options.pollingIntervalSeconds, batchSize }, async (jobs) => {
        // One at a time. A failure fails the whole batch and pg-boss retries its jobs: handlers are
        // idempotent (a matching run recomputes from scratch), so running one again is harmless.
        await holding(name, jobs, async () => {
          for (const job of runsOf(name, jobs)) await run(name, job)
        })
        // pg-boss pauses for the polling interval after every batch; a full batch means more are
        // waiting (after a bulk seed or import), so skip the pause.
        if (jobs.length === batchSize) boss.notifyWorker(workerId)
      })
    }
  }

  /**
   * Queues a job. Given a transaction, the job is inserted in it and exists only if the
   * transaction commits. `key` collapses repeated requests for the same subject.
   */
  async function send(name: string, data: object, options: { tx?: DbOrTx; key?: string; startAfterSeconds?: number } = {}) {
    await boss.send(name, data, {
      ...(options.key ? { singletonKey: options.key } : {}),
      // In a transaction pg-boss's SQL goes through executorOf, where each use of its start-after
      // parameter becomes a parameter of its own, typed by its context: one is a timestamptz, which
      // cannot parse "5". An instant parses everywhere.
      ...(options.startAfterSeconds ? { startAfter: options.tx ? new Date(Date.now() + options.startAfterSeconds * 1000) : options.startAfterSeconds } : {}),
      ...(options.tx ? { db: executorOf(options.tx) } : {}),
    })
  }

  /**
   * Queues many jobs of one queue in one statement (an import's batch), in the caller's transaction
   * when given. A key already pending is not queued again, as with `send`.
   */
  async function sendMany(name: string, jobs: Array<{ data: object; key?: string }>, options: { tx?: DbOrTx } = {}) {
    if (jobs.length === 0) return
    await boss.insert(
      jobs.map((job) => ({ name, data: job.data, ...(job.key ? { singletonKey: job.key } : {}) })),
      options.tx ? { db: executorOf(options.tx) } : {},
    )
  }

  /**
   * Runs every queued job now, in this process (tests, the CLI), batched as the worker batches
   * them; returns how many jobs were done (a coalesced batch counts each of its jobs).
   */
  async function runPending(): Promise<number> {
    let count = 0
    for (;;) {
      let done = 0
      for (const name of handlers.keys()) {
        const jobs = await boss.fetch<object>(name, { batchSize: batchSizeOf(name) })
        const coalescedInto = jobs.length > 0 && coalesced.has(name) ? jobs.map((job) => job.id) : undefined
        await holding(name, jobs, async () => {
          for (const job of runsOf(name, jobs)) {
            // The run stands for itself, or for the whole batch when the queue coalesces.
            const ids = coalescedInto ?? [job.id]
            try {
              await run(name, job)
              await boss.complete(name, ids)
            } catch (error) {
              for (const id of ids) await boss.fail(name, id, { message: (error as Error).message })
              throw error
            }
            done += ids.length
          }
        })
      }
      if (done === 0) return count
      count += done
    }
  }

  /**
   * Stops polling and returns once nothing of the queue's is running (or after stopTimeoutMs).
   * Handlers are told first (their signal aborts), so a long one pauses at its next safe point.
   */
  async function stop() {
    const deadline = Date.now() + stopTimeoutMs
    clearInterval(reclaiming)
    stopping.abort()
    await boss.stop({ graceful: true, wait: true, close: false, timeout: stopTimeoutMs })
    // A fetch that resolves hands its jobs to the handler a few promise turns later, and a handler
    // that ends is followed by pg-boss's completion query: only a turn of the event loop with
    // nothing running means the queue is idle.
    while (Date.now() < deadline) {
      if (running.size > 0) await Promise.race([Promise.allSettled([...running]), sleep(deadline - Date.now())])
      await new Promise((resolve) => setImmediate(resolve))
      if (running.size === 0) return
    }
    options.log?.error({ running: running.size }, 'job queue stopped with work still running')
  }

  return { register, start, writeSchedules, stop, send, sendMany, runPending }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)).unref())

export type JobQueue = ReturnType<typeof createJobQueue>

/** pg-boss's tables, created with the migrations so that every process (and test template) starts with them. */
export async function installJobSchema(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ installed: string | null }>(`select to_regclass('${jobSchema}.version') as installed`)
  if (rows[0]?.installed) return
  await client.query(PgBoss.getConstructionPlans(jobSchema))
}
