import t from 'tap'
import { openTestDatabase } from '../helpers/database.ts'
import { startServerProcess } from '../helpers/server-process.ts'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'

// Two API processes on one database share one rate-limit budget: the counters are in the database
// (src/http/rate-limit-store.ts), not in either process.

t.test('two server processes on one database count against one budget', async (t) => {
  const database = await openTestDatabase({ poolSize: 10 })
  t.teardown(() => database.close())
  const env = { RATE_LIMIT_ANONYMOUS_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '3600' }
  const servers = await Promise.all([startServerProcess(t, database.url, env), startServerProcess(t, database.url, env)])

  const answers: { status: number; remaining: string | null }[] = []
  for (let i = 0; i < 7; i++) {
    const response = await fetch(`${servers[i % 2]!.url}/v1/reference/provinces`)
    await response.arrayBuffer()
    answers.push({ status: response.status, remaining: response.headers.get('ratelimit-remaining') })
  }
  t.same(
    answers.map((answer) => answer.status),
    [200, 200, 200, 200, 200, 429, 429],
    'the sixth request is refused, whichever process takes it',
  )
  t.same(
    answers.slice(0, 5).map((answer) => answer.remaining),
    ['4', '3', '2', '1', '0'],
    'each process sees the other’s requests',
  )
  const { rows } = await database.pool.query<{ count: number }>(`select count from rate_limit_counters where key = 'ip:127.0.0.1'`)
  t.same(rows, [{ count: 7 }], 'one counter, in the database')
})

t.test('RATE_LIMIT_STORE=memory: each process counts alone', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    JOBS_WORKER: 'false',
    RATE_LIMIT_STORE: 'memory',
    RATE_LIMIT_ANONYMOUS_MAX: '2',
    RATE_LIMIT_WINDOW_SECONDS: '3600',
  })
  // Two apps on one database stand for two processes: with the memory store nothing joins them.
  const apps = [await buildApp(config, { database }), await buildApp(config, { database })]
  t.teardown(() => Promise.all(apps.map((app) => app.close())))
  const statuses = []
  for (const app of apps) for (let i = 0; i < 3; i++) statuses.push((await app.inject('/v1/reference/provinces')).statusCode)
  t.same(statuses, [200, 200, 429, 200, 200, 429], 'each app allows its own two')
  const { rows } = await database.pool.query('select * from rate_limit_counters')
  t.same(rows, [], 'nothing is counted in the database')
})
