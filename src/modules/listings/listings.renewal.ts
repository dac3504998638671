import { and, asc, eq, gte, inArray, isNotNull, lte, not, sql } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { listings } from '../../db/schema/index.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import { addDays, daysBetween, vietnamDate, type Clock } from '../../lib/clock.ts'
import type { RecordEvents } from '../../core/outbox.ts'

// Renewal reminders: a published listing's owner hears, `reminderDays` before its validUntil, that
// the listing is about to drop out of search, so it can renew it (POST /v1/listings/{id}/renew,
// listings.service.ts). The reminder is an event to the owner (listing.renewal_due: its webhooks),
// sent once per validUntil: the row keeps the date it was sent for, so a renewal to a new date gets
// a reminder of its own.

export const listingRenewalJob = 'listings.renewal'
export const renewalDueEvent = 'listing.renewal_due'
const batchSize = 100

export function createRenewalReminders(deps: { db: Db; clock: Clock; recordEvents: RecordEvents; reminderDays: number }) {
  const { db, clock, recordEvents, reminderDays } = deps

  /**
   * Claims and announces every due reminder, a batch a transaction; how many went out. Due: a
   * published listing whose validUntil is today or within `reminderDays`, not reminded for that
   * date. SKIP LOCKED, so sweeps of several processes share the work instead of repeating it.
   */
  async function remind(): Promise<number> {
    if (reminderDays === 0) return 0
    let total = 0
    for (;;) {
      const sent = await db.transaction(async (tx) => {
        const now = clock.now()
        const today = vietnamDate(now)
        const lastDay = addDays(today, reminderDays)
        // Published and not yet held as expired: the condition of listings_uncounted_expiry_idx.
        const due = tx
          .select({ id: listings.id })
          .from(listings)
          .where(
            and(
              eq(listings.status, 'published'),
              not(listings.countedExpired),
              isNotNull(listings.validUntil),
              gte(listings.validUntil, today),
              lte(listings.validUntil, lastDay),
              sql`${listings.renewalRemindedFor} is distinct from ${listings.validUntil}`,
            ),
          )
          .orderBy(asc(listings.validUntil))
          .limit(batchSize)
          .for('update', { skipLocked: true })
        const claimed = await tx
          .update(listings)
          .set({ renewalRemindedFor: sql`${listings.validUntil}` })
          .where(inArray(listings.id, due))
          .returning({ id: listings.id, ownerId: listings.ownerId, validUntil: listings.validUntil })
        await recordEvents(
          tx,
          claimed.map((listing) => ({
            type: renewalDueEvent,
            subjectType: 'listing',
            subjectId: listing.id,
            organizationIds: [listing.ownerId],
            payload: { listingId: listing.id, validUntil: listing.validUntil!, daysLeft: daysBetween(today, listing.validUntil!) },
            occurredAt: now,
          })),
        )
        return claimed.length
      })
      total += sent
      if (sent < batchSize) return total
    }
  }

  return { remind }
}

export type RenewalReminders = ReturnType<typeof createRenewalReminders>

/** Hourly: a reminder is days ahead of the date it is about, so an hour late is on time. */
export function registerListingRenewalJobs(jobs: JobQueue, reminders: RenewalReminders) {
  jobs.register(listingRenewalJob, async () => void (await reminders.remind()), { cron: '23 * * * *' })
}
