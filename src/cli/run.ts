import { commands } from './commands.ts'
import { CliError, codedErrorOf, UsageError, type CliContext, type Command } from './command.ts'

const program = 'npm run cli --'

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h'

/** The usage of a command group: its subcommands, one per line with their summaries. */
function groupUsage(path: string[], group: Record<string, Command>): string {
  const names = Object.keys(group)
  const width = Math.max(...names.map((name) => name.length))
  const lines = names.map((name) => `  ${[...path, name].join(' ')}${' '.repeat(width - name.length + 2)}${group[name]!.summary}`)
  const pattern = [...path, '<command>'].join(' ')
  return [`Usage: ${program} ${pattern} [options]`, '', 'Commands:', ...lines, '', `Run "${program} ${pattern} --help" for its options.`].join('\n')
}

/**
 * Runs one command line and returns the process exit code: 0 done, 1 failed, 2 bad command line.
 * Walks the command tree (src/cli/commands.ts) word by word, so adding a command is adding an entry there.
 */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
  const { io } = context
  let group = commands
  const path: string[] = []
  let rest = argv
  for (;;) {
    const [word, ...after] = rest
    if (isHelp(word)) {
      io.out(groupUsage(path, group))
      return 0
    }
    // Own entries only: "constructor" is not a command.
    const command = word !== undefined && Object.hasOwn(group, word) ? group[word] : undefined
    if (!command) {
      io.err(word === undefined ? 'Missing command.' : `Unknown command "${[...path, word].join(' ')}".`)
      io.err(groupUsage(path, group))
      return 2
    }
    path.push(word!)
    rest = after
    if ('subcommands' in command) {
      group = command.subcommands
      continue
    }
    if (rest.some(isHelp)) {
      io.out(command.usage)
      return 0
    }
    try {
      await command.run(rest, context)
      return 0
    } catch (error) {
      return report(error, context, command.usage)
    }
  }
}

function report(error: unknown, { io }: CliContext, usage: string): number {
  if (error instanceof UsageError) {
    io.err(`Error: ${error.message}`)
    io.err(usage)
    return error.exitCode
  }
  if (error instanceof CliError) {
    io.err(`Error: ${error.message}`)
    return error.exitCode
  }
  // Database and system errors (connection refused, bad password, ...) carry a code: say what
  // happened without a stack trace. Anything else is a bug, and its stack helps fix it.
  const coded = codedErrorOf(error)
  if (coded) {
    io.err(`Error: ${coded.message} (${coded.code})`)
    return 1
  }
  io.err(error instanceof Error ? (error.stack ?? error.message) : String(error))
  return 1
}
