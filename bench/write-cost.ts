// What a write costs the machine in all, the background work it queues included: N creates through
// the API at C in flight, then a wait until the job queue has run everything they queued (the
// webhook fan-out, matching). Reports per create: the API process's CPU, PostgreSQL's CPU (every
// process of the cluster, from /proc) and its transactions, over the whole span. bench:run times
// the requests only; this counts what they leave behind too.
import { readFileSync, readdirSync } from 'node:fs'
import pg from 'pg'
import { vietnamDate } from '../src/lib/clock.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { anchorOf } from './lib/dates.ts'
import { defaultDatabaseUrl } from './lib/database.ts'
import { keysFile, type BenchKey } from './lib/keys.ts'
import { listingBody } from './lib/listings.ts'
import { createRandom } from './lib/random.ts'
import { readJson } from './lib/results.ts'
import { startApiServer } from './lib/server.ts'
import { domains } from './lib/vocabulary/index.ts'

const flags = readFlags(
  {
    creates: { default: '1000', help: 'listings created' },
    connections: { default: '10', help: 'requests in flight' },
    root: { default: '', help: 'another checkout to run the API from (a comparison)' },
    'database-url': { default: defaultDatabaseUrl, help: 'the bench database' },
  },
  'Usage: npx tsx bench/write-cost.ts [--creates 1000] [--connections 10] [--root <checkout>]',
)
const creates = integerFlag('creates', flags.creates, 1)
const connections = integerFlag('connections', flags.connections, 1)
const databaseUrl = flags['database-url']
const { keys } = readJson<{ keys: BenchKey[] }>(keysFile(databaseUrl))
const editor = keys.find((key) => key.label === 'enterprise-editor')!
const client = new pg.Client({ connectionString: databaseUrl })
await client.connect()

const ticks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12]) // utime + stime, in clock ticks (1/100 s)
}
const postmaster = Number(
  readFileSync(
    `${(await client.query<{ setting: string }>("select current_setting('data_directory') as setting")).rows[0]!.setting}/postmaster.pid`,
    'utf8',
  ).split('\n')[0],
)
/** CPU of the cluster: the postmaster's children, living and (through cutime) dead. */
function clusterTicks(): number {
  let sum = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')
      if (Number(stat[1]) === postmaster) sum += Number(stat[11]) + Number(stat[12])
    } catch {
      // gone meanwhile
    }
  }
  const own = readFileSync(`/proc/${postmaster}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return sum + Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
}
const commits = async () =>
  Number((await client.query<{ n: string }>('select xact_commit::text as n from pg_stat_database where datname = current_database()')).rows[0]!.n)
const pending = async () =>
  Number(
    (await client.query<{ n: string }>(`select count(*)::text as n from pgboss.job where state in ('created', 'retry', 'active') and start_after <= now()`))
      .rows[0]!.n,
  )
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const server = await startApiServer({ databaseUrl, poolSize: 10, statementTimeoutSeconds: 0, ...(flags.root ? { root: flags.root } : {}) })
const random = createRandom(11)
const anchor = anchorOf(vietnamDate(new Date()))
const bodies = Array.from({ length: creates }, () => {
  const domain = random.weighted(domains.map((each) => [each, each.weight] as const))
  return JSON.stringify(listingBody(random, anchor, { id: editor.organizationId, currentProvinceCode: '01', domain }))
})
const started = new Date()
try {
  while ((await pending()) > 0) await sleep(500)
  const before = { api: ticks(server.pid), pg: clusterTicks(), commits: await commits(), at: performance.now() }
  let next = 0
  let failed = 0
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!
        const response = await fetch(`${server.url}/v1/listings`, {
          method: 'POST',
          headers: { authorization: `Bearer ${editor.key}`, 'content-type': 'application/json' },
          body,
        })
        await response.arrayBuffer()
        if (response.status !== 201) failed++
      }
    }),
  )
  const requestsMs = performance.now() - before.at
  while ((await pending()) > 0) await sleep(200)
  const after = { api: ticks(server.pid), pg: clusterTicks(), commits: await commits(), at: performance.now() }
  const per = (ticksSpent: number) => Math.round(((ticksSpent * 10) / creates) * 100) / 100
  console.log(
    JSON.stringify({
      creates,
      failed,
      createsPerSecond: Math.round((creates / requestsMs) * 1000 * 10) / 10,
      drainedAfterMs: Math.round(after.at - before.at - requestsMs),
      apiCpuMsPerCreate: per(after.api - before.api),
      postgresCpuMsPerCreate: per(after.pg - before.pg),
      transactionsPerCreate: Math.round(((after.commits - before.commits) / creates) * 100) / 100,
    }),
  )
} finally {
  await server.stop()
  await client.query(`delete from listings where owner_id = $1 and created_at >= $2`, [editor.organizationId, started])
  await client.end()
}
