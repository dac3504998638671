import { lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { idempotencyKeys } from '../db/schema/index.ts'
import { vietnamDate, type Clock } from '../lib/clock.ts'
import type { JobQueue } from './queue.ts'

export const purgeIdempotencyKeysJob = 'maintenance.idempotency-keys'
export const compactActivityJob = 'maintenance.activity-rollup'
export const compactSearchStatisticsJob = 'maintenance.search-statistics'
export const maintainFacetCountsJob = 'maintenance.facet-counts'
export const purgeRateLimitCountersJob = 'maintenance.rate-limit-counters'
export const vacuumJob = 'maintenance.vacuum'
export const analyzeJob = 'maintenance.analyze'

/**
 * The tables that take appended rows, updates or deletes all day (counts and their changes, the
 * roll-up, rate-limit windows, idempotency records, the outbox and deliveries, the job queue):
 * without VACUUM their dead rows pile up and every read of them slows down.
 */
export const churnedTables = [
  'listing_facet_counts',
  'demand_facet_counts',
  'activity_rollup',
  'search_term_counts',
  'search_term_changes',
  'search_corpus_counts',
  'rate_limit_counters',
  'idempotency_keys',
  'outbox_events',
  'webhook_deliveries',
  'webhook_cursor',
  'match_runs',
  'pgboss.job',
  'pgboss.archive',
] as const

/**
 * Whether PostgreSQL vacuums and analyzes by itself: an autovacuum launcher runs. The embedded
 * database (PGlite, one process) has none, and a server may have autovacuum turned off.
 */
export async function autovacuumRuns(db: Db): Promise<boolean> {
  const result = await db.execute<{ runs: boolean }>(sql`select exists (select 1 from pg_stat_activity where backend_type = 'autovacuum launcher') as runs`)
  return result.rows[0]?.runs === true
}

/**
 * Autovacuum's work, where nothing else does it: VACUUM (ANALYZE) of the churned tables. Returns the
 * tables vacuumed (none when autovacuum runs). VACUUM cannot run in a transaction, so each is a
 * statement of its own on the pool.
 */
export async function vacuumChurnedTables(db: Db): Promise<string[]> {
  if (await autovacuumRuns(db)) return []
  // The job queue's tables exist once its worker has started; the rest come with the migrations.
  const present = await db.execute<{ name: string }>(
    sql`select name from unnest(array[${sql.join(
      churnedTables.map((table) => sql`${table}`),
      sql`, `,
    )}]::text[]) as name where to_regclass(name) is not null`,
  )
  const tables = present.rows.map((row) => row.name)
  for (const table of tables) await db.execute(sql.raw(`vacuum (analyze) ${table}`))
  return tables
}

/** ANALYZE of the whole database, where autovacuum does not keep the planner's statistics current. Returns whether it ran. */
export async function analyzeWhereNoAutovacuum(db: Db): Promise<boolean> {
  if (await autovacuumRuns(db)) return false
  await db.execute(sql`analyze`)
  return true
}

/** Deletes rate-limit counters whose window ended over a minute ago (src/http/rate-limit-store.ts); returns how many went. */
export async function purgeRateLimitCounters(db: Db): Promise<number> {
  const purged = await db.execute(sql`delete from rate_limit_counters where expires_at < clock_timestamp() - interval '1 minute'`)
  return purged.rowCount ?? 0
}

/** Deletes Idempotency-Key records past their 24 hours; returns how many went. */
export async function purgeIdempotencyKeys(db: Db, clock: Clock): Promise<number> {
  const purged = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, clock.now())).returning({ key: idempotencyKeys.key })
  return purged.length
}

/**
 * Folds the activity roll-up's appended rows into one per key (migrations/0016_activity_triggers.sql):
 * reports stay exact either way, and read fewer rows after it.
 */
export async function compactActivity(db: Db): Promise<void> {
  await db.execute(sql`select tx_activity_compact()`)
}

/**
 * Folds the appended rows of the search statistics (migrations/0026_retrieval_statistics.sql): a
 * search sums a term's rows either way, and reads one per term after it.
 */
export async function compactSearchStatistics(db: Db): Promise<void> {
  await db.execute(sql`select tx_search_compact()`)
}

/**
 * Keeps the browsing facet counts (migrations/0031_facet_count_triggers.sql) in step with the
 * calendar and small: marks the published listings whose validUntil has passed (Vietnam's date) as
 * counted expired, and unmarks those given a later date or none since (each statement's trigger
 * moves them between 'published' and 'expired' in the counts), then folds the appended rows.
 * Reads are exact meanwhile (listings.facets.ts corrects for what this has not caught up with);
 * running it keeps that correction empty. Returns how many listings it marked or unmarked.
 */
export async function maintainFacetCounts(db: Db, clock: Clock): Promise<number> {
  const today = vietnamDate(clock.now())
  const changed = await db.execute<{ id: string }>(sql`
    update listings set counted_expired = (valid_until is not null and valid_until < ${today})
    where status = 'published'
      and ((not counted_expired and valid_until is not null and valid_until < ${today})
        or (counted_expired and (valid_until is null or valid_until >= ${today})))
    returning id`)
  await db.execute(sql`select tx_facet_counts_compact()`)
  return changed.rows.length
}

/**
 * Housekeeping on the job queue's schedule: expired Idempotency-Key records go every hour; the
 * activity roll-up is compacted, and the facet counts maintained, every five minutes; the search
 * statistics are compacted, and ended rate-limit windows deleted, every minute. Where no autovacuum
 * runs (the embedded database), the churned tables are vacuumed every ten minutes and the whole
 * database analyzed every hour.
 */
export function registerMaintenanceJobs(jobs: JobQueue, deps: { db: Db; clock: Clock }) {
  jobs.register(
    purgeIdempotencyKeysJob,
    async () => {
      await purgeIdempotencyKeys(deps.db, deps.clock)
    },
    { cron: '17 * * * *' },
  )
  jobs.register(compactActivityJob, () => compactActivity(deps.db), { cron: '*/5 * * * *' })
  jobs.register(compactSearchStatisticsJob, () => compactSearchStatistics(deps.db), { cron: '* * * * *' })
  jobs.register(
    purgeRateLimitCountersJob,
    async () => {
      await purgeRateLimitCounters(deps.db)
    },
    { cron: '* * * * *' },
  )
  jobs.register(
    maintainFacetCountsJob,
    async () => {
      await maintainFacetCounts(deps.db, deps.clock)
    },
    { cron: '*/5 * * * *' },
  )
  jobs.register(
    vacuumJob,
    async () => {
      await vacuumChurnedTables(deps.db)
    },
    { cron: '3-59/10 * * * *' },
  )
  jobs.register(
    analyzeJob,
    async () => {
      await analyzeWhereNoAutovacuum(deps.db)
    },
    { cron: '41 * * * *' },
  )
}
