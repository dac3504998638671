import { AppError, badRequest, conflict, unprocessable } from './problem.ts'

type PgError = { code?: string; constraint?: string; detail?: string; cause?: unknown }

/** Finds the PostgreSQL error under drizzle's wrapper, if there is one. */
function pgErrorOf(error: unknown): PgError | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 3 && current && typeof current === 'object'; depth++) {
    const candidate = current as PgError
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate
    current = candidate.cause
  }
  return undefined
}

/** The SQLSTATE of a PostgreSQL error (under drizzle's wrapper), if it is one. */
export const sqlStateOf = (error: unknown): string | undefined => pgErrorOf(error)?.code

/** The one place where database errors become HTTP problems; unknown ones stay 500s. */
export function mapPgError(error: unknown): AppError | undefined {
  const pg = pgErrorOf(error)
  if (!pg) return undefined
  const constraint = pg.constraint ? ` (${pg.constraint})` : ''
  switch (pg.code) {
    case '23505':
      return conflict('already_exists', `A record with the same unique value already exists${constraint}`)
    case '23503':
      return unprocessable('reference_not_found', `A referenced record does not exist${constraint}`)
    case '23514':
      return unprocessable('constraint_violated', `The values break a rule of the record${constraint}`)
    case '22001':
      return badRequest('value_too_long', 'A value is longer than allowed')
    // Text the database cannot hold (a NUL, or bytes invalid in UTF-8): the HTTP layer refuses
    // these up front (src/http/text-guard.ts); this is the net for any path it does not see.
    case '22021':
    case '22P05':
      return badRequest('invalid_text', 'A value holds text the database cannot store, such as a NUL character')
    // Bad input syntax, a date or time out of range (22008: year 0 or past 294276; 22009: a time
    // zone displacement out of range, as year -271821 gives), a number out of range.
    case '22P02':
    case '22007':
    case '22008':
    case '22009':
    case '22003':
      return badRequest('invalid_value', 'A value has the wrong format or is out of range')
    default:
      return undefined
  }
}
