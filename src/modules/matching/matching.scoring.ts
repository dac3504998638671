import { sql, type SQL } from 'drizzle-orm'
import type { MatchComponent } from '../../config.ts'
import type { DbOrTx } from '../../db/client.ts'
import type { MatchTerm } from './matching.terms.ts'

// The matcher: one SQL statement finds candidates on the other side and scores each on six
// components, so ranking, the threshold and the top-N cut happen in the database.
//
// Candidates are the live records of the other side sharing a term with the subject, a capped
// number per term (more for keywords and title phrases than for body phrases), which bounds the cost of a run on a national
// catalogue; a pair without a shared term is never suggested anyway (see passesThreshold).
// Each component is a number in [0, 1]; the score is their weighted mean. Unknown facts (no TRL, no
// budget, no province) score a neutral 0.5 rather than count for or against.

export type Direction = 'demand' | 'listing'

/** The facts of the subject (the demand, or the listing) that its candidates are compared with. */
export type Subject = {
  direction: Direction
  id: string
  ownerId: string
  terms: MatchTerm[]
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
  /** Score only this candidate, with no threshold (a broker's proposal). */
  candidateId?: string
}

export type RankedRow = {
  candidateId: string
  score: number
  text: number
  coverage: number
  matchedTerms: string[]
  trigram: number
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

/** Candidates each key term (and each body phrase) may bring. */
const perKeyTermCandidates = 40
const perBodyTermCandidates = 10
/** Body phrases that look for candidates (the first ones); the rest still count in the score. */
const maxBodyTermsForCandidates = 8
/** Keywords (2) and title phrases (1.5) are key terms; body phrases (0.5) only add to a score. */
const keyTermWeight = 1.5
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

/** Without a shared term, only a close title (typos, other spellings) makes a pair worth suggesting. */
const minTrigram = 0.3

/** The rule a computed suggestion passes: a minimum score and some text in common. */
export const passesThreshold = (row: RankedRow, minScore: number) => row.score >= minScore && (row.coverage > 0 || row.trigram >= minTrigram)

export async function rankCandidates(db: DbOrTx, subject: Subject, options: RankOptions): Promise<RankedRow[]> {
  const side = sides(subject, options.today)
  const weights = options.weights
  const weightSum = Object.values(weights).reduce((sum, weight) => sum + weight, 0)
  const notOwn = sql`c.owner_id <> ${subject.ownerId}::uuid`
  // Each term brings a few dozen of its matches, in no particular order: the first found. Ordering
  // them (by date or rank) would mean reading every match, and a term as common as "xuất khẩu"
  // matches a tenth of a national catalogue: seconds per run. Unordered, the scan stops at the
  // limit. Specific terms, the informative ones, match fewer rows than the limit and bring all of
  // them; the scoring below then ranks the union properly.
  // One subquery per term, with the term as a parameter rather than a row of a CTE, so the
  // planner sees how common it is (tsvector statistics) and plans for it. Candidates need the
  // term's words, not the phrase: the GIN index answers that alone, while a phrase is checked
  // against each row's positions, and two common words that are rarely adjacent would mean
  // rechecking a hundred thousand rows. The score still counts phrases.
  const someMatches = (term: MatchTerm, limit: number) => sql`
      (select c.id from ${side.table} c
        where ${side.live} and ${notOwn} and c.search_vector @@ plainto_tsquery('simple', tx_search_text(${term.text}))
        limit ${limit})`
  const keyTerms = subject.terms.filter((term) => term.weight >= keyTermWeight)
  const bodyTerms = subject.terms.filter((term) => term.weight < keyTermWeight).slice(0, maxBodyTermsForCandidates)
  const termQueries = [
    ...keyTerms.map((term) => someMatches(term, perKeyTermCandidates)),
    ...bodyTerms.map((term) => someMatches(term, perBodyTermCandidates)),
  ]
  const candidates: SQL = options.candidateId
    ? sql`select ${options.candidateId}::uuid as id`
    : termQueries.length > 0
      ? sql.join(termQueries, sql` union `)
      : sql`select null::uuid as id where false`
  const threshold = options.candidateId ? sql`true` : sql`score >= ${options.minScore} and (coverage > 0 or trigram >= ${minTrigram})`

  const statement = sql`
    with terms as (
      select t.text, t.weight, t.position, phraseto_tsquery('simple', tx_search_text(t.text)) as query
      from unnest(${textArray(subject.terms.map((term) => term.text))}, ${sql.param(subject.terms.map((term) => term.weight))}::float8[]) with ordinality as t(text, weight, position)
    ),
    usable as (select * from terms where numnode(query) > 0),
    key_weight as (
      -- Coverage is measured against the key terms (keywords, title); body terms only add to it.
      select coalesce(nullif(sum(weight) filter (where weight >= ${keyTermWeight}), 0), sum(weight)) as total from usable
    ),
    candidate_ids as (${candidates}),
    facts as (
      select c.id,
        least(1, coalesce(matched.weight / nullif(t.total, 0), 0)) as coverage,
        matched.terms as matched_terms,
        word_similarity(tx_search_text(${subject.title}), c.search_document) as trigram,
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
      from candidate_ids ids
      join ${side.table} c on c.id = ids.id
      cross join key_weight t
      cross join lateral (
        select coalesce(sum(u.weight), 0) as weight, coalesce(array_agg(u.text order by u.position), '{}') as terms
        from usable u where c.search_vector @@ u.query
      ) matched
      where not exists (select 1 from matches m where ${side.dismissed} and m.status = 'dismissed')
    ),
    components as (
      select f.*,
        (0.75 * coverage + 0.25 * trigram)::float8 as text,
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
    ),
    scored as (
      select k.*,
        (case price_fit when 'within_budget' then 1 when 'over_budget' then greatest(0, 1 - (price_vnd - budget_max)::float8 / greatest(budget_max, 1)) else 0.5 end)::float8 as price
      from components k
    ),
    totals as (
      select s.*,
        ((${weights.text}::float8 * text + ${weights.taxonomy}::float8 * taxonomy + ${weights.trl}::float8 * trl_value + ${weights.location}::float8 * location
          + ${weights.price}::float8 * price + ${weights.freshness}::float8 * freshness) / ${weightSum}::float8)::float8 as score
      from scored s
    )
    select * from totals
    where ${threshold}
    order by score desc, id
    limit ${options.limit}
  `
  // A phrase's frequency is estimated from its words': "A B" with two common words looks common even
  // when the words are never adjacent, and the planner then picks a sequential scan "to find 40
  // quickly" that reads the whole table (seconds on 1M listings). The GIN index answers any term in
  // milliseconds, so for this statement sequential scans are off.
  // And a common term's index scan would still collect every match before the limit takes 40:
  // gin_fuzzy_search_limit stops it after a few thousand (a sample, which is all a candidate list
  // from a common term is anyway).
  const result = await db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`)
    await tx.execute(sql`set local gin_fuzzy_search_limit = 2000`)
    return tx.execute(statement)
  })
  return result.rows.map((row) => ({
    candidateId: row.id as string,
    score: Number(row.score),
    text: Number(row.text),
    coverage: Number(row.coverage),
    matchedTerms: row.matched_terms as string[],
    trigram: Number(row.trigram),
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
