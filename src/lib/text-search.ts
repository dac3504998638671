import { sql, type AnyColumn, type SQL } from 'drizzle-orm'
import type { Db, DbOrTx } from '../db/client.ts'
import { sqlStateOf } from './pg-errors.ts'

// Full-text search shared by listings and demands. Each searchable table has two generated columns
// (see db/schema/columns.ts): `search_document`, its text unaccented and lower-cased, with a trigram
// index; and `search_vector`, a weighted tsvector ('simple' config, title A, body B) with a GIN index.
//
// A search runs in one of two modes. `exact`: every word of q, unaccented, in the tsvector — precise
// and index-backed at any catalogue size, so "lua gao huu co" finds "lúa gạo hữu cơ". `typo`: trigram
// word similarity of q to the document, so "lua gao huu coo" still finds it; but on a national
// catalogue short words share trigrams with almost every document, so typo mode is a fallback,
// used only when exact mode finds nothing (see the search services).

export type SearchColumns = { document: AnyColumn; vector: AnyColumn }
export type TextMode = 'exact' | 'typo'

/** Every word of q as a prefix-free AND query over the unaccented vector. */
const tsQuery = (q: string) => sql`plainto_tsquery('simple', tx_search_text(${q}))`

/** Rows whose text matches q: all its words (exact), or closely (typo). */
export function textMatches(columns: SearchColumns, q: string, mode: TextMode): SQL {
  return mode === 'exact' ? sql`${columns.vector} @@ ${tsQuery(q)}` : sql`tx_search_text(${q}) <% ${columns.document}`
}

/** Relevance to q: the weighted full-text rank (exact), or the word similarity (typo). Higher is closer. */
export function textRank(columns: SearchColumns, q: string, mode: TextMode): SQL<number> {
  return mode === 'exact'
    ? sql<number>`ts_rank(${columns.vector}, ${tsQuery(q)})::float8`
    : sql<number>`word_similarity(tx_search_text(${q}), ${columns.document})::float8`
}

/** A cursor's tag: its sort, and the mode, so the next page is read the way the first one was. */
export const cursorTag = (sort: string, mode: TextMode) => (mode === 'exact' ? sort : `${sort}-typo`)

/** The mode a cursor was made in (exact for anything that is not a typo-mode tag). */
export const modeOfTag = (tag: string | undefined): TextMode => (tag?.endsWith('-typo') ? 'typo' : 'exact')

/** How long one statement of a typo-mode search may run (a misspelt word can match most of a large catalogue). */
export const typoBudgetMs = 2000

/**
 * Runs typo-mode queries in a transaction whose statements may take `budgetMs` each; undefined
 * when one takes longer (the search then answers as if nothing was found), so one misspelt query
 * cannot hold the database for seconds.
 */
export async function withinTypoBudget<T>(db: Db, work: (tx: DbOrTx) => Promise<T>, budgetMs = typoBudgetMs): Promise<T | undefined> {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local statement_timeout = ${Math.max(1, Math.floor(budgetMs))}`))
      return work(tx)
    })
  } catch (error) {
    if (sqlStateOf(error) === '57014') return undefined // query_canceled: over the budget
    throw error
  }
}

/**
 * Runs a search's queries in `mode`: exact as they are, typo within its time budget (over it,
 * nothing found). When `fallback` is set and exact mode finds no rows, it tries typo mode and
 * keeps that answer if it found something. Returns the rows, the facets and the mode they came from.
 */
export async function runTextSearch<Row, Facets>(
  db: Db,
  mode: TextMode,
  fallback: boolean,
  runOn: (conn: DbOrTx, mode: TextMode) => Promise<readonly [Row[], Facets | undefined]>,
): Promise<{ rows: Row[]; facets: Facets | undefined; mode: TextMode }> {
  const run = async (textMode: TextMode) =>
    (textMode === 'exact' ? await runOn(db, textMode) : await withinTypoBudget(db, (tx) => runOn(tx, textMode))) ?? ([[], undefined] as const)
  const [rows, facets] = await run(mode)
  if (fallback && mode === 'exact' && rows.length === 0) {
    const [typoRows, typoFacets] = await run('typo')
    if (typoRows.length > 0) return { rows: typoRows, facets: typoFacets, mode: 'typo' }
  }
  return { rows, facets, mode }
}
