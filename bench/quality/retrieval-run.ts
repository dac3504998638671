// npm run eval:retrieval [-- --database-url=postgresql://...] — scores search, matching and
// duplicate detection against test/fixtures/retrieval-eval on a fresh database (in-memory PGlite by
// default; with --database-url, that PostgreSQL database, which must be empty: it is migrated and
// filled), prints the table and saves the report as JSON in bench/.results/. Exits 1 when the
// evaluation cannot run or an own listing was proposed to its owner.
// With --catalogue the database may already hold a catalogue (bench:generate's 1M listings, in a
// copy of the bench database): the set is added to it and every ranking is also scored condensed
// (bench/quality/README.md). Matches are then kept 100 deep (MATCH_TOP_N, unless set) and search
// asked for --search-depth results (default 100), so that the condensed lists are not short.
import { mkdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { openDatabase } from '../../src/db/client.ts'
import { migrateDatabase } from '../../src/migrate.ts'
import { EvaluationError } from './load.ts'
import { evaluateRetrieval } from './retrieval-evaluate.ts'
import { formatRetrievalReport } from './retrieval-report.ts'

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    output: { type: 'string' },
    catalogue: { type: 'boolean', default: false },
    'search-depth': { type: 'string' },
  },
})
const databaseUrl = values['database-url']
const catalogue = values.catalogue
if (catalogue && !databaseUrl) throw new Error('--catalogue needs --database-url: a copy of a generated bench database')
const database = await openDatabase(databaseUrl ? { databaseUrl, dataDir: '', poolSize: 10 } : { dataDir: 'memory://', poolSize: 5 })
await migrateDatabase(database)
const matchSettings = {
  ...(catalogue ? { MATCH_TOP_N: '100' } : {}),
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('MATCH_'))),
}
const app = await buildApp(loadConfig({ ...matchSettings, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '0', RATE_LIMIT_ANONYMOUS_MAX: '0', JOBS_WORKER: 'false' }), {
  database,
})

let exitCode = 0
try {
  const searchDepth = Number(values['search-depth'] ?? (catalogue ? 100 : 10))
  const report = await evaluateRetrieval(app, database.db, { concurrency: Number(values.concurrency), catalogue, searchDepth })
  console.log(formatRetrievalReport(report))
  const directory = new URL('../.results/', import.meta.url)
  mkdirSync(directory, { recursive: true })
  const file =
    values.output ?? `retrieval-${new Date().toISOString().replace(/[:.]/g, '-')}-${databaseUrl ? 'postgres' : 'pglite'}${catalogue ? '-catalogue' : ''}.json`
  writeFileSync(new URL(file, directory), `${JSON.stringify({ database: databaseUrl ? 'postgresql' : 'pglite', ...report }, null, 1)}\n`)
  console.log(`Saved bench/.results/${file}`)
  if (report.summary.find((row) => row.system === 'matches')!.ownListingLeaks > 0) exitCode = 1
} catch (error) {
  if (!(error instanceof EvaluationError)) throw error
  console.error(`Evaluation failed: ${error.message}`)
  exitCode = 1
} finally {
  await app.close()
  await database.close()
}
process.exit(exitCode)
