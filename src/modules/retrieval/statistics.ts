import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import type { Corpus } from './scoring.ts'

// Reads the term and corpus statistics (src/db/schema/search.ts) that scoring weighs terms by. The
// counts are appended by triggers and folded by a job, so a read sums a term's rows.

export type RetrievalKind = 'listing' | 'demand'
export type TermCount = { docs: number; keyDocs: number }
export type Statistics = { corpus: Corpus; terms: Map<number, TermCount> }

type StatisticsRow = { segmented: string[]; corpus: Corpus; terms: [number, number, number][] }

const termCounts = (kind: RetrievalKind, ids: ReturnType<typeof sql>) => sql`
  (select coalesce(json_agg(json_build_array(term_id, docs, key_docs)), '[]'::json) from (
    select term_id, sum(docs)::int as docs, sum(key_docs)::int as key_docs from search_term_counts
    where kind = ${kind} and term_id = any(${ids}) group by term_id) counted)`

const corpusCounts = (kind: RetrievalKind) => sql`
  (select json_build_object('docs', coalesce(sum(docs), 0)::int, 'keyLength', coalesce(sum(key_length), 0)::float8, 'bodyLength', coalesce(sum(body_length), 0)::float8)
   from search_corpus_counts where kind = ${kind})`

function statisticsOf(row: StatisticsRow): Statistics {
  return { corpus: row.corpus, terms: new Map(row.terms.map(([id, docs, keyDocs]) => [id, { docs, keyDocs }])) }
}

/**
 * In one round trip: each text folded and segmented (tx_segmented), with the statistics of every
 * term in them.
 */
export async function segmentWithStatistics(db: DbOrTx, kind: RetrievalKind, texts: string[]): Promise<{ segmented: string[]; statistics: Statistics }> {
  const result = await db.execute<StatisticsRow>(sql`
    with texts as (select tx_segmented(text) as segmented, position from unnest(${sql.param(texts)}::text[]) with ordinality as t(text, position)),
    ids as (select array_agg(distinct tx_term_id(term)) as ids from texts, unnest(tx_term_list(texts.segmented)) as term)
    select (select array_agg(segmented order by position) from texts) as segmented,
      ${corpusCounts(kind)} as corpus,
      ${termCounts(kind, sql`(select coalesce(ids, '{}') from ids)::int4[]`)} as terms`)
  const row = result.rows[0]!
  return { segmented: row.segmented ?? [], statistics: statisticsOf(row) }
}

/** The statistics of terms given by id. */
export async function readStatistics(db: DbOrTx, kind: RetrievalKind, ids: number[]): Promise<Statistics> {
  const result = await db.execute<StatisticsRow>(sql`select ${corpusCounts(kind)} as corpus, ${termCounts(kind, sql`${sql.param(ids)}::int4[]`)} as terms`)
  return statisticsOf(result.rows[0]!)
}

export type Spelling = { word: string; candidate: string; docs: number }

/**
 * For each unknown word, the indexed words nearest by trigram distance (a GiST index on the
 * dictionary of words, not on documents; and the words appended since its last compaction), with
 * how many records of this kind hold each.
 */
export async function nearestWords(db: DbOrTx, kind: RetrievalKind, words: string[], perWord = 8): Promise<Spelling[]> {
  if (words.length === 0) return []
  const result = await db.execute<Spelling>(sql`
    select q.word, near.word as candidate,
      (select coalesce(sum(c.docs), 0)::int from search_term_counts c where c.kind = ${kind} and c.term_id = tx_term_id(near.word)) as docs
    from unnest(${sql.param(words)}::text[]) as q(word)
    cross join lateral (
      select distinct candidate.word from (
        (select w.word from search_words w order by w.word <-> q.word limit ${perWord})
        union all
        (select w.word from search_new_words w order by w.word <-> q.word limit ${perWord})) candidate) near`)
  return result.rows
}
