import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import * as schema from './schema/index.ts'
import { startEmbeddedFor, type EmbeddedDatabase, type EmbeddedSettings } from './embedded.ts'

export type Db = NodePgDatabase<typeof schema>
/** A transaction handle; queries take `Db | Tx` first so they run the same inside or outside one. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
export type DbOrTx = Db | Tx

export type Database = {
  db: Db
  pool: pg.Pool
  /** 'embedded' when the API started its own PGlite. */
  mode: 'embedded' | 'postgres'
  /** The embedded database (PGlite on a thread of this process), when there is one. */
  embedded?: EmbeddedDatabase
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
  embedded?: Promise<EmbeddedDatabase>
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined
  let url = options.databaseUrl
  if (!url) {
    embedded = await (options.embedded ?? startEmbeddedFor(options))
    url = embedded.url
  }
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize })
  pool.on('error', () => {}) // an idle client's error is reported on its next use; don't crash here
  handBackDeadClients(pool)
  const db = drizzle(pool, { schema, casing: 'snake_case' })
  return {
    db,
    pool,
    mode: embedded ? 'embedded' : 'postgres',
    embedded,
    url,
    close: async () => {
      await pool.end()
      await embedded?.stop()
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
