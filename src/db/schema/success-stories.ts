import { sql } from 'drizzle-orm'
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'
import { deals } from './deals.ts'
import { listings } from './listings.ts'
import { organizations } from './organizations.ts'

export type StoryFigure = { label: string; value: number; unit: string | null }
export type StoryQuote = { text: string; by: string }

/**
 * A success story (mô hình thành công): the public face of a completed transfer, drafted by either
 * party and published only when both approved it. Its states and rules are in
 * src/modules/success-stories/success-stories.service.ts. Where and when it happened (the seeker's
 * province, the listing's sectors, the year of completion) are copied from the deal at drafting,
 * so the public list filters on its own columns.
 */
export const successStories = pgTable(
  'success_stories',
  {
    id: id(),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'restrict' }),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'restrict' }),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    seekerId: uuid('seeker_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    title: text('title').notNull(),
    problem: text('problem').notNull(),
    technology: text('technology').notNull(),
    results: text('results').notNull(),
    figures: jsonb('figures').$type<StoryFigure[]>().notNull().default([]),
    quotes: jsonb('quotes').$type<StoryQuote[]>().notNull().default([]),
    sectors: text('sectors')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    // The seeker's province (where the technology went to work), as its 2025 unit; null when unknown.
    currentProvinceCode: text('current_province_code'),
    year: integer('year').notNull(),
    status: text('status').$type<'draft' | 'published' | 'retracted'>().notNull().default('draft'),
    providerApprovedAt: timestamp('provider_approved_at', { withTimezone: true, mode: 'date' }),
    seekerApprovedAt: timestamp('seeker_approved_at', { withTimezone: true, mode: 'date' }),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    retractedAt: timestamp('retracted_at', { withTimezone: true, mode: 'date' }),
    createdByOrganizationId: uuid('created_by_organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    ...stamps(),
  },
  (table) => [
    // One story per transfer at a time: a retracted one makes room for a new draft.
    uniqueIndex('success_stories_deal_key')
      .on(table.dealId)
      .where(sql`${table.status} <> 'retracted'`),
    // The public list, newest first, and its filters.
    index('success_stories_published_idx')
      .on(table.publishedAt.desc(), table.id.desc())
      .where(sql`${table.status} = 'published'`),
    index('success_stories_provider_idx').on(table.providerId),
    index('success_stories_seeker_idx').on(table.seekerId),
    check('success_stories_status_check', sql`${table.status} in ('draft', 'published', 'retracted')`),
  ],
)
