import { and, eq, inArray, lte, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { demandFacetCounts, demands } from '../../db/schema/index.ts'
import { demandBrowseColumn, demandBrowseConditions, demandNewestOrder, type DemandBrowseFilter, type DemandBrowsePlan } from './demands.browse.ts'

// Demand facets (2025 province, sector, minimum TRL) without walking every match, as for listings
// (listings.facets.ts): exact from demand_facet_counts for any status, a TRL and at most one of
// province, region, sector and field; the newest `demandFacetCountCap` matches for any other mix
// (an owner, a budget, two of those), flagged `exhaustive: false`; exact over a bounded id set for
// the text search.

export type FacetCount = { code: string; count: number }
export type DemandFacetCounts = {
  province: FacetCount[]
  sector: FacetCount[]
  minTrl: FacetCount[]
  exhaustive: boolean
  counted?: number
}

export const demandFacetCountCap = 200

/** A counts row: a demand once under its province ('' none; sector '') or under one of its sectors (province ''). */
type Tally = { minTrl: number; province: string; sector: string; n: number }

export function demandFacetDimension(filter: DemandBrowseFilter): string | undefined {
  if (filter.ownerId || filter.budgetMin !== undefined || filter.budgetMax !== undefined) return undefined
  // The table counts a demand under one value of a dimension: a filter with several values is counted from the matches.
  if ([filter.currentProvinceCodes, filter.sectors, filter.fields].some((values) => values !== undefined && values.length > 1)) return undefined
  const dims = [
    filter.currentProvinceCodes !== undefined ? `province:${filter.currentProvinceCodes[0]}` : undefined,
    filter.region !== undefined ? `region:${filter.region}` : undefined,
    filter.sectors !== undefined ? `sector:${filter.sectors[0]}` : undefined,
    filter.fields !== undefined ? `field:${filter.fields[0]}` : undefined,
  ].filter((dim) => dim !== undefined)
  if (dims.length > 1 || (filter.regionProvinceCodes !== undefined) !== (filter.region !== undefined)) return undefined
  return dims[0] ?? ''
}

function tallyToFacets(rows: Tally[], extra: Pick<DemandFacetCounts, 'exhaustive' | 'counted'>): DemandFacetCounts {
  const province = new Map<string, number>()
  const sector = new Map<string, number>()
  const minTrl = new Map<string, number>()
  const add = (map: Map<string, number>, code: string, n: number) => map.set(code, (map.get(code) ?? 0) + n)
  for (const row of rows) {
    if (row.sector !== '') {
      add(sector, row.sector, row.n)
      continue
    }
    if (row.province !== '') add(province, row.province, row.n)
    if (row.minTrl > 0) add(minTrl, String(row.minTrl), row.n)
  }
  // Most frequent first, then by code, as the counts were ordered before.
  const list = (map: Map<string, number>) =>
    [...map]
      .filter(([, count]) => count > 0)
      .map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  return { province: list(province), sector: list(sector), minTrl: list(minTrl), ...extra }
}

/** Exact facets from the counts table, and how many demands match the filter (their sum over provinces). */
export type CountedDemandFacets = { facets: DemandFacetCounts; total: number }

async function countedFacets(db: DbOrTx, filter: DemandBrowseFilter, dim: string): Promise<CountedDemandFacets> {
  const result = await db.execute<Tally>(sql`
    select ${demandFacetCounts.minTrl}::int as "minTrl", ${demandFacetCounts.province} as province, ${demandFacetCounts.sector} as sector, sum(${demandFacetCounts.n})::int as n
    from ${demandFacetCounts}
    where ${and(
      eq(demandFacetCounts.status, filter.status),
      eq(demandFacetCounts.dim, dim),
      // No minimum (0 here) or one at most the solution's TRL.
      filter.trl !== undefined ? lte(demandFacetCounts.minTrl, filter.trl) : undefined,
    )}
    group by 1, 2, 3`)
  const total = result.rows.reduce((sum, row) => (row.sector === '' ? sum + row.n : sum), 0)
  return { facets: tallyToFacets(result.rows, { exhaustive: true }), total }
}

/** The newest `cap` matches counted; exhaustive when no more match. A gathered plan (few matches) counts them all. */
export async function cappedDemandFacets(
  db: DbOrTx,
  filter: DemandBrowseFilter,
  plan: DemandBrowsePlan,
  cap = demandFacetCountCap,
): Promise<DemandFacetCounts> {
  const where = demandBrowseConditions(filter)
  const columns = sql`${demands.minTrl} as min_trl, ${demands.currentProvinceCode} as province, ${demands.sectors} as sectors`
  const sample = plan.gather
    ? sql`select ${columns} from ${demands} where ${where}`
    : sql`select ${columns} from ${demands} where ${where} order by ${sql.join(demandNewestOrder(demandBrowseColumn(filter.status)), sql`, `)} limit ${cap + 1}`
  const limit = plan.gather ? Number.MAX_SAFE_INTEGER : cap
  const result = await db.execute<Tally & { total: number }>(sql`
    with sample as materialized (select *, row_number() over () as position from (${sample}) as matches)
    select coalesce(counted.min_trl, 0)::int as "minTrl", facet.province, facet.sector, count(*)::int as n, max(total.n)::int as total
    from (select min_trl, province, sectors from sample where position <= ${limit}) as counted
    cross join lateral (select coalesce(counted.province, '') as province, '' as sector union all select '', unnest(counted.sectors)) as facet
    cross join (select count(*) as n from sample) as total
    group by 1, 2, 3`)
  const total = result.rows[0]?.total ?? 0
  return tallyToFacets(result.rows, total > limit ? { exhaustive: false, counted: cap } : { exhaustive: true })
}

/**
 * A browse's (no q) exact facets from the counts table, with its number of matches, or undefined
 * when the table cannot answer the filter (then cappedDemandFacets counts them).
 */
export async function countedDemandBrowseFacets(db: DbOrTx, filter: DemandBrowseFilter): Promise<CountedDemandFacets | undefined> {
  const dim = demandFacetDimension(filter)
  return dim === undefined ? undefined : countedFacets(db, filter, dim)
}

/** Exact facets over the demands with these ids (a text search's bounded, already filtered candidates). */
export async function countDemandFacetsOfIds(db: DbOrTx, ids: string[]): Promise<DemandFacetCounts> {
  if (ids.length === 0) return tallyToFacets([], { exhaustive: true })
  const result = await db.execute<Tally>(sql`
    select coalesce(${demands.minTrl}, 0)::int as "minTrl", facet.province, facet.sector, count(*)::int as n
    from ${demands}
    cross join lateral (select coalesce(${demands.currentProvinceCode}, '') as province, '' as sector union all select '', unnest(${demands.sectors})) as facet
    where ${inArray(demands.id, ids)}
    group by 1, 2, 3`)
  return tallyToFacets(result.rows, { exhaustive: true })
}
