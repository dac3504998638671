import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { buildEmbeddedTemplate, createJobQueues } from '../../src/build-template.ts'
import { migrateDatabase } from '../../src/migrate.ts'
import { currentEmbeddedTemplate, templateHash } from '../../src/embedded-template.ts'

// Every test file gets a database of its own, started from a template migrated once per run:
// on PGlite a data directory copied for each file, on PostgreSQL (TEST_DATABASE_URL) a template database.

const cacheDir = path.resolve('node_modules/.cache/tech-exchange')

const templateDatabase = () => `tx_template_${templateHash()}`

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}

/** Builds the template if it is missing. Run once before the suite (tap's `before`). */
export async function prepareTemplate(): Promise<void> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (serverUrl) {
    const admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    try {
      const name = templateDatabase()
      const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name])
      if (rowCount) return
      const building = `${name}_building`
      await admin.query(`drop database if exists ${building}`)
      await admin.query(`create database ${building}`)
      const database = await openDatabase({ databaseUrl: withDatabase(serverUrl, building), dataDir: '', poolSize: 1 })
      await migrateDatabase(database)
      await createJobQueues(database)
      await database.close()
      await admin.query(`alter database ${building} rename to ${name}`)
      await admin.query(`alter database ${name} with is_template true`)
    } finally {
      await admin.end()
    }
    return
  }
  await embeddedTemplate()
}

/** The migrated PGlite data directory, built if missing; also for tests of the embedded database itself. */
export async function embeddedTemplate(): Promise<string> {
  mkdirSync(cacheDir, { recursive: true })
  return currentEmbeddedTemplate(cacheDir) ?? (await buildEmbeddedTemplate(cacheDir))
}

/** A fresh, migrated database for one test file; close() removes it. */
export async function openTestDatabase(options: { poolSize?: number; preparedStatements?: boolean } = {}): Promise<Database> {
  await prepareTemplate()
  const serverUrl = process.env.TEST_DATABASE_URL
  if (!serverUrl) {
    // On disk, as a copy of the template: 0.1 s to copy and 0.8 s to open, where loading the same
    // directory into memory took 2 s, and PGlite's memory file system saves little on a test's writes.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-test-'))
    const database = await openDatabase({ dataDir, poolSize: options.poolSize ?? 5, templateDir: await embeddedTemplate() })
    return {
      ...database,
      close: async () => {
        await database.close()
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
  }

  const name = `tx_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`create database ${name} template ${templateDatabase()}`)
      break
    } catch (error) {
      // Two files cloning the template at the same instant: "source database is being accessed".
      if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100))
    }
  }
  const database = await openDatabase({
    databaseUrl: withDatabase(serverUrl, name),
    dataDir: '',
    poolSize: options.poolSize ?? 5,
    preparedStatements: options.preparedStatements,
  })
  return {
    ...database,
    close: async () => {
      await database.close()
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}
