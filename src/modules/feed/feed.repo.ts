import { and, asc, inArray, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { outboxEvents } from '../../db/schema/index.ts'

/** A place in the feed: the writing transaction and the event id within it. */
export type FeedPosition = { transactionId: string; id: number }

export type FeedRow = Awaited<ReturnType<typeof listPublicEvents>>[number]

/**
 * Public events after `after`, in (transaction, id) order, from transactions that are over: only
 * below the oldest transaction still running (pg_snapshot_xmin), as every later commit, whatever
 * ids it drew, will have a transaction id at or above it, so it can never land behind a position
 * a reader has passed.
 */
export async function listPublicEvents(db: DbOrTx, params: { after: FeedPosition; types?: string[]; limit: number }) {
  return db
    .select({
      id: outboxEvents.id,
      type: outboxEvents.type,
      subjectType: outboxEvents.subjectType,
      subjectId: outboxEvents.subjectId,
      payload: outboxEvents.payload,
      occurredAt: outboxEvents.occurredAt,
      transactionId: outboxEvents.transactionId,
    })
    .from(outboxEvents)
    .where(
      and(
        // As a bare column, so the partial index on public events applies.
        sql`${outboxEvents.public}`,
        sql`${outboxEvents.transactionId} < pg_snapshot_xmin(pg_current_snapshot())`,
        sql`(${outboxEvents.transactionId}, ${outboxEvents.id}) > (${params.after.transactionId}::xid8, ${params.after.id})`,
        params.types ? inArray(outboxEvents.type, params.types) : undefined,
      ),
    )
    .orderBy(asc(outboxEvents.transactionId), asc(outboxEvents.id))
    .limit(params.limit)
}
