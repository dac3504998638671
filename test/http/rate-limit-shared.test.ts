import t from 'tap'
import { openTestDatabase } from '../helpers/database.ts'
import { startServerProcess } from '../helpers/server-process.ts'

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
