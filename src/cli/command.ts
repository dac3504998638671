import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Database } from '../db/client.ts'
import type { Clock } from '../lib/clock.ts'

/** Where a command writes: the real process streams, or a buffer in tests. */
export type Io = {
  out: (text: string) => void
  err: (text: string) => void
  /** Rewrites the status line on stderr (a terminal only); without it, status lines go to `err` one by one. */
  progress?: (text: string) => void
}

/** The database a command works on, with a line saying which one it is (no password). */
export type OpenedDatabase = { database: Database; label: string }

export type CliContext = {
  io: Io
  clock: Clock
  /** Opens the database the server would use. runCli's callers decide which; tests pass their own. */
  openDatabase: () => Promise<OpenedDatabase>
  /** The environment a command may read (TECHX_API_KEY); none when not given. */
  env?: Record<string, string | undefined>
}

/** A command that does something. `args` are what follows its name on the command line. */
export type LeafCommand = {
  summary: string
  usage: string
  run: (args: string[], context: CliContext) => Promise<void>
}

/** A command made of subcommands, like `keys create`. */
export type CommandGroup = { summary: string; subcommands: Record<string, Command> }

export type Command = LeafCommand | CommandGroup

/** An expected failure: its message is printed as is (no stack trace) and the CLI exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

/** The command line itself is wrong: the message and the command's usage go to stderr, exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2)
  }
}

/**
 * node:util parseArgs, with its errors (unknown flag, missing value...) turned into usage errors.
 * --help never gets here: runCli answers it before running a command.
 */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false })
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(error.message)
    }
    throw error
  }
}

/** Runs `work` on the database and closes it afterwards, whatever happens. */
export async function withDatabase<T>(context: CliContext, work: (opened: OpenedDatabase) => Promise<T>): Promise<T> {
  const opened = await context.openDatabase()
  try {
    return await work(opened)
  } finally {
    await opened.database.close()
  }
}

/** The error with a `code` (a PostgreSQL SQLSTATE, or a Node system error) under drizzle's wrappers, if any. */
export function codedErrorOf(error: unknown): (Error & { code: string }) | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (typeof (current as { code?: unknown }).code === 'string') return current as Error & { code: string }
    current = current.cause
  }
  return undefined
}
