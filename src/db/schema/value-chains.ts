import { sql } from 'drizzle-orm'
import { check, index, pgTable, primaryKey, smallint, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'
import { listings } from './listings.ts'
import { organizations } from './organizations.ts'

/**
 * A value chain around a province's key product (rice, mountain goat, seafood): its stages from
 * inputs to distribution, each with the technologies (listings) and organisations that serve it.
 * Kept by a DOST, a centre or the operator; public.
 */
export const valueChains = pgTable(
  'value_chains',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    title: text('title').notNull(),
    keyProduct: text('key_product').notNull(),
    description: text('description'),
    // The province as filed (possibly a legacy code) and its 2025 unit.
    provinceCode: text('province_code').notNull(),
    currentProvinceCode: text('current_province_code').notNull(),
    ...stamps(),
  },
  (table) => [index('value_chains_province_idx').on(table.currentProvinceCode), index('value_chains_owner_idx').on(table.ownerId)],
)

/** The stages of a chain, in the order of the chain (position), one per kind. */
export const valueChainStages = pgTable(
  'value_chain_stages',
  {
    id: id(),
    chainId: uuid('chain_id')
      .notNull()
      .references(() => valueChains.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    // What the gap analysis searches the catalogue for when the stage has no technology.
    keywords: text('keywords')
      .array()
      .notNull()
      .default(sql`'{}'`),
  },
  (table) => [
    check(
      'value_chain_stages_kind_check',
      sql`${table.kind} in ('inputs', 'production', 'harvest_preservation', 'processing', 'packaging_branding', 'distribution')`,
    ),
    uniqueIndex('value_chain_stages_position_key').on(table.chainId, table.position),
    uniqueIndex('value_chain_stages_kind_key').on(table.chainId, table.kind),
  ],
)

/** The technologies (listings) linked to a stage. */
export const valueChainStageListings = pgTable(
  'value_chain_stage_listings',
  {
    stageId: uuid('stage_id')
      .notNull()
      .references(() => valueChainStages.id, { onDelete: 'cascade' }),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'restrict' }),
  },
  (table) => [primaryKey({ columns: [table.stageId, table.listingId] }), index('value_chain_stage_listings_listing_idx').on(table.listingId)],
)

/** The organisations working at a stage (growers' cooperatives, processors, institutes). */
export const valueChainStageOrganizations = pgTable(
  'value_chain_stage_organizations',
  {
    stageId: uuid('stage_id')
      .notNull()
      .references(() => valueChainStages.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
  },
  (table) => [
    primaryKey({ columns: [table.stageId, table.organizationId] }),
    index('value_chain_stage_organizations_organization_idx').on(table.organizationId),
  ],
)
