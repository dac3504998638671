// What the embedded database's transport costs: the same small parameterised query, N at a time
// through a pg pool, against one in-memory PGlite served on a Unix socket and one served on TCP
// (127.0.0.1), alternating rounds in the same run. Prints queries per second of each round and the
// ratio of the medians (src/db/embedded-socket.ts says why the socket is the default).
//
//   npx tsx bench/embedded-transport.ts [--queries 10000] [--rounds 3] [--connections 4]
import pg from 'pg'
import { startEmbeddedDatabase } from '../src/db/embedded.ts'
import { integerFlag, readFlags } from './lib/args.ts'

const flags = readFlags(
  {
    queries: { default: '10000', help: 'queries of each measured round' },
    rounds: { default: '3', help: 'measured rounds per transport, alternating' },
    connections: { default: '4', help: 'pool size, and queries in flight' },
  },
  'Usage: npx tsx bench/embedded-transport.ts [--queries 10000] [--rounds 3] [--connections 4]',
)
const queries = integerFlag('queries', flags.queries, 1)
const rounds = integerFlag('rounds', flags.rounds, 1)
const connections = integerFlag('connections', flags.connections, 1)

type Transport = 'unix socket' | 'tcp'
const databases = {
  'unix socket': await startEmbeddedDatabase({ dataDir: 'memory://' }),
  tcp: await startEmbeddedDatabase({ dataDir: 'memory://', unixSocket: false }),
}
const pools = Object.fromEntries(Object.entries(databases).map(([name, db]) => [name, new pg.Pool({ connectionString: db.url, max: connections })])) as Record<
  Transport,
  pg.Pool
>

async function round(pool: pg.Pool, count: number): Promise<number> {
  const started = performance.now()
  let sent = 0
  const worker = async () => {
    while (sent++ < count) await pool.query('select $1::int + 1 as next', [sent])
  }
  await Promise.all(Array.from({ length: connections }, worker))
  return count / ((performance.now() - started) / 1000)
}

const rates: Record<Transport, number[]> = { 'unix socket': [], tcp: [] }
try {
  for (const pool of Object.values(pools)) await round(pool, Math.min(2000, queries)) // warm-up
  for (let i = 0; i < rounds; i++) for (const name of Object.keys(pools) as Transport[]) rates[name].push(await round(pools[name], queries))
} finally {
  for (const pool of Object.values(pools)) await pool.end()
  for (const db of Object.values(databases)) await db.stop()
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
for (const name of Object.keys(rates) as Transport[]) console.log(`${name}: ${rates[name].map((rate) => rate.toFixed(0)).join(', ')} queries/s`)
console.log(`ratio unix socket / tcp (medians): ${(median(rates['unix socket']) / median(rates.tcp)).toFixed(2)}`)
