import { and, eq, inArray, ne, or, sql } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../db/client.ts'
import { listings } from '../../db/schema/index.ts'
import { sqlStateOf } from '../../lib/pg-errors.ts'
import { provenanceOf, type Provenance } from '../../lib/provenance.ts'
import { findNearDuplicates } from '../retrieval/duplicates.ts'
import { listingSource } from './listings.search.ts'

// Near-duplicate listings (possibleDuplicates on create, upsert and import): the same technology
// filed twice, or by two exchanges. A warning, never a refusal: two institutes may well offer the
// same process.

export type DuplicateQuery = {
  titleVi: string
  titleEn?: string | null
  keywords?: string[]
  descriptionVi?: string | null
  descriptionEn?: string | null
  /** The owner of the new listing: its own drafts count too; others' only once published. */
  ownerId: string
  /** The listing itself, once written. */
  excludeId?: string
  /** This exchange's id (config EXCHANGE_ID): with it, each duplicate carries its provenance. */
  exchangeId?: string
}

export type PossibleDuplicate = {
  id: string
  title: string
  /** How alike the two are, 0..1 (at least duplicateThreshold): see retrieval/duplicates.ts. */
  similarity: number
  /** The weighted share of this listing's whole text the other holds, 0..1. */
  descriptionSimilarity: number | null
  provenance?: Provenance
}

const round = (value: number) => Math.round(value * 1000) / 1000

/** The possible duplicates of a listing once written (the answer to a create or a source's PUT). */
export const duplicatesOfWritten = (
  tx: DbOrTx,
  row: { id: string; ownerId: string; titleVi: string; titleEn: string | null; keywords: string[]; descriptionVi: string; descriptionEn: string | null },
  exchangeId: string,
) =>
  findPossibleDuplicates(tx, {
    titleVi: row.titleVi,
    titleEn: row.titleEn,
    keywords: row.keywords,
    descriptionVi: row.descriptionVi,
    descriptionEn: row.descriptionEn,
    ownerId: row.ownerId,
    excludeId: row.id,
    exchangeId,
  })

/**
 * Up to `limit` listings that may be the same offer, closest first (retrieval/duplicates.ts). Only
 * what the owner may see: published listings (expired ones included), and its own drafts and
 * published ones; never another owner's draft or a withdrawn listing.
 */
export async function findPossibleDuplicates(tx: DbOrTx, query: DuplicateQuery, limit = 5): Promise<PossibleDuplicate[]> {
  const visible = and(
    or(eq(listings.status, 'published'), and(eq(listings.ownerId, query.ownerId), eq(listings.status, 'draft'))),
    query.excludeId ? ne(listings.id, query.excludeId) : undefined,
  )
  const text = {
    title: query.titleVi,
    names: [query.titleEn ?? '', ...(query.keywords ?? [])].join(' . '),
    body: [query.descriptionVi ?? '', query.descriptionEn ?? ''].join(' . '),
  }
  const near = await findNearDuplicates(tx, listingSource, text, visible, limit)
  if (near.length === 0) return []
  const rows = await tx
    .select({
      id: listings.id,
      title: listings.titleVi,
      source: listings.source,
      externalId: listings.externalId,
      anonymous: listings.anonymous,
      ownerId: listings.ownerId,
    })
    .from(listings)
    .where(
      inArray(
        listings.id,
        near.map((duplicate) => duplicate.id),
      ),
    )
  const byId = new Map(rows.map((row) => [row.id, row]))
  return near.flatMap((duplicate) => {
    const row = byId.get(duplicate.id)
    if (!row) return []
    const found: PossibleDuplicate = {
      id: row.id,
      title: row.title,
      similarity: round(duplicate.similarity),
      descriptionSimilarity: round(duplicate.textCoverage),
    }
    if (query.exchangeId) {
      // An anonymous listing of this exchange hides its owner's own reference, as its GET does.
      const hideReference = row.anonymous && row.source === null && row.ownerId !== query.ownerId
      found.provenance = provenanceOf({ id: row.id, source: row.source, externalId: hideReference ? null : row.externalId }, 'listing', query.exchangeId)
    }
    return [found]
  })
}

/** A near-duplicate lookup as imports use it: undefined when it could not answer in time. */
export type DuplicateFinder = (query: DuplicateQuery) => Promise<PossibleDuplicate[] | undefined>

/** How long one lookup may take on PostgreSQL before it is given up (PGlite does not enforce it). */
const lookupTimeoutMs = 500

/**
 * Near-duplicate lookups outside any write: each in a read-only transaction of its own (which takes
 * no transaction id, so it holds back neither the event feed nor webhooks), given up after
 * lookupTimeoutMs (the retrieval budget keeps it far below on both databases). Imports call it before a
 * batch's write, and another implementation (a retrieval core) can take its place.
 */
export function boundedDuplicateFinder(db: Db): DuplicateFinder {
  return async (query) => {
    try {
      return await db.transaction(
        async (tx) => {
          await tx.execute(sql`select set_config('statement_timeout', ${`${lookupTimeoutMs}ms`}, true)`)
          return findPossibleDuplicates(tx, query)
        },
        { accessMode: 'read only' },
      )
    } catch (error) {
      if (sqlStateOf(error) === queryCanceled) return undefined
      throw error
    }
  }
}

/** query_canceled: the statement timeout went off. */
const queryCanceled = '57014'
