import { sql, type AnyColumn, type SQL } from 'drizzle-orm'

// Full-text search shared by listings and demands. Each searchable table has two generated columns
// (see db/schema/columns.ts): `search_document`, its text unaccented and lower-cased, with a trigram
// index; and `search_vector`, a weighted tsvector ('simple' config, title A, body B) with a GIN index.
// So "lua gao huu co" finds "lúa gạo hữu cơ" (unaccent) and "lua gao huu co" with a typo in one word
// still finds it (trigram word similarity).

export type SearchColumns = { document: AnyColumn; vector: AnyColumn }

/** Every word of q as a prefix-free AND query over the unaccented vector. */
const tsQuery = (q: string) => sql`plainto_tsquery('simple', tx_search_text(${q}))`

/** Rows whose text matches q exactly (all words) or closely (word similarity, typo-tolerant). */
export function textMatches(columns: SearchColumns, q: string): SQL {
  return sql`(${columns.vector} @@ ${tsQuery(q)} or tx_search_text(${q}) <% ${columns.document})`
}

/** A relevance score in [0, ~2]: full-text rank plus trigram word similarity. */
export function textRank(columns: SearchColumns, q: string): SQL<number> {
  return sql<number>`(ts_rank(${columns.vector}, ${tsQuery(q)}) + word_similarity(tx_search_text(${q}), ${columns.document}))::float8`
}
