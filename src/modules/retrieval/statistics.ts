import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { prepared } from '../../db/prepared.ts'
import type { Corpus } from './scoring.ts'

// Reads the term and corpus statistics (src/db/schema/search.ts) that scoring weighs terms by.
// Triggers append each write's changes and a job folds them every minute. A term's count is its
// folded row plus its changes since, but only while the term is rare: every write appends a change
// for each of its common terms ("may", "xu ly"), so summing them made a read under a stream of
// writes fetch tens of thousands of rows (at 1M listings, ~77k for one create's ~150 terms). A
// term held by settledDocs records or more reads its folded count alone, at most a minute old;
// what a minute of writes adds to it moves its idf by little. Elasticsearch's term statistics
// likewise change only when a segment is refreshed or merged. Rare terms, and every term of a
// small catalogue, stay exact.

/** From this many records (folded) a term's changes since the last compaction are left out. */
export const settledDocs = 1_000

export type RetrievalKind = 'listing' | 'demand'
export type TermCount = { docs: number; keyDocs: number }
export type Statistics = { corpus: Corpus; terms: Map<number, TermCount> }

type StatisticsRow = { segmented: string[]; corpus: Corpus; terms: [number, number, number][] }

const termCounts = (kind: RetrievalKind, ids: ReturnType<typeof sql>) => sql`
  (select coalesce(json_agg(json_build_array(term_id, docs, key_docs)), '[]'::json) from (
    select wanted.term_id, (coalesce(folded.docs, 0) + coalesce(changes.docs, 0))::int as docs,
      (coalesce(folded.key_docs, 0) + coalesce(changes.key_docs, 0))::int as key_docs
    from unnest(${ids}) as wanted(term_id)
    left join search_term_counts folded on folded.kind = ${kind} and folded.term_id = wanted.term_id
    left join lateral (
      select sum(change.docs) as docs, sum(change.key_docs) as key_docs from search_term_changes change
      where change.kind = ${kind} and change.term_id = wanted.term_id and coalesce(folded.docs, 0) < ${settledDocs}) changes on true
    where folded.term_id is not null or changes.docs is not null) counted)`

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
  const result = await db.execute<StatisticsRow>(
    prepared(sql`
    with texts as (select tx_segmented(text) as segmented, position from unnest(${sql.param(texts)}::text[]) with ordinality as t(text, position)),
    ids as (select array_agg(distinct tx_term_id(term)) as ids from texts, unnest(tx_term_list(texts.segmented)) as term)
    select (select array_agg(segmented order by position) from texts) as segmented,
      ${corpusCounts(kind)} as corpus,
      ${termCounts(kind, sql`(select coalesce(ids, '{}') from ids)::int4[]`)} as terms`),
  )
  const row = result.rows[0]!
  return { segmented: row.segmented ?? [], statistics: statisticsOf(row) }
}

/** The statistics of terms given by id. */
export async function readStatistics(db: DbOrTx, kind: RetrievalKind, ids: number[]): Promise<Statistics> {
  const result = await db.execute<StatisticsRow>(
    prepared(sql`select ${corpusCounts(kind)} as corpus, ${termCounts(kind, sql`${sql.param(ids)}::int4[]`)} as terms`),
  )
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
  const result = await db.execute<Spelling>(
    prepared(sql`
    select q.word, near.word as candidate,
      (coalesce((select c.docs from search_term_counts c where c.kind = ${kind} and c.term_id = tx_term_id(near.word)), 0)
        + coalesce((select sum(c.docs) from search_term_changes c where c.kind = ${kind} and c.term_id = tx_term_id(near.word)), 0))::int as docs
    from unnest(${sql.param(words)}::text[]) as q(word)
    cross join lateral (
      select distinct candidate.word from (
        (select w.word from search_words w order by w.word <-> q.word limit ${perWord})
        union all
        (select w.word from search_new_words w order by w.word <-> q.word limit ${perWord})) candidate) near`),
  )
  return result.rows
}
