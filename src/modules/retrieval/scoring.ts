// BM25F over two fields (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and
// Beyond", 2009): a term's occurrences in the key field (title, keywords) and the body are
// weighted and length-normalised per field, summed into one pseudo frequency, then saturated
// once with k1. Terms are stored as sets (a record's distinct terms), so a field's frequency is
// 0 or 1 and its length is its number of distinct terms. Field weights put a title word well
// above a body word; b is lower on the key field, whose lengths vary less.

export const bm25 = {
  k1: 1.2,
  key: { weight: 2.5, b: 0.5 },
  body: { weight: 1, b: 0.75 },
}

export type Corpus = { docs: number; keyLength: number; bodyLength: number }

/** Inverse document frequency, BM25's form (never negative). */
export function idf(corpus: Corpus, docs: number): number {
  const n = Math.max(corpus.docs, 1)
  const df = Math.min(Math.max(docs, 0), n)
  return Math.log(1 + (n - df + 0.5) / (df + 0.5))
}

export type FieldLengths = { key: number; body: number }

/** BM25's saturation of a (pseudo) term frequency. */
const saturate = (tf: number) => (tf * (bm25.k1 + 1)) / (tf + bm25.k1)

/** What a term adds, before its idf and query weight, when a record's key field holds it, its body, or both. */
export type FieldFactors = { key: number; body: number; both: number }

/** A record's field factors: they depend only on its fields' lengths, so they are worked out once per record. */
export function fieldFactors(lengths: FieldLengths, corpus: Corpus): FieldFactors {
  const averageKey = corpus.docs > 0 ? Math.max(corpus.keyLength / corpus.docs, 1) : 1
  const averageBody = corpus.docs > 0 ? Math.max(corpus.bodyLength / corpus.docs, 1) : 1
  const inKey = bm25.key.weight / (1 - bm25.key.b + (bm25.key.b * lengths.key) / averageKey)
  const inBody = bm25.body.weight / (1 - bm25.body.b + (bm25.body.b * lengths.body) / averageBody)
  return { key: saturate(inKey), body: saturate(inBody), both: saturate(inKey + inBody) }
}

/** The factor of a term found in both fields of a record of average lengths: an upper reference. */
export function idealFactor(): number {
  return saturate(bm25.key.weight + bm25.body.weight)
}
