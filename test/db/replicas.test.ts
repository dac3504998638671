import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createMember } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { TestClock } from '../helpers/app.ts'

// Read replicas (DATABASE_REPLICA_URLS). On PostgreSQL, .ci/run starts a streaming replica of the
// test server and names it in TEST_DATABASE_REPLICA_URL; the test pauses its replay, so that what
// a read sees tells where it was read: a row written since is on the primary only.

/** A published listing, written through the API (the writer's key records the write). */
async function publishListing(app: FastifyInstance, auth: Record<string, string>) {
  const listing = await createListingViaApi(app, auth, { titleVi: 'Máy ép viên nén mùn cưa' })
  const published = await app.inject({ method: 'POST', url: `/v1/listings/${listing.id}/publish`, headers: auth })
  if (published.statusCode !== 200) throw new Error(`publish failed: ${published.statusCode} ${published.body}`)
  return listing
}

const config = (env: Record<string, string>) => loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false', ...env })

t.test('a replica that does not answer: reads go to the primary, and /ready says so with a 200', async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  const app = await buildApp(config({ DATABASE_REPLICA_URLS: 'postgresql://techx@127.0.0.1:1/techx' }), { database, clock: new TestClock() })
  t.teardown(() => app.close())
  const member = await createMember(database.db)
  await publishListing(app, member.auth)

  const found = await app.inject('/v1/listings?q=vi%C3%AAn%20n%C3%A9n')
  t.equal(found.statusCode, 200)
  t.equal(found.json().items.length, 1, 'read from the primary')
  const ready = await app.inject('/ready')
  t.equal(ready.statusCode, 200)
  t.same(ready.json().replicas, [{ replica: 1, available: false, lagSeconds: null }])
  const metrics = (await app.inject('/metrics')).body
  t.match(metrics, /^techx_db_replica_up\{replica="1"\} 0$/m)
  t.notMatch(metrics, /^techx_db_replica_lag_seconds\{/m, 'no lag for a replica that does not answer')
})

const replicaServer = process.env.TEST_DATABASE_REPLICA_URL
if (process.env.TEST_DATABASE_URL && !replicaServer) {
  t.fail('TEST_DATABASE_REPLICA_URL is unset: .ci/run starts a streaming replica and sets it; set it to run these tests on PostgreSQL')
}

if (replicaServer) {
  /** The replica of this test's database, once the replica has replayed its creation. */
  async function replicaOf(t: Test, primaryUrl: string): Promise<{ url: string; admin: pg.Client }> {
    const url = new URL(primaryUrl)
    const replica = new URL(replicaServer!)
    replica.pathname = url.pathname
    for (let waited = 0; ; waited += 100) {
      const admin = new pg.Client({ connectionString: replica.toString() })
      try {
        await admin.connect()
        t.teardown(async () => {
          await admin.query('select pg_wal_replay_resume()').catch(() => {})
          await admin.end()
        })
        return { url: replica.toString(), admin }
      } catch (error) {
        await admin.end().catch(() => {})
        if (waited > 30_000) throw error
        await sleep(100)
      }
    }
  }

  async function replayed(admin: pg.Client) {
    // Paused replay resumed: wait until the replica has what the primary had just now.
    await admin.query('select pg_wal_replay_resume()')
    for (let waited = 0; waited < 30_000; waited += 50) {
      const { rows } = await admin.query<{ done: boolean }>('select pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() as done')
      if (rows[0]!.done) return
      await sleep(50)
    }
  }

  t.test("reads that may go to a replica do; a key's reads after its own write stay on the primary", async (t) => {
    const database = await openTestDatabase()
    t.teardown(() => database.close())
    const replica = await replicaOf(t, database.url)
    const writer = await createMember(database.db)
    const reader = await createMember(database.db)
    await replayed(replica.admin)

    const app = await buildApp(config({ DATABASE_REPLICA_URLS: replica.url, READ_YOUR_WRITES_SECONDS: '60' }), { database, clock: new TestClock() })
    t.teardown(() => app.close())
    // Other test files write to the same cluster at the same time, so the replica may be a moment
    // behind even here: caught up means within the allowed lag, not exactly 0.
    const [ready] = (await app.inject('/ready')).json().replicas
    t.match(ready, { replica: 1, available: true, lagSeconds: Number })
    t.ok(ready.lagSeconds < 30, 'within DATABASE_REPLICA_MAX_LAG_SECONDS')

    await replica.admin.query('select pg_wal_replay_pause()')
    const listing = await publishListing(app, writer.auth)
    const search = '/v1/listings?q=vi%C3%AAn%20n%C3%A9n'

    const anonymous = await app.inject(search)
    t.equal(anonymous.statusCode, 200)
    t.equal(anonymous.json().items.length, 0, 'an anonymous search reads the replica, which has not replayed the listing')
    t.equal((await app.inject({ url: search, headers: reader.auth })).json().items.length, 0, 'so does a key that has not written')
    t.equal((await app.inject({ url: search, headers: writer.auth })).json().items.length, 1, 'the writer reads its own write, from the primary')
    t.equal((await app.inject(`/v1/listings/${listing.id}`)).statusCode, 200, 'a record by id always reads the primary')
    const feed = await app.inject('/v1/events')
    t.equal(feed.statusCode, 200)
    t.notOk(
      (feed.json().items as { subjectId?: string }[]).some((event) => JSON.stringify(event).includes(listing.id)),
      'the public feed reads the replica: the new listing’s events are not there yet',
    )
    for (const url of [
      '/v1/demands',
      '/v1/organizations',
      '/v1/reference/provinces',
      '/v1/reports/activity?ranges=2016-01-01..2020-12-31,2021-01-01..2025-12-31',
    ]) {
      t.equal((await app.inject(url)).statusCode, 200, `${url} answers from the replica`)
    }

    await replayed(replica.admin)
    t.equal((await app.inject(search)).json().items.length, 1, 'once replayed, the replica has it')
  })

  t.test('a replica further behind than DATABASE_REPLICA_MAX_LAG_SECONDS is skipped', async (t) => {
    const database = await openTestDatabase()
    t.teardown(() => database.close())
    const replica = await replicaOf(t, database.url)
    const writer = await createMember(database.db)
    await replayed(replica.admin)
    const app = await buildApp(config({ DATABASE_REPLICA_URLS: replica.url, READ_YOUR_WRITES_SECONDS: '0', DATABASE_REPLICA_MAX_LAG_SECONDS: '0.2' }), {
      database,
      clock: new TestClock(),
    })
    t.teardown(() => app.close())

    await replica.admin.query('select pg_wal_replay_pause()')
    await publishListing(app, writer.auth)
    await sleep(500)
    await app.replicas!.check()
    const ready = (await app.inject('/ready')).json()
    t.equal(ready.replicas[0].available, false)
    t.ok(ready.replicas[0].lagSeconds > 0.2, `behind by ${ready.replicas[0].lagSeconds} s`)
    t.equal((await app.inject('/v1/listings?q=vi%C3%AAn%20n%C3%A9n')).json().items.length, 1, 'the search read the primary')
    t.match((await app.inject('/metrics')).body, /^techx_db_replica_lag_seconds\{replica="1"\} [0-9.]+$/m)
  })
}
