import { and, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { isOneOf } from '../../db/filters.ts'
import { listingFacetCounts, listings } from '../../db/schema/index.ts'
import { browseColumn, browseConditions, newestOrder, type BrowseFilter, type BrowsePlan } from './listings.browse.ts'

// Facet counts (kind, 2025 province, TRL) without walking every match.
//
// 1. Exact, from listing_facet_counts, when the counts table can answer the filter: any status,
//    kind, TRL range and at most one of province, region, sector, field (the table's `dim`). The
//    triggers keep it current in each write's transaction; expiry follows the calendar through
//    `counted_expired` (a maintenance job sets it), and the few published listings whose flag is
//    behind the calendar (expired since the job last ran, or given a new validUntil since) are
//    counted live from two small partial indexes and added or taken away.
// 2. Capped, for any other mix (a price range, an owner, two place/sector/field filters): the
//    newest `facetCountCap` matches are counted, in the page's own index order. When more match,
//    `exhaustive` is false: each count is a lower bound, like Elasticsearch's "gte" total.
// 3. Over a bounded set of ids (the text search's candidates): exact over those ids.

export type FacetCount = { code: string; count: number }
export type ListingFacetCounts = {
  kind: FacetCount[]
  province: FacetCount[]
  trl: FacetCount[]
  /** True when the counts cover every match; false when only the newest `counted` of them. */
  exhaustive: boolean
  /** How many listings the counts cover (when not exhaustive: the cap). */
  counted?: number
}

/** How many matches capped counting reads at most. */
export const facetCountCap = 200

type Tally = { kind: string; trl: number | null; province: string; n: number }

/** The counts table's filter dimension for this filter, or undefined when it cannot answer it. */
export function facetDimension(filter: BrowseFilter): string | undefined {
  if (filter.priceMin !== undefined || filter.priceMax !== undefined || filter.ownerId || filter.withoutAnonymous) return undefined
  // A row of the table counts a listing once under one place, sector or field: a filter with several
  // values (a listing may hold two of them) is counted from the matches instead.
  if ([filter.provinces, filter.sectors, filter.fields].some((values) => values !== undefined && values.length > 1)) return undefined
  const dims = [
    filter.provinces !== undefined ? `province:${filter.provinces[0]}` : undefined,
    filter.region !== undefined ? `region:${filter.region}` : undefined,
    filter.sectors !== undefined ? `sector:${filter.sectors[0]}` : undefined,
    filter.fields !== undefined ? `field:${filter.fields[0]}` : undefined,
  ].filter((dim) => dim !== undefined)
  // provinceSets holds the province and the region filters: nothing else may hide there.
  const places = (filter.provinces !== undefined ? 1 : 0) + (filter.region !== undefined ? 1 : 0)
  if (dims.length > 1 || filter.provinceSets.length !== places) return undefined
  return dims[0] ?? ''
}

function tallyToFacets(rows: Tally[], extra: Pick<ListingFacetCounts, 'exhaustive' | 'counted'>): ListingFacetCounts {
  const kind = new Map<string, number>()
  const trl = new Map<string, number>()
  const province = new Map<string, number>()
  const add = (map: Map<string, number>, code: string, n: number) => map.set(code, (map.get(code) ?? 0) + n)
  for (const row of rows) {
    if (row.province !== '') {
      add(province, row.province, row.n)
      continue
    }
    add(kind, row.kind, row.n)
    if (row.trl) add(trl, String(row.trl), row.n)
  }
  const list = (map: Map<string, number>) => [...map].filter(([, count]) => count > 0).map(([code, count]) => ({ code, count }))
  const byCount = (a: FacetCount, b: FacetCount) => b.count - a.count || a.code.localeCompare(b.code)
  return {
    kind: list(kind).sort(byCount),
    province: list(province).sort(byCount),
    trl: list(trl).sort((a, b) => Number(a.code) - Number(b.code)),
    ...extra,
  }
}

const hasTrlRange = (filter: BrowseFilter) => filter.trlMin !== undefined || filter.trlMax !== undefined

/** How many listings with their expiry flag behind the calendar a read corrects for, at most. */
const behindCap = 5000

/** Exact facets from the counts table, and how many listings match the filter (their sum over kinds). */
export type CountedFacets = { facets: ListingFacetCounts; total: number }

function counted(rows: Tally[]): CountedFacets {
  return { facets: tallyToFacets(rows, { exhaustive: true }), total: rows.reduce((sum, row) => (row.province === '' ? sum + row.n : sum), 0) }
}

/**
 * Exact counts from the counts table, corrected for the listings whose expiry flag is behind;
 * undefined when more than `behindCap` are (the maintenance job has not run for days).
 */
async function countedFacets(db: DbOrTx, filter: BrowseFilter, dim: string): Promise<CountedFacets | undefined> {
  const counts = sql`
    select 'count' as source, ${listingFacetCounts.kind} as kind, ${listingFacetCounts.trl}::int as trl, ${listingFacetCounts.province} as province, sum(${listingFacetCounts.n})::int as n
    from ${listingFacetCounts}
    where ${and(
      eq(listingFacetCounts.status, filter.status),
      eq(listingFacetCounts.dim, dim),
      filter.kinds ? isOneOf(listingFacetCounts.kind, filter.kinds) : undefined,
      // A TRL range leaves out listings without a TRL (0 here).
      hasTrlRange(filter) ? gte(listingFacetCounts.trl, filter.trlMin ?? 1) : undefined,
      filter.trlMax !== undefined ? lte(listingFacetCounts.trl, filter.trlMax) : undefined,
    )}
    group by 2, 3, 4`
  if (filter.status !== 'published' && filter.status !== 'expired') {
    const result = await db.execute<Tally>(counts)
    return counted(result.rows)
  }
  // Published listings the table holds as live though expired (-1 to published, +1 to expired),
  // or as expired though live again (+1, -1): both sets are empty once the job has run. Read
  // from their two small partial indexes first (materialised, so the planner cannot start from a
  // filter's index instead), then filtered.
  const sign = filter.status === 'published' ? 1 : -1
  const result = await db.execute<Tally & { source: string }>(sql`
    with behind as materialized (
      select * from (
        select ${listings.kind} as kind, coalesce(${listings.trl}, 0) as trl, ${listings.currentProvinceCodes} as provinces,
          ${listings.sectors} as sectors, ${listings.fields} as fields, ${-sign}::int as n
        from ${listings}
        where ${listings.status} = 'published' and not ${listings.countedExpired} and ${listings.validUntil} is not null and ${listings.validUntil} < ${filter.today}
        union all
        select ${listings.kind}, coalesce(${listings.trl}, 0), ${listings.currentProvinceCodes}, ${listings.sectors}, ${listings.fields}, ${sign}::int
        from ${listings}
        where ${listings.status} = 'published' and ${listings.countedExpired} and (${listings.validUntil} is null or ${listings.validUntil} >= ${filter.today})
      ) as flagged
      limit ${behindCap + 1}
    )
    ${counts}
    union all
    select 'behind', behind.kind, behind.trl, place.province, sum(behind.n)::int
    from behind
    cross join lateral (select '' as province union all select unnest(behind.provinces)) as place
    where ${behindConditions(filter)}
    group by 2, 3, 4
    union all
    select 'size', '', 0, '', count(*)::int from behind`)
  const size = result.rows.find((row) => row.source === 'size')?.n ?? 0
  if (size > behindCap) return undefined
  return counted(result.rows.filter((row) => row.source !== 'size'))
}

const textList = (values: readonly string[]) =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )

/** The conditions the counts table answers (kind, TRL, one place, sector or field), on the rows of `behind`. */
function behindConditions(filter: BrowseFilter): SQL {
  const conditions = [
    filter.kinds ? sql`behind.kind in (${textList(filter.kinds)})` : undefined,
    hasTrlRange(filter) ? sql`behind.trl >= ${filter.trlMin ?? 1}` : undefined,
    filter.trlMax !== undefined ? sql`behind.trl <= ${filter.trlMax}` : undefined,
    filter.sectors ? sql`behind.sectors && array[${textList(filter.sectors)}]::text[]` : undefined,
    filter.fields ? sql`behind.fields && array[${textList(filter.fields)}]::text[]` : undefined,
    ...filter.provinceSets.map((codes) => sql`behind.provinces && array[${textList(codes)}]::text[]`),
  ]
  return and(...conditions) ?? sql`true`
}

/**
 * The newest `cap` matches counted; exhaustive when no more match. A gathered plan (few matches,
 * see BrowsePlan) counts them all, exactly.
 */
export async function cappedFacets(db: DbOrTx, filter: BrowseFilter, plan: BrowsePlan, cap = facetCountCap): Promise<ListingFacetCounts> {
  const column = browseColumn(filter.status)
  const where = browseConditions(filter)
  const sample = plan.gather
    ? sql`select ${listings.kind} as kind, ${listings.trl} as trl, ${listings.currentProvinceCodes} as provinces from ${listings} where ${where}`
    : sql`select ${listings.kind} as kind, ${listings.trl} as trl, ${listings.currentProvinceCodes} as provinces from ${listings} where ${where}
        order by ${sql.join(newestOrder(column), sql`, `)} limit ${cap + 1}`
  const limit = plan.gather ? Number.MAX_SAFE_INTEGER : cap
  const result = await db.execute<Tally & { total: number }>(sql`
    with sample as materialized (select *, row_number() over () as position from (${sample}) as matches)
    select counted.kind, counted.trl, place.province, count(*)::int as n, max(total.n)::int as total
    from (select kind, coalesce(trl, 0) as trl, provinces from sample where position <= ${limit}) as counted
    cross join lateral (select '' as province union all select unnest(counted.provinces)) as place
    cross join (select count(*) as n from sample) as total
    group by 1, 2, 3`)
  const total = result.rows[0]?.total ?? 0
  return tallyToFacets(result.rows, total > limit ? { exhaustive: false, counted: cap } : { exhaustive: true })
}

/**
 * A browse's (no q) exact facets from the counts table, with its number of matches, or undefined
 * when the table cannot answer the filter (then cappedFacets counts them).
 */
export async function countedBrowseFacets(db: DbOrTx, filter: BrowseFilter): Promise<CountedFacets | undefined> {
  const dim = facetDimension(filter)
  return dim === undefined ? undefined : countedFacets(db, filter, dim)
}

/**
 * Exact facets over the listings with these ids (a text search's bounded candidate set, already
 * filtered): for the q path, which decides itself whether its candidates were every match.
 */
export async function countListingFacetsOfIds(db: DbOrTx, ids: string[]): Promise<ListingFacetCounts> {
  if (ids.length === 0) return tallyToFacets([], { exhaustive: true })
  const result = await db.execute<Tally>(sql`
    select ${listings.kind} as kind, coalesce(${listings.trl}, 0)::int as trl, place.province, count(*)::int as n
    from ${listings}
    cross join lateral (select '' as province union all select unnest(${listings.currentProvinceCodes})) as place
    where ${inArray(listings.id, ids)}
    group by 1, 2, 3`)
  return tallyToFacets(result.rows, { exhaustive: true })
}
