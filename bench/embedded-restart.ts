// What a dead embedded database costs: the API server (`node dist/server.js`, the bundle, no
// DATABASE_URL) on a data directory on disk, under a steady stream of writes, has its database
// thread killed again and again (SIGUSR2 under FAULT_EMBEDDED_DB_CRASH_ON_SIGUSR2: the thread is
// terminated, as a crash would end it). For each kill: how long until /ready answers 200 again,
// what the writers got meanwhile (201, 503, anything else), and whether every acknowledged write is
// still there afterwards. Then, for comparison, what the other choice (exit and let Docker or
// systemd start the server afresh) would cost at best: a cold start of the server on the same
// directory until /ready. See bench/README.md.
//
//   npx tsx bench/embedded-restart.ts [--kills 5] [--writers 4] [--cold-starts 3]
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { openDatabase } from '../src/db/client.ts'
import { migrateDatabase } from '../src/migrate.ts'
import { organizations } from '../src/db/schema/index.ts'
import { createApiKey } from '../src/core/keys.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { saveJson, stamp } from './lib/results.ts'
import { serverEntry } from './lib/server.ts'

const flags = readFlags(
  {
    kills: { default: '5', help: 'kills of the database thread, one every few seconds' },
    writers: { default: '4', help: 'concurrent clients creating listings throughout' },
    'cold-starts': { default: '3', help: 'cold starts of the whole server on the same directory, for comparison' },
  },
  'Usage: npx tsx bench/embedded-restart.ts [--kills 5] [--writers 4] [--cold-starts 3]',
)
const kills = integerFlag('kills', flags.kills, 1)
const writers = integerFlag('writers', flags.writers, 1)
const coldStarts = integerFlag('cold-starts', flags['cold-starts'])
const root = fileURLToPath(new URL('../', import.meta.url))
const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-embedded-restart-'))

// A migrated directory with an organisation and its key, made before the server owns the directory.
let started = Date.now()
const setup = await openDatabase({ dataDir, poolSize: 1 })
await migrateDatabase(setup)
const [owner] = await setup.db.insert(organizations).values({ kind: 'research_institute', name: 'Viện Cơ điện Nông nghiệp' }).returning()
const { key } = await createApiKey(setup.db, { organizationId: owner!.id, role: 'admin' })
await setup.close()
const setupMs = Date.now() - started

type Server = { child: ChildProcess; url: Promise<string>; databaseThreadIds: number[]; restartMs: number[] }

const entry = serverEntry(root)

function startServer(): Server {
  const child = spawn(process.execPath, entry, {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      EMBEDDED_DB_RESTARTS: String(kills + 1),
      RATE_LIMIT_MAX: '0',
      FAULT_EMBEDDED_DB_CRASH_ON_SIGUSR2: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const server: Server = { child, url: Promise.resolve(''), databaseThreadIds: [], restartMs: [] }
  process.once('exit', () => child.kill('SIGKILL')) // never leave a server behind, whatever happens here
  server.url = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; databaseThreadId?: number; restartMs?: number }
      if (entry.msg === 'embedded database restarted') server.restartMs.push(entry.restartMs!)
      if (entry.msg === 'embedded database started' && entry.databaseThreadId) server.databaseThreadIds.push(entry.databaseThreadId)
      const listening = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(entry.msg ?? '')
      if (listening) resolve(listening[1]!)
    })
  })
  return server
}

async function untilReady(url: string, since: number): Promise<number> {
  for (;;) {
    const ready = await fetch(`${url}/ready`).then(
      (response) => response.ok,
      () => false,
    )
    if (ready) return Date.now() - since
    if (Date.now() - since > 60_000) throw new Error('not ready within 60 s')
    await sleep(20)
  }
}

// Kills under load.
started = Date.now()
const server = startServer()
const url = await server.url
const firstStartMs = await untilReady(url, started)
const statuses = new Map<number | string, number>()
const acknowledged: string[] = []
let writing = true
const body = JSON.stringify({ kind: 'technology', titleVi: 'Máy gặt đập liên hợp cỡ nhỏ', descriptionVi: 'Cho ruộng bậc thang miền núi phía Bắc.', trl: 7 })
const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
const load = Array.from({ length: writers }, async () => {
  while (writing) {
    const response = await fetch(`${url}/v1/listings`, { method: 'POST', headers, body }).catch((error: Error) => error)
    const status = response instanceof Error ? response.message : response.status
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    if (response instanceof Error) continue
    const answer = (await response.json()) as { id?: string }
    if (response.status === 201 && answer.id) acknowledged.push(answer.id)
    if (response.status === 503) await sleep(100)
  }
})
const recoveries: number[] = []
for (let kill = 0; kill < kills; kill++) {
  await sleep(2000)
  const killedAt = Date.now()
  server.child.kill('SIGUSR2')
  await sleep(20) // the kill lands; /ready might otherwise answer from the dying thread
  recoveries.push(await untilReady(url, killedAt))
}
writing = false
await load

// Every acknowledged write is there.
let missing = 0
for (const id of acknowledged) {
  const response = await fetch(`${url}/v1/listings/${id}`, { headers })
  if (response.status !== 200) missing += 1
}
server.child.kill('SIGTERM')
const [exitCode] = (await once(server.child, 'exit')) as [number | null]

// The alternative: exit, and a cold start of the whole server on the same directory.
const cold: number[] = []
for (let round = 0; round < coldStarts; round++) {
  const since = Date.now()
  const again = startServer()
  cold.push(await untilReady(await again.url, since))
  again.child.kill('SIGTERM')
  await once(again.child, 'exit')
}
rmSync(dataDir, { recursive: true, force: true })

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const result = {
  setupMs,
  firstStartMs,
  kills,
  writers,
  recoveryMs: recoveries,
  recoveryMedianMs: median(recoveries),
  // From the supervisor's log: starting the new thread until it listens.
  processRestartMs: server.restartMs,
  coldStartMs: cold,
  coldStartMedianMs: median(cold),
  statuses: Object.fromEntries(statuses),
  acknowledged: acknowledged.length,
  missing,
  exitCode,
}
console.table([
  { what: 'database restart after a crash, until /ready (ms)', median: result.recoveryMedianMs, all: recoveries.join(' ') },
  { what: "of which the new thread's start (ms)", median: median(server.restartMs), all: server.restartMs.join(' ') },
  { what: 'cold start of the server, until /ready (ms)', median: result.coldStartMedianMs, all: cold.join(' ') },
])
console.log(
  `writes: ${JSON.stringify(result.statuses)}; ${acknowledged.length} acknowledged, ${missing} missing afterwards; exit code after SIGTERM ${exitCode}`,
)
console.log(`saved ${saveJson(`embedded-restart-${stamp()}.json`, result)}`)
