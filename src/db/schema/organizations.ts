import { sql } from 'drizzle-orm'
import { check, date, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'

export type Contact = { name: string; position?: string; email?: string; phone?: string }

/**
 * Where a connection point may take members, as the operator declared it: members located in one
 * of `provinceCodes` (2025 units) and working in one of `sectors` (VSIC sections); an empty list
 * does not restrict. No scope (null) means no members but those the operator records.
 */
export type DelegationScope = { provinceCodes: string[]; sectors: string[] }

/**
 * One rule of a split: the successor that takes the records located in one of `provinceCodes`
 * (2025 units) and classified under one of `sectors` (VSIC sections); an empty list does not
 * restrict. The rules are tried in order, and the last has no condition (the default successor).
 */
export type SplitRule = { organizationId: string; provinceCodes: string[]; sectors: string[] }

export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    shortName: text('short_name'),
    parentId: uuid('parent_id').references((): AnyPgColumn => organizations.id, { onDelete: 'restrict' }),
    provinceCode: text('province_code'),
    currentProvinceCode: text('current_province_code'),
    address: text('address'),
    website: text('website'),
    email: text('email'),
    phone: text('phone'),
    taxCode: text('tax_code'),
    description: text('description'),
    contacts: jsonb('contacts').$type<Contact[]>().notNull().default([]),
    // The VSIC sections the organisation works in: what a connection point's scope is matched against.
    sectors: text('sectors')
      .array()
      .notNull()
      .default(sql`'{}'`),
    delegationScope: jsonb('delegation_scope').$type<DelegationScope>(),
    // Set when the operator merged this organisation into its successor: it is then read-only, and
    // its records stay attributed to it (reports resolve it to the successor through this column).
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => organizations.id, { onDelete: 'restrict' }),
    mergedAt: timestamp('merged_at', { withTimezone: true, mode: 'date' }),
    // The day (Vietnam) the merge took effect, which may be before it was recorded (the 2025 mergers
    // took effect on 1 July 2025): reports count this organisation's facts from that day on for the
    // successor, and those before it for this organisation.
    mergeEffectiveOn: date('merge_effective_on', { mode: 'string' }),
    // Set when the operator split this organisation: the rules that gave each of its listings and
    // demands a steward (their steward_id). merged_into_id then names the default successor (the
    // last rule's), so the organisation is read-only as a merged one is, and merge_effective_on is
    // the split's effective day.
    splitInto: jsonb('split_into').$type<SplitRule[]>(),
    // Provenance: the exchange or portal that owns the record (null: this exchange) and its id there.
    source: text('source'),
    externalId: text('external_id'),
    ...stamps(),
  },
  (table) => [
    check(
      'organizations_kind_check',
      sql`${table.kind} in ('transfer_centre', 'research_institute', 'university', 'enterprise', 'connection_point', 'authority', 'exchange_operator')`,
    ),
    // A tax code identifies one enterprise; institutes and centres may share their parent's.
    uniqueIndex('organizations_enterprise_tax_code_key')
      .on(table.taxCode)
      .where(sql`${table.kind} = 'enterprise'`),
    index('organizations_kind_idx').on(table.kind),
    // One record per source and external id; this exchange's own external ids (from imports) are unique too.
    uniqueIndex('organizations_source_external_key')
      .on(sql`coalesce(${table.source}, '')`, table.externalId)
      .where(sql`${table.externalId} is not null`),
    index('organizations_current_province_idx').on(table.currentProvinceCode),
    index('organizations_parent_idx').on(table.parentId),
    check('organizations_merged_into_other_check', sql`${table.mergedIntoId} <> ${table.id}`),
    check('organizations_merge_effective_check', sql`(${table.mergeEffectiveOn} is null) or (${table.mergedIntoId} is not null)`),
    check('organizations_split_check', sql`(${table.splitInto} is null) or (${table.mergedIntoId} is not null)`),
    index('organizations_merged_into_idx').on(table.mergedIntoId),
    // Browsing by name (organizations.repo.ts listOrganizations): the page order, alone or after a kind or province.
    index('organizations_name_idx').on(table.name, table.id),
    index('organizations_kind_name_idx').on(table.kind, table.name, table.id),
    index('organizations_province_name_idx').on(table.currentProvinceCode, table.name, table.id),
    index('organizations_name_trgm_idx').using(
      'gin',
      sql`tx_search_text(${table.name} || ' ' || coalesce(${table.nameEn}, '') || ' ' || coalesce(${table.shortName}, '')) gin_trgm_ops`,
    ),
  ],
)
