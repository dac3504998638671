import { lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { idempotencyKeys } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import type { JobQueue } from './queue.ts'

export const purgeIdempotencyKeysJob = 'maintenance.idempotency-keys'
export const compactActivityJob = 'maintenance.activity-rollup'

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
 * Housekeeping on the job queue's schedule: expired Idempotency-Key records go every hour; the
 * activity roll-up is compacted every five minutes.
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
}
