import type { FastifyInstance } from 'fastify'
import type pg from 'pg'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { Database } from '../../src/db/client.ts'
import type { BenchRequest, Scenario } from './scenarios.ts'

// Captures the SQL the API issues for a request, without rewriting any of it: an in-process app on
// the bench database whose pool hands out clients with a recording `query`. Every statement goes
// through a pool client (pool.query checks one out too), so each is recorded exactly once.

export type CapturedStatement = { text: string; values: unknown[] }
export type CapturedVariant = { request: BenchRequest; status: number; statements: CapturedStatement[] }
type Captured = CapturedVariant & { routeMissing: boolean }
export type CapturedScenario = { name: string; available: boolean; note?: string; variants: CapturedVariant[] }

type QueryArgs = [config: string | { text: string; values?: unknown[] }, values?: unknown, callback?: unknown]

function recordStatements(pool: pg.Pool, sink: (statement: CapturedStatement) => void): void {
  const wrapped = new WeakSet<object>()
  const wrap = <C extends pg.PoolClient>(client: C): C => {
    if (wrapped.has(client)) return client
    wrapped.add(client)
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    const recording = (...args: QueryArgs) => {
      const [config, values] = args
      const text = typeof config === 'string' ? config : config.text
      sink({ text, values: Array.isArray(values) ? values : (typeof config === 'object' && config.values) || [] })
      return query(...args)
    }
    client.query = recording as unknown as typeof client.query
    return client
  }
  const connect = pool.connect.bind(pool) as (
    callback?: (error: Error | undefined, client: pg.PoolClient, done: () => void) => void,
  ) => Promise<pg.PoolClient> | undefined
  pool.connect = ((callback?: (error: Error | undefined, client: pg.PoolClient, done: () => void) => void) =>
    callback ? connect((error, client, done) => callback(error, client && wrap(client), done)) : connect()!.then(wrap)) as typeof pool.connect
}

export type Capturer = {
  /** Runs the request in the app and returns the statements it issued, in order. */
  capture: (request: BenchRequest) => Promise<Captured>
  close: () => Promise<void>
}

export async function createCapturer(database: Database): Promise<Capturer> {
  let sink: CapturedStatement[] | undefined
  recordStatements(database.pool, (statement) => sink?.push(statement))
  // A frozen clock: the key check's once-a-minute last_used_at write happens on the first request
  // only, so captured requests show the steady state the API is in under load.
  const frozen = new Date()
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    JOBS_WORKER: 'false',
    RATE_LIMIT_MAX: '0',
    RATE_LIMIT_ANONYMOUS_MAX: '0',
    RATE_LIMIT_AUTH_FAILURES_MAX: '0',
  })
  const app: FastifyInstance = await buildApp(config, { database, clock: { now: () => new Date(frozen) } })
  await app.ready()
  return {
    async capture(request) {
      const statements: CapturedStatement[] = []
      sink = statements
      try {
        const response = await app.inject({
          method: request.method,
          url: request.path,
          headers: request.headers,
          ...(request.body ? { payload: request.body } : {}),
        })
        const routeMissing = response.statusCode === 404 && response.json<{ code?: string }>().code === 'route_not_found'
        return { request, status: response.statusCode, routeMissing, statements }
      } finally {
        sink = undefined
      }
    },
    close: () => app.close(),
  }
}

/**
 * Captures the variants of a scenario, after an unrecorded warm-up request. Once `budgetSeconds`
 * have passed no further variant is captured (a slow query at 1M rows can take minutes).
 */
export async function captureScenario(
  capturer: Capturer,
  scenario: Scenario,
  log: (line: string) => void,
  budgetSeconds = Infinity,
): Promise<CapturedScenario> {
  const deadline = performance.now() + budgetSeconds * 1000
  const warmUp = await capturer.capture(scenario.variants[0]!)
  if (warmUp.routeMissing) {
    return {
      name: scenario.name,
      available: false,
      note: `${scenario.variants[0]!.method} ${scenario.variants[0]!.path.replace(/[0-9a-f-]{36}/, '{id}')} is not a route of this API (404 route_not_found): skipped`,
      variants: [],
    }
  }
  const variants: CapturedVariant[] = []
  for (const request of scenario.variants) {
    if (variants.length > 0 && performance.now() > deadline) {
      log(`  ${scenario.name}: capture budget of ${budgetSeconds} s spent after ${variants.length} variants; the rest are left out`)
      break
    }
    // A write's first run leaves state that later runs find (a recompute updates the suggestions
    // the previous one stored): its second run is what the API does over and over under load.
    if (scenario.writes) await capturer.capture(request)
    const { routeMissing: _, ...captured } = await capturer.capture(request)
    if (captured.status !== scenario.expectedStatus)
      log(`  ${scenario.name}: ${request.method} ${request.path} answered ${captured.status}, expected ${scenario.expectedStatus}; left out of pgbench`)
    else variants.push(captured)
  }
  return { name: scenario.name, available: true, variants }
}
