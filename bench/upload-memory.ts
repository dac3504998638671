// The API server's memory while files are uploaded to POST /v1/imports: its resident set size
// (VmRSS of the server process, sampled every 50 ms) before, at the peak of, and after N concurrent
// uploads of the same ~99 MB CSV (100k generated listings), streamed from disk over real sockets.
// Workers are off, so what is measured is the upload alone, not the import jobs. `--root` runs
// another checkout's server instead (a before/after comparison). See bench/README.md.
//
//   npx tsx bench/upload-memory.ts [--uploads 5] [--rows 100000] [--database postgres|pglite] [--root <checkout>]
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openDatabase, type Database } from '../src/db/client.ts'
import { migrateDatabase } from '../src/migrate.ts'
import { organizations } from '../src/db/schema/index.ts'
import { vietnamDate } from '../src/lib/clock.ts'
import { createApiKey } from '../src/core/keys.ts'
import { importColumns } from '../src/modules/imports/imports.columns.ts'
import { csvLine } from '../src/lib/csv.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { defaultDatabaseUrl, openBenchDatabase, recreateDatabase } from './lib/database.ts'
import { anchorOf } from './lib/dates.ts'
import { listingBody } from './lib/listings.ts'
import { generateOrganizations } from './lib/organizations.ts'
import { createRandom } from './lib/random.ts'
import { resultPath, saveJson, stamp } from './lib/results.ts'
import { startApiServer } from './lib/server.ts'

const flags = readFlags(
  {
    uploads: { default: '5', help: 'concurrent uploads of the file' },
    rows: { default: '100000', help: 'listings in the file (100k: ~99 MB)' },
    database: { default: 'postgres', help: 'postgres or pglite (a fresh data directory)' },
    root: { default: '', help: "another checkout whose server to run (its node_modules in place), e.g. main's" },
    'database-url': { default: defaultDatabaseUrl.replace(/\/bench$/, '/bench_upload'), help: 'the PostgreSQL bench database (dropped and created again)' },
  },
  'Usage: npx tsx bench/upload-memory.ts [--uploads N] [--rows N] [--database postgres|pglite] [--root <checkout>]',
)
const uploads = integerFlag('uploads', flags.uploads, 1)
const rows = integerFlag('rows', flags.rows, 1)
if (!['postgres', 'pglite'].includes(flags.database)) throw new Error('--database must be postgres or pglite')

// The file: createListing bodies from the bench generator as one CSV, written once and kept.
const file = resultPath(`upload-${rows}.csv`)
if (!existsSync(file)) {
  const random = createRandom(20251)
  const owners = generateOrganizations(random, 300).suppliers
  const anchor = anchorOf(vietnamDate(new Date()))
  const fields = importColumns.listings.map((column) => column.field).filter((field) => field !== 'ownerId')
  const cell = (value: unknown) =>
    value === undefined || value === null
      ? ''
      : Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? value.join('; ')
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value)
  const lines = [csvLine(fields)]
  for (let index = 0; index < rows; index++) {
    const body = { externalId: `MEM-${index}`, status: 'published', ...listingBody(random, anchor, owners[index % owners.length]!) } as Record<string, unknown>
    lines.push(csvLine(fields.map((field) => cell(body[field]))))
  }
  writeFileSync(file, lines.join(''))
}
const bytes = statSync(file).size
console.log(`file: ${(bytes / 1e6).toFixed(1)} MB, ${rows} rows`)

// The database and a key. On PostgreSQL the server migrates the database itself (its own
// migrations: --root may be an older checkout); PGlite's directory is the server's once it runs.
if (flags.root && flags.database === 'pglite') throw new Error('--root runs on PostgreSQL only')
const dataDir = flags.database === 'pglite' ? mkdtempSync(path.join(tmpdir(), 'upload-memory-')) : undefined
async function createKey(database: Database): Promise<string> {
  const [importer] = await database.db.insert(organizations).values({ kind: 'research_institute', name: 'Viện nhập dữ liệu' }).returning()
  const created = await createApiKey(database.db, { organizationId: importer!.id, role: 'admin', label: 'bench upload' })
  await database.close()
  return created.key
}
let key = ''
if (dataDir) {
  const database = await openDatabase({ dataDir, poolSize: 2 })
  await migrateDatabase(database)
  key = await createKey(database)
} else {
  await recreateDatabase(flags['database-url'])
}

const server = await startApiServer({
  databaseUrl: dataDir ? undefined : flags['database-url'],
  poolSize: 10,
  statementTimeoutSeconds: 0,
  root: flags.root || undefined,
  env: { JOBS_WORKER: 'false', IMPORT_MAX_BYTES: String(Math.max(bytes + 1024, 100 * 1024 * 1024)), ...(dataDir ? { DATA_DIR: dataDir } : {}) },
})
if (!dataDir) key = await createKey(await openBenchDatabase(flags['database-url']))

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024

/** One upload of the file, streamed from disk; resolves with its status and seconds. */
const upload = () =>
  new Promise<{ status: number; seconds: number }>((resolve, reject) => {
    const began = performance.now()
    const url = new URL('/v1/imports?kind=listings', server.url)
    const sending = request(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': String(bytes) } },
      (response) => {
        response.resume()
        response.on('end', () => resolve({ status: response.statusCode ?? 0, seconds: (performance.now() - began) / 1000 }))
      },
    )
    sending.on('error', reject)
    createReadStream(file).pipe(sending)
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
try {
  // Warm up (first-request compilation, pool connections), then let it settle.
  const small = resultPath('upload-warmup.csv')
  writeFileSync(small, readFileSync(file, 'utf8').split('\n').slice(0, 200).join('\n') + '\n')
  await new Promise<void>((resolve, reject) => {
    const sending = request(
      new URL('/v1/imports?kind=listings', server.url),
      { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' } },
      (response) => {
        response.resume()
        response.on('end', () => (response.statusCode === 202 ? resolve() : reject(new Error(`warm-up: ${response.statusCode}`))))
      },
    )
    createReadStream(small).pipe(sending)
  })
  await sleep(2000)
  const before = rssOf(server.pid)
  let peak = before
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rssOf(server.pid))
      await sleep(50)
    }
  })()
  const began = performance.now()
  const results = await Promise.all(Array.from({ length: uploads }, upload))
  const took = (performance.now() - began) / 1000
  sampling = false
  await sampler
  await sleep(2000)
  const after = rssOf(server.pid)
  const report = {
    database: flags.database,
    server: flags.root || 'this checkout',
    uploads,
    megabytes: Math.round(bytes / 1e5) / 10,
    statuses: results.map((result) => result.status),
    seconds: Math.round(took * 10) / 10,
    rssMegabytes: { before: Math.round(before), peak: Math.round(peak), after: Math.round(after), peakGrowth: Math.round(peak - before) },
  }
  console.log(report)
  console.log(`Report: ${saveJson(`upload-memory-${stamp()}.json`, report)}`)
} finally {
  await server.stop()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
}
