import { sql } from 'drizzle-orm'
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id } from './columns.ts'
import { organizations } from './organizations.ts'

export type DelegationStatus = 'proposed' | 'active' | 'declined' | 'expired' | 'withdrawn' | 'ended'
export type DelegationOrigin = 'proposal' | 'onboarding' | 'operator'

/**
 * A connection point or DOST (the agent) acting for a member organisation. Only an `active` row
 * lets the agent create and manage the member's listings and demands. A row becomes active when the
 * member's admin accepts the agent's proposal, or at once when the agent onboarded the member or
 * the operator recorded it on a stated basis. Closed rows (declined, expired, withdrawn, ended) are
 * kept, so the history of who could act for whom stays readable. The states and who moves them:
 * src/modules/delegations/delegations.process.ts.
 */
export const delegations = pgTable(
  'delegations',
  {
    id: id(),
    agentOrganizationId: uuid('agent_organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    memberOrganizationId: uuid('member_organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    // Fail closed: a row written without a status grants nothing.
    status: text('status').$type<DelegationStatus>().notNull().default('proposed'),
    origin: text('origin').$type<DelegationOrigin>().notNull().default('proposal'),
    // Why the operator recorded the delegation without the member's acceptance (a signed mandate, ...).
    basis: text('basis'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    // Null when created from the command line or a migration, which have no key.
    createdByKeyId: uuid('created_by_key_id'),
    // A proposal lapses at this instant unless the member answered it.
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    acceptedAt: timestamp('accepted_at', { withTimezone: true, mode: 'date' }),
    acceptedByKeyId: uuid('accepted_by_key_id'),
    // When the row closed (declined, expired, withdrawn or ended), by whom (null: expiry) and why.
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
    endedByOrganizationId: uuid('ended_by_organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    endReason: text('end_reason'),
  },
  (table) => [
    check('delegations_distinct_check', sql`${table.agentOrganizationId} <> ${table.memberOrganizationId}`),
    check('delegations_status_check', sql`${table.status} in ('proposed', 'active', 'declined', 'expired', 'withdrawn', 'ended')`),
    check('delegations_origin_check', sql`${table.origin} in ('proposal', 'onboarding', 'operator')`),
    check('delegations_basis_check', sql`${table.origin} <> 'operator' or ${table.basis} is not null`),
    check('delegations_expiry_check', sql`${table.status} <> 'proposed' or ${table.expiresAt} is not null`),
    // Open (proposed or active) exactly while the row has not closed.
    check('delegations_closed_check', sql`(${table.status} in ('proposed', 'active')) = (${table.endedAt} is null)`),
    // At most one open delegation per pair: a second proposal while one is pending or active is a
    // 409. A pair may be delegated again once it closed. Access checks find the active row by it.
    uniqueIndex('delegations_open_pair_key')
      .on(table.agentOrganizationId, table.memberOrganizationId)
      .where(sql`${table.status} in ('proposed', 'active')`),
    index('delegations_member_idx').on(table.memberOrganizationId),
    // The expiry sweep reads the pending proposals by due time.
    index('delegations_proposed_expiry_idx')
      .on(table.expiresAt)
      .where(sql`${table.status} = 'proposed'`),
  ],
)
