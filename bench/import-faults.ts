// An import on a catalogue of 100k similar titles, as the outside review ran it, with the API as a
// real process (a worker, default settings): how long its write transactions stay open, how late a
// listing published meanwhile reaches GET /v1/events, how long SIGTERM takes and how soon the
// import resumes after the restart, and how soon after kill -9 and a restart it moves again. At the
// end every row must have been written exactly once. See bench/README.md.
//
//   npx tsx bench/import-faults.ts [--catalogue 100000] [--rows 5000]
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { organizations } from '../src/db/schema/index.ts'
import { createApiKey } from '../src/core/keys.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { defaultDatabaseUrl, openMigratedDatabase, recreateDatabase } from './lib/database.ts'
import { saveJson, stamp } from './lib/results.ts'
import { startApiServer, type ApiServer } from './lib/server.ts'

const flags = readFlags(
  {
    catalogue: { default: '100000', help: 'published listings with similar titles already on the exchange' },
    rows: { default: '5000', help: 'rows of each imported file (similar titles too, all new)' },
    'database-url': {
      default: defaultDatabaseUrl.replace(/\/bench$/, '/bench_import_faults'),
      help: 'the PostgreSQL bench database (dropped and created again)',
    },
  },
  'Usage: npx tsx bench/import-faults.ts [--catalogue N] [--rows N]',
)
const catalogue = integerFlag('catalogue', flags.catalogue, 1)
const rows = integerFlag('rows', flags.rows, 1)
const databaseUrl = flags['database-url']

const title = 'Quy trình sản xuất phân bón hữu cơ vi sinh từ phụ phẩm nông nghiệp'
const description = 'Quy trình ủ phân hữu cơ vi sinh từ rơm rạ và phụ phẩm nông nghiệp, giảm phát thải, phù hợp hợp tác xã'
const seconds = (since: number) => (performance.now() - since) / 1000
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

await recreateDatabase(databaseUrl)
const database = await openMigratedDatabase(databaseUrl)
const { db } = database
const [importer, publisher] = await db
  .insert(organizations)
  .values([
    { kind: 'research_institute', name: 'Viện Thổ nhưỡng Nông hóa' },
    { kind: 'enterprise', name: 'Công ty Phân bón Sông Gianh' },
  ])
  .returning()
let started = performance.now()
await db.execute(sql`
  insert into listings (owner_id, status, kind, title_vi, description_vi, published_at)
  select ${publisher!.id}, 'published', 'technology', ${title} || ' số ' || i, ${description} || '. Mẫu ' || i, now()
  from generate_series(1, ${catalogue}) i`)
await db.execute(sql`vacuum analyze listings`)
console.log(`catalogue: ${catalogue} similar published listings in ${seconds(started).toFixed(0)} s`)
const importKey = (await createApiKey(db, { organizationId: importer!.id, role: 'admin', label: 'bench importer' })).key
const publishKey = (await createApiKey(db, { organizationId: publisher!.id, role: 'admin', label: 'bench publisher' })).key

const server = () =>
  startApiServer({ databaseUrl, poolSize: 10, statementTimeoutSeconds: 0, env: { JOBS_WORKER: 'true', IMPORT_MAX_BYTES: String(500 * 1024 * 1024) } })
const csvOf = (batch: string) =>
  `externalId,kind,titleVi,descriptionVi,status\n${Array.from({ length: rows }, (_, index) => `${batch}-${index},technology,${title} lô ${batch} ${index},"${description}, lô ${index}",published`).join('\n')}\n`

async function call(api: ApiServer, key: string, method: string, path: string, body?: unknown, type = 'application/json') {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as Record<string, unknown>
}

const monitor = new pg.Client({ connectionString: databaseUrl })
await monitor.connect()
const progressOf = async (id: string) =>
  (await monitor.query<{ status: string; rows_done: number; rows_created: number }>('select status, rows_done, rows_created from imports where id = $1', [id]))
    .rows[0]!

/**
 * The longest-open writing transaction, sampled until stopped: on the bench database, and on the
 * others of the cluster (transaction ids are the cluster's, so theirs hold the feed back too).
 */
function sampleTransactions() {
  const longest = { here: 0, elsewhere: 0 }
  let running = true
  const sampling = (async () => {
    while (running) {
      const { rows: found } = await monitor.query<{ here: number | null; elsewhere: number | null }>(
        `select max(extract(epoch from clock_timestamp() - xact_start)) filter (where datname = current_database())::float8 as here,
                max(extract(epoch from clock_timestamp() - xact_start)) filter (where datname <> current_database())::float8 as elsewhere
         from pg_stat_activity where backend_xid is not null`,
      )
      longest.here = Math.max(longest.here, found[0]?.here ?? 0)
      longest.elsewhere = Math.max(longest.elsewhere, found[0]?.elsewhere ?? 0)
      await sleep(100)
    }
  })()
  return async () => {
    running = false
    await sampling
    return longest
  }
}

// 1. An import while listings are published: how late each reaches the feed.
let api = await server()
const first = await call(api, importKey, 'POST', '/v1/imports?kind=listings', csvOf('A'), 'text/csv')
started = performance.now()
const stopSampling = sampleTransactions()
const delays: number[] = []
const publishTimes: number[] = []
let cursor = ((await call(api, publishKey, 'GET', '/v1/events?types=listing.published&limit=1')) as { nextCursor: string }).nextCursor
for (let probe = 0; (await progressOf(String(first.id))).status !== 'completed'; probe++) {
  const created = await call(api, publishKey, 'POST', '/v1/listings', {
    kind: 'technology',
    titleVi: `Máy bóc vỏ hạt điều đợt ${probe}`,
    descriptionVi: 'Bóc vỏ không vỡ nhân',
  })
  const publishing = performance.now()
  await call(api, publishKey, 'POST', `/v1/listings/${String(created.id)}/publish`)
  const committed = performance.now()
  publishTimes.push((committed - publishing) / 1000)
  while (seconds(committed) < 600) {
    const page = (await call(api, publishKey, 'GET', `/v1/events?types=listing.published&limit=100&after=${encodeURIComponent(cursor)}`)) as {
      items: Array<{ subject: { id: string } }>
      nextCursor: string
    }
    cursor = page.nextCursor
    if (page.items.some((item) => item.subject.id === created.id)) break
    await sleep(50)
  }
  delays.push(seconds(committed))
  await sleep(1000)
}
const importSeconds = seconds(started)
const longestTransaction = await stopSampling()
const sorted = [...delays].sort((a, b) => a - b)
const feed = {
  importSeconds: round(importSeconds),
  rowsPerSecond: Math.round(rows / importSeconds),
  longestWriteTransactionSeconds: round(longestTransaction.here, 2),
  longestWriteTransactionElsewhereSeconds: round(longestTransaction.elsewhere, 2),
  probes: delays.length,
  feedDelaySeconds: { median: round(sorted[Math.floor(sorted.length / 2)] ?? 0, 2), max: round(sorted.at(-1) ?? 0, 2) },
  publishSecondsMax: round(Math.max(...publishTimes), 2),
  ended: await progressOf(String(first.id)),
}
console.log('import during publishing:', feed)

// 2. SIGTERM during an import, then a restart.
const second = await call(api, importKey, 'POST', '/v1/imports?kind=listings', csvOf('B'), 'text/csv')
const secondId = String(second.id)
while ((await progressOf(secondId)).rows_done < rows / 5) await sleep(200)
let signalled = performance.now()
const exitCode = await api.kill('SIGTERM')
const sigterm = { exitSeconds: round(seconds(signalled), 2), exitCode, pausedAt: (await progressOf(secondId)).rows_done, resumedAfterRestartSeconds: 0 }
let restarting = performance.now()
api = await server()
const listening = seconds(restarting)
while ((await progressOf(secondId)).rows_done <= sigterm.pausedAt) await sleep(100)
sigterm.resumedAfterRestartSeconds = round(seconds(restarting) - listening, 2)
console.log('SIGTERM:', sigterm, `(restart took ${listening.toFixed(1)} s)`)

// 3. kill -9 during the same import, then a restart with default settings (JOBS_EXPIRE_SECONDS=30).
while ((await progressOf(secondId)).rows_done < (rows * 3) / 5) await sleep(200)
signalled = performance.now()
await api.kill('SIGKILL')
const killedAt = (await progressOf(secondId)).rows_done
restarting = performance.now()
api = await server()
const up = seconds(restarting)
while ((await progressOf(secondId)).rows_done <= killedAt) await sleep(200)
const kill9 = {
  killedAt,
  restartSeconds: round(up, 1),
  movingAgainAfterKillSeconds: round(seconds(signalled), 1),
  movingAgainAfterRestartSeconds: round(seconds(restarting) - up, 1),
}
console.log('kill -9:', kill9)
while ((await progressOf(secondId)).status !== 'completed') await sleep(500)

const { rows: counted } = await monitor.query<{ batch: string; n: string; distinct: string }>(
  `select left(external_id, 1) as batch, count(*) as n, count(distinct external_id) as distinct from listings where owner_id = $1 group by 1 order by 1`,
  [importer!.id],
)
const exactlyOnce = counted.every((row) => Number(row.n) === rows && Number(row.distinct) === rows)
console.log('rows written:', counted, exactlyOnce ? 'each exactly once' : 'NOT exactly once')
await api.stop()
await monitor.end()
await database.close()
console.log(`Report: ${saveJson(`import-faults-${stamp()}.json`, { startedAt: new Date().toISOString(), catalogue, rows, feed, sigterm, kill9, exactlyOnce })}`)
