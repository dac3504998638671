import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { migrationsFolder, type Database } from './db/client.ts'
import * as schema from './db/schema/index.ts'
import { installJobSchema } from './jobs/queue.ts'
import { seedThesaurusStarter } from './modules/thesaurus/thesaurus.starter.ts'

// Here, not in db/, because bringing a database up to date takes the job queue's tables and a
// module's starter data as well as the migrations, and db/ imports no module.

/**
 * Applies pending migrations, installs the job queue's schema and seeds the thesaurus starter
 * entries not seeded before; an advisory lock keeps two starting processes from racing.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  const client = await database.pool.connect()
  try {
    await client.query('select pg_advisory_lock(727274)')
    const migrator = drizzle(client, { schema, casing: 'snake_case' })
    await migrate(migrator, { migrationsFolder })
    await installJobSchema(client)
    await seedThesaurusStarter(migrator)
  } finally {
    await client.query('select pg_advisory_unlock(727274)').catch(() => {})
    client.release()
  }
}
