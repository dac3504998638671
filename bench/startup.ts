// What a provincial IT department sees when it starts the API on the embedded database: the time
// from the command to the first 200 on /health, on a fresh data directory and on an existing one,
// and the memory of the whole process tree (npm, node with its database thread) idle, then after the
// demo seed and 10k requests. Issue 19's targets: ≤ 2 s fresh, ≤ 1 s existing, ≤ 300 MB idle,
// ≤ 400 MB after the seed and the requests. See bench/README.md.
//
//   npx tsx bench/startup.ts [--command "npm start"] [--rounds 3] [--requests 10000]
//   npx tsx bench/startup.ts --baseline ../other-checkout --rounds 8
//
// With --baseline (a built checkout of another commit, with its node_modules), only the start-ups
// are measured, alternating between the two checkouts round by round, so that a noisy machine
// slows both alike; it prints each one's medians and this checkout's ratio to the baseline's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { integerFlag, readFlags } from './lib/args.ts'
import { saveJson, stamp } from './lib/results.ts'

const flags = readFlags(
  {
    command: { default: 'npm start', help: 'the command that starts the server, run by the shell in the repository' },
    rounds: { default: '3', help: 'starts measured on a fresh directory, and as many on an existing one' },
    requests: { default: '10000', help: 'requests sent after the demo seed, before the last memory reading' },
    'idle-seconds': { default: '5', help: 'seconds the server idles before a memory reading' },
    baseline: { default: '', help: 'a built checkout to alternate start-ups with (start-ups only; prints ratios)' },
  },
  'Usage: npx tsx bench/startup.ts [--command "npm start"] [--rounds 3] [--requests 10000] [--baseline DIR]',
)
const rounds = integerFlag('rounds', flags.rounds, 1)
const requestCount = integerFlag('requests', flags.requests, 0)
const idleMs = integerFlag('idle-seconds', flags['idle-seconds']) * 1000
const root = fileURLToPath(new URL('../', import.meta.url))

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

type Server = { child: ChildProcess; url: string; exited: Promise<unknown> }

function startServer(dataDir: string, port: number, checkout = root): Server {
  // Its own process group, so that stopping it reaches npm and node alike.
  const child = spawn(flags.command, {
    cwd: checkout,
    shell: true,
    detached: true,
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      RATE_LIMIT_ANONYMOUS_MAX: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  process.once('exit', () => killGroup(child, 'SIGKILL'))
  return { child, url: `http://127.0.0.1:${port}`, exited: once(child, 'exit') }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    // already gone
  }
}

async function untilHealthy(server: Server, since: number): Promise<number> {
  let exited = false
  void server.exited.then(() => (exited = true))
  for (;;) {
    const healthy = await fetch(`${server.url}/health`).then(
      (response) => response.ok,
      () => false,
    )
    if (healthy) return Date.now() - since
    if (exited) throw new Error('the server exited before answering /health')
    if (Date.now() - since > 120_000) throw new Error('no 200 on /health within 120 s')
    await sleep(10)
  }
}

async function stop(server: Server) {
  killGroup(server.child, 'SIGTERM')
  await server.exited
  // npm may exit before its child has: wait until the whole group is gone.
  for (let waited = 0; processTree(server.child.pid!).length > 0 && waited < 10_000; waited += 50) await sleep(50)
}

type ProcessMemory = { pid: number; command: string; rssMb: number; pssMb: number; cpuSeconds: number }

/** Every live process whose process group is the server's: npm, sh, node, the database process. */
function processTree(groupId: number): ProcessMemory[] {
  const found: ProcessMemory[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The group is the fifth field, counted after the parenthesised command name.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const group = Number(fields[2])
      if (group !== groupId) continue
      const rollup = readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8')
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0)
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 80)
      // utime and stime (fields 14 and 15), in clock ticks of 1/100 s.
      const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100
      found.push({ pid: Number(entry), command, rssMb: kb('Rss') / 1024, pssMb: kb('Pss') / 1024, cpuSeconds })
    } catch {
      // exited while we read it
    }
  }
  return found
}

function treeMemory(server: Server) {
  const processes = processTree(server.child.pid!)
  const sum = (key: 'rssMb' | 'pssMb') => Math.round(processes.reduce((total, process) => total + process[key], 0))
  return {
    rssMb: sum('rssMb'),
    pssMb: sum('pssMb'),
    processes: processes.map((process) => ({ ...process, rssMb: Math.round(process.rssMb), pssMb: Math.round(process.pssMb) })),
  }
}

const paths = [
  '/health',
  '/ready',
  '/v1/listings',
  '/v1/listings?kind=technology&province=01',
  '/v1/listings?q=m%C3%A1y%20s%E1%BA%A5y',
  '/v1/listings?q=x%E1%BB%AD%20l%C3%BD%20n%C6%B0%E1%BB%9Bc%20th%E1%BA%A3i&facets=false',
  '/v1/demands',
  '/v1/organizations',
  '/v1/reference/provinces',
  '/v1/reference/sectors',
  '/v1/exchange-events',
]

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** One start on a new data directory and one on the same directory again, in `checkout`. */
async function startTwice(checkout: string): Promise<{ fresh: number; existing: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-startup-'))
  try {
    const port = await freePort()
    const times = []
    for (let start = 0; start < 2; start++) {
      const since = Date.now()
      const server = startServer(dir, port, checkout)
      times.push(await untilHealthy(server, since))
      await stop(server)
    }
    return { fresh: times[0]!, existing: times[1]! }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (flags.baseline) {
  const checkouts = { baseline: path.resolve(flags.baseline), this: root }
  const times = { baseline: { fresh: [] as number[], existing: [] as number[] }, this: { fresh: [] as number[], existing: [] as number[] } }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['baseline', 'this'] as const) : (['this', 'baseline'] as const)
    for (const which of order) {
      const { fresh, existing } = await startTwice(checkouts[which])
      times[which].fresh.push(fresh)
      times[which].existing.push(existing)
    }
    console.log(
      `round ${round + 1}: baseline ${times.baseline.fresh.at(-1)} / ${times.baseline.existing.at(-1)} ms, this ${times.this.fresh.at(-1)} / ${times.this.existing.at(-1)} ms (fresh / existing)`,
    )
  }
  for (const kind of ['fresh', 'existing'] as const) {
    const [before, after] = [median(times.baseline[kind]), median(times.this[kind])]
    console.log(`median ${kind}: baseline ${before} ms, this ${after} ms, ratio ${(after / before).toFixed(2)}`)
  }
  console.log(`saved ${saveJson(`startup-compare-${stamp()}.json`, { command: flags.command, at: new Date().toISOString(), checkouts, times })}`)
  process.exit(0)
}

const results: Record<string, unknown> = { command: flags.command, at: new Date().toISOString() }
const fresh: number[] = []
const existing: number[] = []
let idle: ReturnType<typeof treeMemory> | undefined
let dataDir = ''
for (let round = 0; round < rounds; round++) {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  dataDir = mkdtempSync(path.join(tmpdir(), 'bench-startup-'))
  const port = await freePort()
  let since = Date.now()
  let server = startServer(dataDir, port)
  fresh.push(await untilHealthy(server, since))
  await stop(server)
  since = Date.now()
  server = startServer(dataDir, port)
  existing.push(await untilHealthy(server, since))
  if (round === rounds - 1) {
    await sleep(idleMs)
    idle = treeMemory(server)
  }
  await stop(server)
  console.log(`round ${round + 1}: fresh ${fresh.at(-1)} ms, existing ${existing.at(-1)} ms`)
}
results.freshMs = fresh
results.existingMs = existing
results.idle = idle
console.log(`idle: ${idle!.rssMb} MB RSS, ${idle!.pssMb} MB PSS`)
for (const process of idle!.processes) console.log(`  ${process.pid} ${process.rssMb} MB RSS ${process.pssMb} MB PSS  ${process.command}`)

// The demo seed (the server stopped: the embedded database admits one process), then requests.
const seeded = spawnSync('npx', ['tsx', 'src/cli.ts', 'seed'], {
  cwd: root,
  env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
})
if (seeded.status !== 0) throw new Error(`the seed failed (${seeded.status})`)
const port = await freePort()
const server = startServer(dataDir, port)
await untilHealthy(server, Date.now())
const load = await autocannon({
  url: server.url,
  connections: 4,
  amount: requestCount,
  requests: paths.map((requestPath) => ({ method: 'GET', path: requestPath })),
})
await sleep(idleMs)
const loaded = treeMemory(server)
await stop(server)
rmSync(dataDir, { recursive: true, force: true })
results.afterLoad = {
  ...loaded,
  requests: load.requests.total,
  non2xx: load.non2xx,
  errors: load.errors,
  requestsPerSecond: load.requests.average,
  p99Ms: load.latency.p99,
}
console.log(
  `after the seed and ${load.requests.total} requests (${load.non2xx} not 2xx, ${load.errors} errors; ${load.requests.average} req/s, p99 ${load.latency.p99} ms): ${loaded.rssMb} MB RSS, ${loaded.pssMb} MB PSS`,
)
// CPU time since each process started (the seed ran in a process of its own): how the work splits
// between the server and the database process.
for (const process of loaded.processes) {
  console.log(`  ${process.pid} ${process.rssMb} MB RSS ${process.pssMb} MB PSS ${process.cpuSeconds.toFixed(1)} s CPU  ${process.command}`)
}
console.log(`median start: fresh ${median(fresh)} ms, existing ${median(existing)} ms`)
console.log(`saved ${saveJson(`startup-${stamp()}.json`, results)}`)
