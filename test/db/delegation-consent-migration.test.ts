import { randomBytes, randomUUID } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { migrationsFolder, openDatabase, type Database } from '../../src/db/client.ts'
import { migrateDatabase } from '../../src/migrate.ts'
import { TestClock } from '../helpers/app.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { checkContract } from '../helpers/contract.ts'

// What migrations 0017-0019 make of the delegations and task partners that existed before consent
// (issue 15): a database migrated to 0016 holds them, then the rest of the migrations run. An agent
// that onboarded its member keeps acting for it; every other open delegation becomes a proposal the
// member answers, with an audit row and a delegation.proposed event; partners of approved tasks
// stay partners, those of tasks never approved are invited.

const lastBeforeConsent = 16

/** An empty database of its own: PGlite in memory, or a fresh database on TEST_DATABASE_URL. */
async function openEmptyDatabase(): Promise<Database> {
  const serverUrl = process.env.TEST_DATABASE_URL
  if (!serverUrl) return openDatabase({ dataDir: 'memory://', poolSize: 3 })
  const name = `tx_migration_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 3 })
  return {
    ...database,
    close: async () => {
      await database.close()
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}

/** The migrations folder as it stood before consent: 0000-0016 and their journal. */
function migrationsBeforeConsent(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'tx-migrations-'))
  mkdirSync(path.join(folder, 'meta'))
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ idx: number; tag: string }> }
  const kept = journal.entries.filter((entry) => entry.idx <= lastBeforeConsent)
  writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: kept }))
  for (const file of readdirSync(migrationsFolder)) {
    if (kept.some((entry) => file === `${entry.tag}.sql`)) cpSync(path.join(migrationsFolder, file), path.join(folder, file))
  }
  return folder
}

const database = await openEmptyDatabase()
const folder = migrationsBeforeConsent()
t.teardown(async () => {
  rmSync(folder, { recursive: true, force: true })
  await database.close()
})

const client = await database.pool.connect()
await migrate(drizzle(client, { casing: 'snake_case' }), { migrationsFolder: folder })
client.release()

// The world before consent, written as the code of the time wrote it.
const id = () => randomUUID()
const point = id()
const onboarded = id()
const taken = id()
const former = id()
const institute = id()
const approvedTask = id()
const proposedTask = id()
const delegation = { onboarded: id(), taken: id(), ended: id() }
const q = (text: string, values: unknown[] = []) => database.pool.query(text, values)
for (const [organizationId, kind, name] of [
  [point, 'connection_point', 'Điểm kết nối công nghệ Hà Nội'],
  [onboarded, 'enterprise', 'Công ty TNHH Rau sạch Đông Anh'],
  [taken, 'enterprise', 'Công ty CP Cơ khí Gia Lâm'],
  [former, 'university', 'Trường Đại học Nông nghiệp'],
  [institute, 'research_institute', 'Viện Cơ điện Nông nghiệp'],
]) {
  await q('insert into organizations (id, kind, name) values ($1, $2, $3)', [organizationId, kind, name])
}
// The agent registered "onboarded" itself: the audit trail says so.
await q(
  `insert into audit_events (occurred_at, acting_organization_id, owning_organization_id, operation, target_type, target_id) values (now(), $1, $2, 'organization.create', 'organization', $3)`,
  [point, onboarded, onboarded],
)
await q(`insert into delegations (id, agent_organization_id, member_organization_id, created_at) values ($1, $2, $3, '2026-01-05T02:00:00Z')`, [
  delegation.onboarded,
  point,
  onboarded,
])
await q(`insert into delegations (id, agent_organization_id, member_organization_id, created_at) values ($1, $2, $3, '2026-01-06T02:00:00Z')`, [
  delegation.taken,
  point,
  taken,
])
await q(
  `insert into delegations (id, agent_organization_id, member_organization_id, created_at, ended_at, ended_by_organization_id, end_reason) values ($1, $2, $3, '2026-01-07T02:00:00Z', '2026-02-01T02:00:00Z', $3, 'Tự quản lý')`,
  [delegation.ended, point, former],
)
for (const [taskId, status, approvedAt] of [
  [approvedTask, 'approved', '2026-02-10T02:00:00Z'],
  [proposedTask, 'proposed', null],
]) {
  await q(
    `insert into tasks (id, title, objectives, lead_id, starts_on, ends_on, status, status_changed_at, approved_at) values ($1, 'Nhiệm vụ', 'Mục tiêu', $2, '2026-01-01', '2026-12-31', $3, now(), $4)`,
    [taskId, point, status, approvedAt],
  )
  await q(`insert into task_partners (task_id, organization_id, position, role) values ($1, $2, 0, 'st_organization')`, [taskId, institute])
}

const migratedAt = Date.now()
await migrateDatabase(database)

t.test('the agent that onboarded its member keeps acting for it; the other open delegation waits for the member', async (t) => {
  const { rows } = await q('select id, status, origin, expires_at, ended_at from delegations order by created_at')
  t.match(rows, [
    { id: delegation.onboarded, status: 'active', origin: 'onboarding', expires_at: null, ended_at: null },
    { id: delegation.taken, status: 'proposed', origin: 'proposal', ended_at: null },
    { id: delegation.ended, status: 'ended', origin: 'proposal' },
  ])
  const expiresAt = (rows[1] as { expires_at: Date }).expires_at.getTime()
  t.ok(Math.abs(expiresAt - (migratedAt + 14 * 86_400_000)) < 60_000, 'the proposal lapses 14 days after the migration')

  const audit = await q(`select operation, owning_organization_id, key_id, changes from audit_events where target_id = $1`, [delegation.taken])
  t.match(audit.rows, [
    { operation: 'delegation.require_consent', owning_organization_id: taken, key_id: null, changes: { status: { before: 'active', after: 'proposed' } } },
  ])
  t.equal(
    (await q(`select 1 from audit_events where target_id in ($1, $2)`, [delegation.onboarded, delegation.ended])).rowCount,
    0,
    'the others did not change',
  )
})

t.test('both sides are told, with the delegation as the API shows it', async (t) => {
  const events = await q(`select type, subject_id, organization_ids, payload from outbox_events where subject_type = 'delegation'`)
  t.equal(events.rowCount, 1)
  const [event] = events.rows as Array<{ type: string; subject_id: string; organization_ids: string[]; payload: Record<string, unknown> }>
  t.match(event, { type: 'delegation.proposed', subject_id: delegation.taken, organization_ids: [taken, point] })

  // The payload is what GET /v1/delegations/{id} answers for the same row.
  const app = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database, clock: new TestClock(new Date(migratedAt)) }))
  t.teardown(() => app.close())
  const key = await createApiKey(database.db, { organizationId: taken, role: 'admin' })
  const auth = { authorization: `Bearer ${key.key}` }
  const read = await app.inject({ method: 'GET', url: `/v1/delegations/${delegation.taken}`, headers: auth })
  t.equal(read.statusCode, 200)
  t.same(event!.payload, read.json())

  // The member answers it like any proposal; the agent then acts for it again.
  const accepted = await app.inject({ method: 'POST', url: `/v1/delegations/${delegation.taken}/accept`, headers: auth })
  t.equal(accepted.statusCode, 200)
  t.equal(accepted.json().status, 'active')
})

t.test('partners of an approved task stay partners; those of a task never approved are invited', async (t) => {
  const { rows } = await q('select task_id, status, responded_at from task_partners order by task_id = $1 desc', [approvedTask])
  t.match(rows, [
    { task_id: approvedTask, status: 'accepted', responded_at: new Date('2026-02-10T02:00:00Z') },
    { task_id: proposedTask, status: 'invited', responded_at: null },
  ])
})
