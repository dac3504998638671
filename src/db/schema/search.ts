import { sql } from 'drizzle-orm'
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'

// The statistics ranked retrieval weighs terms by (src/modules/retrieval). Listings and demands
// carry their terms as generated int4[] columns (search_key_ids: title and keywords;
// search_body_ids: the rest of the text; see migrations/0024_retrieval_functions.sql). Triggers on
// both tables append, after every statement, what it changed here (migrations/0026). Like the
// activity roll-up, they only append, so writers never wait on one another's counters. A term's
// changes go to search_term_changes, and a maintenance job (tx_search_compact, every minute) folds
// them into its one row in search_term_counts. Readers add a term's changes to its folded count
// while it is rare; a common term's changes are left to the job (statistics.ts), as every write
// appends one for it and a read would otherwise sum thousands of rows under a stream of writes.

// The counts and their changes have the same shape: a change is what to add to a count.
const termCountColumns = () => ({
  kind: text('kind').notNull(),
  termId: integer('term_id').notNull(),
  docs: integer('docs').notNull(),
  keyDocs: integer('key_docs').notNull(),
})

/** Per kind ('listing' | 'demand') and term, folded: in how many records it occurs, and in how many titles or keywords. */
export const searchTermCounts = pgTable('search_term_counts', termCountColumns(), (table) => [
  uniqueIndex('search_term_counts_term_key').on(table.kind, table.termId),
])

/** What each write statement changed in search_term_counts, appended until the job folds it. */
export const searchTermChanges = pgTable('search_term_changes', termCountColumns(), (table) => [
  index('search_term_changes_term_idx').on(table.kind, table.termId),
])

/** Per kind: how many records, and the sum of their fields' lengths (distinct terms), for BM25's length normalisation. */
export const searchCorpusCounts = pgTable(
  'search_corpus_counts',
  {
    kind: text('kind').notNull(),
    docs: bigint('docs', { mode: 'number' }).notNull(),
    keyLength: bigint('key_length', { mode: 'number' }).notNull(),
    bodyLength: bigint('body_length', { mode: 'number' }).notNull(),
  },
  (table) => [index('search_corpus_counts_kind_idx').on(table.kind)],
)

/**
 * Every folded word (syllable) of listings and demands: the dictionary a misspelt query word is
 * corrected against, through a trigram (GiST, so nearest-first) index on words rather than on whole documents.
 */
export const searchWords = pgTable('search_words', { word: text('word').primaryKey() }, (table) => [
  index('search_words_trgm_idx').using('gist', sql`${table.word} gist_trgm_ops`),
])

/**
 * Words seen in writes and not yet in search_words. Triggers append here, with no unique key, so
 * concurrent writers never wait on (or deadlock over) one another's new words; the compaction job
 * moves them into search_words. Typo correction reads both.
 */
export const searchNewWords = pgTable('search_new_words', { word: text('word').notNull() })
