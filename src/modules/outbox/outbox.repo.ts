import type { DbOrTx } from '../../db/client.ts'
import { outboxEvents } from '../../db/schema/index.ts'

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
