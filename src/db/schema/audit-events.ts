import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

/** Before/after of each changed field; creations have only `after`, removals only `before`. */
export type AuditChanges = Record<string, { before?: unknown; after?: unknown }>

/**
 * One row per write, inserted in the same transaction as the write itself, so the trail never
 * records a change that rolled back nor misses one that committed.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    // An identity, not a UUID: it orders events exactly and makes a simple keyset cursor.
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    requestId: text('request_id'),
    // Null for changes made from the command line, which has no key.
    keyId: uuid('key_id'),
    actingOrganizationId: uuid('acting_organization_id'),
    owningOrganizationId: uuid('owning_organization_id'),
    operation: text('operation').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    changes: jsonb('changes').$type<AuditChanges>().notNull().default({}),
  },
  (table) => [
    index('audit_events_owning_idx').on(table.owningOrganizationId, table.id.desc()),
    index('audit_events_acting_idx').on(table.actingOrganizationId, table.id.desc()),
    index('audit_events_target_idx').on(table.targetType, table.targetId, table.id.desc()),
  ],
)
