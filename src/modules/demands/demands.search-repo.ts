import { and, arrayContains, asc, count, desc, eq, gte, inArray, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { demands, organizations } from '../../db/schema/index.ts'
import { textMatches, textRank, type TextMode } from '../../lib/text-search.ts'
import type { DemandStatus } from './demands.lifecycle.ts'
import { summaryColumns } from './demands.repo.ts'

// Search queries for demands: one set of conditions feeds both the page and its facet counts.

export type DemandFilter = {
  status: DemandStatus
  ownerId?: string
  q?: string
  /** How q is matched: exact words, or tolerating typos (the fallback when exact finds nothing). */
  textMode: TextMode
  sector?: string
  field?: string
  /** The 2025 unit a province filter resolved to. */
  currentProvinceCode?: string
  /** The 2025 units of a region. */
  regionProvinceCodes?: string[]
  /** A solution's TRL: demands asking for at most this much, or for no minimum. */
  trl?: number
  budgetMin?: number
  budgetMax?: number
}

/** Keyset position after the last row of the previous page, in the page's sort. */
export type DemandSort =
  | { by: 'newest'; after?: { at: string; id: string } }
  | { by: 'relevance'; q: string; after?: { rank: number; id: string } }

const searchColumns = { document: demands.searchDocument, vector: demands.searchVector }

function conditions(filter: DemandFilter): SQL | undefined {
  const budgetFilter = filter.budgetMin !== undefined || filter.budgetMax !== undefined
  return and(
    eq(demands.status, filter.status),
    filter.ownerId ? eq(demands.ownerId, filter.ownerId) : undefined,
    filter.q ? textMatches(searchColumns, filter.q, filter.textMode) : undefined,
    filter.sector ? arrayContains(demands.sectors, [filter.sector]) : undefined,
    filter.field ? arrayContains(demands.fields, [filter.field]) : undefined,
    filter.currentProvinceCode ? eq(demands.currentProvinceCode, filter.currentProvinceCode) : undefined,
    filter.regionProvinceCodes ? inArray(demands.currentProvinceCode, filter.regionProvinceCodes) : undefined,
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

/**
 * One page of demands. Each row carries its sort key as the cursor needs it: the timestamp as
 * PostgreSQL's own text (microseconds survive, unlike a JS Date) or the float8 rank, which
 * JSON and the pg driver both round-trip exactly.
 */
export async function searchDemands(db: DbOrTx, filter: DemandFilter, sort: DemandSort, limit: number) {
  const timeColumn = newestColumn(filter.status)
  const rank = sort.by === 'relevance' ? textRank(searchColumns, sort.q, filter.textMode) : undefined
  let after: SQL | undefined
  let order: SQL[]
  if (rank) {
    const position = sort.by === 'relevance' ? sort.after : undefined
    after = position ? sql`(${rank}, ${demands.id}) < (${position.rank}::float8, ${position.id}::uuid)` : undefined
    order = [desc(rank), desc(demands.id)]
  } else {
    const position = sort.by === 'newest' ? sort.after : undefined
    after = position ? sql`(${timeColumn}, ${demands.id}) < (${position.at}::timestamptz, ${position.id}::uuid)` : undefined
    order = [desc(timeColumn), desc(demands.id)]
  }
  return db
    .select({
      ...summaryColumns,
      sortAt: sql<string>`${timeColumn}::text`,
      score: filter.q ? textRank(searchColumns, filter.q, filter.textMode) : sql<number | null>`null::float8`,
    })
    .from(demands)
    .innerJoin(organizations, eq(organizations.id, demands.ownerId))
    .where(and(conditions(filter), after))
    .orderBy(...order)
    .limit(limit)
}

export type FacetCount = { code: string; count: number }

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
  const sector = db
    .select({ code: sectorRows.code, count: count() })
    .from(sectorRows)
    .groupBy(sectorRows.code)
    .orderBy(desc(count()), asc(sectorRows.code))

  const minTrl = db
    .select({ code: sql<string>`${demands.minTrl}::text`, count: count() })
    .from(demands)
    .where(and(where, isNotNull(demands.minTrl)))
    .groupBy(demands.minTrl)
    .orderBy(desc(count()), asc(demands.minTrl))

  const [provinceCounts, sectorCounts, trlCounts] = await Promise.all([province, sector, minTrl])
  return { province: provinceCounts, sector: sectorCounts, minTrl: trlCounts } satisfies Record<string, FacetCount[]>
}
