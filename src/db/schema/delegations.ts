import { sql } from 'drizzle-orm'
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id } from './columns.ts'
import { organizations } from './organizations.ts'

/**
 * A connection point or DOST (the agent) acting for a member organisation: it may create and
 * manage the member's listings and demands until either side ends the delegation. Ended rows are
 * kept, so the history of who could act for whom stays readable.
 */
export const delegations = pgTable(
  'delegations',
  {
    id: id(),
    agentOrganizationId: uuid('agent_organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
    memberOrganizationId: uuid('member_organization_id').notNull().references(() => organizations.id, { onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    // Null when created from the command line or a migration, which have no key.
    createdByKeyId: uuid('created_by_key_id'),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
    endedByOrganizationId: uuid('ended_by_organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    endReason: text('end_reason'),
  },
  (table) => [
    check('delegations_distinct_check', sql`${table.agentOrganizationId} <> ${table.memberOrganizationId}`),
    // At most one active delegation per pair; a pair may be delegated again after it ended.
    uniqueIndex('delegations_active_pair_key').on(table.agentOrganizationId, table.memberOrganizationId).where(sql`${table.endedAt} is null`),
    index('delegations_member_idx').on(table.memberOrganizationId),
  ],
)
