import { sql } from 'drizzle-orm'
import { check, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'
import { demands } from './demands.ts'
import { listings } from './listings.ts'
import { organizations } from './organizations.ts'

/**
 * One row per (demand, listing) pair the exchange has put forward: computed by the matcher or
 * proposed by a broker, then curated by the demand's owner. A dismissed row stays, so the pair is
 * never suggested again.
 */
export const matches = pgTable(
  'matches',
  {
    id: id(),
    demandId: uuid('demand_id')
      .notNull()
      .references(() => demands.id, { onDelete: 'restrict' }),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'restrict' }),
    // 'computed' by the matcher, or 'broker' when a connection point, centre or the operator proposed it.
    origin: text('origin').notNull(),
    // Which side's run last ranked the pair among its top suggestions ('demand' | 'listing'); a run
    // only retires the suggestions it made itself.
    computedFrom: text('computed_from'),
    status: text('status').notNull().default('suggested'),
    score: doublePrecision('score').notNull(),
    explanation: jsonb('explanation').notNull(),
    proposedById: uuid('proposed_by_id').references(() => organizations.id, { onDelete: 'restrict' }),
    proposalNote: text('proposal_note'),
    dismissReason: text('dismiss_reason'),
    dismissNote: text('dismiss_note'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    computedAt: timestamp('computed_at', { withTimezone: true, mode: 'date' }).notNull(),
    ...stamps(),
  },
  (table) => [
    unique('matches_pair_key').on(table.demandId, table.listingId),
    check('matches_origin_check', sql`${table.origin} in ('computed', 'broker')`),
    check('matches_computed_from_check', sql`${table.computedFrom} in ('demand', 'listing')`),
    check('matches_status_check', sql`${table.status} in ('suggested', 'shortlisted', 'dismissed')`),
    check('matches_dismissal_check', sql`(${table.status} = 'dismissed') = (${table.dismissReason} is not null)`),
    index('matches_demand_idx').on(table.demandId, table.score.desc()),
    index('matches_listing_idx').on(table.listingId, table.score.desc()),
    index('matches_created_demand_idx').on(table.createdAt, table.demandId),
  ],
)

/** When each demand or listing was last matched, and how long it took: "computedAt" in responses. */
export const matchRuns = pgTable(
  'match_runs',
  {
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true, mode: 'date' }).notNull(),
    candidates: integer('candidates').notNull(),
    durationMs: doublePrecision('duration_ms').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.subjectType, table.subjectId] }),
    check('match_runs_subject_type_check', sql`${table.subjectType} in ('demand', 'listing')`),
  ],
)
