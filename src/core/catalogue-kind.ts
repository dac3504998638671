import type { AnyPgColumn } from 'drizzle-orm/pg-core'

// A catalogue kind's content fields, declared once in its descriptor (demands.kind.ts): the column
// each field is stored in, the value a create gives it when the body leaves it out, and how a file
// (CSV, NDJSON) names and writes it. The service, the import, the source upsert and the export read
// the fields from there, so a new field is declared in the table, the descriptor and the API schema.

/**
 * How a file cell is read: text as is (trimmed); integer with Vietnamese digit grouping allowed
 * (1.500.000); boolean (true/false, có/không, 1/0); date YYYY-MM-DD or DD/MM/YYYY; list items
 * separated by ";" (or a JSON array); json an object or array (contacts, media); code and codes a
 * vocabulary's codes or its labels.
 */
export type CellType = 'text' | 'integer' | 'boolean' | 'date' | 'list' | 'json' | 'code' | 'codes'

/** A vocabulary's entry, as a file may name it by code or by label. */
export type VocabularyTerm = { code: string; labelVi: string; labelEn: string }

/** A column of an import or export file: the field it fills, its Vietnamese headers, how a cell is read. */
export type FileColumn = { field: string; type: CellType; vi: string[]; vocabulary?: readonly VocabularyTerm[] }

export type ContentField<C extends AnyPgColumn = AnyPgColumn> = {
  column: C
  /** What a create stores when the body leaves the field out; absent for a required field. */
  missing?: C['_']['data'] | null
  file: { type: CellType; vi: string[]; vocabulary?: readonly VocabularyTerm[] }
}

/** A field of a descriptor, with its column's type carried into `missing`. */
export const contentField = <C extends AnyPgColumn>(column: C, spec: Omit<ContentField<C>, 'column'>): ContentField<C> => ({ column, ...spec })

type Fields = Record<string, ContentField>

/** The fields' columns, by field name, in the descriptor's order (for a select, an upsert's SET, an export). */
export function columnsOf<F extends Fields>(fields: F): { [K in keyof F]: F[K]['column'] } {
  return Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.column])) as { [K in keyof F]: F[K]['column'] }
}

type StoredValue<C extends AnyPgColumn> = C['_']['notNull'] extends true ? C['_']['data'] : C['_']['data'] | null

/** The stored values of a create body's fields: what it gives, or each missing field's `missing`. */
export function valuesOf<F extends Fields>(fields: F, input: { [K in keyof F]?: unknown }): { [K in keyof F]: StoredValue<F[K]['column']> } {
  return Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, input[name] ?? field.missing])) as {
    [K in keyof F]: StoredValue<F[K]['column']>
  }
}

/** A row's values of the fields, by field name (a view spreads them and adds what it derives). */
export function contentOf<F extends Fields, R extends { [K in keyof F]: unknown }>(fields: F, row: R): Pick<R, keyof F> {
  return Object.fromEntries(Object.keys(fields).map((name) => [name, row[name]])) as Pick<R, keyof F>
}

/** The file columns of the fields, in the descriptor's order. */
export const fileColumnsOf = (fields: Fields): FileColumn[] =>
  Object.entries(fields).map(([name, { file }]) => ({ field: name, type: file.type, vi: file.vi, ...(file.vocabulary ? { vocabulary: file.vocabulary } : {}) }))
