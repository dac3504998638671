import type { DbOrTx } from '../db/client.ts'
import type { JobQueue } from '../jobs/queue.ts'
import { outboxEvents } from '../db/schema/index.ts'

export type OutboxEvent = {
  type: string
  subjectType: string
  subjectId: string
  organizationIds: string[]
  payload: Record<string, unknown>
  occurredAt: Date
  /** In the public event feed (GET /v1/events): a change to the public catalogue. Default false. */
  public?: boolean
}

/** Writes events in the caller's transaction: they exist exactly when the change they report committed. */
export async function recordEvents(tx: DbOrTx, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return
  await tx.insert(outboxEvents).values(events.map((event) => ({ ...event, organizationIds: [...new Set(event.organizationIds)] })))
}

/** The job that hands new events to webhook subscriptions (src/modules/webhooks). */
export const fanOutJob = 'webhooks.fanout'

export type RecordEvents = (tx: DbOrTx, events: OutboxEvent[]) => Promise<void>

/**
 * How services record events: in the caller's transaction, with a fan-out job queued in the same
 * transaction, so webhooks hear of a change as soon as it commits, and never of one that did not.
 */
export function recordEventsVia(jobs: Pick<JobQueue, 'send'>): RecordEvents {
  return async (tx, events) => {
    if (events.length === 0) return
    await recordEvents(tx, events)
    await jobs.send(fanOutJob, {}, { tx })
  }
}
