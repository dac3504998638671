import { sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { prepared } from '../../db/prepared.ts'
import { buildQuery, type QueryTerm } from './query.ts'
import { retrieve, type Budget, type RetrievalSource } from './retrieve.ts'
import { idf, type Corpus } from './scoring.ts'
import { readStatistics } from './statistics.ts'

// Near-duplicates on the retrieval core: the same thing filed twice, or by two centres in their
// own words, with or without diacritics, whatever the wording order. Two measures, each weighed
// by rarity (so "máy", "hệ thống" count little and "tầng sôi", "trichoderma" much):
// - title similarity, both ways: the weight of the terms the two titles share over the weight of
//   the heavier title. A short title inside a long one ("Tưới nhỏ giọt" in "Hệ thống tưới nhỏ giọt
//   tự động theo độ ẩm đất cho cây ăn trái") is a related offer, not the same one;
// - text coverage, one way: the weight of the record's whole text (title, keywords, body) the
//   other holds, scaled down when one text is much longer.
// A candidate is a possible duplicate when their geometric mean reaches duplicateThreshold: a
// nearly equal title needs some of the text too, and a loosely similar title much of it.
// Candidates come from the title and keyword terms only (rarest first, every holder fetched):
// a duplicate shares its title's rare terms, while its description, written by someone else,
// may share nothing rare.

export const duplicateBudget: Budget = { postings: 300, records: 300 }
/** The geometric mean of title similarity and text coverage from which a record is a possible duplicate. */
export const duplicateThreshold = 0.5
/** Candidates whose title similarity is worked out (the best by score that could pass). */
const closestCandidates = 30

export type NearDuplicate = {
  id: string
  /** Weighted share of the two titles' terms they share, over the heavier title, 0..1. */
  titleSimilarity: number
  /** Weighted share of all the record's terms the other holds, scaled down when one text is much longer, 0..1. */
  textCoverage: number
  similarity: number
}

export type DuplicateText = {
  /** The record's title alone, compared with the candidates' titles. */
  title: string
  /** What else names the record (an English title, keywords): with the title, its key field. */
  names: string
  body: string
}

/**
 * Rarity is read as if among at least this many records: in a small catalogue, a term two records
 * share is "common" only because they share it, and idf would weigh their shared title below the
 * words that tell them apart.
 */
const smallestCorpus = 1_000
const rarityCorpus = (corpus: Corpus): Corpus => ({ ...corpus, docs: Math.max(corpus.docs, smallestCorpus) })

export async function findNearDuplicates(
  db: DbOrTx,
  source: RetrievalSource,
  text: DuplicateText,
  where: SQL | undefined,
  limit: number,
): Promise<NearDuplicate[]> {
  const query = await buildQuery(db, source.kind, [
    { text: text.title, weight: 1 },
    { text: text.names, weight: 1 },
    { text: text.body, weight: 0.5 },
  ])
  // Terms no record holds yet say nothing about duplicates.
  const known = query.terms.filter((term) => term.docs > 0 && term.origin === 'query')
  if (known.length === 0) return []
  const [titleIds = [], nameIds = []] = query.partTermIds
  const keyIds = new Set([...titleIds, ...nameIds])
  const inTitle = new Set(titleIds)
  const corpus = rarityCorpus(query.corpus)
  // Each known term's weight, worked out once: a create compares up to 300 candidates.
  const weights = new Map(known.map((term) => [term.id, idf(corpus, term.docs)]))
  const titleTerms = query.terms.filter((term) => term.origin === 'query' && inTitle.has(term.id))
  const titleWeight = titleTerms.reduce((sum, term) => sum + idf(corpus, term.docs), 0)
  const allWeight = known.reduce((sum, term) => sum + weights.get(term.id)!, 0)
  const retrieved = await retrieve(db, source, query, { where, budget: duplicateBudget, fetchBy: (term) => keyIds.has(term.id) })

  const covered = retrieved.hits.flatMap((hit) => {
    // The weight of the known terms the candidate holds in either field (each list holds an id once).
    let allHeld = 0
    for (const id of hit.keyHits) allHeld += weights.get(id) ?? 0
    for (const id of hit.bodyHits) if (!hit.keyHits.includes(id)) allHeld += weights.get(id) ?? 0
    // The other record's length against this one's, in distinct terms: a long text holding a short one is not its duplicate.
    const otherLength = hit.lengths.key + hit.lengths.body
    const lengthRatio = Math.min(known.length, otherLength) / Math.max(known.length, otherLength, 1)
    const textCoverage = (allHeld / allWeight) * Math.min(1, 0.5 + lengthRatio)
    // Title similarity is at most 1: below this coverage the mean cannot reach the threshold.
    return textCoverage >= duplicateThreshold ** 2 ? [{ id: hit.id, textCoverage }] : []
  })
  const closest = covered.slice(0, closestCandidates)
  const titles = await candidateTitles(
    db,
    source,
    closest.map((hit) => hit.id),
    corpus,
    new Map(titleTerms.map((term) => [term.id, term])),
  )
  const found: NearDuplicate[] = []
  for (const { id, textCoverage } of closest) {
    const title = titles.get(id)
    if (!title) continue
    const shared = titleTerms.filter((term) => title.ids.has(term.id)).reduce((sum, term) => sum + idf(corpus, term.docs), 0)
    const titleSimilarity = shared / Math.max(titleWeight, title.weight, Number.MIN_VALUE)
    const similarity = Math.sqrt(titleSimilarity * textCoverage)
    if (similarity >= duplicateThreshold) found.push({ id, titleSimilarity, textCoverage, similarity })
  }
  return found.sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : 1)).slice(0, limit)
}

/** The candidates' title terms, and each title's weight (its terms' idf in the rarity corpus, summed). */
async function candidateTitles(db: DbOrTx, source: RetrievalSource, ids: string[], corpus: Corpus, knownTerms: Map<number, QueryTerm>) {
  if (ids.length === 0) return new Map<string, { ids: Set<number>; weight: number }>()
  const result = await db.execute<{ id: string; title_ids: number[] }>(
    prepared(
      sql`select ${source.id} as id, tx_term_ids(${source.title}) as title_ids from ${source.table} where ${source.id} = any(${sql.param(ids)}::uuid[])`,
    ),
  )
  const missing = [...new Set(result.rows.flatMap((row) => row.title_ids))].filter((id) => !knownTerms.has(id))
  const statistics = missing.length > 0 ? await readStatistics(db, source.kind, missing) : undefined
  const docsOf = (id: number) => knownTerms.get(id)?.docs ?? statistics?.terms.get(id)?.docs ?? 0
  return new Map(
    result.rows.map((row) => [row.id, { ids: new Set(row.title_ids), weight: row.title_ids.reduce((sum, id) => sum + idf(corpus, docsOf(id)), 0) }]),
  )
}
