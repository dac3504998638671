import type { Direction } from '../../core/match-requests.ts'
import { sql } from 'drizzle-orm'
import type { MatchComponent } from '../../config.ts'
import type { DbOrTx } from '../../db/client.ts'
import { demands, listings, matches } from '../../db/schema/index.ts'
import { demandSource } from '../demands/demands.search.ts'
import { listingSource } from '../listings/listings.search.ts'
import type { QueryTerm, QueryPart, RetrievalQuery, ThesaurusLookup } from '../retrieval/query.ts'
import { buildQuery } from '../retrieval/query.ts'
import { retrieve, type Budget } from '../retrieval/retrieve.ts'
import { idf } from '../retrieval/scoring.ts'

// The matcher, on the retrieval core that search uses. The subject's whole text is the query
// (a demand's title and keywords, its desired outcome, its problem, each with a weight; a
// listing's title and keywords, then its description), ranked by BM25F over the other side with
// OR semantics: text relevance is the candidate's score as a share of an ideal candidate's (one
// holding every term). The other components (sector and field overlap, TRL, place, price,
// freshness) then rerank within relevance: they multiply it by at most 1 ± (their weights /
// the text weight) / 2, so a candidate weak in text is never lifted over a relevant one, and one
// below the demand's minimum TRL never outranks an otherwise equal one that meets it.
// Each component is a number in [0, 1]; unknown facts (no TRL, no budget, no province) score a
// neutral 0.5.

/** The facts of the subject (the demand, or the listing) that its candidates are compared with. */
export type Subject = {
  direction: Direction
  id: string
  ownerId: string
  /** The texts the subject is looked for by, each with its weight. */
  parts: QueryPart[]
  title: string
  sectors: string[]
  fields: string[]
  /** A listing's TRL, or a demand's minimum. */
  trl: number | null
  /** A listing's price (type and amount), or a demand's budget. */
  priceType: string | null
  priceVnd: number | null
  budgetMinVnd: number | null
  budgetMaxVnd: number | null
  /** 2025 province codes: the listing's, or the demand's one. */
  provinceCodes: string[]
  /** 2025 codes of every region the subject's provinces lie in. */
  regionCodes: string[]
}

export type RankOptions = {
  today: string
  now: Date
  weights: Record<MatchComponent, number>
  limit: number
  minScore: number
  /** Score only this candidate, with no threshold (a broker's proposal, a pair found from the other side). */
  candidateId?: string
  thesaurus?: ThesaurusLookup
}

export type MatchedTerm = {
  term: string
  /** The term's share of the candidate's text score. */
  weight: number
  field: 'title' | 'body' | 'both'
  origin: QueryTerm['origin']
  from?: string
}

export type RankedRow = {
  candidateId: string
  score: number
  /** Text relevance, 0 to 1. */
  text: number
  /** What the other components multiply text relevance by. */
  multiplier: number
  coverage: number
  matchedTerms: MatchedTerm[]
  /** Shares a pair of syllables, or a rare word in the candidate's title, with the subject's own text. */
  anchored: boolean
  termCount: number
  query: Pick<RetrievalQuery, 'corrections' | 'thesaurus'>
  taxonomy: number
  sharedSectors: string[]
  sharedFields: string[]
  trlValue: number
  candidateTrl: number | null
  location: number
  distanceClass: 'same_province' | 'same_region' | 'other_region' | 'unspecified'
  candidateProvinces: string[]
  price: number
  priceFit: 'within_budget' | 'over_budget' | 'no_budget' | 'price_not_stated'
  /** A listing candidate's price (null when the candidates are demands). */
  candidatePriceType: string | null
  candidatePriceVnd: number | null
  freshness: number
  ageDays: number
}

/** The candidates a run may rank: bounded, whatever the catalogue's size. */
export const matchingBudget: Budget = { postings: 20_000, records: 400 }
/** Candidates whose other components are read (the best by text). */
const rerankDepth = 100
/**
 * Below this text relevance a candidate shares too little to be suggested. Relevance is a share of
 * an ideal record holding every word of the demand's whole text, so a long demand's useful
 * listings often hold a tenth of it or less: at 0.1 the lists of plain-worded demands were cut
 * short. At 0.05 (with MATCH_MIN_SCORE 0.05 and the anchor rule kept) nDCG@10 rose on both
 * labelled sets, 0.871 -> 0.893 on the hand-written one and 0.795 -> 0.802 on the retrieval set;
 * dropping the threshold altogether gained no more (bench/quality/README.md).
 */
export const minTextRelevance = 0.05
/** A listing loses half its freshness every half-life. */
const freshnessHalfLifeDays = 180

/** A JS array as one text[] parameter (drizzle would otherwise spread it into a row constructor). */
const textArray = (values: string[]) => sql`${sql.param(values)}::text[]`

/** The candidate side's columns, and the listing/demand roles of the facts, for one direction. */
function sides(subject: Subject, today: string) {
  if (subject.direction === 'demand') {
    // A demand looks for published, unexpired listings of others.
    return {
      table: sql.raw('listings'),
      live: sql`c.status = 'published' and (c.valid_until is null or c.valid_until >= ${today}::date)`,
      listingTrl: sql.raw('c.trl'),
      minTrl: sql`${subject.trl}::int`,
      priceType: sql.raw('c.price_type'),
      priceVnd: sql.raw('c.price_vnd'),
      budgetMin: sql`${subject.budgetMinVnd}::bigint`,
      budgetMax: sql`${subject.budgetMaxVnd}::bigint`,
      sameProvince: sql`c.current_province_codes && ${textArray(subject.provinceCodes)}`,
      sameRegion: sql`c.current_province_codes && ${textArray(subject.regionCodes)}`,
      unspecified: sql`(cardinality(c.current_province_codes) = 0 or ${subject.provinceCodes.length}::int = 0)`,
      candidateProvinces: sql.raw('c.current_province_codes'),
      since: sql.raw('c.published_at'),
      dismissed: sql`m.demand_id = ${subject.id}::uuid and m.listing_id = c.id`,
      ownerColumn: sql.raw('owner_id'),
    }
  }
  // A listing looks for open demands of others whose deadline has not passed.
  return {
    table: sql.raw('demands'),
    live: sql`c.status = 'open' and (c.deadline is null or c.deadline >= ${today}::date)`,
    listingTrl: sql`${subject.trl}::int`,
    minTrl: sql.raw('c.min_trl'),
    priceType: sql`${subject.priceType}::text`,
    priceVnd: sql`${subject.priceVnd}::bigint`,
    budgetMin: sql.raw('c.budget_min_vnd'),
    budgetMax: sql.raw('c.budget_max_vnd'),
    sameProvince: sql`c.current_province_code = any(${textArray(subject.provinceCodes)})`,
    sameRegion: sql`c.current_province_code = any(${textArray(subject.regionCodes)})`,
    unspecified: sql`(c.current_province_code is null or ${subject.provinceCodes.length}::int = 0)`,
    candidateProvinces: sql`case when c.current_province_code is null then '{}'::text[] else array[c.current_province_code] end`,
    since: sql.raw('c.opened_at'),
    dismissed: sql`m.listing_id = ${subject.id}::uuid and m.demand_id = c.id`,
  }
}

/**
 * The rule a computed suggestion passes: a minimum score, enough text relevance, and an anchor in
 * the subject's own text (see anchorsOf), so one common syllable in common, or only what the
 * thesaurus added ("he thong" from "hệ thống sấy"), is never a match.
 */
export const passesThreshold = (row: RankedRow, minScore: number) => row.score >= minScore && row.text >= minTextRelevance && row.anchored

/** A single syllable this rare (a share of the records) names a thing: a crop, a pest, a material. */
const rareWordShare = 0.02

/**
 * Whether a candidate shares an anchor with the subject's own text (not a thesaurus addition): a
 * pair of syllables ("nuoc thai"), or a rare single syllable in the candidate's title or keywords
 * ("hàu" of "Hàu nuôi chậm lớn" in "Sản xuất giống hàu tam bội", which share no pair).
 */
function anchorsOf(query: RetrievalQuery, terms: QueryTerm[], inKey: Set<number>): boolean {
  return terms.some((term) => term.origin !== 'thesaurus' && (term.pair || (inKey.has(term.id) && term.docs <= rareWordShare * query.corpus.docs)))
}

/** 1 ± the non-text components' pull, as described at the top. */
export function multiplierOf(values: Record<Exclude<MatchComponent, 'text'>, number>, weights: Record<MatchComponent, number>): number {
  const textWeight = Math.max(weights.text, 0.05)
  let pull = 0
  for (const [name, value] of Object.entries(values) as [Exclude<MatchComponent, 'text'>, number][]) pull += (weights[name] / textWeight) * (value - 0.5)
  return Math.min(1.5, Math.max(0.5, 1 + pull))
}

type TextMatch = { id: string; relevance: number; coverage: number; matchedTerms: MatchedTerm[]; anchored: boolean }

/** The text side of a run: the query, and the candidates with their relevance and matched terms. */
async function matchText(db: DbOrTx, subject: Subject, options: RankOptions): Promise<{ query: RetrievalQuery; matched: TextMatch[] }> {
  const direction = subject.direction
  const source = direction === 'demand' ? listingSource : demandSource
  const query = await buildQuery(db, source.kind, subject.parts, { thesaurus: options.thesaurus })
  const table = direction === 'demand' ? listings : demands
  const live =
    direction === 'demand'
      ? sql`${listings.status} = 'published' and (${listings.validUntil} is null or ${listings.validUntil} >= ${options.today}::date)`
      : sql`${demands.status} = 'open' and (${demands.deadline} is null or ${demands.deadline} >= ${options.today}::date)`
  const pair =
    direction === 'demand'
      ? sql`${matches.demandId} = ${subject.id}::uuid and ${matches.listingId} = ${listings.id}`
      : sql`${matches.listingId} = ${subject.id}::uuid and ${matches.demandId} = ${demands.id}`
  const where = sql.join(
    [
      live,
      sql`${table.ownerId} <> ${subject.ownerId}::uuid`,
      sql`not exists (select 1 from ${matches} where ${pair} and ${matches.status} = 'dismissed')`,
      ...(options.candidateId ? [sql`${table.id} = ${options.candidateId}::uuid`] : []),
    ],
    sql` and `,
  )
  const retrieved = await retrieve(db, source, query, { where, budget: matchingBudget, unknownWords: false })
  const byId = new Map(query.terms.map((term) => [term.id, term]))
  const queryWeight = query.terms.filter((term) => term.origin !== 'thesaurus').reduce((sum, term) => sum + idf(query.corpus, term.docs) * term.weight, 0)
  const matched = retrieved.hits.slice(0, options.candidateId ? 1 : rerankDepth).map((hit) => {
    const inKey = new Set(hit.keyHits)
    const inBody = new Set(hit.bodyHits)
    const terms = [...new Set([...hit.keyHits, ...hit.bodyHits])].flatMap((id) => byId.get(id) ?? [])
    const contribution = (term: QueryTerm) => idf(query.corpus, term.docs) * term.weight * (inKey.has(term.id) ? 2 : 1)
    const total = terms.reduce((sum, term) => sum + contribution(term), 0)
    const matchedTerms = terms
      .map((term) => ({
        term: term.text,
        weight: Math.round((total > 0 ? contribution(term) / total : 0) * 10_000) / 10_000,
        field: inKey.has(term.id) && inBody.has(term.id) ? ('both' as const) : inKey.has(term.id) ? ('title' as const) : ('body' as const),
        origin: term.origin,
        ...(term.from ? { from: term.from } : {}),
      }))
      .sort((a, b) => b.weight - a.weight || a.term.localeCompare(b.term))
    const covered = terms.filter((term) => term.origin !== 'thesaurus').reduce((sum, term) => sum + idf(query.corpus, term.docs) * term.weight, 0)
    const anchored = anchorsOf(query, terms, inKey)
    return { id: hit.id, relevance: Math.min(1, hit.relevance), coverage: queryWeight > 0 ? Math.min(1, covered / queryWeight) : 0, matchedTerms, anchored }
  })
  return { query, matched }
}

export async function rankCandidates(db: DbOrTx, subject: Subject, options: RankOptions): Promise<RankedRow[]> {
  const { query, matched } = await matchText(db, subject, options)
  // One candidate asked for by id is scored even with no text in common (a broker's proposal).
  if (options.candidateId && matched.length === 0) matched.push({ id: options.candidateId, relevance: 0, coverage: 0, matchedTerms: [], anchored: false })
  const textOf = new Map(matched.map((row) => [row.id, row]))
  const candidateIds = options.candidateId ? matched.map((row) => row.id) : matched.filter((row) => row.relevance >= minTextRelevance).map((row) => row.id)
  if (candidateIds.length === 0) return []
  const facts = await readFacts(db, subject, options, candidateIds)
  const rows = facts.map((fact): RankedRow => {
    const text = textOf.get(fact.candidateId)!
    const multiplier = multiplierOf(
      { taxonomy: fact.taxonomy, trl: fact.trlValue, location: fact.location, price: fact.price, freshness: fact.freshness },
      options.weights,
    )
    return {
      ...fact,
      text: text.relevance,
      multiplier,
      score: Math.min(1, text.relevance * multiplier),
      coverage: text.coverage,
      matchedTerms: text.matchedTerms,
      anchored: text.anchored,
      termCount: query.terms.filter((term) => term.origin !== 'thesaurus').length,
      query: { corrections: query.corrections, thesaurus: query.thesaurus },
    }
  })
  rows.sort((a, b) => b.score - a.score || (a.candidateId < b.candidateId ? -1 : 1))
  const kept = options.candidateId ? rows : rows.filter((row) => passesThreshold(row, options.minScore))
  return kept.slice(0, options.limit)
}

type Facts = Omit<RankedRow, 'score' | 'text' | 'multiplier' | 'coverage' | 'matchedTerms' | 'anchored' | 'termCount' | 'query'>

/** The non-text components of each candidate, in one statement. */
async function readFacts(db: DbOrTx, subject: Subject, options: RankOptions, candidateIds: string[]): Promise<Facts[]> {
  const side = sides(subject, options.today)
  const statement = sql`
    with facts as (
      select c.id,
        array(select unnest(c.sectors) intersect select unnest(${textArray(subject.sectors)}) order by 1) as shared_sectors,
        array(select unnest(c.fields) intersect select unnest(${textArray(subject.fields)}) order by 1) as shared_fields,
        ${side.listingTrl} as listing_trl,
        ${side.minTrl} as min_trl,
        ${side.priceType} as price_type,
        ${side.priceVnd} as price_vnd,
        ${side.budgetMin} as budget_min,
        ${side.budgetMax} as budget_max,
        case when ${side.unspecified} then 'unspecified'
             when ${side.sameProvince} then 'same_province'
             when ${side.sameRegion} then 'same_region'
             else 'other_region' end as distance_class,
        ${side.candidateProvinces} as candidate_provinces,
        greatest(0, extract(epoch from (${options.now.toISOString()}::timestamptz - ${side.since})) / 86400)::float8 as age_days,
        c.${sql.raw(subject.direction === 'demand' ? 'trl' : 'min_trl')} as candidate_trl
      from ${side.table} c
      where c.id = any(${sql.param(candidateIds)}::uuid[])
    ),
    components as (
      select f.*,
        (case when cardinality(${textArray(subject.sectors)}) + cardinality(${textArray(subject.fields)}) = 0 then 0.5
              else (0.5 * cardinality(shared_sectors)::float8 / greatest(1, cardinality(${textArray(subject.sectors)}))
                  + 0.5 * cardinality(shared_fields)::float8 / greatest(1, cardinality(${textArray(subject.fields)}))) end)::float8 as taxonomy,
        (case when min_trl is null then 1
              when listing_trl is null then 0.5
              when listing_trl >= min_trl then 1
              else greatest(0, 1 - (min_trl - listing_trl) / 3.0) end)::float8 as trl_value,
        (case distance_class when 'same_province' then 1 when 'same_region' then 0.6 when 'unspecified' then 0.5 else 0.25 end)::float8 as location,
        (case when price_type <> 'amount' or price_vnd is null then 'price_not_stated'
              when budget_max is null then 'no_budget'
              when price_vnd <= budget_max then 'within_budget'
              else 'over_budget' end) as price_fit,
        power(0.5, age_days / ${freshnessHalfLifeDays})::float8 as freshness
      from facts f
    )
    select k.*,
      (case price_fit when 'within_budget' then 1 when 'over_budget' then greatest(0, 1 - (price_vnd - budget_max)::float8 / greatest(budget_max, 1)) else 0.5 end)::float8 as price
    from components k`
  const result = await db.execute(statement)
  return result.rows.map((row) => ({
    candidateId: row.id as string,
    taxonomy: Number(row.taxonomy),
    sharedSectors: row.shared_sectors as string[],
    sharedFields: row.shared_fields as string[],
    trlValue: Number(row.trl_value),
    candidateTrl: row.candidate_trl as number | null,
    location: Number(row.location),
    distanceClass: row.distance_class as RankedRow['distanceClass'],
    candidateProvinces: row.candidate_provinces as string[],
    price: Number(row.price),
    priceFit: row.price_fit as RankedRow['priceFit'],
    candidatePriceType: subject.direction === 'demand' ? (row.price_type as string) : null,
    candidatePriceVnd: subject.direction === 'demand' ? (row.price_vnd as number | null) : null,
    freshness: Number(row.freshness),
    ageDays: Number(row.age_days),
  }))
}
