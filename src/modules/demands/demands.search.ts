import { and, asc, count, desc, eq, gte, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { preparedWhere } from '../../db/prepared.ts'
import { holdsAnyOf, isAnyOf } from '../../db/filters.ts'
import { demands, organizations } from '../../db/schema/index.ts'
import type { Hit, RetrievalSource } from '../retrieval/retrieve.ts'
import type { DemandStatus } from '../../db/schema/index.ts'
import { summaryColumns } from './demands.repo.ts'

// Search queries for demands: one set of conditions feeds both the page and its facet counts.

export type DemandFilter = {
  status: DemandStatus
  ownerId?: string
  /** Leaves anonymous demands out: owner= asked by a caller who does not act for that owner. */
  withoutAnonymous?: boolean
  /** Any of these sectors, fields (each list non-empty when present). */
  sectors?: readonly string[]
  fields?: readonly string[]
  /** The 2025 units a province filter resolved to (any of them). */
  currentProvinceCodes?: readonly string[]
  /** The 2025 units of a region. */
  regionProvinceCodes?: string[]
  /** A solution's TRL: demands asking for at most this much, or for no minimum. */
  trl?: number
  budgetMin?: number
  budgetMax?: number
}

/** Keyset position after the last row of the previous page, in the page's sort. */
export const demandSource: RetrievalSource = {
  kind: 'demand',
  table: demands,
  id: demands.id,
  title: demands.titleVi,
  keyIds: demands.searchKeyIds,
  bodyIds: demands.searchBodyIds,
}

// The province as a one-element array: the expression the term GIN indexes carry as their second
// column (src/db/schema/demands.ts), so a text search in a province or region intersects terms and
// place inside one GIN scan. Written exactly as the index defines it, or the planner cannot use it.
const provinceArray = sql`(array[${demands.currentProvinceCode}])`

/** The province and region filters, in the term indexes' form. */
export function placeConditions(filter: Pick<DemandFilter, 'currentProvinceCodes' | 'regionProvinceCodes'>): SQL | undefined {
  return and(
    filter.currentProvinceCodes ? sql`${provinceArray} && ${sql.param(filter.currentProvinceCodes)}::text[]` : undefined,
    filter.regionProvinceCodes ? sql`${provinceArray} && ${sql.param(filter.regionProvinceCodes)}::text[]` : undefined,
  )
}

/** A text search's conditions (the browse path has its own, for its btree indexes: demands.browse.ts). */
export function conditions(filter: DemandFilter): SQL | undefined {
  const budgetFilter = filter.budgetMin !== undefined || filter.budgetMax !== undefined
  return and(
    eq(demands.status, filter.status),
    filter.ownerId ? eq(demands.ownerId, filter.ownerId) : undefined,
    filter.withoutAnonymous ? eq(demands.anonymous, false) : undefined,
    filter.sectors ? holdsAnyOf(demands.sectors, filter.sectors) : undefined,
    filter.fields ? holdsAnyOf(demands.fields, filter.fields) : undefined,
    placeConditions(filter),
    filter.trl !== undefined ? or(isNull(demands.minTrl), lte(demands.minTrl, filter.trl)) : undefined,
    // Ranges overlap when each starts before the other ends; a demand's missing bound is open-ended,
    // but a demand that states no budget at all says nothing about one, so it is left out.
    budgetFilter ? or(isNotNull(demands.budgetMinVnd), isNotNull(demands.budgetMaxVnd)) : undefined,
    filter.budgetMin !== undefined ? or(isNull(demands.budgetMaxVnd), gte(demands.budgetMaxVnd, filter.budgetMin)) : undefined,
    filter.budgetMax !== undefined ? or(isNull(demands.budgetMinVnd), lte(demands.budgetMinVnd, filter.budgetMax)) : undefined,
  )
}

/** Drafts were never opened: "newest" lists them by creation instead. */
const newestColumn = (status: DemandStatus) => (status === 'draft' ? demands.createdAt : demands.openedAt)

/** Microsecond-exact UTC text of a timestamp, so a cursor compares equal to the stored value. */
const timestampText = (expression: SQL) => sql<string>`to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/** One page of demands newest first (browsing without q), each row with its sort key for the cursor. */
export async function searchDemands(db: DbOrTx, filter: DemandFilter, after: { at: string; id: string } | undefined, limit: number) {
  const timeColumn = newestColumn(filter.status)
  return db
    .select({ ...summaryColumns, sortAt: timestampText(sql`${timeColumn}`) })
    .from(demands)
    .innerJoin(organizations, eq(organizations.id, demands.ownerId))
    .where(and(conditions(filter), after ? sql`(${timeColumn}, ${demands.id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : undefined))
    .orderBy(desc(timeColumn), desc(demands.id))
    .limit(limit)
}

/** The rows of these demands, in the order of `ids` (a page of text-search hits). */
export async function demandRowsByIds(db: DbOrTx, status: DemandStatus, ids: string[]) {
  if (ids.length === 0) return []
  const rows = await db
    .select({ ...summaryColumns, sortAt: timestampText(sql`${newestColumn(status)}`) })
    .from(demands)
    .innerJoin(organizations, eq(organizations.id, demands.ownerId))
    .where(preparedWhere(isAnyOf(demands.id, ids, 'uuid')))
  const byId = new Map(rows.map((row) => [row.id, row]))
  return ids.flatMap((id) => byId.get(id) ?? [])
}

/** What a text search fetches with each candidate: the facets' fields and the date it sorts by. */
export const demandHitColumns = (status: DemandStatus) => ({
  province: sql`${demands.currentProvinceCode}`,
  sectors: sql`${demands.sectors}`,
  minTrl: sql`${demands.minTrl}`,
  newest: timestampText(sql`${newestColumn(status)}`),
})

export type DemandHit = Hit<{ province: string | null; sectors: string[]; minTrl: number | null; newest: string | null }>

export type FacetCount = { code: string; count: number }

const byCount = (a: FacetCount, b: FacetCount) => b.count - a.count || a.code.localeCompare(b.code)

/** Counts by 2025 province, sector and minimum TRL over a text search's results. */
export function demandFacetsOfHits(hits: DemandHit[], exhaustive: boolean) {
  const counts = { province: new Map<string, number>(), sector: new Map<string, number>(), minTrl: new Map<string, number>() }
  const bump = (map: Map<string, number>, code: string) => map.set(code, (map.get(code) ?? 0) + 1)
  for (const hit of hits) {
    if (hit.extra.province !== null) bump(counts.province, hit.extra.province)
    for (const code of new Set(hit.extra.sectors)) bump(counts.sector, code)
    if (hit.extra.minTrl !== null) bump(counts.minTrl, String(hit.extra.minTrl))
  }
  const list = (map: Map<string, number>) => [...map].map(([code, count]) => ({ code, count })).sort(byCount)
  return { province: list(counts.province), sector: list(counts.sector), minTrl: list(counts.minTrl), exhaustive }
}

/** Counts by 2025 province, sector and minimum TRL over every demand the filter matches. */
export async function demandFacets(db: DbOrTx, filter: DemandFilter) {
  const where = conditions(filter)

  const province = db
    .select({ code: sql<string>`${demands.currentProvinceCode}`, count: count() })
    .from(demands)
    .where(and(where, isNotNull(demands.currentProvinceCode)))
    .groupBy(demands.currentProvinceCode)
    .orderBy(desc(count()), asc(demands.currentProvinceCode))

  // A demand counts once under each of its sectors.
  const sectorRows = db
    .select({ code: sql<string>`unnest(${demands.sectors})`.as('code') })
    .from(demands)
    .where(where)
    .as('sector_rows')
  const sector = db.select({ code: sectorRows.code, count: count() }).from(sectorRows).groupBy(sectorRows.code).orderBy(desc(count()), asc(sectorRows.code))

  const minTrl = db
    .select({ code: sql<string>`${demands.minTrl}::text`, count: count() })
    .from(demands)
    .where(and(where, isNotNull(demands.minTrl)))
    .groupBy(demands.minTrl)
    .orderBy(desc(count()), asc(demands.minTrl))

  const [provinceCounts, sectorCounts, trlCounts] = await Promise.all([province, sector, minTrl])
  return { province: provinceCounts, sector: sectorCounts, minTrl: trlCounts, exhaustive: true }
}
