import { sql } from 'drizzle-orm'
import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'

// GET /metrics: Prometheus text, with request durations by route pattern and status, the pool, and
// the database's figures (job queues, webhook deliveries, the outbox's lag, imports).

/** The value of one series in Prometheus' text format, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('request durations are counted by route pattern and status, not by URL', async (t) => {
  const { app } = await buildTestApp(t)
  for (let i = 0; i < 3; i++) t.equal((await app.inject('/v1/listings?limit=1')).statusCode, 200)
  const member = await createMember(app.database.db)
  const missing = await app.inject({ url: '/v1/listings/00000000-0000-4000-8000-000000000000', headers: member.auth })
  t.equal(missing.statusCode, 404)
  t.equal((await app.inject('/no/such/route')).statusCode, 404)

  const response = await app.inject('/metrics')
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = response.body
  t.equal(sample(text, 'http_request_duration_seconds_count{method="GET",route="/v1/listings",status_code="200"}'), 3)
  t.equal(sample(text, 'http_request_duration_seconds_count{method="GET",route="/v1/listings/:id",status_code="404"}'), 1, 'one series for every id')
  t.equal(sample(text, 'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}'), 1)
  t.notMatch(text, '00000000-0000-4000-8000-000000000000', 'no URL becomes a label')
  t.ok(sample(text, 'http_request_duration_seconds_bucket{le="10",method="GET",route="/v1/listings",status_code="200"}') === 3, 'histogram buckets')
  t.type(sample(text, 'techx_db_pool_connections{state="idle"}'), 'number')
  t.type(sample(text, 'techx_db_pool_waiting'), 'number')
  t.type(sample(text, 'process_resident_memory_bytes'), 'number', "Node's own metrics")
  t.equal(sample(text, 'techx_database_up'), 1)
})

t.test("the database's figures: queued jobs by queue, the outbox's lag, running imports", async (t) => {
  const { app } = await buildTestApp(t)
  const { db } = app.database
  const member = await createMember(db)
  // imports.run queues every job sent ('standard'), where most queues keep one pending job per key.
  await app.jobs.send('imports.run', { importId: 'a' })
  await app.jobs.send('imports.run', { importId: 'b' })
  // A published listing writes its events; with no worker, nothing fans them out.
  await createListingViaApi(app, member.auth)
  await db.execute(sql`update outbox_events set occurred_at = now() - interval '90 seconds'`)
  await db.execute(sql`
    insert into imports (organization_id, api_key_id, kind, format, status, total_rows, rows_done, created_at, started_at)
    values (${member.organization.id}, ${member.keyId}, 'listings', 'csv', 'running', 1200, 300, now(), now()),
           (${member.organization.id}, ${member.keyId}, 'listings', 'csv', 'queued', 50, 0, now(), null)`)

  const text = (await app.inject('/metrics')).body
  t.equal(sample(text, 'techx_job_queue_jobs{queue="imports.run",state="created"}'), 2)
  t.ok(sample(text, 'techx_job_queue_oldest_seconds{queue="imports.run"}')! >= 0)
  t.ok(sample(text, 'techx_outbox_lag_events')! >= 1, 'the event not yet fanned out')
  t.ok(sample(text, 'techx_outbox_lag_seconds')! >= 89, 'as old as the oldest event behind')
  t.equal(sample(text, 'techx_imports{status="running"}'), 1)
  t.equal(sample(text, 'techx_imports{status="queued"}'), 1)
  t.equal(sample(text, 'techx_import_rows{state="total"}'), 1200)
  t.equal(sample(text, 'techx_import_rows{state="done"}'), 300)
  t.equal(sample(text, 'techx_webhook_deliveries_pending'), 0)
  t.equal(sample(text, 'techx_webhook_deliveries_failed_24h'), 0)
})

t.test('with METRICS_TOKEN, /metrics needs it; an API key does not open it', async (t) => {
  const token = 'scrape-token-0123456789'
  const { app } = await buildTestApp(t, { METRICS_TOKEN: token })
  const member = await createMember(app.database.db)
  const none = await app.inject('/metrics')
  t.equal(none.statusCode, 401)
  t.match(none.headers['content-type'], /application\/problem\+json/)
  t.equal((await app.inject({ url: '/metrics', headers: member.auth })).statusCode, 401, 'a valid API key is not the token')
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}x` } })).statusCode, 401)
  const right = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })
  t.equal(right.statusCode, 200)
  t.match(right.body, 'http_request_duration_seconds')
})
