import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type pg from 'pg'
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { jobSchema } from '../jobs/queue.ts'
import { preparedStatementFigures } from '../db/prepared.ts'
import type { Replicas } from '../db/replicas.ts'
import { unauthorized } from '../lib/problem.ts'

// Prometheus metrics at GET /metrics (docs/operations.md lists them; docs/grafana-dashboard.json
// draws them). Two kinds:
// - what this process saw: request durations by route and status, its pool, Node's own figures.
//   Each API process answers for itself; Prometheus scrapes every one and sums.
// - what the database holds: job queues, webhook deliveries, the outbox's lag, imports. Read from
//   PostgreSQL at each scrape, so every process reports the same values: a dashboard takes max().
// One registry per app (tests build many apps in one process); prom-client's global one is unused.

/** Routes whose own requests are not worth a histogram series each. */
const unmatchedRoute = 'unmatched'

export type MetricsOptions = {
  pool: pg.Pool
  replicas?: Replicas
  /** When set, /metrics needs `Authorization: Bearer <token>`; API keys do not open it. */
  token?: string
}

export function registerMetrics(app: FastifyInstance, options: MetricsOptions) {
  const registry = new Registry()
  // Node's own: CPU, memory, event loop lag, garbage collection.
  collectDefaultMetrics({ register: registry })

  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by route (the pattern, not the URL) and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  app.addHook('onResponse', async (request, reply) => {
    requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? unmatchedRoute, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })

  const { pool } = options
  new Gauge({
    name: 'techx_db_pool_connections',
    help: "This process's database connections, by state: in_use (checked out) or idle",
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount)
      this.set({ state: 'idle' }, pool.idleCount)
    },
  })
  new Gauge({
    name: 'techx_db_pool_waiting',
    help: 'Queries of this process waiting for a free connection',
    registers: [registry],
    collect() {
      this.set(pool.waitingCount)
    },
  })

  new Gauge({
    name: 'techx_db_prepared_statement_names',
    help: `Marked statement texts this process runs as named prepared statements (at most ${preparedStatementFigures().maxNames}; none on the embedded database or with DATABASE_PREPARED_STATEMENTS=false)`,
    registers: [registry],
    collect() {
      this.set(preparedStatementFigures().names)
    },
  })
  new Gauge({
    name: 'techx_db_prepared_statement_overflow',
    help: 'Executions of marked statements this process sent unnamed since it started, because every name was taken (should stay 0)',
    registers: [registry],
    collect() {
      this.set(preparedStatementFigures().overflow)
    },
  })

  const { replicas } = options
  if (replicas) {
    new Gauge({
      name: 'techx_db_replica_lag_seconds',
      help: 'How far each read replica was behind the primary at its last check (absent while it does not answer); replicas are numbered as in DATABASE_REPLICA_URLS',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        this.reset()
        replicas.list.forEach((replica, index) => {
          if (replica.lagSeconds !== null) this.set({ replica: String(index + 1) }, replica.lagSeconds)
        })
      },
    })
    new Gauge({
      name: 'techx_db_replica_up',
      help: 'Whether each read replica answered its last check (1) or not (0)',
      labelNames: ['replica'],
      registers: [registry],
      collect() {
        replicas.list.forEach((replica, index) => this.set({ replica: String(index + 1) }, replica.lagSeconds === null ? 0 : 1))
      },
    })
  }

  // The database's figures: one read per scrape, shared by the gauges below.
  let reading: { at: number; figures: Promise<DatabaseFigures> } | undefined
  const figures = () => {
    if (!reading || Date.now() - reading.at > 1000) reading = { at: Date.now(), figures: readFigures(pool) }
    return reading.figures
  }
  const databaseGauge = (name: string, help: string, labelNames: string[], fill: (gauge: Gauge, figures: DatabaseFigures) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset()
        fill(this, await figures())
      },
    })
  databaseGauge('techx_database_up', 'Whether the last scrape could read the database (1) or not (0)', [], (gauge, read) => gauge.set(read.up))
  databaseGauge('techx_job_queue_jobs', 'Jobs not yet finished, by queue and state (created, retry, active)', ['queue', 'state'], (gauge, read) => {
    for (const row of read.jobs) gauge.set({ queue: row.queue, state: row.state }, row.count)
  })
  databaseGauge('techx_job_queue_oldest_seconds', "Age of each queue's oldest job not yet finished", ['queue'], (gauge, read) => {
    for (const [queue, age] of read.oldestJob) gauge.set({ queue }, age)
  })
  databaseGauge('techx_webhook_deliveries_pending', 'Webhook deliveries waiting for a (next) attempt', [], (gauge, read) => gauge.set(read.webhooks.pending))
  databaseGauge('techx_webhook_oldest_pending_seconds', 'Age of the oldest pending webhook delivery', [], (gauge, read) =>
    gauge.set(read.webhooks.oldestPendingSeconds),
  )
  databaseGauge('techx_webhook_deliveries_failed_24h', 'Webhook deliveries given up in the last 24 hours', [], (gauge, read) =>
    gauge.set(read.webhooks.failed24h),
  )
  databaseGauge('techx_outbox_lag_events', 'Events written but not yet fanned out to webhook deliveries (counted up to 10,000)', [], (gauge, read) =>
    gauge.set(read.outbox.events),
  )
  databaseGauge('techx_outbox_lag_seconds', 'Age of the oldest event not yet fanned out to webhook deliveries', [], (gauge, read) =>
    gauge.set(read.outbox.seconds),
  )
  databaseGauge('techx_imports', 'Imports not yet finished, by status (queued, running)', ['status'], (gauge, read) => {
    for (const row of read.imports) gauge.set({ status: row.status }, row.count)
  })
  databaseGauge('techx_import_rows', 'Rows of the running imports: in their files (total) and processed so far (done)', ['state'], (gauge, read) => {
    gauge.set({ state: 'total' }, read.importRows.total)
    gauge.set({ state: 'done' }, read.importRows.done)
  })

  const token = options.token ? Buffer.from(options.token) : undefined
  app.get('/metrics', { schema: { hide: true }, config: { skipApiKey: true } }, async (request, reply) => {
    if (token) {
      const given = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? '')
      if (given.length !== token.length || !timingSafeEqual(given, token)) throw unauthorized('/metrics needs Authorization: Bearer <METRICS_TOKEN>')
    }
    reply.header('content-type', registry.contentType)
    return registry.metrics()
  })
}

type DatabaseFigures = {
  up: number
  jobs: { queue: string; state: string; count: number }[]
  oldestJob: Map<string, number>
  webhooks: { pending: number; oldestPendingSeconds: number; failed24h: number }
  outbox: { events: number; seconds: number }
  imports: { status: string; count: number }[]
  importRows: { total: number; done: number }
}

const down: DatabaseFigures = {
  up: 0,
  jobs: [],
  oldestJob: new Map(),
  webhooks: { pending: 0, oldestPendingSeconds: 0, failed24h: 0 },
  outbox: { events: 0, seconds: 0 },
  imports: [],
  importRows: { total: 0, done: 0 },
}

/**
 * Each read is bounded by an index (the partial ones of migration 0040 for deliveries, the outbox's
 * (transaction, id) order) or by a small table (the queues' unfinished jobs, the imports).
 */
async function readFigures(pool: pg.Pool): Promise<DatabaseFigures> {
  try {
    const [jobs, webhooks, outbox, imports] = await Promise.all([
      pool.query<{ queue: string; state: string; count: number; oldest: number }>(
        `select name as queue, state::text, count(*)::int as count, extract(epoch from now() - min(created_on))::float8 as oldest
         from ${jobSchema}.job where state < 'completed' group by name, state`,
      ),
      pool.query<{ pending: number; oldest: number | null; failed: number }>(
        `select (select count(*)::int from webhook_deliveries where status = 'pending') as pending,
                (select extract(epoch from now() - min(created_at))::float8 from webhook_deliveries where status = 'pending') as oldest,
                (select count(*)::int from webhook_deliveries where status = 'failed' and updated_at > now() - interval '24 hours') as failed`,
      ),
      // Before the fan-out's first run there is no cursor: every event is behind. The cursor comes in
      // as scalar subqueries, which the index scan takes as its start: joined as a table, it was a
      // filter over the whole index (102 ms and 5,769 buffers at 300k events, against 1.2 ms and 7).
      pool.query<{ events: number; oldest: number | null }>(
        `select count(*)::int as events, extract(epoch from now() - min(occurred_at))::float8 as oldest
         from (select occurred_at from outbox_events
               where (transaction_id, id) > ((select coalesce(max(transaction_id::text), '0')::xid8 from webhook_cursor),
                                             (select coalesce(max(event_id), 0) from webhook_cursor))
               order by transaction_id, id limit 10000) as behind`,
      ),
      pool.query<{ status: string; count: number; total: number; done: number }>(
        `select status, count(*)::int as count, sum(total_rows)::int as total, sum(rows_done)::int as done
         from imports where status in ('queued', 'running') group by status`,
      ),
    ])
    const oldestJob = new Map<string, number>()
    for (const row of jobs.rows) oldestJob.set(row.queue, Math.max(oldestJob.get(row.queue) ?? 0, row.oldest))
    const running = imports.rows.find((row) => row.status === 'running')
    return {
      up: 1,
      jobs: jobs.rows,
      oldestJob,
      webhooks: { pending: webhooks.rows[0]!.pending, oldestPendingSeconds: webhooks.rows[0]!.oldest ?? 0, failed24h: webhooks.rows[0]!.failed },
      outbox: { events: outbox.rows[0]!.events, seconds: outbox.rows[0]!.oldest ?? 0 },
      imports: imports.rows,
      importRows: { total: running?.total ?? 0, done: running?.done ?? 0 },
    }
  } catch {
    return down
  }
}
