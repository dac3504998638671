import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { migrationsFolder, openDatabase, type Database } from '../../src/db/client.ts'
import { migrateDatabase } from '../../src/migrate.ts'
import { starterFile } from '../../src/modules/thesaurus/thesaurus.starter.ts'

// Every test file gets a database of its own, started from a template migrated once per run:
// on PGlite a data directory as a tarball, on PostgreSQL (TEST_DATABASE_URL) a template database.

const cacheDir = path.resolve('node_modules/.cache/tech-exchange')

/** Changes whenever a migration (or the thesaurus starter set, seeded at migration) changes, so a stale template is never reused. */
function migrationsHash(): string {
  const hash = createHash('sha256')
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else hash.update(entry.name).update(readFileSync(file))
    }
  }
  walk(migrationsFolder)
  hash.update(readFileSync(starterFile))
  return hash.digest('hex').slice(0, 12)
}

const templateFile = () => path.join(cacheDir, `pglite-template-${migrationsHash()}.tar`)
const templateDatabase = () => `tx_template_${migrationsHash()}`

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

/** The migrated PGlite data directory as a tarball, built if missing; also for tests of the embedded database itself. */
export async function embeddedTemplate(): Promise<string> {
  const file = templateFile()
  if (existsSync(file)) return file
  mkdirSync(cacheDir, { recursive: true })
  const database = await openDatabase({ dataDir: 'memory://', poolSize: 1 })
  try {
    await migrateDatabase(database)
    await database.pool.end()
    await database.embedded!.dump(`${file}.${process.pid}`)
    renameSync(`${file}.${process.pid}`, file)
  } finally {
    await database.embedded!.stop()
  }
  return file
}

/** A fresh, migrated database for one test file; close() removes it. */
export async function openTestDatabase(options: { poolSize?: number } = {}): Promise<Database> {
  await prepareTemplate()
  const serverUrl = process.env.TEST_DATABASE_URL
  if (!serverUrl) return openDatabase({ dataDir: 'memory://', poolSize: options.poolSize ?? 5, templateFile: templateFile() })

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
  const database = await openDatabase({ databaseUrl: withDatabase(serverUrl, name), dataDir: '', poolSize: options.poolSize ?? 5 })
  return {
    ...database,
    close: async () => {
      await database.close()
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}
