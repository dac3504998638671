// What an Idempotency-Key costs a write: POST /v1/listings through the whole app (app.inject: hooks,
// validation, service, database), alternately without a key and with a fresh one, on a fresh
// database. With a key the request runs as one transaction holding the claim, the write and the
// stored answer (src/http/idempotency.ts): three statements more, and the connection held from the
// claim to the answer. Reports the median and p95 latency of each, sequentially and at a
// concurrency, and the ratio; also the cost of a replay.
//
//   npx tsx bench/idempotency.ts [--requests 300] [--concurrency 8] [--database postgres|pglite]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase, type Database } from '../src/db/client.ts'
import { migrateDatabase } from '../src/migrate.ts'
import { organizations } from '../src/db/schema/index.ts'
import { createApiKey } from '../src/core/keys.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { defaultDatabaseUrl, openBenchDatabase, recreateDatabase } from './lib/database.ts'
import { saveJson, stamp } from './lib/results.ts'

const flags = readFlags(
  {
    requests: { default: '300', help: 'requests of each kind per phase' },
    concurrency: { default: '8', help: 'requests in flight in the concurrent phase' },
    database: { default: 'postgres', help: 'postgres or pglite (a fresh data directory)' },
    'database-url': {
      default: defaultDatabaseUrl.replace(/\/bench$/, '/bench_idempotency'),
      help: 'the PostgreSQL bench database (dropped and created again)',
    },
  },
  'Usage: npx tsx bench/idempotency.ts [--requests N] [--concurrency N] [--database postgres|pglite]',
)
const requests = integerFlag('requests', flags.requests, 10)
const concurrency = integerFlag('concurrency', flags.concurrency, 1)
if (!['postgres', 'pglite'].includes(flags.database)) throw new Error('--database must be postgres or pglite')

const dataDir = flags.database === 'pglite' ? mkdtempSync(path.join(tmpdir(), 'idempotency-bench-')) : undefined
let database: Database
if (dataDir) {
  database = await openDatabase({ dataDir, poolSize: 10 })
} else {
  await recreateDatabase(flags['database-url'])
  database = await openBenchDatabase(flags['database-url'], 10)
}
await migrateDatabase(database)
const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false', RATE_LIMIT_MAX: '0', RATE_LIMIT_ANONYMOUS_MAX: '0' }), { database })
const [owner] = await database.db.insert(organizations).values({ kind: 'research_institute', name: 'Viện đo đạc' }).returning()
const { key } = await createApiKey(database.db, { organizationId: owner!.id, role: 'admin', label: 'bench idempotency' })

const body = {
  kind: 'technology',
  titleVi: 'Quy trình sấy nông sản bằng năng lượng mặt trời',
  descriptionVi: 'Quy trình sấy nông sản quy mô hộ gia đình, tiết kiệm điện, phù hợp vùng đồng bằng.',
  sectors: ['A'],
  provinceCodes: ['36'],
}
let sequence = 0
async function post(withKey: boolean | string): Promise<number> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` }
  if (withKey) headers['idempotency-key'] = typeof withKey === 'string' ? withKey : `bench-${process.pid}-${sequence++}`
  const began = performance.now()
  const response = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload: body })
  if (response.statusCode !== 201) throw new Error(`${response.statusCode} ${response.body}`)
  return performance.now() - began
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}
const summary = (values: number[], seconds: number) => ({
  medianMs: Math.round(quantile(values, 0.5) * 100) / 100,
  p95Ms: Math.round(quantile(values, 0.95) * 100) / 100,
  perSecond: Math.round(values.length / seconds),
})

/** Both kinds interleaved (so drift in the machine's load hits both alike), `inFlight` at a time. */
async function phase(inFlight: number) {
  const times = { without: [] as number[], with: [] as number[] }
  const spent = { without: 0, with: 0 }
  for (let round = 0; round < requests / inFlight; round++) {
    for (const kind of round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
      const began = performance.now()
      times[kind].push(...(await Promise.all(Array.from({ length: inFlight }, () => post(kind === 'with')))))
      spent[kind] += (performance.now() - began) / 1000
    }
  }
  const without = summary(times.without, spent.without)
  const withKey = summary(times.with, spent.with)
  return {
    without,
    with: withKey,
    ratio: {
      median: Math.round((withKey.medianMs / without.medianMs) * 100) / 100,
      throughput: Math.round((without.perSecond / withKey.perSecond) * 100) / 100,
    },
  }
}

try {
  for (let index = 0; index < 30; index++) await post(index % 2 === 0) // warm-up: compilation, pool
  const sequential = await phase(1)
  const concurrent = await phase(concurrency)
  await post('bench-replayed')
  const replays: number[] = []
  const began = performance.now()
  for (let index = 0; index < requests; index++) replays.push(await post('bench-replayed'))
  const report = {
    database: flags.database,
    requests,
    concurrency,
    sequential,
    concurrent,
    replay: summary(replays, (performance.now() - began) / 1000),
  }
  console.log(JSON.stringify(report, null, 2))
  saveJson(`idempotency-${flags.database}-${stamp()}.json`, report)
} finally {
  await app.close()
  await database.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
}
