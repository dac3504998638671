import { sql } from 'drizzle-orm'
import { bigint, boolean, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { xid8 } from './columns.ts'

/**
 * Domain events (match.suggested, match.shortlisted, ...), written in the same transaction as the
 * change they describe, so an event exists exactly when its change committed. Webhook delivery and
 * the public event feed read from here.
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    // An identity orders events exactly and gives feeds a simple cursor.
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    type: text('type').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    // The organisations the event concerns (owners on both sides), for routing to their subscriptions.
    organizationIds: uuid('organization_ids').array().notNull(),
    payload: jsonb('payload').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    // Part of the public event feed (catalogue changes a mirror needs), not only of webhooks.
    public: boolean('public').notNull().default(false),
    // The writing transaction. Ids are drawn before commit, so a reader going by id alone could pass
    // an event whose transaction commits late; readers go by (transaction, id) and stop below the
    // oldest transaction still running (pg_snapshot_xmin), which no later commit can precede.
    transactionId: xid8('transaction_id')
      .notNull()
      .default(sql`pg_current_xact_id()`),
  },
  (table) => [
    index('outbox_events_subject_idx').on(table.subjectType, table.subjectId, table.id),
    index('outbox_events_order_idx').on(table.transactionId, table.id),
    index('outbox_events_public_idx')
      .on(table.transactionId, table.id)
      .where(sql`${table.public}`),
  ],
)
