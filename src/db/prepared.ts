import { createHash, randomBytes } from 'node:crypto'
import { sql, type SQL } from 'drizzle-orm'
import pg from 'pg'

// Named prepared statements for the few statements of fixed text that every search, match and
// write sends (a term's statistics, the thesaurus probe). drizzle sends its SQL as unnamed
// statements, which PostgreSQL parses and plans on every execution: 0.15-0.5 ms each at 1M rows,
// a fifth of a search's database time. A named statement is parsed once per connection, and
// after five executions PostgreSQL keeps a generic plan when it costs no more than the custom
// ones (the plan cache's rule). Only statements whose plan does not hang on their values may
// be marked; a candidate read, whose best plan depends on how rare its terms are, must not be.
//
// The mark is a comment in the text, so the statement is written once, as usual: at the head of a
// statement written in sql``, at the head of the WHERE clause of one built with drizzle's query
// builder (preparedWhere: a lookup by key, planned in 0.1-0.5 ms for 0.02-0.3 ms of execution). The
// pool's client names it by a digest of its text and a tag of the client's own (PreparingClient).
// The embedded database's own pool ignores the mark: its connections share one backend session
// (embedded-queue.ts), which never ends, so the statements of every client that ever connected
// would stay in it. So does a pool with DATABASE_PREPARED_STATEMENTS=false (a proxy that cannot
// carry them, or pins the session that makes them).

const mark = '/* prepared */ '

/** The statement, marked to run as a named prepared statement where the pool allows it. */
export const prepared = (statement: SQL): SQL => sql`${sql.raw(mark)}${statement}`

/**
 * A builder query's WHERE condition, marked so that the query runs as a named prepared statement
 * where the pool allows it: `.where(preparedWhere(eq(listings.id, id)))`.
 */
export const preparedWhere = (condition: SQL | undefined): SQL => sql`${sql.raw(mark)}${condition ?? sql`true`}`

/** Distinct marked texts named at most: each is a plan cached in every connection's backend. */
const maxNames = 64
const digests = new Map<string, string>()
/** Executions of a marked text sent unnamed because every name was taken. */
let overflow = 0

function digestOf(text: string): string | undefined {
  let digest = digests.get(text)
  if (digest === undefined) {
    if (digests.size >= maxNames) {
      overflow++
      return undefined
    }
    digest = createHash('sha1').update(text).digest('hex').slice(0, 20)
    digests.set(text, digest)
  }
  return digest
}

/**
 * This process's named texts, and its executions of marked texts sent unnamed since it started
 * because the names ran out (first come, first served; /metrics shows both, so a release that
 * marks too many texts is seen rather than silently slower).
 */
export const preparedStatementFigures = () => ({ names: digests.size, maxNames, overflow })

type QueryConfig = { text?: unknown; name?: unknown }

/** A pg client that sends marked statements by name. */
export class PreparingClient extends pg.Client {
  /**
   * Names are the text's digest and this client's own tag. On a server a name lives in its
   * connection's session, so the tag changes nothing there; but DATABASE_URL may also point at
   * another process's embedded database, whose socket gives every connection of every process the
   * same backend, where a name two clients both made would collide.
   */
  private readonly tag = randomBytes(4).toString('hex')

  // pg's query() has a dozen overloads; this only renames the config object and passes the rest on.
  override query(...args: unknown[]): never {
    const config = args[0] as QueryConfig | undefined
    if (config && typeof config === 'object' && config.name === undefined && typeof config.text === 'string' && config.text.includes(mark)) {
      const digest = digestOf(config.text)
      if (digest) args[0] = { ...config, name: `tx_${digest}_${this.tag}` }
    }
    return (super.query as (...rest: unknown[]) => never)(...args)
  }
}
