import { createHash } from 'node:crypto'
import t, { type Test } from 'tap'
import { count, countDistinct, eq, sql } from 'drizzle-orm'
import type { Db } from '../../src/db/client.ts'
import { imports, listings } from '../../src/db/schema/index.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createMember } from '../helpers/factories.ts'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts'

// An import under real process faults, with real server processes (node src/server.ts) on the
// test's own database: SIGTERM pauses it between two batches and the process exits at once, cleanly;
// kill -9 leaves it to another process, which takes it over when its job's heartbeat stops. Either
// way it ends with every row written exactly once. Each row costs 15 ms (a trigger sleeps), so the
// import is still running when the fault comes.

const expireSeconds = 4
const rows = 240

const database = await openTestDatabase({ poolSize: 4 })
t.teardown(() => database.close())
const { db } = database
await db.execute(
  sql.raw(`
  create function test_slow_listing_write() returns trigger language plpgsql as $$
  begin perform pg_sleep(0.015); return new; end $$;
  create trigger test_slow_listing_write before insert on listings for each row execute function test_slow_listing_write();
`),
)

/** A server process with a worker on the test's database: a job whose heartbeat stops expires soon. */
const startServer = (t: Test) =>
  startServerProcess(t, database.url, { JOBS_WORKER: 'true', JOBS_POLL_SECONDS: '0.5', JOBS_EXPIRE_SECONDS: String(expireSeconds) })

/** Titles unlike each other: no row has near-duplicates to look up, the rows' cost is the trigger's. */
const csvOf = (prefix: string) =>
  `externalId,kind,titleVi,descriptionVi\n${Array.from({ length: rows }, (_, index) => `${prefix}-${index},technology,Mẫu ${createHash('sha256').update(`${prefix}${index}`).digest('hex').slice(0, 16)},Mô tả`).join('\n')}\n`

async function upload(server: ServerProcess, auth: Record<string, string>, csv: string): Promise<string> {
  const response = await fetch(`${server.url}/v1/imports?kind=listings`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: csv })
  if (response.status !== 202) throw new Error(`upload: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { id: string }).id
}

const progress = async (id: string) => (await db.select().from(imports).where(eq(imports.id, id)))[0]!

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function importJobs(db: Db, importId: string) {
  const result = await db.execute<{ state: string }>(
    sql`select state from pgboss.job where name = 'imports.run' and data->>'importId' = ${importId} order by created_on`,
  )
  return result.rows.map((row) => row.state)
}

async function writtenOnce(t: Test, ownerId: string, prefix: string) {
  const [written] = await db
    .select({ n: count(), distinct: countDistinct(listings.externalId) })
    .from(listings)
    .where(sql`${listings.ownerId} = ${ownerId} and ${listings.externalId} like ${`${prefix}-%`}`)
  t.same(written, { n: rows, distinct: rows }, 'every row written exactly once')
}

t.test('SIGTERM pauses an import between two batches, the process exits at once, and the import resumes after the restart', async (t) => {
  const owner = await createMember(db)
  const first = await startServer(t)
  const id = await upload(first, owner.auth, csvOf('S'))
  await until('the first batch', async () => ((await progress(id)).rowsDone > 0 ? true : undefined))

  const stopping = performance.now()
  first.child.kill('SIGTERM')
  const { code } = await first.exited
  const seconds = (performance.now() - stopping) / 1000
  t.equal(code, 0, 'a clean exit')
  t.ok(seconds < 8, `in ${seconds.toFixed(1)} s`)
  const paused = await progress(id)
  t.comment(`exited ${seconds.toFixed(1)} s after SIGTERM, the import paused at ${paused.rowsDone} of ${rows} rows`)
  t.equal(paused.status, 'running')
  t.ok(paused.rowsDone < rows, 'paused with rows to go')
  t.ok((await importJobs(db, id)).includes('created'), 'a job queued to carry it on')

  await startServer(t)
  const ended = await until('the import to end', async () => {
    const row = await progress(id)
    return row.status === 'completed' ? row : undefined
  })
  t.match(ended, { rowsDone: rows, rowsCreated: rows, rowsFailed: 0 })
  await writtenOnce(t, owner.organization.id, 'S')
})

t.test('after kill -9, another process takes the import over once its heartbeat stops, and finishes it', async (t) => {
  const owner = await createMember(db)
  const first = await startServer(t)
  const id = await upload(first, owner.auth, csvOf('K'))
  await until('the first batch', async () => ((await progress(id)).rowsDone > 0 ? true : undefined))
  first.child.kill('SIGKILL')
  await first.exited
  const killedAt = performance.now()
  const left = await progress(id)
  t.equal(left.status, 'running')
  t.ok(left.rowsDone < rows, `killed at ${left.rowsDone} of ${rows} rows`)
  t.same(await importJobs(db, id), ['active'], 'its job still held by the dead process')
  // The retry after an expiry waits retryDelay (5 s, doubled with jitter): shortened here, so the
  // test measures how soon the expiry is noticed, not the back-off.
  await db.execute(sql`update pgboss.job set retry_delay = 0, retry_backoff = false where name = 'imports.run' and data->>'importId' = ${id}`)

  await startServer(t)
  await until('the import to move again', async () => ((await progress(id)).rowsDone > left.rowsDone ? true : undefined), 30)
  const seconds = (performance.now() - killedAt) / 1000
  t.comment(`moving again ${seconds.toFixed(1)} s after kill -9 (expiry ${expireSeconds} s, restart included)`)
  t.ok(seconds < 4 * expireSeconds, `resumed within ${seconds.toFixed(1)} s`)
  const ended = await until('the import to end', async () => {
    const row = await progress(id)
    return row.status === 'completed' ? row : undefined
  })
  t.match(ended, { rowsDone: rows, rowsCreated: rows, rowsFailed: 0 })
  await writtenOnce(t, owner.organization.id, 'K')
})
