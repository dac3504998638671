import { sql } from 'drizzle-orm'
import { bigint, integer, boolean, check, date, index, jsonb, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'
import { organizations, type Contact } from './organizations.ts'

export type MediaLink = { url: string; kind: string; title?: string }
/** Which confidential fields the owner made public; false (the default) keeps them to those who act for it. */
export type Disclosure = { contacts: boolean; iprNumbers: boolean }

/** The statuses a listing row holds ('expired' is a published listing past its date): modules/listings/listings.lifecycle.ts. */
export const listingStoredStatuses = ['draft', 'published', 'withdrawn', 'archived'] as const
export type ListingStoredStatus = (typeof listingStoredStatuses)[number]

export const listings = pgTable(
  'listings',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    // After its owner was split: the successor the split's rules gave this record, which manages it
    // (retiring only) and to which reports attribute its facts from the split's effective day on.
    stewardId: uuid('steward_id').references(() => organizations.id, { onDelete: 'restrict' }),
    status: text('status').$type<ListingStoredStatus>().notNull().default('draft'),
    kind: text('kind').notNull(),
    titleVi: text('title_vi').notNull(),
    titleEn: text('title_en'),
    descriptionVi: text('description_vi').notNull(),
    descriptionEn: text('description_en'),
    trl: smallint('trl'),
    iprStatus: text('ipr_status').notNull().default('none'),
    iprNumbers: text('ipr_numbers')
      .array()
      .notNull()
      .default(sql`'{}'`),
    transferForms: text('transfer_forms')
      .array()
      .notNull()
      .default(sql`'{}'`),
    transferMethods: text('transfer_methods')
      .array()
      .notNull()
      .default(sql`'{}'`),
    priceType: text('price_type').notNull().default('negotiable'),
    priceVnd: bigint('price_vnd', { mode: 'number' }),
    sectors: text('sectors')
      .array()
      .notNull()
      .default(sql`'{}'`),
    fields: text('fields')
      .array()
      .notNull()
      .default(sql`'{}'`),
    keywords: text('keywords')
      .array()
      .notNull()
      .default(sql`'{}'`),
    // Codes as filed (a legacy code stays as it was) and the same resolved to the 34 units of 2025.
    provinceCodes: text('province_codes')
      .array()
      .notNull()
      .default(sql`'{}'`),
    currentProvinceCodes: text('current_province_codes')
      .array()
      .notNull()
      .default(sql`'{}'`),
    media: jsonb('media').$type<MediaLink[]>().notNull().default([]),
    validUntil: date('valid_until', { mode: 'string' }),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true, mode: 'date' }),
    withdrawReason: text('withdraw_reason'),
    // Set when the operator sends a published listing back to draft; cleared when it is published again.
    moderationReason: text('moderation_reason'),
    moderatedAt: timestamp('moderated_at', { withTimezone: true, mode: 'date' }),
    // Set when the archive sweep (archiveLongExpired in listings.service.ts) puts away a listing
    // long expired; cleared when a new validUntil brings it back.
    archivedAt: timestamp('archived_at', { withTimezone: true, mode: 'date' }),
    contacts: jsonb('contacts').$type<Contact[]>().notNull().default([]),
    // An anonymous listing hides its owner from everyone but those who act for it, until a deal
    // reveals it to a seeker (see core/disclosure.ts).
    anonymous: boolean('anonymous').notNull().default(false),
    disclosure: jsonb('disclosure').$type<Disclosure>().notNull().default({ contacts: false, iprNumbers: false }),
    // Provenance: the exchange or portal that owns the record (null: this exchange) and its id there;
    // a record of this exchange may carry its owner's own reference (set by imports) as externalId.
    source: text('source'),
    externalId: text('external_id'),
    // Whether the facet counts hold this published listing as expired (listing_facet_counts): set
    // by a maintenance job once validUntil has passed, so the counts follow the calendar without a
    // write to every listing at midnight; reads correct for what the job has not caught up with.
    countedExpired: boolean('counted_expired').notNull().default(false),
    // The validUntil its owner was last reminded to renew for (listings.renewal.ts): one reminder per
    // date, and a new date (a renewal) gets its own.
    renewalRemindedFor: date('renewal_reminded_for', { mode: 'string' }),
    ...stamps(),
    // Terms (see migrations/0024_retrieval_functions.sql) of the title and keywords, and of the rest of the text.
    searchKeyIds: integer('search_key_ids')
      .array()
      .generatedAlwaysAs(sql.raw(`tx_term_ids(title_vi || ' . ' || coalesce(title_en, '') || ' . ' || tx_join_phrases(keywords))`))
      .notNull(),
    searchBodyIds: integer('search_body_ids')
      .array()
      .generatedAlwaysAs(sql.raw(`tx_term_ids(description_vi || ' . ' || coalesce(description_en, ''))`))
      .notNull(),
  },
  (table) => [
    check('listings_status_check', sql`${table.status} in ('draft', 'published', 'withdrawn', 'archived')`),
    check('listings_trl_check', sql`${table.trl} between 1 and 9`),
    // A fixed amount states its price; a negotiable price has none; "on request" may hold the price
    // the owner asks, shown only to those a deal has brought that far.
    check('listings_price_check', sql`${table.priceType} = 'on_request' or (${table.priceType} = 'amount') = (${table.priceVnd} is not null)`),
    index('listings_owner_idx').on(table.ownerId),
    index('listings_steward_idx')
      .on(table.stewardId)
      .where(sql`${table.stewardId} is not null`),
    // Activity reports count publications per owner and period: an index-only scan of the range.
    index('listings_published_owner_idx')
      .on(table.publishedAt, table.ownerId)
      .where(sql`${table.publishedAt} is not null`),
    // A source's record is one row per external id; on this exchange an owner's external ids (its own
    // references, given in imports) are unique to it, so importing a file again updates, never duplicates.
    uniqueIndex('listings_source_external_key')
      .on(table.source, table.externalId)
      .where(sql`${table.source} is not null`),
    uniqueIndex('listings_owner_external_key')
      .on(table.ownerId, table.externalId)
      .where(sql`${table.source} is null and ${table.externalId} is not null`),
    index('listings_status_published_idx').on(table.status, table.publishedAt.desc(), table.id.desc()),
    // Retrieval's term postings, with the province beside them: a search in one province is
    // intersected inside each GIN scan (fast scan skips through the province's long posting list)
    // instead of AND-ing a bitmap of every listing of the province (218k for Hà Nội at 1M, 120+ ms).
    // Queries on the terms alone use the same indexes.
    index('listings_search_key_province_idx').using('gin', sql`${table.searchKeyIds} gin__int_ops`, table.currentProvinceCodes),
    index('listings_search_body_province_idx').using('gin', sql`${table.searchBodyIds} gin__int_ops`, table.currentProvinceCodes),
    index('listings_provinces_idx').using('gin', table.currentProvinceCodes),
    index('listings_sectors_idx').using('gin', table.sectors),
    index('listings_fields_idx').using('gin', table.fields),
    // Browsing newest first (listings.browse.ts): an owner's published listings in page order, and a
    // price range without a scan of every priced listing. listings_browse_idx, the covering index
    // of published listings in page order, is made by hand (INCLUDE) in the facet migration.
    index('listings_owner_published_idx')
      .on(table.ownerId, table.publishedAt.desc(), table.id.desc())
      .where(sql`${table.status} = 'published'`),
    index('listings_price_published_idx')
      .on(table.priceVnd)
      .where(sql`${table.status} = 'published' and ${table.priceType} = 'amount'`),
    // Published listings whose expiry the facet counts do not hold yet, or hold wrongly: what reads
    // correct for and the maintenance job folds in (listings.facets.ts).
    index('listings_uncounted_expiry_idx')
      .on(table.validUntil)
      .where(sql`${table.status} = 'published' and not ${table.countedExpired} and ${table.validUntil} is not null`),
    index('listings_counted_expiry_idx')
      .on(table.validUntil)
      .where(sql`${table.status} = 'published' and ${table.countedExpired}`),
  ],
)
