// npm run eval:matching — scores the matcher against the labelled set on a throwaway in-memory
// database and prints the table. Exits 1 when the evaluation cannot run (say, no matches endpoint)
// or when an own listing was proposed to its owner.
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { openDatabase } from '../../src/db/client.ts'
import { migrateDatabase } from '../../src/migrate.ts'
import { EvaluationError, evaluateMatching } from './evaluate.ts'
import { formatReport } from './report.ts'

const started = performance.now()
const database = await openDatabase({ dataDir: 'memory://', poolSize: 5 })
await migrateDatabase(database)
// MATCH_* variables from the environment apply, so weights can be tried without editing code.
const matchSettings = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('MATCH_')))
const app = await buildApp(loadConfig({ ...matchSettings, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '0', RATE_LIMIT_ANONYMOUS_MAX: '0', JOBS_WORKER: 'false' }), {
  database,
})

let exitCode = 0
try {
  const report = await evaluateMatching(app, database.db)
  console.log(formatReport(report))
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`)
  if (report.ownListingLeaks > 0) exitCode = 1
} catch (error) {
  if (!(error instanceof EvaluationError)) throw error
  console.error(`Evaluation failed: ${error.message}`)
  exitCode = 1
} finally {
  await app.close()
  await database.close()
}
process.exit(exitCode)
