import { and, arrayOverlaps, eq, gte, isNull, lt, lte, or, sql, type AnyColumn, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { dimensionGroups, holdsAnyOf, isOneOf, matchBound } from '../../db/filters.ts'
import { listingFacetCounts, listings, organizations } from '../../db/schema/index.ts'
import type { ListingStatus } from './listings.lifecycle.ts'
import { listingSummaryColumns, ownerColumns } from './listings.repo.ts'
import type { ListingFilter, ListingSearchRow, SortKey } from './listings.search.ts'

// Browsing without q: one newest-first page of the filtered listings, read in index order.
//
// A published listing's page is an index-only scan of listings_browse_idx (published listings by
// published_at DESC NULLS LAST, id DESC NULLS LAST, with every filtered column INCLUDEd), filtered
// as it goes and stopped after limit + 1 matches; only those rows are then read from the table. A
// selective filter (an owner, a price range, a rare sector or a small province) is served by its
// own index instead and sorted, which the planner picks when fewer rows match than the ordered scan
// would read (migrations/*_facet_count_triggers.sql and bench/README.md show the plans).

/** What browsing filters on: the search filter without q, and the place filter as asked. */
export type BrowseFilter = Omit<ListingFilter, 'q' | 'textMode'> & {
  /** The 2025 provinces a province filter resolved to (also one of provinceSets). */
  provinces?: readonly string[]
  /** The region filter's id (its provinces are one of provinceSets). */
  region?: number
}

/** The conditions of a browse, on the covering index's columns only (status and expiry included). */
export function browseConditions(filter: BrowseFilter): SQL | undefined {
  const notExpired = or(isNull(listings.validUntil), gte(listings.validUntil, filter.today))
  const status =
    filter.status === 'published'
      ? and(eq(listings.status, 'published'), notExpired)
      : filter.status === 'expired'
        ? and(eq(listings.status, 'published'), lt(listings.validUntil, filter.today))
        : eq(listings.status, filter.status)
  const priced = filter.priceMin !== undefined || filter.priceMax !== undefined
  return and(
    status,
    filter.kinds ? isOneOf(listings.kind, filter.kinds) : undefined,
    filter.sectors ? holdsAnyOf(listings.sectors, filter.sectors) : undefined,
    filter.fields ? holdsAnyOf(listings.fields, filter.fields) : undefined,
    ...filter.provinceSets.map((codes) => arrayOverlaps(listings.currentProvinceCodes, codes)),
    filter.trlMin !== undefined ? gte(listings.trl, filter.trlMin) : undefined,
    filter.trlMax !== undefined ? lte(listings.trl, filter.trlMax) : undefined,
    // A price range keeps only listings with an amount (see listings.search.ts).
    priced ? eq(listings.priceType, 'amount') : undefined,
    filter.priceMin !== undefined ? gte(listings.priceVnd, filter.priceMin) : undefined,
    filter.priceMax !== undefined ? lte(listings.priceVnd, filter.priceMax) : undefined,
    filter.ownerId ? eq(listings.ownerId, filter.ownerId) : undefined,
    filter.withoutAnonymous ? eq(listings.anonymous, false) : undefined,
  )
}

/** Drafts were never published: they go by creation time. */
export const browseColumn = (status: ListingStatus) => (status === 'draft' ? listings.createdAt : listings.publishedAt)

/**
 * The page order, exactly as the indexes hold it: NULLS LAST as drizzle-kit writes DESC (a bare
 * DESC means NULLS FIRST, which no index gives, so PostgreSQL read every row and sorted). Published
 * and withdrawn listings always have published_at, so the nulls never show.
 */
export const newestOrder = (column: AnyColumn) => [sql`${column} desc nulls last`, sql`${listings.id} desc nulls last`]

/** Microsecond-exact UTC text of a timestamp: the cursor's value, as searchListings writes it. */
const timestampText = (expression: SQL) => sql<string>`to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

/**
 * How a browse reads its matches. `ordered`: the page-order index, filtered as it goes, which
 * reads about limit / (share of listings that match) entries: cheap for a common filter, a walk
 * of the whole index for a rare one (a sector nobody files under). `gathered`: every match from
 * the filter's own index (GIN on provinces, sectors, fields), then sorted: cheap when few match.
 * PostgreSQL's estimate of an array filter's share is a guess (a value outside its statistics
 * gets a fixed one), so the choice is made on exact counts: the counts table says how many
 * listings of this status, kind and TRL range match each place, sector or field filter.
 */
export type BrowsePlan = {
  gather: boolean
  /** At least as many as the fewest listings any one of the filter's place/sector/field conditions matches. */ atMost?: number
}

/** Below this many matches of its most selective array filter, a browse gathers and sorts. */
export const gatherBelow = 1500

/** The place, sector and field conditions a browse may gather by: none for an owner's, which its own index serves. */
const gatherGroups = (filter: BrowseFilter) => (filter.ownerId ? [] : dimensionGroups(filter))

export async function planBrowse(db: DbOrTx, filter: BrowseFilter): Promise<BrowsePlan> {
  const groups = gatherGroups(filter)
  const dims = groups.flat()
  if (dims.length === 0) return { gather: false }
  // Published and expired together: the counts split them by the expiry flag, which may lag the
  // calendar; their sum bounds either.
  const statuses = filter.status === 'published' || filter.status === 'expired' ? ['published', 'expired'] : [filter.status]
  const result = await db.execute<{ dim: string; n: number }>(sql`
    select dim, sum(n)::int as n from listing_facet_counts
    where status in (${sql.join(
      statuses.map((status) => sql`${status}`),
      sql`, `,
    )}) and dim in (${sql.join(
      dims.map((dim) => sql`${dim}`),
      sql`, `,
    )}) and province = ''
      ${filter.kinds ? sql`and ${isOneOf(listingFacetCounts.kind, filter.kinds)}` : sql``}
      ${filter.trlMin !== undefined || filter.trlMax !== undefined ? sql`and trl between ${filter.trlMin ?? 1} and ${filter.trlMax ?? 9}` : sql``}
    group by dim`)
  const atMost = matchBound(groups, result.rows)
  return { gather: atMost < gatherBelow, atMost }
}

/**
 * The plan of a browse whose matches the facets counted exactly (countedBrowseFacets): the same
 * choice as planBrowse's, without a read of its own.
 */
export function planOfCount(filter: BrowseFilter, matches: number): BrowsePlan {
  return { gather: gatherGroups(filter).flat().length > 0 && matches < gatherBelow, atMost: matches }
}

/**
 * The ids of one page, read as the plan says: a subquery, which the page's read runs first (an
 * InitPlan) and then reads those rows by primary key, so a page is one round trip, not two.
 */
function pageIdsQuery(filter: BrowseFilter, plan: BrowsePlan, after: SortKey | undefined, limit: number): SQL {
  const column = browseColumn(filter.status)
  const keyset = after ? sql`(${column}, ${listings.id}) < (${after.value}::timestamptz, ${after.id}::uuid)` : undefined
  const where = and(browseConditions(filter), keyset)
  // Materialised, so the planner cannot trade the filter's index for the page order's.
  if (plan.gather)
    return sql`with matches as materialized (select ${listings.id} as id, ${column} as at from ${listings} where ${where})
      select id from matches order by at desc nulls last, id desc nulls last limit ${limit}`
  return sql`select ${listings.id} from ${listings} where ${where} order by ${sql.join(newestOrder(column), sql`, `)} limit ${limit}`
}

/**
 * One page (limit rows) of the filtered listings after `after`, newest first: the ids first (see
 * BrowsePlan), then the summaries and owners of those rows only, in one statement.
 */
export async function browseListings(
  db: DbOrTx,
  filter: BrowseFilter,
  plan: BrowsePlan,
  page: { after?: SortKey; limit: number },
): Promise<ListingSearchRow[]> {
  if (plan.atMost === 0) return []
  const column = browseColumn(filter.status)
  const rows = await db
    .select({ ...listingSummaryColumns, owner: ownerColumns, sortValue: timestampText(sql`${column}`), rank: sql<null>`null::text` })
    .from(listings)
    .innerJoin(organizations, eq(organizations.id, listings.ownerId))
    .where(sql`${listings.id} = any(array(${pageIdsQuery(filter, plan, page.after, page.limit)}))`)
    .orderBy(...newestOrder(column))
  return rows as ListingSearchRow[]
}
