import { bigint, pgTable, smallint, text } from 'drizzle-orm/pg-core'

// Facet counts kept by triggers, so a browsing page's facets are read from a few hundred rows
// instead of counted over every match (migrations/*_facet_count_triggers.sql; the reads are in
// src/modules/listings/listings.facets.ts and src/modules/demands/demands.facets.ts).
//
// Each record adds 1 under every filter it answers to (`dim`: '' for no filter, then
// 'province:<2025 code>', 'region:<id>', 'sector:<code>', 'field:<code>'), split by the facet
// values. Like the activity roll-up, the triggers only append (a statement's changes as rows of
// their own, negated for the old rows), so writers never wait on each other's counters; a key's
// count is the sum of its rows, and a maintenance job folds them (tx_facet_counts_compact).

/**
 * Listings: per status ('expired' for a published listing whose `counted_expired` is set), filter
 * dimension, kind and TRL (0: none); `province` '' counts the listing once (kind and TRL facets), a 2025
 * province code counts it under that province (the province facet).
 */
export const listingFacetCounts = pgTable(
  'listing_facet_counts',
  {
    status: text('status').notNull(),
    dim: text('dim').notNull(),
    kind: text('kind').notNull(),
    trl: smallint('trl').notNull(),
    province: text('province').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
  },
  // Its index, listing_facet_counts_key_idx (status, dim, kind, trl, province) INCLUDE (n), is made
  // by hand in the facet migration: a read is then an index-only scan of one (status, dim) range.
)

/**
 * Demands: per status, filter dimension and minimum TRL (0: none); a row with `sector` '' counts the demand
 * once under its 2025 province ('' for none: the province and minTrl facets), a row with a sector
 * counts it under that sector (the sector facet; `province` is then '').
 */
export const demandFacetCounts = pgTable(
  'demand_facet_counts',
  {
    status: text('status').notNull(),
    dim: text('dim').notNull(),
    minTrl: smallint('min_trl').notNull(),
    province: text('province').notNull(),
    sector: text('sector').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
  },
  // demand_facet_counts_key_idx (status, dim, min_trl, province, sector) INCLUDE (n): by hand, likewise.
)
