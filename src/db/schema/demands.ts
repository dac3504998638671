import { sql } from 'drizzle-orm'
import { bigint, boolean, check, integer, date, index, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'
import { organizations } from './organizations.ts'

/** A demand's statuses; the moves between them: modules/demands/demands.lifecycle.ts. */
export const demandStatuses = ['draft', 'open', 'closed'] as const
export type DemandStatus = (typeof demandStatuses)[number]

export const demands = pgTable(
  'demands',
  {
    id: id(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    // After its owner was split: the successor the split's rules gave this record, which manages it
    // (retiring only) and to which reports attribute its facts from the split's effective day on.
    stewardId: uuid('steward_id').references(() => organizations.id, { onDelete: 'restrict' }),
    status: text('status').$type<DemandStatus>().notNull().default('draft'),
    titleVi: text('title_vi').notNull(),
    titleEn: text('title_en'),
    problemVi: text('problem_vi').notNull(),
    problemEn: text('problem_en'),
    desiredOutcomeVi: text('desired_outcome_vi'),
    desiredOutcomeEn: text('desired_outcome_en'),
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
    minTrl: smallint('min_trl'),
    budgetMinVnd: bigint('budget_min_vnd', { mode: 'number' }),
    budgetMaxVnd: bigint('budget_max_vnd', { mode: 'number' }),
    deadline: date('deadline', { mode: 'string' }),
    // When the enterprise needs the solution working: a planning date, unlike the deadline for
    // offers, which closes the call.
    neededBy: date('needed_by', { mode: 'string' }),
    provinceCode: text('province_code'),
    currentProvinceCode: text('current_province_code'),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
    closeReason: text('close_reason'),
    closeNote: text('close_note'),
    // An anonymous demand hides its owner from everyone but those who act for it, until a deal on the
    // demand reaches the stage that reveals it to the provider (see core/disclosure.ts).
    anonymous: boolean('anonymous').notNull().default(false),
    // Provenance: the exchange or portal that owns the record (null: this exchange) and its id there;
    // a record of this exchange may carry its owner's own reference (set by imports) as externalId.
    source: text('source'),
    externalId: text('external_id'),
    ...stamps(),
    // Terms (see migrations/0024_retrieval_functions.sql) of the title and keywords, and of the rest of the text.
    searchKeyIds: integer('search_key_ids')
      .array()
      .generatedAlwaysAs(sql.raw(`tx_term_ids(title_vi || ' . ' || coalesce(title_en, '') || ' . ' || tx_join_phrases(keywords))`))
      .notNull(),
    searchBodyIds: integer('search_body_ids')
      .array()
      .generatedAlwaysAs(
        sql.raw(
          `tx_term_ids(problem_vi || ' . ' || coalesce(problem_en, '') || ' . ' || coalesce(desired_outcome_vi, '') || ' . ' || coalesce(desired_outcome_en, ''))`,
        ),
      )
      .notNull(),
  },
  (table) => [
    check('demands_status_check', sql`${table.status} in ('draft', 'open', 'closed')`),
    check('demands_min_trl_check', sql`${table.minTrl} between 1 and 9`),
    check('demands_budget_check', sql`${table.budgetMinVnd} is null or ${table.budgetMaxVnd} is null or ${table.budgetMinVnd} <= ${table.budgetMaxVnd}`),
    index('demands_owner_idx').on(table.ownerId),
    index('demands_steward_idx')
      .on(table.stewardId)
      .where(sql`${table.stewardId} is not null`),
    index('demands_opened_owner_idx')
      .on(table.openedAt, table.ownerId)
      .where(sql`${table.openedAt} is not null`),
    // A source's record is one row per external id; on this exchange an owner's external ids (its own
    // references, given in imports) are unique to it, so importing a file again updates, never duplicates.
    uniqueIndex('demands_source_external_key')
      .on(table.source, table.externalId)
      .where(sql`${table.source} is not null`),
    uniqueIndex('demands_owner_external_key')
      .on(table.ownerId, table.externalId)
      .where(sql`${table.source} is null and ${table.externalId} is not null`),
    index('demands_status_opened_idx').on(table.status, table.openedAt.desc(), table.id.desc()),
    // Retrieval's term postings with the 2025 province beside them, as listings' are: a text search in
    // a province (or region) intersects both inside each GIN scan instead of AND-ing a bitmap of every
    // demand of the province per candidate tier. The province is a scalar here, so the index holds it
    // as a one-element array (demands.search.ts writes the condition in the same form).
    index('demands_search_key_province_idx').using('gin', sql`${table.searchKeyIds} gin__int_ops`, sql`(array[${table.currentProvinceCode}])`),
    index('demands_search_body_province_idx').using('gin', sql`${table.searchBodyIds} gin__int_ops`, sql`(array[${table.currentProvinceCode}])`),
    index('demands_province_idx').on(table.currentProvinceCode),
    index('demands_sectors_idx').using('gin', table.sectors),
    index('demands_fields_idx').using('gin', table.fields),
    // Browsing newest first (demands.browse.ts): an owner's demands of a status in page order.
    // demands_browse_idx, the covering index in page order, is made by hand (INCLUDE) in the facet migration.
    index('demands_owner_opened_idx').on(table.ownerId, table.status, table.openedAt.desc(), table.id.desc()),
    // The deadline sweep (demands.service.ts closePastDeadline): open demands with a deadline, by it.
    index('demands_open_deadline_idx')
      .on(table.deadline)
      .where(sql`${table.status} = 'open' and ${table.deadline} is not null`),
  ],
)
