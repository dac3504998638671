import { sql } from 'drizzle-orm'
import { bigint, check, date, index, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'
import { deals } from './deals.ts'
import { demands } from './demands.ts'
import { listings } from './listings.ts'
import { organizations } from './organizations.ts'

export type TaskOutput = { title: string; kind: string; url?: string; deliveredOn?: string }

/**
 * A joint task (nhiệm vụ): a lead organisation and its partners working on a market need or a
 * province's key product, with its funding, the records it builds on and what it produced. Its
 * states and who may move them are declared in src/modules/tasks/tasks.process.ts.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: id(),
    title: text('title').notNull(),
    objectives: text('objectives').notNull(),
    leadId: uuid('lead_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    // The province whose key product or need the task serves (as filed, and its 2025 unit).
    provinceCode: text('province_code'),
    currentProvinceCode: text('current_province_code'),
    keyProduct: text('key_product'),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    outputs: jsonb('outputs').$type<TaskOutput[]>().notNull().default([]),
    status: text('status').$type<TaskState>().notNull().default('proposed'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true, mode: 'date' }).notNull(),
    approvedAt: timestamp('approved_at', { withTimezone: true, mode: 'date' }),
    completedOn: date('completed_on', { mode: 'string' }),
    cancelReason: text('cancel_reason'),
    // The sum of the task's funding lines, kept by a trigger on task_funding: the activity
    // roll-up counts it with the task, whose row alone then says what the task adds to a report.
    fundingVnd: bigint('funding_vnd', { mode: 'number' }).notNull().default(0),
    ...stamps(),
  },
  (table) => [
    check('tasks_status_check', sql`${table.status} in ('proposed', 'approved', 'in_progress', 'completed', 'cancelled')`),
    check('tasks_period_check', sql`${table.endsOn} >= ${table.startsOn}`),
    index('tasks_lead_idx').on(table.leadId, table.updatedAt.desc()),
    index('tasks_province_idx').on(table.currentProvinceCode),
    // Reports count tasks by the day they start.
    index('tasks_starts_on_idx').on(table.startsOn),
  ],
)

/** A joint task's states; what each means and the moves between them: modules/tasks/tasks.process.ts. */
export const taskStateNames = ['proposed', 'approved', 'in_progress', 'completed', 'cancelled'] as const
export type TaskState = (typeof taskStateNames)[number]

export type PartnerStatus = 'invited' | 'accepted'

/**
 * The organisations a task brings together besides its lead, each in a role. A partner is invited
 * until its own writing keys accept; only then is it shown as a partner and holds a partner's rights.
 */
export const taskPartners = pgTable(
  'task_partners',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    position: smallint('position').notNull(),
    role: text('role').notNull(),
    contribution: text('contribution'),
    // Fail closed: a row written without a status is an invitation, not a partnership.
    status: text('status').$type<PartnerStatus>().notNull().default('invited'),
    respondedAt: timestamp('responded_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    primaryKey({ columns: [table.taskId, table.organizationId] }),
    check('task_partners_role_check', sql`${table.role} in ('st_organization', 'enterprise', 'centre', 'authority')`),
    check('task_partners_status_check', sql`${table.status} in ('invited', 'accepted')`),
    index('task_partners_organization_idx').on(table.organizationId),
  ],
)

/** Funding lines: who pays how much (VND) towards the task. */
export const taskFunding = pgTable(
  'task_funding',
  {
    id: id(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
    source: text('source').notNull(),
    amountVnd: bigint('amount_vnd', { mode: 'number' }).notNull(),
    note: text('note'),
  },
  (table) => [
    check('task_funding_source_check', sql`${table.source} in ('state', 'provincial', 'enterprise', 'other')`),
    check('task_funding_amount_check', sql`${table.amountVnd} >= 0`),
    index('task_funding_task_idx').on(table.taskId),
  ],
)

/** The listings, demands and deals a task builds on: exactly one of the three per row. */
export const taskLinks = pgTable(
  'task_links',
  {
    id: id(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
    listingId: uuid('listing_id').references(() => listings.id, { onDelete: 'restrict' }),
    demandId: uuid('demand_id').references(() => demands.id, { onDelete: 'restrict' }),
    dealId: uuid('deal_id').references(() => deals.id, { onDelete: 'restrict' }),
  },
  (table) => [
    check('task_links_one_target_check', sql`num_nonnulls(${table.listingId}, ${table.demandId}, ${table.dealId}) = 1`),
    uniqueIndex('task_links_target_key').on(table.taskId, sql`coalesce(${table.listingId}, ${table.demandId}, ${table.dealId})`),
  ],
)

/** Every move of every task: who fired which transition, from and to which state, with what. */
export const taskTransitions = pgTable(
  'task_transitions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    transition: text('transition').notNull(),
    fromState: text('from_state').$type<TaskState>(),
    toState: text('to_state').$type<TaskState>().notNull(),
    actorRole: text('actor_role').notNull(),
    actorOrganizationId: uuid('actor_organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    actorKeyId: uuid('actor_key_id'),
    payload: jsonb('payload').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [index('task_transitions_task_idx').on(table.taskId, table.id)],
)
