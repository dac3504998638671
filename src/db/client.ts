import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import * as schema from './schema/index.ts'
import { PreparingClient } from './prepared.ts'
import { startEmbeddedFor, type EmbeddedDatabase, type EmbeddedSettings, type EmbeddedStart } from './embedded.ts'

export type Db = NodePgDatabase<typeof schema>
/** A transaction handle; queries take `Db | Tx` first so they run the same inside or outside one. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
export type DbOrTx = Db | Tx

export type Database = {
  db: Db
  pool: pg.Pool
  /** 'embedded' when the API started its own PGlite. */
  mode: 'embedded' | 'postgres'
  /** The embedded database (PGlite on a thread of this process), when there is one and it has started. */
  readonly embedded?: EmbeddedDatabase
  /**
   * Settles when the database can take queries; rejects if it could not start. Already settled
   * unless openDatabase was asked to return early (`early`).
   */
  opened: Promise<void>
  /** Where it listens: the server's, or the embedded database's socket (other processes may connect to it). */
  url: string
  close: () => Promise<void>
}

export { migrationsFolder } from './migrations.ts'

// bigint (int8) columns hold VND amounts; they fit in a JS number well below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))
// `date` columns stay 'YYYY-MM-DD' strings: no time zone games with calendar dates.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)

/** PostgreSQL at `databaseUrl`; without one, the embedded database that the settings describe. */
export type DatabaseOptions = EmbeddedSettings & {
  databaseUrl?: string
  /** The embedded database, already starting: the server starts it before it loads the app (server.ts). */
  embedded?: EmbeddedStart
  /**
   * Return before the embedded database listens, when its URL is already known (a Unix socket): the
   * pool connects only when first used, and `opened` says when it may be. The server registers its
   * routes meanwhile (app.ts).
   */
  early?: boolean
  /** Send statements marked `prepared` (db/prepared.ts) as named ones; on a server only. Default true. */
  preparedStatements?: boolean
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const start = options.databaseUrl ? undefined : (options.embedded ?? startEmbeddedFor(options))
  let embedded: EmbeddedDatabase | undefined
  const opening = (start?.started ?? Promise.resolve(undefined)).then((started) => void (embedded = started))
  opening.catch(() => {}) // its owner awaits `opened`
  // On TCP the embedded database's port is chosen when it listens: nothing to connect to before.
  if (!options.early || (start && start.url === undefined)) await opening
  const url = options.databaseUrl ?? start?.url ?? embedded!.url
  // Not on the embedded database's own pool: its one backend session never ends (db/prepared.ts).
  const preparing = !start && options.preparedStatements !== false
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize, ...(preparing ? { Client: PreparingClient } : {}) })
  pool.on('error', () => {}) // an idle client's error is reported on its next use; don't crash here
  handBackDeadClients(pool)
  const db = drizzle(pool, { schema, casing: 'snake_case' })
  return {
    db,
    pool,
    mode: start ? 'embedded' : 'postgres',
    get embedded() {
      return embedded
    },
    opened: opening,
    url,
    close: async () => {
      await pool.end()
      // A start that failed has nothing to stop; one still under way is stopped once it has started.
      await (await start?.started.catch(() => undefined))?.stop()
    },
  }
}

/**
 * A checked-out client whose connection dies is handed back to the pool at once, which discards it.
 * pg emits 'error' on it with no listener of pg-pool's, which would crash the process; and drizzle's
 * transaction() never releases a client whose BEGIN failed (drizzle-team/drizzle-orm#6023), so every
 * transaction begun as the database died would hold a pool slot for ever (8 of 10 were gone after 5
 * restarts of the embedded database under load). The client's owner sees its next statement fail,
 * which its request answers with a 503, and its own release() does nothing.
 */
function handBackDeadClients(pool: pg.Pool) {
  const checkedOut = new WeakSet<pg.PoolClient>()
  pool.on('acquire', (client) => checkedOut.add(client))
  pool.on('release', (_error, client) => checkedOut.delete(client))
  pool.on('connect', (client) =>
    client.on('error', (error) => {
      if (!checkedOut.has(client)) return // idle: pg-pool's own listener removes it
      const release = client.release
      client.release = () => {}
      release(error)
    }),
  )
}
