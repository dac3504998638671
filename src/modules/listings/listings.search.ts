import { and, arrayContains, arrayOverlaps, desc, eq, gte, lt, lte, or, isNull, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { listings, organizations, type Disclosure } from '../../db/schema/index.ts'
import { textMatches, textRank, type TextMode } from '../../lib/text-search.ts'
import type { ListingStatus } from './listings.lifecycle.ts'
import { listingSummaryColumns, ownerColumns, type OwnerSummary } from './listings.repo.ts'

// The search queries: the filtered set, one keyset page of it, and its facet counts.

export type ListingFilter = {
  status: ListingStatus
  /** Vietnam's date today, which decides what has expired. */
  today: string
  q?: string
  /** How q is matched: exact words, or tolerating typos (the fallback when exact finds nothing). */
  textMode: TextMode
  kind?: string
  sector?: string
  field?: string
  /** Each entry is one overlap condition on the 2025 province codes (a province, a region). */
  provinceSets: string[][]
  trlMin?: number
  trlMax?: number
  priceMin?: number
  priceMax?: number
  ownerId?: string
  /** Leaves anonymous listings out: owner= asked by a caller who does not act for that owner. */
  withoutAnonymous?: boolean
}

export type ListingSort = 'relevance' | 'newest'

/** The last row of the previous page: its sort value (as PostgreSQL printed it) and id. */
export type SortKey = { value: string; id: string }

const searchColumns = { document: listings.searchDocument, vector: listings.searchVector }

function statusCondition(status: ListingStatus, today: string): SQL | undefined {
  const notExpired = or(isNull(listings.validUntil), gte(listings.validUntil, today))
  switch (status) {
    case 'published':
      return and(eq(listings.status, 'published'), notExpired)
    case 'expired':
      return and(eq(listings.status, 'published'), lt(listings.validUntil, today))
    default:
      return eq(listings.status, status)
  }
}

function filterConditions(filter: ListingFilter): SQL | undefined {
  return and(
    statusCondition(filter.status, filter.today),
    filter.q ? textMatches(searchColumns, filter.q, filter.textMode) : undefined,
    filter.kind ? eq(listings.kind, filter.kind) : undefined,
    filter.sector ? arrayContains(listings.sectors, [filter.sector]) : undefined,
    filter.field ? arrayContains(listings.fields, [filter.field]) : undefined,
    ...filter.provinceSets.map((codes) => arrayOverlaps(listings.currentProvinceCodes, codes)),
    filter.trlMin !== undefined ? gte(listings.trl, filter.trlMin) : undefined,
    filter.trlMax !== undefined ? lte(listings.trl, filter.trlMax) : undefined,
    // A price range keeps only listings with an amount: a price on request is the owner's to reveal,
    // and ranges narrowed down one after the other would reveal it.
    filter.priceMin !== undefined || filter.priceMax !== undefined ? eq(listings.priceType, 'amount') : undefined,
    filter.priceMin !== undefined ? gte(listings.priceVnd, filter.priceMin) : undefined,
    filter.priceMax !== undefined ? lte(listings.priceVnd, filter.priceMax) : undefined,
    filter.ownerId ? eq(listings.ownerId, filter.ownerId) : undefined,
    filter.withoutAnonymous ? eq(listings.anonymous, false) : undefined,
  )
}

/**
 * "Newest" is publication time; drafts were never published, so they go by creation time.
 * Published and withdrawn listings always have publishedAt (publishing sets it).
 */
const newestColumn = (status: ListingStatus) => (status === 'draft' ? listings.createdAt : listings.publishedAt)

/** Microsecond-exact UTC text of a timestamp, so a cursor compares equal to the stored value. */
const timestampText = (expression: SQL) => sql<string>`to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

export type ListingSearchRow = {
  id: string
  status: string
  kind: string
  titleVi: string
  titleEn: string | null
  trl: number | null
  priceType: string
  priceVnd: number | null
  sectors: string[]
  fields: string[]
  provinceCodes: string[]
  currentProvinceCodes: string[]
  validUntil: string | null
  publishedAt: Date | null
  anonymous: boolean
  disclosure: Disclosure
  source: string | null
  externalId: string | null
  owner: OwnerSummary
  /** The value the page is sorted on, as text: timestamp or float8 rank. */
  sortValue: string
  /** float8 text of the relevance score, when q is given. */
  rank: string | null
}

/** One page (limit rows) of the filtered set after `after`, in the sort order. */
export async function searchListings(
  db: DbOrTx,
  filter: ListingFilter,
  page: { sort: ListingSort; after?: SortKey; limit: number },
): Promise<ListingSearchRow[]> {
  const rank = filter.q ? textRank(searchColumns, filter.q, filter.textMode) : undefined
  // float8 text (shortest exact form since PostgreSQL 12) parses back to the very same double.
  const rankText = rank ? sql<string>`(${rank})::text` : sql<null>`null::text`
  const sortExpression: SQL = page.sort === 'relevance' && rank ? rank : sql`${newestColumn(filter.status)}`
  const sortText = page.sort === 'relevance' ? rankText : timestampText(sortExpression)
  const afterValue = page.sort === 'relevance' ? sql`${page.after?.value}::float8` : sql`${page.after?.value}::timestamptz`

  const rows = await db
    .select({
      ...listingSummaryColumns,
      owner: ownerColumns,
      sortValue: sortText,
      rank: rankText,
    })
    .from(listings)
    .innerJoin(organizations, eq(organizations.id, listings.ownerId))
    .where(
      and(
        filterConditions(filter),
        // Keyset: rows strictly after the last one in (value desc, id desc) order.
        page.after ? sql`(${sortExpression}, ${listings.id}) < (${afterValue}, ${page.after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(sql`${sortExpression} desc`, desc(listings.id))
    .limit(page.limit)
  return rows as ListingSearchRow[]
}

export type FacetCounts = { kind: FacetCount[]; province: FacetCount[]; trl: FacetCount[] }
type FacetCount = { code: string; count: number }

/** Counts by kind, 2025 province and TRL over the whole filtered set, in one query. */
export async function countFacets(db: DbOrTx, filter: ListingFilter): Promise<FacetCounts> {
  const result = await db.execute<{ facet: keyof FacetCounts; code: string; count: number }>(sql`
    with filtered as materialized (
      select ${listings.kind} as kind, ${listings.trl} as trl, ${listings.currentProvinceCodes} as provinces
      from ${listings}
      where ${filterConditions(filter) ?? sql`true`}
    )
    select 'kind' as facet, kind as code, count(*)::int as count from filtered group by kind
    union all
    select 'trl', trl::text, count(*)::int from filtered where trl is not null group by trl
    union all
    select 'province', code, count(*)::int from filtered cross join lateral unnest(provinces) as code group by code
  `)
  const facets: FacetCounts = { kind: [], province: [], trl: [] }
  for (const row of result.rows) facets[row.facet].push({ code: row.code, count: row.count })
  const byCount = (a: FacetCount, b: FacetCount) => b.count - a.count || a.code.localeCompare(b.code)
  facets.kind.sort(byCount)
  facets.province.sort(byCount)
  facets.trl.sort((a, b) => Number(a.code) - Number(b.code))
  return facets
}
