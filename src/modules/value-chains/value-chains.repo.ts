import { and, asc, desc, eq, gte, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import {
  demands,
  listings,
  organizations,
  valueChains,
  valueChainStageListings,
  valueChainStageOrganizations,
  valueChainStages,
} from '../../db/schema/index.ts'
import { demandSource } from '../demands/demands.search.ts'
import { listingSource } from '../listings/listings.search.ts'
import type { RetrievalQuery } from '../retrieval/query.ts'
import { retrieve, type Hit } from '../retrieval/retrieve.ts'

export type ChainRow = typeof valueChains.$inferSelect
export type ChainInsert = typeof valueChains.$inferInsert
export type StageRow = typeof valueChainStages.$inferSelect
export type StageInsert = Omit<typeof valueChainStages.$inferInsert, 'chainId' | 'position'> & { listingIds: string[]; organizationIds: string[] }

export async function findChain(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<ChainRow | undefined> {
  const query = db.select().from(valueChains).where(eq(valueChains.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

export async function insertChain(tx: DbOrTx, values: ChainInsert): Promise<ChainRow> {
  const [row] = await tx.insert(valueChains).values(values).returning()
  return row!
}

export async function updateChain(tx: DbOrTx, id: string, version: number, values: Partial<ChainInsert>, now: Date): Promise<ChainRow | undefined> {
  const [row] = await tx
    .update(valueChains)
    .set({ ...values, updatedAt: now, version: sql`${valueChains.version} + 1` })
    .where(and(eq(valueChains.id, id), eq(valueChains.version, version)))
    .returning()
  return row
}

/** Replaces a chain's stages (and their links) with these, in this order. */
export async function replaceStages(tx: DbOrTx, chainId: string, stages: StageInsert[]): Promise<void> {
  await tx.delete(valueChainStages).where(eq(valueChainStages.chainId, chainId))
  for (const [index, stage] of stages.entries()) {
    const { listingIds, organizationIds, ...values } = stage
    const [row] = await tx
      .insert(valueChainStages)
      .values({ ...values, chainId, position: index + 1 })
      .returning({ id: valueChainStages.id })
    if (listingIds.length) await tx.insert(valueChainStageListings).values(listingIds.map((listingId) => ({ stageId: row!.id, listingId })))
    if (organizationIds.length)
      await tx.insert(valueChainStageOrganizations).values(organizationIds.map((organizationId) => ({ stageId: row!.id, organizationId })))
  }
}

export type StageListing = { stageId: string; id: string; titleVi: string; status: string; validUntil: string | null }
export type StageOrganization = { stageId: string; id: string; name: string; kind: string }

/** The stages of some chains in chain order, with their listings and organisations. */
export async function findStages(db: DbOrTx, chainIds: string[]) {
  if (chainIds.length === 0) return { stages: [] as StageRow[], listings: [] as StageListing[], organizations: [] as StageOrganization[] }
  const stages = await db
    .select()
    .from(valueChainStages)
    .where(inArray(valueChainStages.chainId, chainIds))
    .orderBy(asc(valueChainStages.chainId), asc(valueChainStages.position))
  const stageIds = stages.map((stage) => stage.id)
  if (stageIds.length === 0) return { stages, listings: [] as StageListing[], organizations: [] as StageOrganization[] }
  const [listingRows, organizationRows] = await Promise.all([
    db
      .select({
        stageId: valueChainStageListings.stageId,
        id: listings.id,
        titleVi: listings.titleVi,
        status: listings.status,
        validUntil: listings.validUntil,
      })
      .from(valueChainStageListings)
      .innerJoin(listings, eq(listings.id, valueChainStageListings.listingId))
      .where(inArray(valueChainStageListings.stageId, stageIds))
      .orderBy(asc(listings.titleVi), asc(listings.id)),
    db
      .select({ stageId: valueChainStageOrganizations.stageId, id: organizations.id, name: organizations.name, kind: organizations.kind })
      .from(valueChainStageOrganizations)
      .innerJoin(organizations, eq(organizations.id, valueChainStageOrganizations.organizationId))
      .where(inArray(valueChainStageOrganizations.stageId, stageIds))
      .orderBy(asc(organizations.name), asc(organizations.id)),
  ])
  return { stages, listings: listingRows, organizations: organizationRows }
}

export type ChainFilter = { currentProvinceCode?: string; ownerId?: string; after?: { updatedAt: Date; id: string }; limit: number }

export async function listChains(db: DbOrTx, filter: ChainFilter): Promise<ChainRow[]> {
  const { after } = filter
  return db
    .select()
    .from(valueChains)
    .where(
      and(
        filter.currentProvinceCode ? eq(valueChains.currentProvinceCode, filter.currentProvinceCode) : undefined,
        filter.ownerId ? eq(valueChains.ownerId, filter.ownerId) : undefined,
        after ? or(lt(valueChains.updatedAt, after.updatedAt), and(eq(valueChains.updatedAt, after.updatedAt), lt(valueChains.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(valueChains.updatedAt), desc(valueChains.id))
    .limit(filter.limit)
}

export type Candidate = { id: string; titleVi: string; provinces: string[]; score: number }

/** Gap candidates are few and should stand for the stage: a looser match than search's is noise. */
const gapRelevance = 0.3

/** The hits of a ranked retrieval that stand for the query, best first, as candidates. */
function candidatesOf(hits: Hit<{ titleVi: string; provinces: string[] | null }>[], limit: number): Candidate[] {
  return hits
    .filter((hit) => hit.relevance >= gapRelevance)
    .slice(0, limit)
    .map((hit) => ({
      id: hit.id,
      titleVi: hit.extra.titleVi,
      provinces: hit.extra.provinces ?? [],
      score: Math.round(Math.min(1, hit.relevance) * 1000) / 1000,
    }))
}

/** The published, unexpired listings best matching the query (ranked retrieval), leaving out some. */
export async function matchingListings(
  db: DbOrTx,
  query: RetrievalQuery,
  options: { today: string; excludeIds: string[]; limit: number },
): Promise<Candidate[]> {
  const { hits } = await retrieve<{ titleVi: string; provinces: string[] }>(db, listingSource, query, {
    where: and(
      eq(listings.status, 'published'),
      or(isNull(listings.validUntil), gte(listings.validUntil, options.today)),
      options.excludeIds.length ? notInArray(listings.id, options.excludeIds) : undefined,
    ),
    extra: { titleVi: sql`${listings.titleVi}`, provinces: sql`${listings.currentProvinceCodes}` },
  })
  return candidatesOf(hits, options.limit)
}

/** The open demands (deadline not passed) best matching the query. */
export async function matchingDemands(db: DbOrTx, query: RetrievalQuery, options: { today: string; limit: number }): Promise<Candidate[]> {
  const { hits } = await retrieve<{ titleVi: string; provinces: string[] }>(db, demandSource, query, {
    where: and(eq(demands.status, 'open'), or(isNull(demands.deadline), gte(demands.deadline, options.today))),
    extra: { titleVi: sql`${demands.titleVi}`, provinces: sql`array_remove(array[${demands.currentProvinceCode}], null)` },
  })
  return candidatesOf(hits, options.limit)
}
