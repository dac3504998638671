import { createHash } from 'node:crypto'

// The text analysis of migrations/0024_retrieval_functions.sql, on the TypeScript side: a query's
// folded, segmented text (tx_segmented, computed by the database so both sides fold alike) becomes
// the same terms and term ids the database stores. test/modules/retrieval-analysis.test.ts keeps
// the two equal.

export type Term = {
  text: string
  /** The first 32 bits of the term's md5, as a signed integer: tx_term_id. */
  id: number
  /** Two adjacent syllables ("nuoc thai"), not one. */
  pair: boolean
}

export const termId = (text: string): number => createHash('md5').update(text).digest().readInt32BE(0)

/** The syllables of a segmented text, in order, with '|' where a phrase ends. */
export const wordsOf = (segmented: string): string[] => segmented.split(' ').filter((word) => word !== '')

/** Every syllable, and every two adjacent syllables of one phrase: tx_term_list. */
export function termsOf(words: readonly string[]): Term[] {
  const terms: Term[] = []
  for (const word of words) if (word !== '|') terms.push({ text: word, id: termId(word), pair: false })
  for (let i = 0; i + 1 < words.length; i++) {
    const [a, b] = [words[i]!, words[i + 1]!]
    if (a === '|' || b === '|') continue
    const text = `${a} ${b}`
    terms.push({ text, id: termId(text), pair: true })
  }
  return terms
}

/** A term made of digits only: a size or a year, which ranks but never fetches candidates. */
export const isNumeric = (text: string) => /^[0-9]+( [0-9]+)?$/.test(text)

/** Damerau–Levenshtein distance (adjacent transpositions count one), for typo correction. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  }
  return d[a.length]![b.length]!
}

/** How many edits a query word of this length may be corrected by: none below 4 letters (Vietnamese syllables are short and dense). */
export const typoBudget = (word: string) => (word.length < 4 ? 0 : word.length < 8 ? 1 : 2)
