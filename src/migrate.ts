import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { migrationsFolder, type Database } from './db/client.ts'
import * as schema from './db/schema/index.ts'
import { installJobSchema } from './jobs/queue.ts'
import { seedThesaurusStarter } from './modules/thesaurus/thesaurus.starter.ts'

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
