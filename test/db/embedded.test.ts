import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import pg from 'pg'
import { openDatabase } from '../../src/db/client.ts'
import { beginEmbeddedDatabase, startEmbeddedDatabase } from '../../src/db/embedded.ts'
import { embeddedTemplate } from '../helpers/database.ts'

// Two PGlite starts on one data directory on disk: the first proves the lock and writes a row, the
// second takes over a stale lock and reads the row back.
const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-embedded-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const lockFile = path.join(dataDir, 'tech-exchange.lock')

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

t.test('a data directory in use is refused, naming it; data persists across a restart', async (t) => {
  const first = await startEmbeddedDatabase({ dataDir })
  let stopped = false
  t.teardown(async () => {
    if (!stopped) await first.stop()
  })
  t.equal(readFileSync(lockFile, 'utf8'), String(process.pid), 'the lock names its owner')
  await query(first.url, `create table notes (body text not null); insert into notes values ('Hợp tác xã Hải Hậu')`)

  const again = await startEmbeddedDatabase({ dataDir }).then(
    async (database) => {
      await database.stop()
      return 'started'
    },
    (error: Error) => error.message,
  )
  t.equal(again, `DATA_DIR ${dataDir} is in use by process ${process.pid}; stop it or choose another DATA_DIR`, 'the second is refused')
  t.same(await query(first.url, 'select body from notes'), [{ body: 'Hợp tác xã Hải Hậu' }], 'the refusal left the running database alone')

  await first.stop()
  stopped = true
  t.notOk(existsSync(lockFile), 'stopping releases the lock')

  // A process that held the directory and died without cleaning up.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  writeFileSync(lockFile, dead.stdout)
  const second = await startEmbeddedDatabase({ dataDir })
  t.teardown(() => second.stop())
  t.equal(readFileSync(lockFile, 'utf8'), String(process.pid), 'the stale lock was taken over')
  t.same(await query(second.url, 'select body from notes'), [{ body: 'Hợp tác xã Hải Hậu' }], 'the row survived the restart')
})

t.test('a new data directory starts as a copy of the template; an existing one is opened as it is', async (t) => {
  const templateDir = await embeddedTemplate()
  const fresh = mkdtempSync(path.join(tmpdir(), 'tx-embedded-template-'))
  t.teardown(() => rmSync(fresh, { recursive: true, force: true }))
  // A copy cut short: files there, but not PG_VERSION, which is copied last.
  cpSync(path.join(templateDir, 'global'), path.join(fresh, 'global'), { recursive: true })

  const first = await startEmbeddedDatabase({ dataDir: fresh, templateDir })
  t.equal(first.fromTemplate, true, 'a directory without PG_VERSION is copied into')
  const migrated = await query(first.url, 'select count(*)::int as count from drizzle.__drizzle_migrations')
  t.ok((migrated[0] as { count: number }).count > 0, 'the copy holds the migrations')
  // What a start would otherwise make (migrate.ts): ~0.4 s of pg-boss DDL on a first start.
  const [jobs] = (await query(
    first.url,
    `select (select count(*)::int from pgboss.queue) as queues, (select count(*)::int from pgboss.schedule) as schedules,
      (select count(*)::int from shared_secrets) as secrets`,
  )) as Array<{ queues: number; schedules: number; secrets: number }>
  t.ok(jobs!.queues >= 10, `the job queues are there (${jobs!.queues})`)
  t.ok(jobs!.schedules >= 5, `their cron schedules too (${jobs!.schedules})`)
  t.equal(jobs!.secrets, 0, 'but no cursor key: every database made from the template makes its own')
  t.same(await query(first.url, 'select datname from pg_database'), [{ datname: 'postgres' }], 'without template0 and template1')
  await query(first.url, `create table notes (body text not null); insert into notes values ('Sàn Hà Nội')`)
  await first.stop()

  const second = await startEmbeddedDatabase({ dataDir: fresh, templateDir })
  t.teardown(() => second.stop())
  t.equal(second.fromTemplate, false, 'an existing directory is not copied over')
  t.same(await query(second.url, 'select body from notes'), [{ body: 'Sàn Hà Nội' }], 'its rows are kept')
})

t.test('the database runs on a thread of this process, on either WebAssembly tier', async (t) => {
  // This process's Node.js children, by pid (tsx's esbuild service is a child of its own).
  const children = () =>
    spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((line) => line.trim())
      .filter((line) => line.endsWith(' node'))
  for (const wasmTier of [undefined, 'baseline', 'optimizing'] as const) {
    const before = children()
    const database = await startEmbeddedDatabase({ dataDir: 'memory://', wasmTier })
    t.type(database.threadId, 'number', `${wasmTier ?? 'the default'}: a worker thread`)
    t.same(
      children().filter((child) => !before.includes(child)),
      [],
      'no process of its own',
    )
    t.same(await query(database.url, 'select 1 as one'), [{ one: 1 }], `${wasmTier ?? 'the default'}: it answers`)
    await database.stop()
    t.equal(database.threadId, undefined, 'the thread is gone once stopped')
  }
})

t.test('the database listens on a Unix socket of its own, removed when it stops; TCP when asked', async (t) => {
  const onSocket = await startEmbeddedDatabase({ dataDir: 'memory://' })
  const socketDir = new URL(onSocket.url.replace('@/', '@localhost/')).searchParams.get('host')
  try {
    t.ok(socketDir?.startsWith(tmpdir()), `the URL names a socket directory (${onSocket.url})`)
    t.ok(existsSync(path.join(socketDir!, '.s.PGSQL.5432')), 'holding the socket file')
    t.same(await query(onSocket.url, 'select 1 + 1 as two'), [{ two: 2 }], 'node-postgres reaches it by the URL')
  } finally {
    await onSocket.stop()
  }
  t.notOk(existsSync(socketDir!), 'the directory is gone once the database stopped')

  const onTcp = await startEmbeddedDatabase({ dataDir: 'memory://', unixSocket: false })
  t.teardown(() => onTcp.stop())
  t.match(onTcp.url, /^postgresql:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres$/)
  t.same(await query(onTcp.url, 'select 1 + 1 as two'), [{ two: 2 }])
})

t.test('a template without PG_VERSION is refused, and the lock is released', async (t) => {
  const notTemplate = mkdtempSync(path.join(tmpdir(), 'tx-embedded-not-template-'))
  const fresh = mkdtempSync(path.join(tmpdir(), 'tx-embedded-fresh-'))
  t.teardown(() => {
    rmSync(notTemplate, { recursive: true, force: true })
    rmSync(fresh, { recursive: true, force: true })
  })
  await t.rejects(startEmbeddedDatabase({ dataDir: fresh, templateDir: notTemplate }), /is not a database template/)
  t.notOk(existsSync(path.join(fresh, 'tech-exchange.lock')), 'the directory is free again')
})

t.test('the pool can be had before the database listens, on its socket; opened says when to use it', async (t) => {
  const fresh = mkdtempSync(path.join(tmpdir(), 'tx-embedded-early-'))
  t.teardown(() => rmSync(fresh, { recursive: true, force: true }))
  const database = await openDatabase({ dataDir: fresh, templateDir: await embeddedTemplate(), poolSize: 1, early: true })
  t.teardown(() => database.close())
  let opened = false
  void database.opened.then(() => (opened = true))
  t.equal(opened, false, 'handed out while PGlite still opens')
  t.equal(database.embedded, undefined, 'not started yet')
  t.match(database.url, /^postgresql:\/\/postgres:postgres@\/postgres\?host=/, 'the URL is the socket it will listen on')
  await database.opened
  t.equal(database.embedded?.state, 'running')
  t.same((await database.pool.query('select 1 + 1 as two')).rows, [{ two: 2 }], 'the early pool reaches it')
})

t.test('a start refused for a locked directory removes the socket directory it had made', async (t) => {
  const first = await startEmbeddedDatabase({ dataDir })
  t.teardown(() => first.stop())
  const refused = beginEmbeddedDatabase({ dataDir })
  const socketDir = new URL(refused.url!.replace('@/', '@localhost/')).searchParams.get('host')!
  await t.rejects(refused.started, /is in use by process/)
  t.notOk(existsSync(socketDir), 'no socket directory left behind')
  const database = await openDatabase({ dataDir, poolSize: 1, early: true })
  await t.rejects(database.opened, /is in use by process/, 'an early open says so through opened')
  await database.close()
})
