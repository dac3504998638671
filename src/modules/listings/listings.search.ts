import { and, arrayOverlaps, desc, eq, gte, lt, lte, or, isNull, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { preparedWhere } from '../../db/prepared.ts'
import { holdsAnyOf, isAnyOf, isOneOf } from '../../db/filters.ts'
import { listings, organizations, type Disclosure, type ListingStoredStatus } from '../../db/schema/index.ts'
import type { Hit, RetrievalSource } from '../retrieval/retrieve.ts'
import type { ListingStatus } from './listings.lifecycle.ts'
import { listingSummaryColumns, ownerColumns, type OwnerSummary } from './listings.repo.ts'

// The search queries: the filtered set, one keyset page of it, and its facet counts. With q, the
// records come from ranked retrieval (src/modules/retrieval) under the same filters.

export type ListingFilter = {
  status: ListingStatus
  /** Vietnam's date today, which decides what has expired. */
  today: string
  /** Any of these kinds, sectors, fields (each list non-empty when present). */
  kinds?: readonly string[]
  sectors?: readonly string[]
  fields?: readonly string[]
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

export const listingSource: RetrievalSource = {
  kind: 'listing',
  table: listings,
  id: listings.id,
  title: listings.titleVi,
  keyIds: listings.searchKeyIds,
  bodyIds: listings.searchBodyIds,
}

/** The rows in a visible state on `today` ('expired' and 'published' split the published rows by date). */
export function statusCondition(status: ListingStatus, today: string): SQL | undefined {
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

export function filterConditions(filter: ListingFilter): SQL | undefined {
  return and(
    statusCondition(filter.status, filter.today),
    filter.kinds ? isOneOf(listings.kind, filter.kinds) : undefined,
    filter.sectors ? holdsAnyOf(listings.sectors, filter.sectors) : undefined,
    filter.fields ? holdsAnyOf(listings.fields, filter.fields) : undefined,
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
export const newestColumn = (status: ListingStatus) => (status === 'draft' ? listings.createdAt : listings.publishedAt)

/** Microsecond-exact UTC text of a timestamp, so a cursor compares equal to the stored value. */
export const timestampText = (expression: SQL) => sql<string>`to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`

export type ListingSearchRow = {
  id: string
  status: ListingStoredStatus
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
  /** The value the page is sorted on, as text: the timestamp. */
  sortValue: string
}

/** One page (limit rows) of the filtered set after `after`, newest first: browsing without q. */
export async function searchListings(db: DbOrTx, filter: ListingFilter, page: { after?: SortKey; limit: number }): Promise<ListingSearchRow[]> {
  const sortExpression: SQL = sql`${newestColumn(filter.status)}`
  const rows = await db
    .select({ ...listingSummaryColumns, owner: ownerColumns, sortValue: timestampText(sortExpression) })
    .from(listings)
    .innerJoin(organizations, eq(organizations.id, listings.ownerId))
    .where(
      and(
        filterConditions(filter),
        // Keyset: rows strictly after the last one in (value desc, id desc) order.
        page.after ? sql`(${sortExpression}, ${listings.id}) < (${page.after.value}::timestamptz, ${page.after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(sql`${sortExpression} desc`, desc(listings.id))
    .limit(page.limit)
  return rows as ListingSearchRow[]
}

/** The search rows of these listings, in the order of `ids` (a page of text-search hits). */
export async function listingRowsByIds(db: DbOrTx, status: ListingStatus, ids: string[]): Promise<ListingSearchRow[]> {
  if (ids.length === 0) return []
  const rows = (await db
    .select({ ...listingSummaryColumns, owner: ownerColumns, sortValue: timestampText(sql`${newestColumn(status)}`) })
    .from(listings)
    .innerJoin(organizations, eq(organizations.id, listings.ownerId))
    .where(preparedWhere(isAnyOf(listings.id, ids, 'uuid')))) as ListingSearchRow[]
  const byId = new Map(rows.map((row) => [row.id, row]))
  return ids.flatMap((id) => byId.get(id) ?? [])
}

/** What a text search fetches with each candidate: the facets' fields and the date it sorts by. */
export const listingHitColumns = (status: ListingStatus) => ({
  kind: sql`${listings.kind}`,
  trl: sql`${listings.trl}`,
  provinces: sql`${listings.currentProvinceCodes}`,
  newest: timestampText(sql`${newestColumn(status)}`),
})

export type ListingHit = Hit<{ kind: string; trl: number | null; provinces: string[]; newest: string | null }>

export type FacetCounts = { kind: FacetCount[]; province: FacetCount[]; trl: FacetCount[]; exhaustive: boolean }
type FacetCount = { code: string; count: number }

const byCount = (a: FacetCount, b: FacetCount) => b.count - a.count || a.code.localeCompare(b.code)

/** Counts by kind, province and TRL over a text search's results; exhaustive unless the candidates were cut. */
export function facetsOfHits(hits: ListingHit[], exhaustive: boolean): FacetCounts {
  const counts = { kind: new Map<string, number>(), province: new Map<string, number>(), trl: new Map<string, number>() }
  const bump = (map: Map<string, number>, code: string) => map.set(code, (map.get(code) ?? 0) + 1)
  for (const hit of hits) {
    bump(counts.kind, hit.extra.kind)
    if (hit.extra.trl !== null) bump(counts.trl, String(hit.extra.trl))
    for (const code of new Set(hit.extra.provinces)) bump(counts.province, code)
  }
  const list = (map: Map<string, number>) => [...map].map(([code, count]) => ({ code, count }))
  return {
    kind: list(counts.kind).sort(byCount),
    province: list(counts.province).sort(byCount),
    trl: list(counts.trl).sort((a, b) => Number(a.code) - Number(b.code)),
    exhaustive,
  }
}

/** Counts by kind, 2025 province and TRL over the whole filtered set, in one query. */
export async function countFacets(db: DbOrTx, filter: ListingFilter): Promise<FacetCounts> {
  const result = await db.execute<{ facet: 'kind' | 'province' | 'trl'; code: string; count: number }>(sql`
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
  const facets: FacetCounts = { kind: [], province: [], trl: [], exhaustive: true }
  for (const row of result.rows) facets[row.facet as 'kind' | 'province' | 'trl'].push({ code: row.code, count: row.count })
  facets.kind.sort(byCount)
  facets.province.sort(byCount)
  facets.trl.sort((a, b) => Number(a.code) - Number(b.code))
  return facets
}
