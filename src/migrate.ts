import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { migrationsFolder, openDatabase, type Database } from './db/client.ts'
import * as schema from './db/schema/index.ts'
import { installJobSchema } from './jobs/queue.ts'
import { seedThesaurusStarter } from './modules/thesaurus/thesaurus.starter.ts'
import { buildDir, migrationsHash, templateName, templatePrefix } from './embedded-template.ts'

// Here, not in db/, because bringing a database up to date takes the job queue's tables and a
// module's starter data as well as the migrations, and db/ imports no module.

/** How many migrations the database has, and how many of them this call applied. */
export type MigrationOutcome = { total: number; applied: number }

/**
 * Applies pending migrations, installs the job queue's schema and seeds the thesaurus starter
 * entries not seeded before; an advisory lock keeps two starting processes from racing.
 */
export async function migrateDatabase(database: Database): Promise<MigrationOutcome> {
  const client = await database.pool.connect()
  try {
    await client.query('select pg_advisory_lock(727274)')
    const applied = async () => {
      const { rows } = await client.query<{ table: string | null }>(`select to_regclass('drizzle.__drizzle_migrations')::text as table`)
      if (!rows[0]?.table) return 0
      return Number((await client.query<{ count: string }>('select count(*) from drizzle.__drizzle_migrations')).rows[0]!.count)
    }
    const before = await applied()
    const migrator = drizzle(client, { schema, casing: 'snake_case' })
    await migrate(migrator, { migrationsFolder })
    await installJobSchema(client)
    await seedThesaurusStarter(migrator)
    const total = await applied()
    return { total, applied: total - before }
  } finally {
    await client.query('select pg_advisory_unlock(727274)').catch(() => {})
    client.release()
  }
}

/**
 * Builds a migrated embedded data directory in `parentDir` unless today's is there, and removes
 * older ones (see embedded-template.ts). Built under a name of its own and renamed, so a reader
 * never sees half of one.
 */
export async function buildEmbeddedTemplate(parentDir = buildDir): Promise<string> {
  const hash = migrationsHash()
  const dir = path.join(parentDir, templateName(hash))
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir
  const building = `${dir}.${process.pid}`
  rmSync(building, { recursive: true, force: true })
  const database = await openDatabase({ dataDir: building, poolSize: 1 })
  try {
    await migrateDatabase(database)
  } finally {
    await database.close()
  }
  try {
    renameSync(building, dir)
  } catch (error) {
    // Another process built the same template at the same time: keep theirs.
    rmSync(building, { recursive: true, force: true })
    if (!existsSync(path.join(dir, 'PG_VERSION'))) throw error
  }
  for (const entry of readdirSync(parentDir)) {
    if (entry.startsWith(templatePrefix) && entry !== templateName(hash) && !/\.\d+$/.test(entry)) {
      rmSync(path.join(parentDir, entry), { recursive: true, force: true })
    }
  }
  return dir
}
