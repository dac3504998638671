import { sql } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../db/client.ts'
import { listings } from '../../db/schema/index.ts'
import { sqlStateOf } from '../../lib/pg-errors.ts'
import { provenanceOf, type Provenance } from '../../lib/provenance.ts'

// Near-duplicate listings (possibleDuplicates on create, upsert and import): the same technology
// filed twice, or by two exchanges. A warning, never a refusal: two institutes may well offer the
// same process.

/** Title similarity (pg_trgm, on unaccented lower-cased text) from which a listing is a possible duplicate. */
export const duplicateThreshold = 0.6

// Only the start of a description is compared: enough to tell two texts apart, and bounded in cost.
const descriptionPrefix = 1000

export type DuplicateQuery = {
  titleVi: string
  descriptionVi?: string | null
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
  /** Trigram similarity of the titles, 0..1 (at least duplicateThreshold). */
  similarity: number
  /** Trigram similarity of the descriptions' first 1000 characters, 0..1; null when none was given. */
  descriptionSimilarity: number | null
  provenance?: Provenance
}

const round = (value: number) => Math.round(value * 1000) / 1000

/**
 * How many listings above the threshold are ranked at most. On a catalogue of many similar titles
 * (100k variations of one name) every one of them passes, and ranking them all cost seconds per
 * lookup; the first ones the index hands over are ranked instead. A warning may then name near
 * duplicates rather than the nearest: fine for a warning, and the lookup stays milliseconds.
 */
export const duplicateCandidates = 100

/**
 * Up to `limit` listings whose Vietnamese title is near `titleVi`, closest first (ties: the closer
 * description, among the 4 × limit closest titles), among at most duplicateCandidates of them. Only what the owner may see: published
 * listings (expired ones included), and its own drafts and published ones; never another owner's
 * draft or a withdrawn listing.
 *
 * The `%` operator uses the trigram index listings_title_trgm_idx. It sets pg_trgm's threshold for
 * the rest of the caller's transaction (set_config local), so the index itself prunes below 0.6;
 * outside a transaction the setting does not carry over, and the explicit similarity filter keeps
 * the answer the same (only slower).
 */
export async function findPossibleDuplicates(tx: DbOrTx, query: DuplicateQuery, limit = 5): Promise<PossibleDuplicate[]> {
  const title = sql`tx_search_text(${query.titleVi})`
  const titleColumn = sql`tx_search_text(${listings.titleVi})`
  const description = query.descriptionVi ? sql`tx_search_text(left(${query.descriptionVi}, ${descriptionPrefix}))` : undefined
  await tx.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(duplicateThreshold)}, true)`)
  // The innermost LIMIT bounds the work: the scan stops after that many matches. Only they have
  // their titles ranked, and only the closest titles their descriptions compared.
  const candidates = sql`
    select ${listings.id} as id, ${listings.titleVi} as title, ${listings.descriptionVi} as description,
      ${listings.source} as source, ${listings.externalId} as external_id, ${listings.anonymous} as anonymous, ${listings.ownerId} as owner_id
    from ${listings}
    where ${titleColumn} % ${title}
      and similarity(${titleColumn}, ${title}) >= ${duplicateThreshold}
      and (${listings.status} = 'published' or (${listings.ownerId} = ${query.ownerId} and ${listings.status} = 'draft'))
      ${query.excludeId ? sql`and ${listings.id} <> ${query.excludeId}` : sql``}
    limit ${duplicateCandidates}
  `
  const closest = sql`
    select *, similarity(tx_search_text(title), ${title})::float8 as similarity
    from (${candidates}) candidates
    order by similarity desc, id
    limit ${limit * 4}
  `
  const result = await tx.execute<{
    id: string
    title: string
    similarity: number
    description_similarity: number | null
    source: string | null
    external_id: string | null
    anonymous: boolean
    owner_id: string
  }>(sql`
    select id, title, similarity,
      ${description ? sql`similarity(tx_search_text(left(description, ${descriptionPrefix})), ${description})::float8` : sql`null::float8`} as description_similarity,
      source, external_id, anonymous, owner_id
    from (${closest}) closest
    order by similarity desc, description_similarity desc nulls last, id
    limit ${limit}
  `)
  return result.rows.map((row) => {
    const duplicate: PossibleDuplicate = {
      id: row.id,
      title: row.title,
      similarity: round(Number(row.similarity)),
      descriptionSimilarity: row.description_similarity === null ? null : round(Number(row.description_similarity)),
    }
    if (query.exchangeId) {
      // An anonymous listing of this exchange hides its owner's own reference, as its GET does.
      const hideReference = row.anonymous && row.source === null && row.owner_id !== query.ownerId
      duplicate.provenance = provenanceOf({ id: row.id, source: row.source, externalId: hideReference ? null : row.external_id }, 'listing', query.exchangeId)
    }
    return duplicate
  })
}

/** A near-duplicate lookup as imports use it: undefined when it could not answer in time. */
export type DuplicateFinder = (query: DuplicateQuery) => Promise<PossibleDuplicate[] | undefined>

/** How long one lookup may take on PostgreSQL before it is given up (PGlite does not enforce it). */
const lookupTimeoutMs = 500

/**
 * Near-duplicate lookups outside any write: each in a read-only transaction of its own (which takes
 * no transaction id, so it holds back neither the event feed nor webhooks), given up after
 * lookupTimeoutMs (the candidate cap keeps it far below on both databases). Imports call it before a
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
