import { createHmac, timingSafeEqual } from 'node:crypto'
import { badRequest } from './problem.ts'
import { unstorableText } from './text.ts'

/**
 * Opaque keyset cursors: the sort values of the last row, tagged with the sort they belong to,
 * base64url-encoded JSON, then "." and an HMAC-SHA256 of that text (the first 128 bits, base64url).
 * A cursor this API did not write — tampered, forged, or signed with another key — is refused
 * before any query, as a 400 `invalid_cursor`; so is one whose values, though signed, are not of
 * their kind (a time the database cannot hold, say), in case the key ever leaks.
 *
 * The key is shared by every API process through the database (src/db/shared-secrets.ts), or set
 * with CURSOR_SECRET; changing it ends every cursor handed out, the event feed's included.
 */

/**
 * What a value of a cursor must be: `integer` is 0 or more; `instant` is a Date as toISOString
 * writes it; `timestamp` is a timestamptz as PostgreSQL writes it as text (microseconds kept), in
 * its own format or ISO 8601; `date` is YYYY-MM-DD.
 */
export type CursorKind = 'string' | 'number' | 'integer' | 'instant' | 'timestamp' | 'date' | 'uuid'

type ValueOf = { string: string; number: number; integer: number; instant: Date; timestamp: string; date: string; uuid: string }
type Decoded<K extends readonly CursorKind[]> = { -readonly [I in keyof K]: ValueOf[K[I]] }

export type Cursors = {
  /** A cursor for a sort and the last row's values (Dates are written as ISO instants). */
  encode: (sort: string, values: Array<string | number | Date>) => string
  /** The values of a cursor this API wrote for `sort`, each of its kind; otherwise a 400. */
  decode: <const K extends readonly CursorKind[]>(cursor: string, sort: string, kinds: K) => Decoded<K>
  /** The sort a genuine cursor was written for; undefined for any other text. */
  tagOf: (cursor: string) => string | undefined
}

const macLength = 16
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const datePattern = /^\d{4}-\d{2}-\d{2}$/
const timestampPattern = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2})(:\d{2}){0,2})$/

/** A calendar day that exists, in years 1 to 9999. */
function isDay(text: string): boolean {
  if (!datePattern.test(text) || text.startsWith('0000')) return false
  const day = new Date(`${text}T00:00:00.000Z`)
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text
}

function isTimestamp(text: string): boolean {
  const parts = timestampPattern.exec(text)
  if (!parts || !isDay(parts[1]!)) return false
  const [hour, minute, second, offset] = [parts[2], parts[3], parts[4], parts[7] ?? '0'].map(Number) as [number, number, number, number]
  return hour < 24 && minute < 60 && second < 60 && offset <= 15
}

const invalid = () =>
  badRequest('invalid_cursor', 'The cursor is malformed, was not written by this API, or belongs to another sort order; start again without it')

/** A value of its kind, or undefined. Years run from 1 to 9999, which PostgreSQL and JavaScript both hold. */
function valueOf(kind: CursorKind, value: unknown): ValueOf[CursorKind] | undefined {
  switch (kind) {
    case 'string':
      // A value goes back into SQL: a NUL there would be a database error, not a 400.
      return typeof value === 'string' && !unstorableText(value) ? value : undefined
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
    case 'uuid':
      return typeof value === 'string' && uuidPattern.test(value) ? value : undefined
    case 'instant': {
      if (typeof value !== 'string' || !instantPattern.test(value) || value.startsWith('0000')) return undefined
      const instant = new Date(value)
      // Round-tripping refuses what Date quietly reads another way (2026-02-30, 24:00).
      return !Number.isNaN(instant.getTime()) && instant.toISOString() === value ? instant : undefined
    }
    case 'timestamp':
      return typeof value === 'string' && isTimestamp(value) ? value : undefined
    case 'date':
      return typeof value === 'string' && isDay(value) ? value : undefined
  }
}

/**
 * Cursors signed with `key`, or with the key a promise gives: the app reads the shared key from the
 * database while it registers its routes, and serves no request before it has it (app.ts).
 */
export function createCursors(keyOrPromise: Buffer | Promise<Buffer>): Cursors {
  let key: Buffer | undefined
  if (Buffer.isBuffer(keyOrPromise)) key = keyOrPromise
  else
    void keyOrPromise.then(
      (read) => (key = read),
      () => {},
    )
  const macOf = (payload: string) => {
    if (!key) throw new Error('cursors used before their key was read')
    return createHmac('sha256', key).update(payload).digest().subarray(0, macLength)
  }

  /** The JSON array inside a genuine cursor, or undefined. */
  function opened(cursor: string): unknown[] | undefined {
    const dot = cursor.lastIndexOf('.')
    if (dot <= 0) return undefined
    const payload = cursor.slice(0, dot)
    const given = Buffer.from(cursor.slice(dot + 1), 'base64url')
    if (given.length !== macLength || !timingSafeEqual(given, macOf(payload))) return undefined
    try {
      const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
      return Array.isArray(parsed) ? parsed : undefined
    } catch {
      return undefined
    }
  }

  return {
    encode(sort, values) {
      const payload = Buffer.from(JSON.stringify([sort, ...values.map((value) => (value instanceof Date ? value.toISOString() : value))])).toString('base64url')
      return `${payload}.${macOf(payload).toString('base64url')}`
    },
    decode(cursor, sort, kinds) {
      const parsed = opened(cursor)
      if (!parsed || parsed[0] !== sort || parsed.length !== kinds.length + 1) throw invalid()
      return kinds.map((kind, index) => {
        const value = valueOf(kind, parsed[index + 1])
        if (value === undefined) throw invalid()
        return value
      }) as Decoded<typeof kinds>
    },
    tagOf(cursor) {
      const tag = opened(cursor)?.[0]
      return typeof tag === 'string' ? tag : undefined
    },
  }
}
