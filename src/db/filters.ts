import { arrayContains, arrayOverlaps, eq, inArray, sql, type Column, type SQL } from 'drizzle-orm'

// Conditions for a filter that takes one value or several (src/http/fields.ts FilterValues). One
// value is written as it always was, so its plans at 1M rows stay the ones bench/README.md shows;
// several are their set form, which the same indexes serve.

/** The column is one of the values: `=` for one, `IN` for several (a btree serves both). */
export const isOneOf = (column: Column, values: readonly string[]): SQL => (values.length === 1 ? eq(column, values[0]) : inArray(column, [...values]))

/**
 * The column is one of the values, passed as one array parameter (`= any($1)`): one text whatever
 * their number, where `IN ($1 … $n)` is one per number, so it can run as one named statement
 * (src/db/prepared.ts).
 */
export const isAnyOf = (column: Column, values: readonly string[], type: 'uuid' | 'text'): SQL =>
  sql`${column} = any(${sql.param([...values])}::${sql.raw(type)}[])`

/** The array column holds any of the values: `@>` for one, `&&` for several (its GIN index serves both). */
export const holdsAnyOf = (column: Column, values: readonly string[]): SQL =>
  values.length === 1 ? arrayContains(column, [...values]) : arrayOverlaps(column, [...values])

/** The place, sector and field filters a browse plan bounds with the counts tables. */
export type CountedFilters = { provinces?: readonly string[]; region?: number; sectors?: readonly string[]; fields?: readonly string[] }

/**
 * The counts tables' dimensions (`province:01`, `sector:A`, ...) of each filter, one group per
 * filter: a filter with several values matches any of them.
 */
export const dimensionGroups = (filter: CountedFilters): string[][] =>
  [
    filter.provinces?.map((code) => `province:${code}`),
    filter.region !== undefined ? [`region:${filter.region}`] : undefined,
    filter.sectors?.map((code) => `sector:${code}`),
    filter.fields?.map((code) => `field:${code}`),
  ].filter((group) => group !== undefined)

/**
 * At least as many as the filters match together: the fewest of any one filter, which matches at
 * most the sum of its values' counts (a record under two of them is counted under each); a
 * dimension without a row matches nothing.
 */
export function matchBound(groups: string[][], rows: ReadonlyArray<{ dim: string; n: number }>): number {
  const countOf = (dim: string) => rows.find((row) => row.dim === dim)?.n ?? 0
  return Math.min(...groups.map((group) => group.reduce((sum, dim) => sum + countOf(dim), 0)))
}
