import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

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
  },
  (table) => [index('outbox_events_subject_idx').on(table.subjectType, table.subjectId, table.id)],
)
