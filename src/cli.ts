// `npm run cli -- <command>`: the command-line interface. The commands live in src/cli/ (see commands.ts).
import { processContext } from './cli/context.ts'
import { runCli } from './cli/run.ts'

process.exitCode = await runCli(process.argv.slice(2), processContext())
