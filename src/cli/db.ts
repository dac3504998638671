import { readFileSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { migrationsFolder, type Database } from '../db/client.ts'
import { migrateDatabase } from '../migrate.ts'
import { parseCommandArgs, withDatabase, type CommandGroup, type Io } from './command.ts'

type JournalEntry = { tag: string; when: number }

/** The migrations in the repository, in order (drizzle-kit's journal). */
function journal(): JournalEntry[] {
  const file = path.join(migrationsFolder, 'meta', '_journal.json')
  return (JSON.parse(readFileSync(file, 'utf8')) as { entries: JournalEntry[] }).entries
}

/** The `when` stamps of the migrations a database has applied (drizzle records them as created_at). */
async function appliedStamps(database: Database): Promise<Set<number>> {
  const { rows } = await database.pool.query<{ table: string | null }>(`select to_regclass('drizzle.__drizzle_migrations')::text as table`)
  if (!rows[0]?.table) return new Set()
  const result = await database.db.execute<{ created_at: number }>(sql`select created_at from drizzle.__drizzle_migrations`)
  return new Set(result.rows.map((row) => Number(row.created_at)))
}

/** Applies the pending migrations and says which ones ran. Returns their tags. */
export async function migrate(database: Database, io: Io): Promise<string[]> {
  const before = await appliedStamps(database)
  await migrateDatabase(database)
  const after = await appliedStamps(database)
  const entries = journal()
  const applied = entries.filter((entry) => !before.has(entry.when) && after.has(entry.when)).map((entry) => entry.tag)
  if (applied.length === 0) {
    io.out(`Nothing to do: all ${entries.length} migrations were already applied.`)
  } else {
    io.out(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:`)
    for (const tag of applied) io.out(`  ${tag}`)
    io.out(`The database is up to date (${entries.length} migrations).`)
  }
  return applied
}

export const dbCommand: CommandGroup = {
  summary: 'Database maintenance (migrate)',
  subcommands: {
    migrate: {
      summary: 'Apply pending migrations to the configured database',
      usage: [
        'Usage: npm run cli -- db migrate',
        '',
        'Applies the pending migrations in migrations/ to the database the server uses:',
        'PostgreSQL at DATABASE_URL, or else the embedded PGlite database in DATA_DIR (default ./data).',
        'The server also migrates when it starts; this command does it without starting the server.',
      ].join('\n'),
      run: async (args, context) => {
        parseCommandArgs(args, {})
        await withDatabase(context, async ({ database, label }) => {
          context.io.out(`Database: ${label}`)
          await migrate(database, context.io)
        })
      },
    },
  },
}
