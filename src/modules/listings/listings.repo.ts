import { and, eq, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { preparedWhere } from '../../db/prepared.ts'
import { listings, organizations } from '../../db/schema/index.ts'
import type { ListingStoredStatus } from '../../db/schema/index.ts'
import { columnsOf } from '../../core/catalogue-kind.ts'
import { listingFields } from './listings.kind.ts'

export type ListingInsert = typeof listings.$inferInsert

/**
 * The fields of a listing its owner writes (create, update, a source's PUT, an import row): its
 * content. Status, dates and moderation follow the lifecycle instead.
 */
export const listingContentColumns = { ...columnsOf(listingFields), currentProvinceCodes: listings.currentProvinceCodes }

/**
 * The columns a listing is read with. The generated search columns are left out on purpose:
 * they are internal, large, and must never be written.
 */
export const listingColumns = {
  id: listings.id,
  ownerId: listings.ownerId,
  stewardId: listings.stewardId,
  status: listings.status,
  ...listingContentColumns,
  publishedAt: listings.publishedAt,
  withdrawnAt: listings.withdrawnAt,
  withdrawReason: listings.withdrawReason,
  moderationReason: listings.moderationReason,
  moderatedAt: listings.moderatedAt,
  archivedAt: listings.archivedAt,
  source: listings.source,
  externalId: listings.externalId,
  createdAt: listings.createdAt,
  updatedAt: listings.updatedAt,
  version: listings.version,
}

export const ownerColumns = { id: organizations.id, name: organizations.name, kind: organizations.kind }

/**
 * What a listing summary shows of the listing itself (search results, matches), and what decides
 * which of it the caller may see (anonymous, disclosure); the owner comes apart.
 */
export const listingSummaryColumns = {
  id: listings.id,
  status: listings.status,
  kind: listings.kind,
  titleVi: listings.titleVi,
  titleEn: listings.titleEn,
  trl: listings.trl,
  priceType: listings.priceType,
  priceVnd: listings.priceVnd,
  sectors: listings.sectors,
  fields: listings.fields,
  provinceCodes: listings.provinceCodes,
  currentProvinceCodes: listings.currentProvinceCodes,
  validUntil: listings.validUntil,
  publishedAt: listings.publishedAt,
  anonymous: listings.anonymous,
  disclosure: listings.disclosure,
  source: listings.source,
  externalId: listings.externalId,
}

export type ListingRecord = {
  [K in keyof typeof listingColumns]: (typeof listings.$inferSelect)[K]
}
export type OwnerSummary = { id: string; name: string; kind: string }
export type ListingWithOwner = ListingRecord & { owner: OwnerSummary }

/** One listing with its owner's summary; `lock` takes a row lock for a read-then-write in a transaction. */
export async function findListing(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<ListingWithOwner | undefined> {
  const query = db
    .select({ ...listingColumns, owner: ownerColumns })
    .from(listings)
    .innerJoin(organizations, eq(organizations.id, listings.ownerId))
    .where(preparedWhere(eq(listings.id, id)))
  const [row] = options.lock ? await query.for('update', { of: listings }) : await query
  return row
}

/**
 * Locks up to `limit` of this exchange's own listings expired before `cutoff` and counted so, oldest
 * first, skipping those another transaction holds: the archive sweep's batch. Reads
 * listings_counted_expiry_idx, whose condition the first two terms repeat.
 */
export async function lockLongExpired(db: DbOrTx, cutoff: string, limit: number): Promise<ListingWithOwner[]> {
  return db
    .select({ ...listingColumns, owner: ownerColumns })
    .from(listings)
    .innerJoin(organizations, eq(organizations.id, listings.ownerId))
    .where(and(eq(listings.status, 'published'), eq(listings.countedExpired, true), lt(listings.validUntil, cutoff), isNull(listings.source)))
    .orderBy(listings.validUntil)
    .limit(limit)
    .for('update', { of: listings, skipLocked: true })
}

/** Several listings with their owners, in one query (catalogue events of a bulk write). */
export async function findListings(db: DbOrTx, ids: string[]): Promise<ListingWithOwner[]> {
  if (ids.length === 0) return []
  return db
    .select({ ...listingColumns, owner: ownerColumns })
    .from(listings)
    .innerJoin(organizations, eq(organizations.id, listings.ownerId))
    .where(inArray(listings.id, ids))
}

/** The owner and status of several listings by id, for checks of records that name them; unknown ids are absent. */
export async function findListingStates(db: DbOrTx, ids: string[]): Promise<Map<string, { id: string; ownerId: string; status: string }>> {
  if (ids.length === 0) return new Map()
  const rows = await db.select({ id: listings.id, ownerId: listings.ownerId, status: listings.status }).from(listings).where(inArray(listings.id, ids))
  return new Map(rows.map((row) => [row.id, row]))
}

export async function insertListing(db: DbOrTx, values: ListingInsert): Promise<ListingRecord> {
  const [row] = await db.insert(listings).values(values).returning(listingColumns)
  return row!
}

/** Applies a change if the row is still at `expectedVersion`; undefined if not. */
export async function updateListing(
  db: DbOrTx,
  params: { id: string; expectedVersion: number; values: Partial<ListingInsert>; now: Date },
): Promise<ListingRecord | undefined> {
  const [row] = await db
    .update(listings)
    .set({ ...params.values, updatedAt: params.now, version: sql`${listings.version} + 1` })
    .where(and(eq(listings.id, params.id), eq(listings.version, params.expectedVersion)))
    .returning(listingColumns)
  return row
}

/**
 * Moves a listing from one of `from` to `to` in a single statement, so of two concurrent calls
 * only one can win. `validOn` (publishing) also requires validUntil to be absent or not before it.
 * Returns undefined when the row was not in an expected state.
 */
export async function transitionListing(
  db: DbOrTx,
  params: { id: string; from: ListingStoredStatus[]; to: ListingStoredStatus; values: Partial<ListingInsert>; now: Date; validOn?: string },
): Promise<ListingRecord | undefined> {
  const [row] = await db
    .update(listings)
    .set({ ...params.values, status: params.to, updatedAt: params.now, version: sql`${listings.version} + 1` })
    .where(
      and(
        eq(listings.id, params.id),
        inArray(listings.status, params.from),
        params.validOn === undefined ? undefined : or(isNull(listings.validUntil), gte(listings.validUntil, params.validOn)),
      ),
    )
    .returning(listingColumns)
  return row
}
