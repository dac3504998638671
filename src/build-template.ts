import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openDatabase, type Database } from './db/client.ts'
import { buildDir, templateHash, templateName, templatePrefix } from './embedded-template.ts'
import { migrateDatabase } from './migrate.ts'

// Builds the embedded template (embedded-template.ts says what it is for): `npm run build` runs it
// from dist/, the tests from source. Apart from migrate.ts, since it builds the app once.

/**
 * Creates the job queues the app declares (pg-boss makes a table partition for each) and their cron
 * schedules, by building the app once without a worker: a database made from a template that has
 * them starts without that DDL, ~0.4 s less on PGlite. A throwaway cursor key, so that no database
 * made from the template shares the one a start would keep.
 */
export async function createJobQueues(database: Database): Promise<void> {
  const config = loadConfig({ JOBS_WORKER: 'false', LOG_LEVEL: 'silent', CURSOR_SECRET: randomBytes(32).toString('hex') })
  const app = await buildApp(config, { database })
  try {
    await app.jobs.writeSchedules()
  } finally {
    await app.close()
  }
}

/**
 * PostgreSQL's template0 and template1 serve CREATE DATABASE, which the embedded database never
 * runs: without them an embedded template has ~600 files fewer to copy at a first start (of ~1,470).
 */
async function dropTemplateDatabases(database: Database): Promise<void> {
  await database.pool.query(`update pg_database set datistemplate = false where datname in ('template0', 'template1')`)
  await database.pool.query('drop database template0')
  await database.pool.query('drop database template1')
  await database.pool.query('checkpoint')
}

/**
 * Builds a migrated embedded data directory in `parentDir` unless today's is there, and removes
 * older ones (see embedded-template.ts). Built under a name of its own and renamed, so a reader
 * never sees half of one.
 */
export async function buildEmbeddedTemplate(parentDir = buildDir): Promise<string> {
  const hash = templateHash()
  const dir = path.join(parentDir, templateName(hash))
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir
  const building = `${dir}.${process.pid}`
  rmSync(building, { recursive: true, force: true })
  const database = await openDatabase({ dataDir: building, poolSize: 1 })
  try {
    await migrateDatabase(database)
    await createJobQueues(database)
    await dropTemplateDatabases(database)
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
