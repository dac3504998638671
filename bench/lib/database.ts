import pg from 'pg'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { migrateDatabase } from '../../src/migrate.ts'

// The bench database: created fresh by the generator, migrated with the project's own code.

export const defaultDatabaseUrl = 'postgresql://postgres@127.0.0.1:5432/bench'

/** The database name of a URL, refusing any that is not a bench database (never `test`). */
export function benchDatabaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''))
  if (!/^bench[a-z0-9_]*$/.test(name)) throw new Error(`Refusing to use database "${name}": the bench scripts only touch databases named bench*`)
  return name
}

/** Drops and creates the bench database, connected through the server's `postgres` database. */
export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const name = benchDatabaseName(databaseUrl)
  const admin = new URL(databaseUrl)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  try {
    await client.query(`drop database if exists ${name} with (force)`)
    await client.query(`create database ${name}`)
  } finally {
    await client.end()
  }
}

export async function openBenchDatabase(databaseUrl: string, poolSize = 2): Promise<Database> {
  benchDatabaseName(databaseUrl)
  return openDatabase({ databaseUrl, dataDir: '', poolSize })
}

export async function openMigratedDatabase(databaseUrl: string): Promise<Database> {
  const database = await openBenchDatabase(databaseUrl)
  await migrateDatabase(database)
  return database
}

/**
 * Waits until no query runs on the bench database (a request autocannon gave up on may still run
 * there), then cancels what is left after `timeoutMs`, so one scenario does not slow the next.
 * Returns how many queries had to be cancelled.
 */
export async function settleDatabase(databaseUrl: string, timeoutMs: number): Promise<number> {
  const name = benchDatabaseName(databaseUrl)
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const active = `select pid from pg_stat_activity where datname = $1 and state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend'`
  try {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if ((await client.query(active, [name])).rowCount === 0) return 0
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const { rows } = await client.query<{ pid: number }>(active, [name])
    for (const { pid } of rows) await client.query('select pg_cancel_backend($1)', [pid])
    return rows.length
  } finally {
    await client.end()
  }
}
