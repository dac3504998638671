import { sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { DbOrTx } from '../../db/client.ts'
import { isNumeric } from './analysis.ts'
import type { QueryTerm, RetrievalQuery } from './query.ts'
import { fieldFactors, idealFactor, idf, type Corpus, type FieldLengths } from './scoring.ts'
import type { RetrievalKind } from './statistics.ts'

// Ranked retrieval with OR semantics and a bounded cost. Every query term can score, none is
// required. Candidates come from the rarest terms first (Lucene's MaxScore idea, with document
// frequencies standing in for score bounds): terms are taken from the rarest while their postings
// fit a budget, in any field; the commoner ones then fetch, within what is left of the same
// budget, only records that hold them in the key field (titles and keywords, far fewer postings).
// A record that holds only common terms in its body cannot score near one that holds a rare term,
// so it is not worth fetching. A query of common terms only ("may", "xu ly") fetches records
// holding its two rarest terms together. Candidates are read in tiers, best first (candidateTiers;
// the rare terms in bands of rarity), up to a record cap, so a cut leaves out the records least
// likely to rank. The database returns, per candidate, which query terms each field holds
// (intarray's `&`) and the fields' lengths; the score is computed here.

export type RetrievalSource = {
  kind: RetrievalKind
  table: PgTable
  id: AnyPgColumn
  /** The record's title alone (near-duplicates compare titles). */
  title: AnyPgColumn
  keyIds: AnyPgColumn
  bodyIds: AnyPgColumn
}

export type Budget = {
  /** Postings (records per term, summed; key-field postings for the commoner terms) the candidate terms may reach. */
  postings: number
  /** Candidate records read at most, tier by tier. */
  records: number
}

// Each candidate record costs a heap page read in random order (~8 µs from the OS cache), plus one
// for each candidate the filters (status, expiry, TRL) refuse, and its terms to score: at 1M
// listings a candidate read took ~10 ms for 1,000 records, half of it computing the held terms. 400
// records lose nothing measurable on the evaluation set, on its own or inside 1M generated listings
// (bench/quality/README.md), once the tiers keep the terms held by more than a twentieth of the
// records out of the early ones (planCandidates): before that, a cap of 400 cost sentence search
// 0.17 of nDCG@10 on the set alone (0.751 -> 0.578), since in a small catalogue every word fits the
// postings budget and filler filled the first tiers.
/** The budget of a search, short or long. */
export const searchBudget: Budget = { postings: 20_000, records: 400 }
const shortQueryWords = 10

/** Whether a search is long (a sentence, more than 10 words): it keeps weaker results (page.ts). */
export const isLongQuery = (query: RetrievalQuery) => query.terms.filter((term) => term.origin === 'query' && !term.pair).length > shortQueryWords

export type Hit<Extra> = {
  id: string
  score: number
  /** score / the score of an ideal record holding every query term: 0 to about 1. */
  relevance: number
  keyHits: number[]
  bodyHits: number[]
  /** The record's fields' lengths, in distinct terms. */
  lengths: { key: number; body: number }
  extra: Extra
}

export type Retrieved<Extra> = {
  hits: Hit<Extra>[]
  /** Some candidates were left out: the budget's record cap was reached. */
  truncated: boolean
}

/**
 * `any`: the rare terms, rarest first, in bands (see bandGrowth); `common`, `key`: the commoner
 * terms, fetching from the key field (and `common` from bodies last); `together`: the two rarest
 * terms of a query of common terms only.
 */
type CandidatePlan = { any: number[][]; common: number[]; key: number[]; together: number[] }

/**
 * The rare terms are read in bands of rarity, rarest first: each band's terms hold, with the
 * rarer bands', at most the record cap, then 4 and 16 times it; the rest form the last band. A
 * tier is read in heap order, so a tier holding more records than the cap keeps those in the
 * lowest blocks, whatever they score: with every rare term in one tier, at 1M listings a demand's
 * rarest words (idf ~9) were cut for holders of its commoner "rare" ones (idf ~4) that happened
 * to sit earlier in the heap (bench/quality/README.md). A band's terms all weigh about the same.
 */
const bandGrowth = 4
const lastBand = 3

/**
 * A term held by more than this share of the records is not rare, whatever the budget: in a small
 * catalogue every term fits the postings budget, and "công", "được" held by half the records would
 * otherwise fetch from every field in the first tiers, ahead of the records that hold rare terms.
 */
export const commonShare = 0.05

/** Which terms fetch candidates, and how: see the module comment. */
export function planCandidates(terms: readonly QueryTerm[], budget: Budget, corpusDocs = Infinity): CandidatePlan {
  const usable = terms.filter((term) => term.docs > 0 && !isNumeric(term.text)).sort((a, b) => a.docs - b.docs || a.id - b.id)
  const plan: CandidatePlan = { any: [], common: [], key: [], together: [] }
  const rareDocs = Math.max(2, corpusDocs * commonShare)
  let spent = 0
  let fitted = 0
  let rareSpent = 0
  let currentBand = -1
  for (const term of usable) {
    if (spent + term.docs > budget.postings) break
    if (term.docs <= rareDocs) {
      rareSpent += term.docs
      // rareSpent only grows, so the bands come in order: a term opens a band or joins the last.
      let band = 0
      while (band < lastBand && rareSpent > budget.records * bandGrowth ** band) band++
      if (band !== currentBand) plan.any.push([])
      currentBand = band
      plan.any.at(-1)!.push(term.id)
    } else plan.common.push(term.id)
    spent += term.docs
    fitted++
  }
  for (const term of usable.slice(fitted)) {
    if (spent + term.keyDocs > budget.postings) break
    plan.key.push(term.id)
    spent += term.keyDocs
  }
  if (fitted === 0 && usable.length >= 2) plan.together = [usable[0]!.id, usable[1]!.id].sort((a, b) => a - b)
  return plan
}

const intArray = (ids: number[]) => sql`${`{${ids.join(',')}}`}::int4[]`

/**
 * The candidate conditions, best first: every rare term in the key field (a phrase of 2-4 rare
 * terms, as a title would hold it); for each band of rare terms, rarest first, a term of the band in
 * the key field, then in the body only; a commoner term in the key field only, a common term that
 * fitted the budget in the body, then the two rarest terms together. Each tier leaves out the
 * records of the tiers before it, so a record comes once. They are read in this order and the read
 * stops at the record cap, so a cut leaves out the records least likely to rank (a rare term in a
 * title outscores a common one), not whichever the heap held first; within a tier rows come in heap
 * order, which the bands keep to terms of about the same weight.
 */
function candidateTiers(source: RetrievalSource, plan: CandidatePlan): SQL[] {
  const tiers: SQL[] = []
  const earlier: SQL[] = []
  const add = (condition: SQL) => {
    tiers.push(earlier.length > 0 ? sql`${condition} and not (${sql.join(earlier, sql` or `)})` : condition)
    earlier.push(condition)
  }
  const rare = plan.any.flat()
  if (rare.length >= 2 && rare.length <= 4) add(sql`${source.keyIds} @> ${intArray(rare)}`)
  for (const band of plan.any) {
    add(sql`${source.keyIds} && ${intArray(band)}`)
    add(sql`${source.bodyIds} && ${intArray(band)}`)
  }
  const inKey = [...plan.common, ...plan.key].sort((a, b) => a - b)
  if (inKey.length > 0) add(sql`${source.keyIds} && ${intArray(inKey)}`)
  if (plan.common.length > 0) add(sql`${source.bodyIds} && ${intArray(plan.common)}`)
  if (plan.together.length > 0) add(sql`${source.bodyIds} @> ${intArray(plan.together)}`)
  return tiers
}

/**
 * The score of a record holding every query term (from the query itself, corrected or not) in
 * fields of average length. With `unknownWords`, a query word no record holds counts too, as the
 * rarest of words: it is part of what was asked, so a record matching only the correction of one
 * word among several unknown ones ("truy xuất nguồn gốc" on a catalogue without them, "xuất"
 * corrected to "xát") is not near-ideal. Pairs of unknown words do not count again. Matching
 * leaves them out: a demand's whole text describes symptoms in words no listing uses, and in a
 * young catalogue most of its words are unknown.
 */
export function idealScore(query: RetrievalQuery, options: { unknownWords: boolean }): number {
  const factor = idealFactor()
  const unknownCounts = (term: QueryTerm) => options.unknownWords && term.origin === 'query' && !term.pair && !isNumeric(term.text)
  const counted = (term: QueryTerm) => term.origin !== 'thesaurus' && (term.docs > 0 || unknownCounts(term))
  return query.terms.filter(counted).reduce((sum, term) => sum + idf(query.corpus, term.docs) * term.weight * factor, 0)
}

/** Each query term's idf times its query weight: what a hit on it is worth before the field factors. */
export function termWeights(query: RetrievalQuery): Map<number, number> {
  return new Map(query.terms.map((term) => [term.id, idf(query.corpus, term.docs) * term.weight]))
}

/** A record's score from which query terms its fields hold (`weights` from termWeights). */
export function scoreHits(weights: Map<number, number>, corpus: Corpus, keyHits: number[], bodyHits: number[], lengths: FieldLengths): number {
  // Both lists are short and hold each id once (intarray's &): plain scans, no sets to allocate.
  const factors = fieldFactors(lengths, corpus)
  let score = 0
  for (const id of keyHits) score += (weights.get(id) ?? 0) * (bodyHits.includes(id) ? factors.both : factors.key)
  for (const id of bodyHits) if (!keyHits.includes(id)) score += (weights.get(id) ?? 0) * factors.body
  return score
}

type CandidateRow = { id: string; key_length: number; body_length: number; key_hits: string; body_hits: string } & Record<string, unknown>

// The matched term ids come back as plain comma-separated text: pg's generic array parser
// (postgres-array) and the garbage it left were a third of the API's CPU in a sentence search,
// which then read 1,000 candidates.
// Parsed by hand: split and Number left a string per id, and were still 5% of a create's CPU.
export function idsOf(text: string): number[] {
  const ids: number[] = []
  let value = 0
  let sign = 1
  let digits = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 44 /* , */) {
      ids.push(sign * value)
      value = 0
      sign = 1
      digits = false
    } else if (code === 45 /* - */) sign = -1
    else {
      value = value * 10 + (code - 48)
      digits = true
    }
  }
  if (digits) ids.push(sign * value)
  return ids
}

/**
 * The records of `source` that match the query and `where`, best first. `extra` names columns to
 * return with each hit (for facets, for the sort by date); `fetchBy` limits the terms that fetch
 * candidates (all of them still score); `unknownWords` (default true) is idealScore's.
 */
export async function retrieve<Extra extends Record<string, unknown>>(
  db: DbOrTx,
  source: RetrievalSource,
  query: RetrievalQuery,
  options: { where?: SQL; extra?: Record<keyof Extra & string, SQL>; budget?: Budget; fetchBy?: (term: QueryTerm) => boolean; unknownWords?: boolean },
): Promise<Retrieved<Extra>> {
  const budget = options.budget ?? searchBudget
  const fetchBy = options.fetchBy
  const tiers = candidateTiers(source, planCandidates(fetchBy ? query.terms.filter(fetchBy) : query.terms, budget, query.corpus.docs))
  if (tiers.length === 0) return { hits: [], truncated: false }
  const all = intArray([...new Set(query.terms.map((term) => term.id))].sort((a, b) => a - b))
  const extras = Object.entries(options.extra ?? {}).map(([name, expression]) => sql`, ${expression as SQL} as ${sql.identifier(name)}`)
  const columns = sql`${source.id} as id, icount(${source.keyIds}) as key_length, icount(${source.bodyIds}) as body_length,
      array_to_string(${source.keyIds} & ${all}, ',') as key_hits, array_to_string(${source.bodyIds} & ${all}, ',') as body_hits ${sql.join(extras, sql``)}`
  // UNION ALL runs its arms in order and the limit stops it: the later tiers' indexes are not
  // even read once the earlier ones fill the cap. Not in parallel, though: PostgreSQL may plan a
  // Gather over a Parallel Append, which runs the tiers at once (a cut would no longer keep the
  // best ones), and at 1M listings its workers took ~40 ms to start for 1-2 ms of work
  // (bench/README.md). tx_serial_read() is PARALLEL UNSAFE, so a query calling it is never planned
  // in parallel; without columns it is a one-time filter (migration 0038).
  const arms = tiers.map((tier) => sql`(select ${columns} from ${source.table} where ${tier} ${options.where ? sql`and ${options.where}` : sql``})`)
  const result = await db.execute<CandidateRow>(sql`
    select * from (${sql.join(arms, sql` union all `)}) as candidates
    where tx_serial_read()
    limit ${budget.records + 1}`)
  const rows = result.rows.slice(0, budget.records)
  const weights = termWeights(query)
  const ideal = idealScore(query, { unknownWords: options.unknownWords ?? true })
  const hits = rows.map((row) => {
    const [keyHits, bodyHits] = [idsOf(row.key_hits), idsOf(row.body_hits)]
    const lengths = { key: row.key_length, body: row.body_length }
    const score = scoreHits(weights, query.corpus, keyHits, bodyHits, lengths)
    const extra = Object.fromEntries(Object.keys(options.extra ?? {}).map((name) => [name, row[name]])) as Extra
    return { id: row.id, score, relevance: ideal > 0 ? score / ideal : 0, keyHits, bodyHits, lengths, extra }
  })
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
  return { hits, truncated: result.rows.length > budget.records }
}
