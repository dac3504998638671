import type { DbOrTx } from '../../db/client.ts'
import { editDistance, isNumeric, termsOf, typoBudget, wordsOf, type Term } from './analysis.ts'
import type { Corpus } from './scoring.ts'
import { nearestWords, readStatistics, segmentWithStatistics, type RetrievalKind, type Statistics } from './statistics.ts'

// A query: the weighted terms of one or more texts (a search's q; a demand's title, problem and
// outcome), each with its statistics, after typo correction and the thesaurus.

export type TermOrigin = 'query' | 'correction' | 'thesaurus'

export type QueryTerm = Term & {
  /** The weight of the term in the query, from the parts it came from (saturated, like BM25's k3). */
  weight: number
  origin: TermOrigin
  /** For a correction or a thesaurus term: the query words it stands for. */
  from?: string
  docs: number
  keyDocs: number
}

export type Correction = { from: string; to: string }

/** A thesaurus entry that applied: the phrase found in the query and the phrases it added. */
export type ThesaurusUse = { entryId: string; matched: string; added: { phrase: string; weight: number }[] }

/**
 * Looks up the thesaurus entries whose phrase occurs in a text as typed (its diacritics make the
 * match precise). Given by the thesaurus module; absent, none apply.
 */
export type ThesaurusLookup = (db: DbOrTx, text: string) => Promise<ThesaurusUse[]>

export type QueryPart = { text: string; weight: number }

export type RetrievalQuery = {
  kind: RetrievalKind
  corpus: Corpus
  terms: QueryTerm[]
  corrections: Correction[]
  thesaurus: ThesaurusUse[]
  /** The ids of each part's own terms, as typed (no corrections, no thesaurus), in the order of the parts. */
  partTermIds: number[][]
}

/** BM25's query-term saturation: a term named twice weighs more than once, but not twice as much. */
const k3 = 1.5
const saturate = (frequency: number) => ((k3 + 1) * frequency) / (k3 + frequency)
/** A corrected word stands for what was meant with some doubt. */
const correctionWeight = 0.8
/** What the thesaurus adds weighs less than the words the query itself holds. */
const thesaurusWeight = 0.5
/** A word held by at most this many records may be a misspelling worth correcting ... */
const rareDocs = 3
/** ... into a word held by this many times more records. */
const commonerBy = 3

type Collected = { term: Term; frequency: number; origin: TermOrigin; from?: string }

export async function buildQuery(
  db: DbOrTx,
  kind: RetrievalKind,
  parts: QueryPart[],
  options: { thesaurus?: ThesaurusLookup; correctTypos?: boolean } = {},
): Promise<RetrievalQuery> {
  const { segmented, statistics } = await segmentWithStatistics(
    db,
    kind,
    parts.map((part) => part.text),
  )
  const collected = new Map<number, Collected>()
  const add = (term: Term, frequency: number, origin: TermOrigin, from?: string) => {
    const seen = collected.get(term.id)
    if (seen) seen.frequency += frequency
    else collected.set(term.id, { term, frequency, origin, ...(from ? { from } : {}) })
  }
  const partWords = segmented.map(wordsOf)
  partWords.forEach((words, index) => {
    for (const term of termsOf(words)) add(term, parts[index]!.weight, 'query')
  })

  const corrections = options.correctTypos === false ? [] : await correctWords(db, kind, partWords, statistics)
  for (const correction of corrections) {
    partWords.forEach((words, index) => {
      const fixed = words.map((word) => (word === correction.from ? correction.to : word))
      if (fixed.every((word, i) => word === words[i])) return
      const known = new Set(termsOf(words).map((term) => term.id))
      for (const term of termsOf(fixed)) if (!known.has(term.id)) add(term, parts[index]!.weight * correctionWeight, 'correction', correction.from)
    })
  }

  const thesaurus = options.thesaurus ? await options.thesaurus(db, parts.map((part) => part.text).join(' . ')) : []
  for (const use of thesaurus) {
    for (const added of use.added) {
      // A phrase of several syllables adds its pairs only: its single syllables ("he", "thong" of
      // "he thong say") would match records that share nothing of its meaning.
      const words = wordsOf(added.phrase)
      for (const term of termsOf(words)) if (words.length === 1 || term.pair) add(term, added.weight * thesaurusWeight, 'thesaurus', use.matched)
    }
  }

  const missing = [...collected.keys()].filter((id) => !statistics.terms.has(id))
  const more = missing.length > 0 ? await readStatistics(db, kind, missing) : undefined
  const countOf = (id: number) => statistics.terms.get(id) ?? more?.terms.get(id) ?? { docs: 0, keyDocs: 0 }
  const terms = [...collected.values()].map(({ term, frequency, origin, from }) => ({
    ...term,
    weight: saturate(frequency),
    origin,
    ...(from ? { from } : {}),
    ...countOf(term.id),
  }))
  return { kind, corpus: statistics.corpus, terms, corrections, thesaurus, partTermIds: partWords.map((words) => termsOf(words).map((term) => term.id)) }
}

/**
 * Words that no record of this kind holds, or only a few (a misspelling some record shares), get
 * the nearest indexed word within the typo budget that many more records hold (the one most
 * records hold, then the closest); it is searched alongside the word, not instead of it.
 * Meilisearch's rule of thumb for the budget: no typo in short words, one from 4 letters here
 * (Vietnamese syllables are short), two from 8.
 */
async function correctWords(db: DbOrTx, kind: RetrievalKind, partWords: string[][], statistics: Statistics): Promise<Correction[]> {
  const docsOf = (word: string) => statistics.terms.get(termsOf([word])[0]!.id)?.docs ?? 0
  const unknown = [...new Set(partWords.flat())].filter((word) => {
    if (word === '|' || isNumeric(word) || typoBudget(word) === 0) return false
    return docsOf(word) <= rareDocs
  })
  const spellings = await nearestWords(db, kind, unknown)
  const corrections: Correction[] = []
  for (const word of unknown) {
    const best = spellings
      .filter((spelling) => spelling.word === word && spelling.candidate !== word && spelling.docs >= Math.max(1, commonerBy * docsOf(word)))
      .map((spelling) => ({ ...spelling, distance: editDistance(word, spelling.candidate) }))
      .filter((spelling) => spelling.distance <= typoBudget(word))
      .sort((a, b) => a.distance - b.distance || b.docs - a.docs || a.candidate.localeCompare(b.candidate))[0]
    if (best) corrections.push({ from: word, to: best.candidate })
  }
  return corrections
}
