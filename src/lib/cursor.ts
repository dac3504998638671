import { badRequest } from './problem.ts'
import { unstorableText } from './text.ts'

/**
 * Opaque keyset cursors: the sort values of the last row, tagged with the sort they belong to,
 * base64url-encoded. Clients must treat them as opaque; a tampered one is a 400, never a 500.
 */
export type CursorValue = string | number | null

export function encodeCursor(sort: string, values: CursorValue[]): string {
  return Buffer.from(JSON.stringify([sort, ...values])).toString('base64url')
}

export function decodeCursor(cursor: string, sort: string, types: Array<'string' | 'number'>): CursorValue[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  if (!Array.isArray(parsed) || parsed[0] !== sort || parsed.length !== types.length + 1) throw invalid()
  const values = parsed.slice(1) as unknown[]
  values.forEach((value, index) => {
    if (typeof value !== types[index] || (typeof value === 'number' && !Number.isFinite(value))) throw invalid()
    // A forged value goes back into SQL: a NUL there would be a database error, not a 400.
    if (typeof value === 'string' && unstorableText(value)) throw invalid()
  })
  return values as CursorValue[]
}

const invalid = () => badRequest('invalid_cursor', 'The cursor is malformed or belongs to another sort order; start again without it')

/** The tag of a cursor (its sort), or undefined when it is not one of ours; decodeCursor still checks it all. */
export function tagOf(cursor: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    return Array.isArray(parsed) && typeof parsed[0] === 'string' ? parsed[0] : undefined
  } catch {
    return undefined
  }
}
