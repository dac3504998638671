import { ConfigError, loadConfig, type Config } from '../config.ts'
import { openDatabase } from '../db/client.ts'
import { systemClock } from '../lib/clock.ts'
import { describeDatabaseUrl } from '../lib/redaction.ts'
import { databaseOptions } from '../database.ts'
import { CliError, type CliContext, type OpenedDatabase } from './command.ts'

// What src/db/embedded.ts throws when another live process holds DATA_DIR's lock file.
const dataDirInUse = /^DATA_DIR .+ is in use by (?:process (\d+)|another process)/

/** Names the database without its password: the label a command prints. */
export function describeDatabase(config: Config): string {
  if (!config.DATABASE_URL) return `embedded PGlite in DATA_DIR ${config.DATA_DIR}`
  return `PostgreSQL ${describeDatabaseUrl(config.DATABASE_URL)}`
}

/** Opens the database the server would open with the same environment (DATABASE_URL, else DATA_DIR). */
export async function openConfiguredDatabase(env: Record<string, string | undefined> = process.env): Promise<OpenedDatabase> {
  let config: Config
  try {
    config = loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message)
    throw error
  }
  // One connection is plenty for a command, and keeps the embedded database light.
  try {
    const database = await openDatabase(databaseOptions(config, { poolSize: 2 }))
    return { database, label: describeDatabase(config) }
  } catch (error) {
    const match = error instanceof Error ? dataDirInUse.exec(error.message) : null
    if (!match) throw error
    const holder = match[1] ? `process ${match[1]}` : 'another process'
    throw new CliError(
      `The embedded database in DATA_DIR ${config.DATA_DIR} is in use by ${holder}, most likely the API server. ` +
        'The embedded database allows one process at a time: stop the server and run this command again ' +
        '(or run both against PostgreSQL with DATABASE_URL).',
    )
  }
}

/** The context src/cli.ts runs commands in: process streams, the system clock, the configured database. */
export function processContext(env: Record<string, string | undefined> = process.env): CliContext {
  return {
    io: {
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
      // Carriage return and erase-to-end-of-line: the bar redraws in place, on a terminal only.
      ...(process.stderr.isTTY ? { progress: (text: string) => process.stderr.write(`\r${text}\x1b[K`) } : {}),
    },
    clock: systemClock,
    openDatabase: () => openConfiguredDatabase(env),
    env,
  }
}
