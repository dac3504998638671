import { createHash } from 'node:crypto'
import type { RetrievalQuery } from './query.ts'
import { isLongQuery, type Hit } from './retrieve.ts'

// One page of a text search's hits, in relevance or newest order, after a keyset position. The
// ranking is computed afresh for every page from the same query; a cursor carries the last row's
// score (JavaScript's shortest exact form of the double) or date, and its id.

export type TextSort = 'relevance' | 'newest'
export type PagePosition = { value: string; id: string }

/**
 * Hits scoring below this share of an ideal record's score are not results: one common word of a
 * short query. A sentence's ideal record holds every one of its many words, and the useful ones
 * hold a few, often under a tenth of that: at 0.05 for queries of more than 10 words, sentence
 * search on the retrieval set rose from 0.751 to 0.761 nDCG@10 (R@10 0.847 -> 0.858), and a
 * quarter of its sentences had come back with fewer than 10 results. A short query keeps 0.1, so
 * `sort=newest` does not put records that hold one of its words first.
 */
export const minRelevance = (query: RetrievalQuery) => (isLongQuery(query) ? 0.05 : 0.1)

/** The cursor tag of a text search: its sort and a digest of its q, so a cursor serves only the query it came from. */
export const textCursorTag = (sort: TextSort, q: string) => `${sort}:${createHash('sha256').update(q).digest('base64url').slice(0, 10)}`

type Dated = { newest: string | null }

const newestOf = (hit: Hit<Dated>) => hit.extra.newest ?? ''
const byNewest = (a: Hit<Dated>, b: Hit<Dated>) => (newestOf(a) < newestOf(b) ? 1 : newestOf(a) > newestOf(b) ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** The results among hits (relevant enough for the query), in the page's order. */
export function results<E extends Dated>(hits: Hit<E>[], query: RetrievalQuery, sort: TextSort): Hit<E>[] {
  const minimum = minRelevance(query)
  const relevant = hits.filter((hit) => hit.relevance >= minimum)
  return sort === 'newest' ? relevant.sort(byNewest) : relevant
}

/** The page after `after` (limit rows), whether more follow, and the position of its last row. */
export function pageOf<E extends Dated>(ordered: Hit<E>[], sort: TextSort, after: PagePosition | undefined, limit: number) {
  const keyOf = (hit: Hit<E>): PagePosition => ({ value: sort === 'relevance' ? String(hit.score) : newestOf(hit), id: hit.id })
  const isAfter = (hit: Hit<E>) => {
    if (!after) return true
    if (sort === 'relevance') return hit.score < Number(after.value) || (hit.score === Number(after.value) && hit.id < after.id)
    const value = newestOf(hit)
    return value < after.value || (value === after.value && hit.id < after.id)
  }
  const rest = ordered.filter(isAfter)
  const page = rest.slice(0, limit)
  const last = page.at(-1)
  return { page, next: rest.length > limit && last ? keyOf(last) : undefined }
}
