import type { Db, Tx } from '../../db/client.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import type { Clock } from '../../lib/clock.ts'
import { recordAudit } from '../../core/audit.ts'
import { fanOutJob, type RecordEvents } from '../../core/outbox.ts'
import * as repo from './webhooks.dispatch-repo.ts'
import { messageBody, messageIdOf, signature } from './webhooks.signing.ts'
import type { WebhookSender } from './webhooks.transport.ts'

// The job side of webhooks. The fan-out turns committed outbox events into deliveries (one per
// subscription and event) and queues one delivery job each; a delivery job makes one attempt and,
// when it fails, queues the next one after the configured delay. The retry schedule is ours, not
// pg-boss's: a failed POST is a normal outcome of the job, which succeeds.

export const deliverJob = 'webhooks.deliver'

export type DeliverJob = { deliveryId: string; attempt: number; retry: number }

export type DispatchSettings = {
  /** Seconds before each retry (WEBHOOK_RETRY_SECONDS); a delivery makes 1 + retryDelays.length attempts per cycle. */
  retryDelays: number[]
  timeoutMs: number
}

/** Events read per statement, and statements per fan-out transaction. */
const batchSize = 500
const batchesPerTransaction = 10
/** A pending delivery this overdue has lost its job: the safety net queues it again. */
const overdueMs = 3_600_000
const sweepIntervalMs = 60_000

export const disabledReason = 'A delivery failed every retry'

export function createWebhookDispatch(deps: {
  db: Db
  clock: Clock
  jobs: Pick<JobQueue, 'send'>
  recordEvents: RecordEvents
  send: WebhookSender
  settings: DispatchSettings
}) {
  const { db, clock, jobs, recordEvents, send, settings } = deps
  let lastSweep = 0

  /**
   * Hands every committed event after the cursor to the subscriptions it concerns, in commit
   * order, a few thousand events per transaction; the cursor moves in the transaction that
   * created the deliveries, so an event is fanned out exactly once. Returns the counts.
   */
  async function fanOut(): Promise<{ events: number; deliveries: number }> {
    const total = { events: 0, deliveries: 0 }
    for (;;) {
      const { events, deliveries, more } = await db.transaction(async (tx) => {
        const horizon = await repo.commitHorizon(tx)
        let from = await repo.lockCursor(tx)
        const done = { events: 0, deliveries: 0, more: false }
        const now = clock.now()
        for (let batch = 0; batch < batchesPerTransaction; batch++) {
          const found = await repo.batchEnd(tx, from, horizon, batchSize)
          if (!found) return done
          const ids = await repo.insertDeliveries(tx, { from, to: found.end }, now)
          for (const deliveryId of ids) await jobs.send(deliverJob, { deliveryId, attempt: 1, retry: 0 } satisfies DeliverJob, { tx })
          await repo.moveCursor(tx, found.end)
          from = found.end
          done.events += found.count
          done.deliveries += ids.length
          if (found.count < batchSize) return done
        }
        return { ...done, more: true }
      })
      total.events += events
      total.deliveries += deliveries
      if (!more) break
    }
    if (clock.now().getTime() - lastSweep >= sweepIntervalMs) await requeueOverdue()
    return total
  }

  /** The safety net for lost delivery jobs, run with the fan-out at most once a minute per process. */
  async function requeueOverdue(): Promise<number> {
    const now = clock.now()
    lastSweep = now.getTime()
    return db.transaction(async (tx) => {
      const overdue = await repo.overdueDeliveries(tx, new Date(now.getTime() - overdueMs), 100)
      for (const delivery of overdue) {
        const retry = Math.min(delivery.failures, settings.retryDelays.length)
        await jobs.send(deliverJob, { deliveryId: delivery.id, attempt: delivery.attempt, retry } satisfies DeliverJob, { tx })
        await repo.markRequeued(tx, delivery.id, now)
      }
      return overdue.length
    })
  }

  /** One attempt of one delivery: claim it, POST it, record the outcome and what comes next. */
  async function deliver(job: DeliverJob): Promise<void> {
    const attemptedAt = clock.now()
    // An attempt claimed this long ago and never recorded died with its process.
    const staleBefore = new Date(attemptedAt.getTime() - settings.timeoutMs - 60_000)
    const claimed = await repo.claimAttempt(db, { id: job.deliveryId, attempt: job.attempt, now: attemptedAt, staleBefore })
    if (!claimed) return explainUnclaimed(job)

    const id = messageIdOf(claimed.eventId)
    const timestamp = Math.floor(attemptedAt.getTime() / 1000)
    const body = messageBody(claimed)
    const response = await send({
      url: claimed.url,
      body,
      headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature(claimed.secret, { id, timestamp, body }) },
    })

    const now = clock.now()
    await db.transaction(async (tx) => {
      const record = (status: 'pending' | 'succeeded' | 'failed', nextAttemptAt: Date | null) =>
        repo.recordAttempt(tx, { id: claimed.id, attempt: job.attempt, attemptedAt, response, status, nextAttemptAt, now })
      if (response.error === null) {
        await record('succeeded', null)
        return
      }
      const delay = settings.retryDelays[job.retry]
      if (delay !== undefined) {
        if (!(await record('pending', new Date(now.getTime() + delay * 1000)))) return
        await jobs.send(deliverJob, { deliveryId: claimed.id, attempt: job.attempt + 1, retry: job.retry + 1 } satisfies DeliverJob, {
          tx,
          startAfterSeconds: delay,
        })
        return
      }
      if (!(await record('failed', null))) return
      await giveUp(tx, claimed, now)
    })
  }

  /** The last retry failed: the subscription is disabled, and its owner told by an event. */
  async function giveUp(tx: Tx, delivery: repo.ClaimedDelivery, now: Date) {
    const disabled = await repo.disableSubscription(tx, { id: delivery.subscriptionId, reason: disabledReason, now })
    // Another delivery gave up first: it has disabled the subscription and told the owner.
    if (!disabled) return
    await repo.stopPendingDeliveries(tx, delivery.subscriptionId, 'The webhook was disabled', now)
    await recordAudit(tx, {
      actor: null,
      owningOrganizationId: disabled.organizationId,
      operation: 'webhook.disable',
      targetType: 'webhook',
      targetId: delivery.subscriptionId,
      before: { status: 'active' },
      after: { status: 'disabled', disabledReason },
      occurredAt: now,
    })
    await recordEvents(tx, [
      {
        type: 'webhook.subscription_disabled',
        subjectType: 'webhook',
        subjectId: delivery.subscriptionId,
        organizationIds: [disabled.organizationId],
        payload: {
          webhookId: delivery.subscriptionId,
          url: disabled.url,
          reason: disabledReason,
          disabledAt: now.toISOString(),
          lastDeliveryId: delivery.id,
          eventId: delivery.eventId,
        },
        occurredAt: now,
      },
    ])
  }

  /**
   * A job that found nothing to claim: usually a repeat of work already done (nothing to do), or a
   * delivery whose subscription was disabled meanwhile (it stops, failed). An attempt claimed
   * moments ago by another worker and not yet recorded makes the job fail, so pg-boss runs it again
   * later, when that attempt is either recorded or stale.
   */
  async function explainUnclaimed(job: DeliverJob): Promise<void> {
    const state = await repo.deliveryState(db, job.deliveryId)
    if (!state || state.status !== 'pending') return
    if (state.subscriptionStatus !== 'active') {
      await repo.stopDelivery(db, job.deliveryId, 'The webhook was disabled', clock.now())
      return
    }
    if (state.attempts === job.attempt && !state.logged) throw new Error(`webhook delivery ${job.deliveryId}: attempt ${job.attempt} is in progress elsewhere`)
  }

  return { fanOut, deliver, requeueOverdue }
}

export type WebhookDispatch = ReturnType<typeof createWebhookDispatch>

/** Reads a delivery job's data; a malformed one (never sent by us) is dropped. */
function deliverJobOf(data: Record<string, unknown>): DeliverJob | undefined {
  const { deliveryId, attempt, retry } = data
  if (typeof deliveryId !== 'string' || !Number.isInteger(attempt) || !Number.isInteger(retry)) return undefined
  return { deliveryId, attempt: attempt as number, retry: retry as number }
}

/**
 * The fan-out runs when a write queues it (recordEventsVia) and, as a safety net, every minute;
 * both queues are 'standard' (every job sent is kept), since a send from every write must not wait.
 */
export function registerWebhookJobs(jobs: Pick<JobQueue, 'register'>, dispatch: WebhookDispatch) {
  // Every write that records events sends one (standard: a stately send would make concurrent
  // writers wait on one another); a run hands on every committed event, so a batch runs once.
  jobs.register(fanOutJob, async () => void (await dispatch.fanOut()), { policy: 'standard', cron: '* * * * *', coalesce: true })
  jobs.register(
    deliverJob,
    async (data) => {
      const job = deliverJobOf(data)
      if (job) await dispatch.deliver(job)
    },
    { policy: 'standard' },
  )
}
