import type { Db } from '../../db/client.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import type { Clock } from '../../lib/clock.ts'
import { AppError } from '../../lib/problem.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import * as repo from './deals.repo.ts'
import type { DealService } from './deals.service.ts'

// The deal timers: unanswered interests expire, unanswered offers lapse, and reminders go out
// before both. A pg-boss cron job runs the sweep every minute; due times live in the rows, so the
// sweep reads the (injectable) clock and tests move it by hand. Each expiry and lapse is a system
// transition under the deal's row lock, and each reminder a conditional update: with several API
// processes sweeping at once, every one of them still happens once.

export const dealTimersJob = 'deals.timers'
const batchSize = 100

export type SweepResult = { expired: number; lapsed: number; reminders: number }

export function createDealTimers(deps: { db: Db; clock: Clock; deals: DealService; recordEvents: RecordEvents }) {
  const { db, clock, deals, recordEvents } = deps

  /** Fires a system transition; false when another process (or a party) got there first. */
  async function fireOnce(dealId: string, transition: 'expire_interest' | 'lapse_offer'): Promise<boolean> {
    try {
      await deals.fire(null, dealId, { transition })
      return true
    } catch (error) {
      if (error instanceof AppError && error.status === 409) return false
      throw error
    }
  }

  async function sweep(): Promise<SweepResult> {
    const result: SweepResult = { expired: 0, lapsed: 0, reminders: 0 }
    const now = clock.now()
    // Batch after batch until one comes back short: a backlog (after downtime) clears in one sweep.
    for (let due = await repo.dueInterests(db, now, batchSize); ; due = await repo.dueInterests(db, now, batchSize)) {
      let fired = 0
      for (const id of due) if (await fireOnce(id, 'expire_interest')) fired += 1
      result.expired += fired
      if (due.length < batchSize || fired === 0) break
    }
    for (let due = await repo.dueOffers(db, now, batchSize); ; due = await repo.dueOffers(db, now, batchSize)) {
      let fired = 0
      for (const { dealId } of due) if (await fireOnce(dealId, 'lapse_offer')) fired += 1
      result.lapsed += fired
      if (due.length < batchSize || fired === 0) break
    }
    for (;;) {
      const { sent, more } = await remind(now)
      result.reminders += sent
      if (!more) break
    }
    return result
  }

  /** Claims and announces one batch of due reminders of each kind; `more` when a batch came back full. */
  async function remind(now: Date): Promise<{ sent: number; more: boolean }> {
    return db.transaction(async (tx) => {
      const reminded = await repo.claimInterestReminders(tx, now, batchSize)
      await recordEvents(
        tx,
        reminded.map((deal) => ({
          type: 'deal.interest_reminder',
          subjectType: 'deal',
          subjectId: deal.id,
          organizationIds: [deal.providerId, deal.seekerId],
          payload: {
            dealId: deal.id,
            listingId: deal.listingId,
            respondBy: deal.respondBy?.toISOString() ?? null,
            respondent: deal.initiatedBy === 'seeker' ? 'provider' : 'seeker',
          },
          occurredAt: now,
        })),
      )
      const offers = await repo.claimOfferReminders(tx, now, batchSize)
      for (const offer of offers) {
        const deal = (await repo.findDeal(tx, offer.dealId))!
        await recordEvents(tx, [
          {
            type: 'deal.offer_reminder',
            subjectType: 'deal',
            subjectId: deal.id,
            organizationIds: [deal.providerId, deal.seekerId],
            payload: {
              dealId: deal.id,
              offerId: offer.id,
              validUntil: offer.validUntil.toISOString(),
              respondent: offer.madeBy === 'provider' ? 'seeker' : 'provider',
            },
            occurredAt: now,
          },
        ])
      }
      return { sent: reminded.length + offers.length, more: reminded.length === batchSize || offers.length === batchSize }
    })
  }

  return { sweep }
}

export type DealTimerService = ReturnType<typeof createDealTimers>

/** The sweep as a cron job: pg-boss sends it once a minute however many processes run. */
export function registerDealJobs(jobs: JobQueue, timers: DealTimerService) {
  jobs.register(
    dealTimersJob,
    async () => {
      await timers.sweep()
    },
    { cron: '* * * * *' },
  )
}
