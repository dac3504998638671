import { and, asc, eq, gt, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { demands, listings, organizations, sources } from '../../db/schema/index.ts'
import type { DemandInsert } from '../demands/demands.repo.ts'
import { listingColumns, ownerColumns, type ListingInsert, type ListingRecord, type ListingWithOwner } from '../listings/listings.repo.ts'

export type SourceRow = typeof sources.$inferSelect

const sourceColumns = {
  id: sources.id,
  name: sources.name,
  organizationId: sources.organizationId,
  homepage: sources.homepage,
  createdAt: sources.createdAt,
  updatedAt: sources.updatedAt,
  version: sources.version,
}

export async function insertSource(db: DbOrTx, values: typeof sources.$inferInsert): Promise<SourceRow> {
  const [row] = await db.insert(sources).values(values).returning(sourceColumns)
  return row!
}

export async function findSource(db: DbOrTx, id: string): Promise<SourceRow | undefined> {
  const [row] = await db.select(sourceColumns).from(sources).where(eq(sources.id, id))
  return row
}

/** Sources in id order, after `afterId`. */
export async function listSources(db: DbOrTx, params: { afterId?: string; limit: number }): Promise<SourceRow[]> {
  return db
    .select(sourceColumns)
    .from(sources)
    .where(params.afterId === undefined ? undefined : gt(sources.id, params.afterId))
    .orderBy(asc(sources.id))
    .limit(params.limit)
}

/** A source's listing by its id there, with its owner; `lock` takes a row lock for the upsert. */
export async function findSourcedListing(
  db: DbOrTx,
  source: string,
  externalId: string,
  options: { lock?: boolean } = {},
): Promise<ListingWithOwner | undefined> {
  const query = db
    .select({ ...listingColumns, owner: ownerColumns })
    .from(listings)
    .innerJoin(organizations, eq(organizations.id, listings.ownerId))
    .where(and(eq(listings.source, source), eq(listings.externalId, externalId)))
  const [row] = options.lock ? await query.for('update', { of: listings }) : await query
  return row
}

/**
 * Inserts a source's listing unless one with its (source, externalId) exists: undefined then.
 * Of two concurrent first upserts the second waits on the unique index for the first to commit,
 * then inserts nothing, instead of failing its transaction with a unique violation.
 */
export async function insertSourcedListing(db: DbOrTx, values: ListingInsert & { source: string; externalId: string }): Promise<ListingRecord | undefined> {
  const [row] = await db
    .insert(listings)
    .values(values)
    // The unique index listings_source_external_key is partial: the conflict target names its predicate.
    .onConflictDoNothing({ target: [listings.source, listings.externalId], where: sql.raw('source is not null') })
    .returning(listingColumns)
  return row
}

/** The id of a source's demand by its id there; `lock` takes a row lock for the upsert. */
export async function findSourcedDemandId(db: DbOrTx, source: string, externalId: string, options: { lock?: boolean } = {}): Promise<string | undefined> {
  const query = db
    .select({ id: demands.id })
    .from(demands)
    .where(and(eq(demands.source, source), eq(demands.externalId, externalId)))
  const [row] = options.lock ? await query.for('update') : await query
  return row?.id
}

/** Inserts a source's demand unless one with its (source, externalId) exists: undefined then (see insertSourcedListing). */
export async function insertSourcedDemand(db: DbOrTx, values: DemandInsert & { source: string; externalId: string }): Promise<string | undefined> {
  const [row] = await db
    .insert(demands)
    .values(values)
    .onConflictDoNothing({ target: [demands.source, demands.externalId], where: sql.raw('source is not null') })
    .returning({ id: demands.id })
  return row?.id
}
