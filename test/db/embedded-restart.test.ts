import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { eq } from 'drizzle-orm'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { openDatabase } from '../../src/db/client.ts'
import { organizations } from '../../src/db/schema/index.ts'
import { isDatabaseUnreachable } from '../../src/lib/db-unavailable.ts'
import { embeddedTemplate } from '../helpers/database.ts'
import { createMember } from '../helpers/factories.ts'
import { createListingViaApi, listingInput } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'
import { checkContract } from '../helpers/contract.ts'

// The embedded database's thread killed under a running app (on a data directory on disk, as in
// production): restarted once, given up the second time within the minute. This file starts its
// own embedded database whichever database the suite runs on.
const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-restart-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const logged: string[] = []
const log = { info: (_details: object, message: string) => logged.push(message), error: (_details: object, message: string) => logged.push(message) }
const database = await openDatabase({ dataDir, poolSize: 3, templateDir: await embeddedTemplate(), embeddedMaxRestarts: 1, log })
const app = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database }))
let closed = false
const close = async () => {
  if (closed) return
  closed = true
  await app.close()
  await database.close()
}
t.teardown(close)
const embedded = database.embedded!
const { auth } = await createMember(database.db)

/** The database thread ended at once, as a crash would; returns once the supervisor has seen it. */
async function killDatabase(): Promise<number> {
  const threadId = embedded.threadId!
  await embedded.crash()
  while (embedded.state === 'running') await sleep(5)
  return threadId
}

t.test('killed, the database is restarted: 503s with Retry-After meanwhile, acknowledged writes intact, the open transaction gone', async (t) => {
  const listing = await createListingViaApi(app, auth, { titleVi: 'Máy sấy lúa tiết kiệm năng lượng' })

  // A transaction caught open by the kill: its next statement fails, and the process survives the
  // dead connection's error event.
  let inserted!: () => void
  const insertedOnce = new Promise<void>((resolve) => (inserted = resolve))
  let resume!: () => void
  const resumed = new Promise<void>((resolve) => (resume = resolve))
  const open = database.db.transaction(async (tx) => {
    await tx.insert(organizations).values({ kind: 'enterprise', name: 'Chưa cam kết' })
    inserted()
    await resumed
    await tx.select().from(organizations).limit(1)
  })
  await insertedOnce

  const killedAt = Date.now()
  const killed = await killDatabase()
  resume()
  const failure = await open.then(
    () => undefined,
    (error: unknown) => error,
  )
  t.ok(failure, 'the open transaction failed')
  t.ok(isDatabaseUnreachable(failure), 'as an unreachable database: a 503 to its request')

  const read = await app.inject({ method: 'GET', url: `/v1/listings/${listing.id}`, headers: auth })
  assertProblem(t, read, 503, 'database_unavailable')
  t.equal(read.headers['retry-after'], '5', 'Retry-After on the 503')
  const write = await app.inject({ method: 'POST', url: '/v1/listings', headers: auth, payload: listingInput() })
  assertProblem(t, write, 503, 'database_unavailable')
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503, '/ready says so')
  t.equal(ready.headers['retry-after'], '5')
  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200, '/health does not: a restart of the server would not help')

  // Within 60 s: it takes 2-7 s (bench/README.md), but a CI machine running every test file at once
  // has been seen to take 18 s. How fast is for the bench to say; this asserts that it comes back.
  let readyAgain = false
  while (!readyAgain && Date.now() - killedAt < 60_000) {
    readyAgain = (await app.inject({ method: 'GET', url: '/ready' })).statusCode === 200
    if (!readyAgain) await sleep(50)
  }
  t.ok(readyAgain, `ready again ${Date.now() - killedAt} ms after the kill`)
  t.equal(embedded.state, 'running')
  t.not(embedded.threadId, killed, 'on a new thread')
  t.ok(logged.includes('embedded database restarted'), 'the restart is logged')

  const after = await app.inject({ method: 'GET', url: `/v1/listings/${listing.id}`, headers: auth })
  t.equal(after.statusCode, 200, 'the listing written before the kill is there')
  t.equal(after.json().titleVi, 'Máy sấy lúa tiết kiệm năng lượng')
  const uncommitted = await database.db.select().from(organizations).where(eq(organizations.name, 'Chưa cam kết'))
  t.same(uncommitted, [], 'the open transaction left nothing behind')
  const next = await app.inject({ method: 'POST', url: '/v1/listings', headers: auth, payload: listingInput() })
  t.equal(next.statusCode, 201, 'writes work again, through the same pool')
  t.ok(existsSync(path.join(dataDir, 'tech-exchange.lock')), 'this process kept the data directory locked throughout')
})

t.test('killed again within the minute, it is given up: /health fails and the owner is told to exit', async (t) => {
  await killDatabase()
  const reason = await embedded.failed
  t.match(reason.message, /^embedded database exited unexpectedly \(code 1\), after 1 restart\(s\) within 60 s$/)
  t.equal(embedded.state, 'failed')
  t.equal(embedded.threadId, undefined)

  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 503, '/health fails: only a restart of the server can help now')
  t.same(health.json(), { status: 'failed' })
  const read = await app.inject({ method: 'GET', url: '/v1/listings' })
  assertProblem(t, read, 503, 'database_unavailable')

  await close()
  t.notOk(existsSync(path.join(dataDir, 'tech-exchange.lock')), 'closing releases the lock')
})
