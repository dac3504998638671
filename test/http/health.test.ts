import t from 'tap'
import pg from 'pg'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { buildTestApp } from '../helpers/app.ts'
import { checkContract } from '../helpers/contract.ts'

const { app } = await buildTestApp(t)
const healthy = app.database

t.test('/health is up without touching the database', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/health' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

t.test('/ready answers with the database mode', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ready', database: process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded' })
})

t.test('/ready is 503 when the database cannot be reached; /health stays 200', async (t) => {
  // A second app over the same database through a pool of its own, which then loses the database.
  const pool = new pg.Pool({ connectionString: (healthy.pool.options as { connectionString: string }).connectionString, max: 2 })
  const broken = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database: { ...healthy, pool } }))
  t.teardown(() => broken.close())
  await pool.end()

  const ready = await broken.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.headers['content-type'], 'application/json; charset=utf-8', 'a probe answer, not a problem')
  t.same(ready.json(), { status: 'unavailable' })
  const health = await broken.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
})
