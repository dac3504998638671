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

export const jobSchema = 'pgboss'

/** Jobs a worker fetches at once. */
const workBatchSize = 10

/** How long stop() waits for running jobs before it gives up on them (pg-boss retries them). */
const stopTimeoutMs = 10_000

/** deadlock_detected, unique_violation, duplicate_table: what a concurrent create_queue can raise. */
const racingCreateCodes = ['40P01', '23505', '42P07']

export type QueuePolicy = 'stately' | 'standard'

export type JobHandler = (data: Record<string, unknown>) => Promise<void>

export type JobQueueOptions = {
  pool: pg.Pool
  /** false: jobs are queued but this process does not poll for them (tests run them by hand). */
  worker: boolean
  pollingIntervalSeconds: number
  /** Where queue errors go; the CLI, which only queues, has none. */
  log?: Pick<FastifyBaseLogger, 'error'>
}

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

  const unawaited = outcomeStatements(jobSchema)
  const executeSql = (text: string, values?: unknown[]) => {
    const work = track(options.pool.query(text, values))
    if (!unawaited.has(text)) return work
    return work.catch((error: unknown) => {
      if (!isDatabaseUnreachable(error)) throw error
      options.log?.error({ err: error }, 'job outcome not recorded, the database is unreachable: the job will expire and be retried')
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
  boss.on('error', (error) => options.log?.error({ err: error }, 'job queue error'))

  /**
   * Declares a queue; by default one pending job per key at a time ('stately'), so a burst of edits
   * recomputes once. 'standard' queues every job sent: a stately send waits on the pending job's
   * unique key while another transaction holds it, which a job sent by every write cannot afford.
   * With `cron`, a working process also schedules it: pg-boss sends a scheduled job once per tick
   * however many processes hold the schedule.
   */
  function register(name: string, handler: JobHandler, options: { cron?: string; policy?: QueuePolicy } = {}) {
    handlers.set(name, handler)
    if (options.cron) crons.set(name, options.cron)
    policies.set(name, options.policy ?? 'stately')
  }

  async function run(name: string, job: PgBoss.Job<object>) {
    const handler = handlers.get(name)!
    await track(handler(job.data as Record<string, unknown>))
  }

  /**
   * Creates a queue unless it exists. Two processes starting at once on a fresh database both
   * create it; pg-boss's create_queue then deadlocks or trips over the other's rows, so the loser
   * looks again (the test with two server processes crashed one at start-up without this).
   */
  async function createQueue(name: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, policy: policies.get(name), retryLimit: 5, retryDelay: 5, retryBackoff: true })
        return
      } catch (error) {
        if (!racingCreateCodes.includes((error as { code?: string }).code ?? '') || attempt >= 5) throw error
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
      }
    }
  }

  async function start() {
    await boss.start()
    for (const name of handlers.keys()) await createQueue(name)
    if (!options.worker) return
    for (const [name, cron] of crons) await boss.schedule(name, cron)
    for (const name of handlers.keys()) {
      let workerId = ''
      workerId = await boss.work<object>(name, { pollingIntervalSeconds: options.pollingIntervalSeconds, batchSize: workBatchSize }, async (jobs) => {
        // One at a time. A failure fails the whole batch and pg-boss retries its jobs: handlers are
        // idempotent (a matching run recomputes from scratch), so running one again is harmless.
        for (const job of jobs) await run(name, job)
        // pg-boss pauses for the polling interval after every batch; a full batch means more are
        // waiting (after a bulk seed or import), so skip the pause.
        if (jobs.length === workBatchSize) boss.notifyWorker(workerId)
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

  /** Runs every queued job now, in this process (tests, the CLI); returns how many ran. */
  async function runPending(): Promise<number> {
    let count = 0
    for (;;) {
      let ran = 0
      for (const name of handlers.keys()) {
        const jobs = await boss.fetch<object>(name, { batchSize: 20 })
        for (const job of jobs) {
          try {
            await run(name, job)
            await boss.complete(name, job.id)
          } catch (error) {
            await boss.fail(name, job.id, { message: (error as Error).message })
            throw error
          }
          ran += 1
        }
      }
      if (ran === 0) return count
      count += ran
    }
  }

  /** Stops polling and returns once nothing of the queue's is running (or after stopTimeoutMs). */
  async function stop() {
    const deadline = Date.now() + stopTimeoutMs
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

  return { register, start, stop, send, sendMany, runPending }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)).unref())

export type JobQueue = ReturnType<typeof createJobQueue>

/** pg-boss's tables, created with the migrations so that every process (and test template) starts with them. */
export async function installJobSchema(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ installed: string | null }>(`select to_regclass('${jobSchema}.version') as installed`)
  if (rows[0]?.installed) return
  await client.query(PgBoss.getConstructionPlans(jobSchema))
}
