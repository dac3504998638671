// Generates a realistic data set at scale in the bench database: organisations of every kind,
// listings and demands in Vietnamese, loaded with COPY. See bench/README.md.
import type { Db } from '../src/db/client.ts'
import { compactActivity, compactSearchStatistics, maintainFacetCounts } from '../src/jobs/maintenance.ts'
import { systemClock, vietnamDate } from '../src/lib/clock.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { startCpuAccounting } from './lib/cpu.ts'
import { benchDatabaseName, defaultDatabaseUrl, openMigratedDatabase, recreateDatabase } from './lib/database.ts'
import { anchorOf } from './lib/dates.ts'
import { createBenchKeys, existingKeyOwners, generatedKeyOwners, keysFile, type KeyOwners } from './lib/keys.ts'
import { loadTables } from './lib/load.ts'
import { createIndexes, dropIndexes, secondaryIndexes } from './lib/indexes.ts'
import { createRandom } from './lib/random.ts'
import { saveJson, stamp } from './lib/results.ts'
import { generateOrganizations } from './lib/organizations.ts'

const flags = readFlags(
  {
    listings: { default: '20000', help: 'number of listings' },
    demands: { default: '4000', help: 'number of demands' },
    organizations: { default: '5000', help: 'number of organisations' },
    seed: { default: '20251', help: 'PRNG seed' },
    streams: { default: '2', help: 'parallel COPY connections for listings and demands' },
    'keys-only': { default: 'false', help: 'true: only create fresh API keys for the existing database (no data is touched)' },
    anchor: { default: vietnamDate(new Date()), help: 'the day the data is "generated" on (YYYY-MM-DD)' },
    'database-url': { default: defaultDatabaseUrl, help: 'the bench database (dropped and created again)' },
  },
  'Usage: npm run bench:generate -- [--listings N] [--demands N] ...',
)
const counts = {
  listings: integerFlag('listings', flags.listings),
  demands: integerFlag('demands', flags.demands),
  organizations: integerFlag('organizations', flags.organizations, 200),
}
if (!/^\d{4}-\d{2}-\d{2}$/.test(flags.anchor)) throw new Error('--anchor must be YYYY-MM-DD')
const databaseUrl = flags['database-url']
const random = createRandom(integerFlag('seed', flags.seed))
const anchor = anchorOf(flags.anchor)
const report: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  database: benchDatabaseName(databaseUrl),
  counts,
  seed: flags.seed,
  anchor: flags.anchor,
}

async function saveKeys(db: Db, owners: KeyOwners) {
  const keys = await createBenchKeys(db, owners)
  saveJson(keysFile(databaseUrl), { databaseUrl, keys })
  console.log(`API keys (${keys.map((key) => key.label).join(', ')}) saved to bench/.results/${keysFile(databaseUrl)}`)
}

if (flags['keys-only'] === 'true') {
  const database = await openMigratedDatabase(databaseUrl)
  try {
    const client = await database.pool.connect()
    const owners = await existingKeyOwners(client).finally(() => client.release())
    await saveKeys(database.db, owners)
  } finally {
    await database.close()
  }
  process.exit(0)
}

console.log(`Recreating ${databaseUrl} and applying the migrations...`)
await recreateDatabase(databaseUrl)
const database = await openMigratedDatabase(databaseUrl)
const client = await database.pool.connect()
try {
  const organizations = generateOrganizations(random, counts.organizations)
  const indexes = await secondaryIndexes(client, ['listings', 'demands'])
  saveJson(`indexes-${benchDatabaseName(databaseUrl)}.json`, indexes)
  await dropIndexes(client, indexes)
  console.log(
    `Dropped ${indexes.length} secondary indexes of listings and demands (definitions in bench/.results/indexes-${benchDatabaseName(databaseUrl)}.json).`,
  )

  const cpu = startCpuAccounting({ database: benchDatabaseName(databaseUrl) })
  report.load = await loadTables(databaseUrl, random, anchor, organizations, counts, {
    streams: integerFlag('streams', flags.streams, 1),
    log: (line) => console.log(line),
  })

  // The generator and psql count as the load generator; PostgreSQL is the backends doing the COPY.
  report.loadCpu = cpu.stop()
  console.log(`CPU while loading, in cores: ${JSON.stringify(report.loadCpu)}`)
  console.log('Rebuilding indexes...')
  const built: Record<string, number> = {}
  const indexStarted = performance.now()
  const helper = await database.pool.connect()
  try {
    await createIndexes([client, helper], indexes, (index, seconds) => {
      built[index.name] = Math.round(seconds * 10) / 10
      console.log(`  ${index.name.padEnd(34)} ${seconds.toFixed(1)} s`)
    })
  } finally {
    helper.release()
  }
  report.indexes = { seconds: Math.round((performance.now() - indexStarted) / 100) / 10, each: built }

  // What the server's maintenance jobs do within minutes of starting, done once here so that a
  // run measures the steady state: the listings that expired before today marked as counted
  // expired (else every browse corrects for ~50k of them live, and falls back to capped facets),
  // and the rows appended by the two COPY streams' statement triggers folded (statistics, facet
  // counts, activity roll-up).
  const maintenanceStarted = performance.now()
  const marked = await maintainFacetCounts(database.db, systemClock)
  await compactSearchStatistics(database.db)
  await compactActivity(database.db)
  const maintenanceSeconds = Math.round((performance.now() - maintenanceStarted) / 100) / 10
  report.maintenance = { seconds: maintenanceSeconds, markedExpired: marked }
  console.log(`Maintenance (expired listings marked: ${marked}, statistics and counts folded): ${maintenanceSeconds} s`)

  const vacuumStarted = performance.now()
  await client.query(
    'vacuum (analyze) organizations, delegations, listings, demands, search_term_counts, search_corpus_counts, search_words, listing_facet_counts, demand_facet_counts',
  )
  report.vacuumAnalyzeSeconds = Math.round((performance.now() - vacuumStarted) / 100) / 10
  console.log(`VACUUM ANALYZE: ${report.vacuumAnalyzeSeconds} s`)

  const { rows: sizes } = await client.query<{ table: string; rows: number; total: string; heap: string; indexes: string }>(
    `select relname as table, n_live_tup::int as rows, pg_size_pretty(pg_total_relation_size(relid)) as total,
            pg_size_pretty(pg_relation_size(relid)) as heap, pg_size_pretty(pg_indexes_size(relid)) as indexes
       from pg_stat_user_tables where relname in ('organizations', 'delegations', 'listings', 'demands') order by relname`,
  )
  report.sizes = sizes
  console.table(sizes)

  await saveKeys(database.db, generatedKeyOwners(organizations))
} finally {
  client.release()
  await database.close()
}
report.finishedAt = new Date().toISOString()
console.log(`Report: ${saveJson(`generate-${stamp()}.json`, report)}`)
