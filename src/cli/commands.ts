import type { Command } from './command.ts'
import { dbCommand } from './db.ts'
import { importCommand } from './import.ts'
import { keysCommand } from './keys.ts'
import { seedCommand } from './seed.ts'

/**
 * Every command of `npm run cli --`. To add one, write src/cli/<name>.ts exporting a Command
 * (a LeafCommand with summary, usage and run, or a CommandGroup of subcommands) and list it here.
 */
export const commands: Record<string, Command> = {
  db: dbCommand,
  import: importCommand,
  keys: keysCommand,
  seed: seedCommand,
}
