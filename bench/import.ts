// Import throughput: rows/s of a bulk import (POST /v1/imports, then the job) of generated listings,
// on PostgreSQL and on the embedded PGlite, against a baseline measured in the same run on the same
// database: a plain multi-row INSERT of the very same rows (500 a statement, one transaction each),
// with every index in place. Then the same file again (every row unchanged). See bench/README.md.
//
//   npx tsx bench/import.ts [--rows 100000] [--database postgres|pglite|both] [--status published|draft]
import { sql } from 'drizzle-orm'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase, type Database } from '../src/db/client.ts'
import { migrateDatabase } from '../src/migrate.ts'
import { listings, organizations } from '../src/db/schema/index.ts'
import { systemClock, vietnamDate } from '../src/lib/clock.ts'
import { createApiKey } from '../src/core/keys.ts'
import { importColumns } from '../src/modules/imports/imports.columns.ts'
import { createImportRunner, queueImportVia } from '../src/modules/imports/imports.runner.ts'
import { requestManyMatchesVia } from '../src/core/match-requests.ts'
import { recordEventsVia } from '../src/core/outbox.ts'
import { catalogueEventsVia } from '../src/modules/feed/feed.catalog.ts'
import { csvLine } from '../src/lib/csv.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { benchDatabaseName, defaultDatabaseUrl, openMigratedDatabase, recreateDatabase } from './lib/database.ts'
import { anchorOf } from './lib/dates.ts'
import { listingBody } from './lib/listings.ts'
import { generateOrganizations } from './lib/organizations.ts'
import { createRandom } from './lib/random.ts'
import { saveJson, stamp } from './lib/results.ts'
import { resolveProvinces } from '../src/core/places.ts'

const flags = readFlags(
  {
    rows: { default: '100000', help: 'listings in the file' },
    database: { default: 'both', help: 'postgres, pglite or both' },
    status: { default: 'published', help: 'the status column of every row: published (events, matching jobs) or draft' },
    seed: { default: '20251', help: 'PRNG seed' },
    'duplicate-checks': { default: '1000', help: "how many new listings get their near-duplicates looked up (the service's default: the first 1000)" },
    'database-url': { default: defaultDatabaseUrl.replace(/\/bench$/, '/bench_import'), help: 'the PostgreSQL bench database (dropped and created again)' },
  },
  'Usage: npx tsx bench/import.ts [--rows N] [--database postgres|pglite|both] [--status published|draft]',
)
const rows = integerFlag('rows', flags.rows, 1)
const duplicateChecks = integerFlag('duplicate-checks', flags['duplicate-checks'])
if (!['published', 'draft'].includes(flags.status)) throw new Error('--status must be published or draft')
const targets = flags.database === 'both' ? ['postgres', 'pglite'] : [flags.database]
if (!targets.every((target) => target === 'postgres' || target === 'pglite')) throw new Error('--database must be postgres, pglite or both')

// The rows: createListing bodies from the bench generator (Vietnamese text of seven domains, real
// vocabularies, legacy province codes, prices, IPR, media, contacts), valid from today on.
const anchor = anchorOf(vietnamDate(new Date()))
const random = createRandom(integerFlag('seed', flags.seed))
const owners = generateOrganizations(random, 300).suppliers
const bodies = Array.from({ length: rows }, (_, index) => ({
  externalId: `BENCH-${index}`,
  status: flags.status,
  ...listingBody(random, anchor, owners[index % owners.length]!),
}))

/** The file an exchange would upload: a CSV with the import's field names (lists with ";", objects as JSON). */
function csvFile(): string {
  const fields = importColumns.listings.map((column) => column.field).filter((field) => field !== 'ownerId')
  const cell = (value: unknown) =>
    value === undefined || value === null
      ? ''
      : Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? value.join('; ')
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value)
  return csvLine(fields) + bodies.map((body) => csvLine(fields.map((field) => cell((body as Record<string, unknown>)[field])))).join('')
}

/** The same rows as the importer stores them, for the plain INSERT. */
function insertRows(ownerId: string, now: Date) {
  return bodies.map(({ externalId, status, ...body }) => ({
    ...body,
    ownerId,
    status,
    externalId,
    currentProvinceCodes: resolveProvinces(((body as Record<string, unknown>).provinceCodes as string[] | undefined) ?? []),
    publishedAt: status === 'published' ? now : null,
    createdAt: now,
    updatedAt: now,
  })) as Array<typeof listings.$inferInsert>
}

const seconds = (started: number) => (performance.now() - started) / 1000
const perSecond = (count: number, took: number) => Math.round(count / took)

async function measure(target: string) {
  let database: Database
  if (target === 'postgres') {
    benchDatabaseName(flags['database-url'])
    await recreateDatabase(flags['database-url'])
    database = await openMigratedDatabase(flags['database-url'])
  } else {
    database = await openDatabase({ dataDir: 'memory://', poolSize: 4 })
    await migrateDatabase(database)
  }
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false', IMPORT_MAX_BYTES: String(500 * 1024 * 1024), RATE_LIMIT_MAX: '0' }), {
    database,
  })
  const { db } = database
  try {
    const [baselineOwner, importer] = await db
      .insert(organizations)
      .values([
        { kind: 'research_institute', name: 'Viện đo đối chứng' },
        { kind: 'research_institute', name: 'Viện nhập dữ liệu' },
      ])
      .returning()
    const key = await createApiKey(db, { organizationId: importer!.id, role: 'admin' })

    // Baseline: the same rows in plain multi-row INSERTs, then gone again, so the import starts
    // from the same empty table.
    const values = insertRows(baselineOwner!.id, new Date())
    const started = performance.now()
    for (let start = 0; start < values.length; start += 500) {
      await db.transaction(async (tx) => {
        await tx.insert(listings).values(values.slice(start, start + 500))
      })
    }
    const baseline = seconds(started)
    await db.execute(sql`truncate listings cascade`)
    console.log(`${target}: plain INSERT of ${rows} rows: ${baseline.toFixed(1)} s, ${perSecond(rows, baseline)} rows/s`)

    const file = csvFile()
    const upload = async () => {
      const began = performance.now()
      const response = await app.inject({
        method: 'POST',
        url: '/v1/imports?kind=listings',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'text/csv' },
        payload: file,
      })
      if (response.statusCode !== 202) throw new Error(`upload: ${response.statusCode} ${response.body.slice(0, 500)}`)
      return { id: (response.json() as { id: string }).id, seconds: seconds(began) }
    }
    const run = async (id: string) => {
      const began = performance.now()
      // The job itself, without the matching jobs it queues (those run later, elsewhere).
      await runner.run(id)
      const took = seconds(began)
      const {
        warnings: _warnings,
        errors,
        columns: _columns,
        ...ended
      } = (await app.inject({ method: 'GET', url: `/v1/imports/${id}`, headers: { authorization: `Bearer ${key.key}` } })).json() as Record<string, unknown>
      if (Array.isArray(errors) && errors.length > 0) console.log('first refused rows:', JSON.stringify(errors.slice(0, 3)))
      return { seconds: took, ended: ended as Record<string, number | string> }
    }

    const runner = createImportRunner({
      db,
      clock: systemClock,
      recordEvents: recordEventsVia(app.jobs),
      catalogueEvents: catalogueEventsVia('tech-exchange').catalogueEvents,
      requestMatches: requestManyMatchesVia(app.jobs),
      queueImport: queueImportVia(app.jobs),
      exchangeId: 'tech-exchange',
      duplicateChecks,
    })
    const first = await upload()
    const imported = await run(first.id)
    const total = first.seconds + imported.seconds
    console.log(
      `${target}: import of ${rows} rows (${(Buffer.byteLength(file) / 1e6).toFixed(1)} MB CSV): upload ${first.seconds.toFixed(1)} s, job ${imported.seconds.toFixed(1)} s, ${perSecond(rows, total)} rows/s overall (${perSecond(rows, imported.seconds)} rows/s in the job)`,
      imported.ended,
    )

    const second = await upload()
    const rerun = await run(second.id)
    const rerunTotal = second.seconds + rerun.seconds
    console.log(
      `${target}: the same file again: upload ${second.seconds.toFixed(1)} s, job ${rerun.seconds.toFixed(1)} s, ${perSecond(rows, rerunTotal)} rows/s overall`,
      { rowsUnchanged: rerun.ended.rowsUnchanged, rowsCreated: rerun.ended.rowsCreated },
    )

    return {
      target,
      rows,
      status: flags.status,
      duplicateChecks,
      megabytes: Math.round(Buffer.byteLength(file) / 1e5) / 10,
      baseline: { seconds: Math.round(baseline * 10) / 10, rowsPerSecond: perSecond(rows, baseline) },
      import: {
        uploadSeconds: Math.round(first.seconds * 10) / 10,
        jobSeconds: Math.round(imported.seconds * 10) / 10,
        rowsPerSecond: perSecond(rows, total),
        jobRowsPerSecond: perSecond(rows, imported.seconds),
        ended: imported.ended,
      },
      rerun: { seconds: Math.round(rerunTotal * 10) / 10, rowsPerSecond: perSecond(rows, rerunTotal), rowsUnchanged: rerun.ended.rowsUnchanged },
      importVsBaseline: Math.round((perSecond(rows, total) / perSecond(rows, baseline)) * 100) / 100,
    }
  } finally {
    await app.close()
    await database.close()
  }
}

const results = []
for (const target of targets) results.push(await measure(target))
console.table(
  results.map((result) => ({
    database: result.target,
    rows: result.rows,
    status: result.status,
    'baseline rows/s': result.baseline.rowsPerSecond,
    'import rows/s': result.import.rowsPerSecond,
    'job rows/s': result.import.jobRowsPerSecond,
    'import/baseline': result.importVsBaseline,
    're-run rows/s': result.rerun.rowsPerSecond,
  })),
)
console.log(`Report: ${saveJson(`import-${stamp()}.json`, { startedAt: new Date().toISOString(), results })}`)
