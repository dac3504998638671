import { sql } from 'drizzle-orm'
import { bigint, check, date, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { organizations } from './organizations.ts'

/**
 * The activity report's roll-up: how many of each fact (a listing published, a deal started in a
 * state, a transfer completed ...) an organisation has per month and per year, Vietnam time, with
 * the VND amount where the fact carries one. Triggers on the facts' tables keep it current in the
 * facts' own transactions (migrations/0016_activity_triggers.sql). A report reads the years its
 * periods cover whole from the year rows, the months left from the month rows, and counts only
 * the days left over from the records themselves (src/modules/reports/reports.repo.ts).
 *
 * The triggers only append: each statement adds its changes as rows of their own, so writers
 * never wait on one another's counters, nor deadlock on them. A report sums the rows of a key;
 * a maintenance job (tx_activity_compact, every five minutes) folds each key's rows into one and
 * drops keys that net to zero.
 *
 * No foreign key: the rows of a removed organisation net to zero and the reports join organisations.
 */
export const activityRollup = pgTable(
  'activity_rollup',
  {
    unit: text('unit').notNull(),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    organizationId: uuid('organization_id').notNull(),
    metric: text('metric').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
  },
  (table) => [
    index('activity_rollup_period_idx').on(table.unit, table.startsOn, table.organizationId, table.metric),
    check('activity_rollup_unit_check', sql`${table.unit} in ('month', 'year')`),
  ],
)

export type TargetScope = 'organization' | 'province'

/**
 * The plan a DOST or the operator sets: for a centre (an organisation) or a province, a year and a
 * figure of the activity report, the value aimed at. Reported against the roll-up's actual figures
 * (GET /v1/reports/targets/...). scope_id is the organisation's id or the province's (2025) code.
 */
export const reportTargets = pgTable(
  'report_targets',
  {
    scopeType: text('scope_type').$type<TargetScope>().notNull(),
    scopeId: text('scope_id').notNull(),
    year: integer('year').notNull(),
    metric: text('metric').notNull(),
    target: bigint('target', { mode: 'number' }).notNull(),
    setByOrganizationId: uuid('set_by_organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.scopeType, table.scopeId, table.year, table.metric] }),
    check('report_targets_scope_type_check', sql`${table.scopeType} in ('organization', 'province')`),
    check('report_targets_target_check', sql`${table.target} >= 0`),
  ],
)
