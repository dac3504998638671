import { lt } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { idempotencyKeys } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import type { JobQueue } from './queue.ts'

export const purgeIdempotencyKeysJob = 'maintenance.idempotency-keys'

/** Deletes Idempotency-Key records past their 24 hours; returns how many went. */
export async function purgeIdempotencyKeys(db: Db, clock: Clock): Promise<number> {
  const purged = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, clock.now())).returning({ key: idempotencyKeys.key })
  return purged.length
}

/** Housekeeping on the job queue's schedule: expired Idempotency-Key records go every hour. */
export function registerMaintenanceJobs(jobs: JobQueue, deps: { db: Db; clock: Clock }) {
  jobs.register(
    purgeIdempotencyKeysJob,
    async () => {
      await purgeIdempotencyKeys(deps.db, deps.clock)
    },
    { cron: '17 * * * *' },
  )
}
