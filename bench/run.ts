// Benchmarks the API against the bench database and, for each scenario, pgbench against the same
// SQL: the API's req/s as a share of the database's own ceiling. See bench/README.md.
import { mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { migrateDatabase } from '../src/migrate.ts'
import { vietnamDate } from '../src/lib/clock.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { removeCreatedListings } from './lib/cleanup.ts'
import { captureScenario, createCapturer, type CapturedScenario } from './lib/capture.ts'
import { startCpuAccounting, waitForQuietMachine } from './lib/cpu.ts'
import { benchDatabaseName, defaultDatabaseUrl, openBenchDatabase, settleDatabase } from './lib/database.ts'
import { runHttpLoad } from './lib/http-load.ts'
import { keysFile, type BenchKey } from './lib/keys.ts'
import { describeMachine } from './lib/machine.ts'
import { defaultPgbench, runPgbench, writeScripts } from './lib/pgbench.ts'
import { createRandom } from './lib/random.ts'
import { resultsTable, type ScenarioResult } from './lib/report.ts'
import { newestProfile, summariseProfile } from './lib/profile.ts'
import { readJson, resultPath, saveJson, stamp } from './lib/results.ts'
import { buildScenarios, scenarioNames } from './lib/scenarios.ts'
import { startApiServer } from './lib/server.ts'

const flags = readFlags(
  {
    duration: { default: '10', help: 'seconds of each measured run (autocannon and pgbench alike)' },
    connections: { default: '10', help: 'concurrent connections (autocannon) and clients (pgbench -c)' },
    warmup: { default: '3', help: 'seconds of unmeasured load before each measured run' },
    variants: { default: '64', help: 'request variants per scenario (pgbench takes at most 128 scripts)' },
    scenarios: { default: scenarioNames.join(','), help: 'comma-separated scenarios to run' },
    'pool-size': { default: '10', help: "the API's DATABASE_POOL_SIZE" },
    timeout: { default: '30', help: 'seconds autocannon waits for a response before counting a timeout' },
    'statement-timeout': { default: '0', help: 'PostgreSQL statement_timeout in seconds for the API and pgbench (0: none)' },
    'capture-seconds': { default: '180', help: 'time budget for capturing the variants of one scenario' },
    'keep-writes': { default: 'false', help: 'true: keep the listings create-listing added (otherwise they are deleted after the run)' },
    profile: { default: 'false', help: 'true: profile the API process (node --cpu-prof) and summarise where its CPU went' },
    'quiet-wait': { default: '600', help: 'seconds to wait, before each measured run, for other work on the machine to stop' },
    threads: { default: '2', help: 'pgbench -j' },
    seed: { default: '7', help: 'PRNG seed for the request variants' },
    pgbench: { default: defaultPgbench, help: 'the pgbench binary' },
    'database-url': { default: defaultDatabaseUrl, help: 'the bench database (made by bench:generate)' },
  },
  'Usage: npm run bench:run -- [--duration 10] [--connections 10] [--scenarios search,get-listing]',
)
const seconds = integerFlag('duration', flags.duration, 1)
const connections = integerFlag('connections', flags.connections, 1)
const warmup = integerFlag('warmup', flags.warmup)
const variantCount = Math.min(128, integerFlag('variants', flags.variants, 1))
const selected = flags.scenarios.split(',').map((name) => name.trim())
for (const name of selected)
  if (!(scenarioNames as readonly string[]).includes(name)) throw new Error(`Unknown scenario ${name}; known: ${scenarioNames.join(', ')}`)
const timeoutSeconds = integerFlag('timeout', flags.timeout, 1)
const statementTimeoutSeconds = integerFlag('statement-timeout', flags['statement-timeout'])
const captureSeconds = integerFlag('capture-seconds', flags['capture-seconds'], 1)
const quietWait = integerFlag('quiet-wait', flags['quiet-wait'])
const databaseUrl = flags['database-url']
const databaseName = benchDatabaseName(databaseUrl)
const { keys } = readJson<{ keys: BenchKey[] }>(keysFile(databaseUrl))

const startedAt = new Date()

// 1. Variants, and the SQL each issues, captured in-process on the same database.
const database = await openBenchDatabase(databaseUrl, 10)
await migrateDatabase(database)
const client = await database.pool.connect()
const machine = await describeMachine(client)
const scenarios = (await buildScenarios(client, keys, createRandom(integerFlag('seed', flags.seed)), variantCount, vietnamDate(new Date()))).filter(
  (scenario) => selected.includes(scenario.name),
)
client.release()
console.log(`Capturing the SQL of ${scenarios.length} scenarios x ${variantCount} variants...`)
const capturer = await createCapturer(database)
const captured = new Map<string, CapturedScenario>()
for (const scenario of scenarios) {
  const started = performance.now()
  const result = await captureScenario(capturer, scenario, (line) => console.log(line), captureSeconds)
  captured.set(scenario.name, result)
  console.log(
    `  ${scenario.name}: ${result.available ? `${result.variants.length} variants, ${result.variants[0]?.statements.length ?? 0} statements each` : result.note} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  )
}
await capturer.close()
await database.close()
saveJson('captured.json', [...captured.values()])

// 2. The API as its own process, then pgbench on the same SQL, scenario by scenario.
const profileDir = flags.profile === 'true' ? resultPath('profiles') : undefined
if (profileDir) mkdirSync(profileDir, { recursive: true })
const serverOptions = { databaseUrl, poolSize: integerFlag('pool-size', flags['pool-size'], 1), statementTimeoutSeconds, profileDir }
let server = await startApiServer(serverOptions)
console.log(`API at ${server.url} (pid ${server.pid}, log ${server.logFile}); ${seconds} s runs, ${connections} connections, ${warmup} s warm-up each`)
// Interrupted (Ctrl-C), the run still stops the server it started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.stop().finally(() => process.exit(130)))
}
const incidents: string[] = []
/** A scenario that killed the server must not turn the next ones into connection errors. */
async function serverAlive(after: string) {
  const exited = server.exited()
  if (!exited) return
  const incident = `The API server died during ${after}: ${exited}`
  console.log(incident)
  incidents.push(incident)
  server = await startApiServer(serverOptions)
  console.log(`API restarted at ${server.url} (pid ${server.pid})`)
}
const results: ScenarioResult[] = []
/** Requests autocannon abandoned may still run in PostgreSQL: wait for them, cancel them after a while. */
async function settle(name: string) {
  const cancelled = await settleDatabase(databaseUrl, 60_000)
  if (cancelled > 0) console.log(`  ${name}: cancelled ${cancelled} queries still running a minute after the load stopped`)
}
try {
  for (const scenario of scenarios) {
    const capture = captured.get(scenario.name)!
    if (!capture.available || capture.variants.length === 0) {
      const skipped = capture.note ?? 'no variant answered as expected'
      console.log(`${scenario.name}: skipped, ${skipped}`)
      results.push({ name: scenario.name, description: scenario.description, skipped })
      continue
    }
    const variants = capture.variants.map((variant) => variant.request)
    const load = { url: server.url, variants, connections, timeoutSeconds }
    if (warmup > 0) await runHttpLoad({ ...load, seconds: warmup })
    await settle(scenario.name)
    const busyBefore = await waitForQuietMachine(quietWait, (line) => console.log(line))
    if (busyBefore > 0) console.log(`  ${scenario.name}: measuring although ${busyBefore} cores are busy with other work`)
    const apiCpu = startCpuAccounting({ database: databaseName, apiPid: server.pid })
    const api = await runHttpLoad({ ...load, seconds })
    const apiSplit = apiCpu.stop()
    await settle(scenario.name)
    await serverAlive(scenario.name)

    const files = writeScripts(capture)
    const pgbenchOptions = {
      pgbench: flags.pgbench,
      databaseUrl,
      files,
      connections,
      threads: integerFlag('threads', flags.threads, 1),
      statementTimeoutSeconds,
    }
    if (warmup > 0) await runPgbench({ ...pgbenchOptions, seconds: warmup })
    await waitForQuietMachine(quietWait, (line) => console.log(line))
    const pgCpu = startCpuAccounting({ database: databaseName, apiPid: server.pid })
    const pgbench = await runPgbench({ ...pgbenchOptions, seconds })
    const pgSplit = pgCpu.stop()

    const result: ScenarioResult = {
      name: scenario.name,
      description: scenario.description,
      statementsPerRequest: Math.round((capture.variants.reduce((sum, variant) => sum + variant.statements.length, 0) / capture.variants.length) * 10) / 10,
      api: { ...api, cpu: apiSplit },
      pgbench: { ...pgbench, cpu: pgSplit },
      ratio: pgbench.tps > 0 ? Math.round((api.requestsPerSecond / pgbench.tps) * 100) / 100 : undefined,
    }
    results.push(result)
    console.log(
      `${scenario.name}: API ${api.requestsPerSecond} req/s (p50 ${api.latencyMs.p50} ms, p99 ${api.latencyMs.p99} ms, non-2xx ${api.non2xx}, errors ${api.errors}); ` +
        `pgbench ${pgbench.tps} tps${pgbench.failed ? `, ${pgbench.failed} failed` : ''}${pgbench.errors.length ? ` (${pgbench.errors[0]})` : ''}; ratio ${result.ratio}`,
    )
  }
} finally {
  await server.stop()
}

const table = resultsTable(results)
console.log(`\n${table}\n`)
console.log(`Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB; ${machine.postgres}; Node ${machine.node}; commit ${machine.commit}`)
console.log('The API server, PostgreSQL and the load generator share those cores; "other" is CPU used by anything else meanwhile.')
if (flags['keep-writes'] !== 'true' && selected.includes('create-listing')) {
  const cleanup = await openBenchDatabase(databaseUrl, 1)
  const client = await cleanup.pool.connect()
  try {
    const editor = keys.find((key) => key.label === 'enterprise-editor')!
    const removed = await removeCreatedListings(client, editor.organizationId, startedAt)
    console.log(`Deleted the ${removed} draft listings create-listing added (API and pgbench), then VACUUM ANALYZE.`)
  } finally {
    client.release()
    await cleanup.close()
  }
}
for (const incident of incidents) console.log(incident)
const profileFile = profileDir ? newestProfile(profileDir) : undefined
const profile = profileFile ? summariseProfile(profileFile) : undefined
if (profile) {
  console.log(`\nAPI process CPU profile (${profile.sampledMs} ms sampled, ${profile.file}), self time by package:`)
  for (const entry of profile.byPackage.slice(0, 15)) console.log(`  ${String(entry.percent).padStart(5)}%  ${entry.name}`)
  console.log('Top functions by self time:')
  for (const entry of profile.topFunctions.slice(0, 15)) console.log(`  ${String(entry.percent).padStart(5)}%  ${entry.name}`)
}
const path = saveJson(`run-${stamp()}.json`, { machine, loadAverageAfter: loadavg(), flags, results, incidents, profile, table })
console.log(`Raw results: ${path}`)
