import { and, eq, gte, inArray, isNotNull, isNull, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { dimensionGroups, holdsAnyOf, isOneOf, matchBound } from '../../db/filters.ts'
import { demands, organizations } from '../../db/schema/index.ts'
import type { DemandStatus } from '../../db/schema/index.ts'
import { summaryColumns } from './demands.repo.ts'
import type { DemandFilter } from './demands.search.ts'

// Browsing demands without q: one newest-first page read in index order. The ids come from an
// index-only scan of demands_browse_idx ((status, opened_at DESC NULLS LAST, id DESC NULLS LAST)
// with every filtered column INCLUDEd), stopped after limit + 1 matches; an owner's demands come
// from demands_owner_opened_idx. The summaries are read for those rows only.

/** The search filter without q, and the region filter's id. */
export type DemandBrowseFilter = Omit<DemandFilter, 'q' | 'textMode'> & { region?: number }

/** The conditions of a browse, on the covering index's columns only. */
export function demandBrowseConditions(filter: DemandBrowseFilter): SQL | undefined {
  const budgetFilter = filter.budgetMin !== undefined || filter.budgetMax !== undefined
  return and(
    eq(demands.status, filter.status),
    filter.ownerId ? eq(demands.ownerId, filter.ownerId) : undefined,
    filter.withoutAnonymous ? eq(demands.anonymous, false) : undefined,
    filter.sectors ? holdsAnyOf(demands.sectors, filter.sectors) : undefined,
    filter.fields ? holdsAnyOf(demands.fields, filter.fields) : undefined,
    filter.currentProvinceCodes ? isOneOf(demands.currentProvinceCode, filter.currentProvinceCodes) : undefined,
    filter.regionProvinceCodes ? inArray(demands.currentProvinceCode, filter.regionProvinceCodes) : undefined,
    filter.trl !== undefined ? or(isNull(demands.minTrl), lte(demands.minTrl, filter.trl)) : undefined,
    // As in demands.search.ts: a demand that states no budget says nothing about one.
    budgetFilter ? or(isNotNull(demands.budgetMinVnd), isNotNull(demands.budgetMaxVnd)) : undefined,
    filter.budgetMin !== undefined ? or(isNull(demands.budgetMaxVnd), gte(demands.budgetMaxVnd, filter.budgetMin)) : undefined,
    filter.budgetMax !== undefined ? or(isNull(demands.budgetMinVnd), lte(demands.budgetMinVnd, filter.budgetMax)) : undefined,
  )
}

/** Drafts were never opened: they go by creation time. */
export const demandBrowseColumn = (status: DemandStatus) => (status === 'draft' ? demands.createdAt : demands.openedAt)

/** The page order as the indexes hold it (NULLS LAST, as drizzle-kit writes DESC); open and closed demands always have opened_at. */
export const demandNewestOrder = (column: AnyColumn) => [sql`${column} desc nulls last`, sql`${demands.id} desc nulls last`]

/**
 * How a browse reads its matches, as for listings (listings.browse.ts BrowsePlan): the page-order
 * index filtered as it goes, or, when the counts table says the most selective province, region,
 * sector or field filter matches fewer than `gatherBelow` demands, every match from that
 * filter's own index, sorted.
 */
export type DemandBrowsePlan = { gather: boolean; atMost?: number }

export const demandGatherBelow = 600

/** The place, sector and field conditions a browse may gather by: none for an owner's, which its own index serves. */
const gatherGroups = (filter: DemandBrowseFilter) => (filter.ownerId ? [] : dimensionGroups({ ...filter, provinces: filter.currentProvinceCodes }))

export async function planDemandBrowse(db: DbOrTx, filter: DemandBrowseFilter): Promise<DemandBrowsePlan> {
  const groups = gatherGroups(filter)
  const dims = groups.flat()
  if (dims.length === 0) return { gather: false }
  const result = await db.execute<{ dim: string; n: number }>(sql`
    select dim, sum(n)::int as n from demand_facet_counts
    where status = ${filter.status} and dim in (${sql.join(
      dims.map((dim) => sql`${dim}`),
      sql`, `,
    )}) and sector = ''
      ${filter.trl !== undefined ? sql`and min_trl <= ${filter.trl}` : sql``}
    group by dim`)
  const atMost = matchBound(groups, result.rows)
  return { gather: atMost < demandGatherBelow, atMost }
}

/** The plan of a browse whose matches the facets counted exactly: planDemandBrowse's choice, without its read. */
export function demandPlanOfCount(filter: DemandBrowseFilter, matches: number): DemandBrowsePlan {
  return { gather: gatherGroups(filter).flat().length > 0 && matches < demandGatherBelow, atMost: matches }
}

/**
 * One page (limit rows) after `after`, newest first: the ids as the plan says, then their summaries,
 * in one statement (the ids are a subquery run first, then read by primary key; see
 * listings.browse.ts); each row's sortAt is the cursor's value, as searchDemands writes it.
 */
export async function browseDemands(
  db: DbOrTx,
  filter: DemandBrowseFilter,
  plan: DemandBrowsePlan,
  after: { at: string; id: string } | undefined,
  limit: number,
) {
  if (plan.atMost === 0) return []
  const column = demandBrowseColumn(filter.status)
  const keyset = after ? sql`(${column}, ${demands.id}) < (${after.at}::timestamptz, ${after.id}::uuid)` : undefined
  const where = and(demandBrowseConditions(filter), keyset)
  const ids = plan.gather
    ? sql`with matches as materialized (select ${demands.id} as id, ${column} as at from ${demands} where ${where})
      select id from matches order by at desc nulls last, id desc nulls last limit ${limit}`
    : sql`select ${demands.id} from ${demands} where ${where} order by ${sql.join(demandNewestOrder(column), sql`, `)} limit ${limit}`
  return db
    .select({ ...summaryColumns, sortAt: sql<string>`${column}::text`, score: sql<number | null>`null::float8` })
    .from(demands)
    .innerJoin(organizations, eq(organizations.id, demands.ownerId))
    .where(sql`${demands.id} = any(array(${ids}))`)
    .orderBy(...demandNewestOrder(column))
}
