// The lexical baseline the issue measures the project against: plain BM25 (k1 1.2, b 0.75, Lucene's
// idf) over one field made of title, description and keywords. Text is lower-cased, diacritics are
// folded (đ -> d) and split into syllables; no stop words, no bigrams, no synonyms. Computed
// in-process, so it needs no index and ranks the same on every database.

export type Bm25Document = { id: string; text: string }
export type Bm25Options = { k1?: number; b?: number }

/** Lower-cased syllables without diacritics ("Xử lý nước thải" -> ["xu", "ly", "nuoc", "thai"]). */
export function analyze(text: string): string[] {
  const folded = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
  return folded.split(/[^a-z0-9]+/).filter((token) => token.length > 0)
}

export class Bm25Index {
  readonly k1: number
  readonly b: number
  private readonly postings = new Map<string, Map<number, number>>()
  private readonly lengths: number[] = []
  private readonly ids: string[] = []
  private averageLength = 0

  constructor(documents: readonly Bm25Document[], options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2
    this.b = options.b ?? 0.75
    documents.forEach((document, position) => {
      const tokens = analyze(document.text)
      this.ids.push(document.id)
      this.lengths.push(tokens.length)
      for (const token of tokens) {
        let posting = this.postings.get(token)
        if (!posting) this.postings.set(token, (posting = new Map()))
        posting.set(position, (posting.get(position) ?? 0) + 1)
      }
    })
    this.averageLength = this.lengths.length === 0 ? 0 : this.lengths.reduce((sum, n) => sum + n, 0) / this.lengths.length
  }

  get size() {
    return this.ids.length
  }

  /** Lucene's idf: ln(1 + (N - df + 0.5) / (df + 0.5)); never negative. */
  idf(term: string): number {
    const df = this.postings.get(term)?.size ?? 0
    return Math.log(1 + (this.ids.length - df + 0.5) / (df + 0.5))
  }

  /**
   * Documents scored against the query's distinct terms, best first (ties by id), at most `limit`,
   * without those `exclude` names. A document sharing no term is not returned.
   */
  search(query: string, limit: number, exclude: ReadonlySet<string> = new Set()): { id: string; score: number }[] {
    const scores = new Map<number, number>()
    for (const term of new Set(analyze(query))) {
      const posting = this.postings.get(term)
      if (!posting) continue
      const idf = this.idf(term)
      for (const [position, tf] of posting) {
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[position]!) / this.averageLength)
        scores.set(position, (scores.get(position) ?? 0) + (idf * tf * (this.k1 + 1)) / (tf + norm))
      }
    }
    return [...scores]
      .map(([position, score]) => ({ id: this.ids[position]!, score }))
      .filter((hit) => !exclude.has(hit.id))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, limit)
  }
}
