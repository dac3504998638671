import { setTimeout as sleep } from 'node:timers/promises'
import { eq } from 'drizzle-orm'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { openDatabase } from '../../src/db/client.ts'
import { organizations } from '../../src/db/schema/index.ts'
import { createJobQueue } from '../../src/jobs/queue.ts'
import { isDatabaseUnreachable } from '../../src/lib/db-unavailable.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createMember } from '../helpers/factories.ts'
import { listingInput } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import { checkContract } from '../helpers/contract.ts'

// The database goes away under a running app and comes back, on either database: the app reaches
// its test database through a TCP proxy that the test takes down (new connections refused, open
// ones broken, as when the server dies or restarts) and brings up again on the same port.
const direct = await openTestDatabase()
const proxy = await startTcpProxy(direct.url)
const database = await openDatabase({ databaseUrl: proxy.url, dataDir: '', poolSize: 3 })
const app = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database }))
t.teardown(async () => {
  await proxy.up().catch(() => {}) // already up
  await app.close()
  await database.close()
  await proxy.down()
  await direct.close()
})
const { auth } = await createMember(direct.db)

t.test('while the database is unreachable, requests get 503 problems with Retry-After; then it serves again', async (t) => {
  await proxy.down()
  const read = await app.inject({ method: 'GET', url: '/v1/listings' })
  assertProblem(t, read, 503, 'database_unavailable')
  t.equal(read.headers['retry-after'], '5')
  const write = await app.inject({ method: 'POST', url: '/v1/listings', headers: auth, payload: listingInput() })
  assertProblem(t, write, 503, 'database_unavailable')
  t.equal(write.headers['retry-after'], '5')
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.headers['retry-after'], '5', '/ready says when to ask again')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, '/health stays 200: restarting the API would not bring the database back')

  await proxy.up()
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200, 'ready again')
  const again = await app.inject({ method: 'POST', url: '/v1/listings', headers: auth, payload: listingInput() })
  t.equal(again.statusCode, 201, 'the pool opened new connections')
})

t.test('a transaction whose connection breaks fails without taking the process down, and leaves nothing', async (t) => {
  let inserted!: () => void
  const insertedOnce = new Promise<void>((resolve) => (inserted = resolve))
  let resume!: () => void
  const resumed = new Promise<void>((resolve) => (resume = resolve))
  const open = database.db.transaction(async (tx) => {
    await tx.insert(organizations).values({ kind: 'enterprise', name: 'Công ty chưa cam kết' })
    inserted()
    await resumed
    await tx.select().from(organizations).limit(1)
  })
  await insertedOnce
  // The checked-out connection dies between two statements: pg emits 'error' on its client, which
  // would be an uncaught exception without the pool's listener.
  await proxy.down()
  await sleep(50)
  resume()
  const failure = await open.then(
    () => undefined,
    (error: unknown) => error,
  )
  t.ok(isDatabaseUnreachable(failure), 'the transaction failed as an unreachable database (a 503)')
  await proxy.up()
  t.same(await direct.db.select().from(organizations).where(eq(organizations.name, 'Công ty chưa cam kết')), [], 'nothing of it was written')
})

t.test('transactions whose BEGIN is cut off do not use up the pool', async (t) => {
  // drizzle runs BEGIN outside the try/finally that releases its client; the pool has 3 clients.
  for (let round = 0; round < 3; round++) {
    await database.pool.query('select 1') // an idle client, for the transaction to take
    proxy.hold()
    const begun = database.db.transaction(async (tx) => {
      await tx.select().from(organizations).limit(1)
    })
    await sleep(50) // BEGIN is on its way, held by the proxy
    await proxy.down()
    const failure = await begun.then(
      () => undefined,
      (error: unknown) => error,
    )
    t.ok(isDatabaseUnreachable(failure), `round ${round + 1}: the transaction failed as an unreachable database`)
    await proxy.up()
  }
  const answer = await Promise.race([app.inject({ method: 'GET', url: '/v1/listings' }), sleep(20_000).then(() => undefined)])
  t.equal(answer?.statusCode, 200, 'a request still gets a client')
  t.equal(database.pool.totalCount - database.pool.idleCount, 0, 'no client is left checked out')
})

t.test("a job whose outcome cannot be recorded does not take the process down (pg-boss 10 doesn't await it)", async (t) => {
  const logged: string[] = []
  const log = pino({}, { write: (line: string) => logged.push((JSON.parse(line) as { msg: string }).msg) })
  const queue = createJobQueue({ pool: database.pool, worker: true, pollingIntervalSeconds: 0.5, log })
  let handled!: () => void
  const handledOnce = new Promise<void>((resolve) => (handled = resolve))
  queue.register('connection-loss-test', async () => {
    await proxy.down() // the database goes away while the job runs; pg-boss then records its completion
    handled()
  })
  await queue.start()
  await queue.send('connection-loss-test', {})
  await handledOnce
  const deadline = Date.now() + 20_000
  while (!logged.some((line) => line.startsWith('job outcome not recorded')) && Date.now() < deadline) await sleep(20)
  t.ok(
    logged.some((line) => line.startsWith('job outcome not recorded')),
    'the lost outcome is logged, and the process lives on',
  )
  await proxy.up()
  await queue.stop()
  const [job] = (await direct.pool.query(`select state from pgboss.job where name = 'connection-loss-test'`)).rows as Array<{ state: string }>
  t.equal(job?.state, 'active', 'the job stays active, to expire and be retried as after a crash')
})
