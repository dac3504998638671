import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { describeDatabaseUrl } from '../src/lib/redaction.ts'
import { openTestDatabase } from './helpers/database.ts'

// What `npm start` tells a person: a banner on stderr once it listens, or one line and exit code 1
// when it cannot start. The server runs as a process of its own, as in production.

type Run = { code: number | null; stderr: string; kill: () => void }

/** Starts src/server.ts; resolves when it exits, or, with `untilBanner`, once it has printed its banner. */
function runServer(env: Record<string, string>, untilBanner = false): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', JOBS_WORKER: 'false', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  const kill = () => child.kill('SIGKILL')
  return new Promise((resolve) => {
    const timer = setTimeout(kill, 90_000)
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (untilBanner && /\n {2}docs .*\n/.test(stderr)) {
        // Wait for the line that may follow the docs line.
        setTimeout(() => {
          clearTimeout(timer)
          resolve({ code: null, stderr, kill })
        }, 300)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, kill })
    })
  })
}

function scratchDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

// On the database the suite runs on: the embedded one in a new directory, or a PostgreSQL database.
t.test('the banner says where the data lives, what the migrations did, where the docs are and how to get a first key', async (t) => {
  let env: Record<string, string>
  let database: string
  let firstKey: string
  if (process.env.TEST_DATABASE_URL) {
    const opened = await openTestDatabase({ poolSize: 1 })
    t.teardown(() => opened.close())
    const url = new URL(opened.url)
    url.password = 'sekret-password' // trust authentication ignores it; the banner must not show it
    env = { DATABASE_URL: url.toString() }
    database = `PostgreSQL at ${url.hostname}:${url.port}${url.pathname}`
    firstKey = 'none exists yet: run `npm run cli -- keys create --operator` with the same DATABASE_URL'
  } else {
    const dataDir = scratchDir(t, 'tx-start-')
    env = { DATA_DIR: dataDir }
    database = `embedded PostgreSQL (PGlite) in ${dataDir}`
    firstKey = 'none exists yet: stop the server (Ctrl-C), run `npm run cli -- keys create --operator`, and start it again'
  }
  const run = await runServer(env, true)
  t.teardown(run.kill)
  t.match(run.stderr, /^tech-exchange API listening on http:\/\/127\.0\.0\.1:\d+\n/)
  t.match(run.stderr, `\n  database    ${database}`)
  t.match(run.stderr, /\n {2}migrations {2}\d+ in all, (none pending|\d+ applied now)\n/)
  t.match(run.stderr, /\n {2}docs {8}http:\/\/127\.0\.0\.1:\d+\/docs /)
  t.match(run.stderr, `\n  first key   ${firstKey}`)
  t.notMatch(run.stderr, 'sekret-password')
})

t.test('a Unix socket with no database behind it ends the start with one line and exit code 1', async (t) => {
  const socketDir = scratchDir(t, 'tx-start-no-socket-')
  const run = await runServer({ DATABASE_URL: `postgresql://techx@/techx?host=${socketDir}` })
  t.equal(run.code, 1)
  t.match(
    run.stderr,
    new RegExp(
      `^Cannot start: the database at DATABASE_URL \\(PostgreSQL at socket ${socketDir}/techx\\) refused or cannot be reached: .*ENOENT.*\\. Check DATABASE_URL\\.\n$`,
    ),
  )
})

// PostgreSQL on the same host is best reached over its Unix socket (docs/operations.md), in
// libpq's form with no host in the authority, which WHATWG's URL parser refuses: the banner threw.
t.test('a database URL is shown as node-postgres reads it: host, port, database, never the user or password', async (t) => {
  t.equal(describeDatabaseUrl('postgresql://techx:sekret@db:5433/techx?sslmode=require'), 'db:5433/techx')
  t.equal(describeDatabaseUrl('postgres://techx@localhost/techx'), 'localhost/techx')
  t.equal(describeDatabaseUrl('postgresql://techx:sekret@/techx?host=/var/run/postgresql'), 'socket /var/run/postgresql/techx')
  t.equal(describeDatabaseUrl('postgresql://techx@%2Fvar%2Frun%2Fpostgresql:5434/bench'), 'socket /var/run/postgresql:5434/bench')
})

// The server run on it needs a PostgreSQL server with a socket: the suite's on PostgreSQL.
if (process.env.TEST_DATABASE_URL)
  t.test('a DATABASE_URL naming a Unix socket starts, and the banner names the socket', async (t) => {
    const opened = await openTestDatabase({ poolSize: 1 })
    t.teardown(() => opened.close())
    const tcp = new URL(opened.url)
    const database = tcp.pathname.slice(1)
    const run = await runServer({ DATABASE_URL: `postgresql://${tcp.username}@/${database}?host=/var/run/postgresql&port=${tcp.port || 5432}` }, true)
    t.teardown(run.kill)
    t.equal(run.code, null, 'still running')
    t.match(run.stderr, `\n  database    PostgreSQL at socket /var/run/postgresql:${tcp.port || 5432}/${database}\n`)
  })

t.test('a busy port ends the start with one line and exit code 1', async (t) => {
  const holder = createServer()
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
  t.teardown(() => holder.close())
  const port = (holder.address() as AddressInfo).port
  const run = await runServer({ DATA_DIR: scratchDir(t, 'tx-start-port-'), PORT: String(port) })
  t.equal(run.code, 1)
  t.equal(run.stderr, `Cannot start: port ${port} on 127.0.0.1 is in use by another process. Stop it, or set PORT to a free port.\n`)
})

t.test('a data directory another process holds ends the start with one line and exit code 1', async (t) => {
  const dataDir = scratchDir(t, 'tx-start-lock-')
  // This test's own process is alive: the lock is not stale.
  writeFileSync(path.join(dataDir, 'tech-exchange.lock'), String(process.pid))
  const run = await runServer({ DATA_DIR: dataDir })
  t.equal(run.code, 1)
  t.equal(run.stderr, `Cannot start: DATA_DIR ${dataDir} is in use by process ${process.pid}; stop it or choose another DATA_DIR.\n`)
})

t.test('a database that cannot be reached ends the start with one line and exit code 1', async (t) => {
  const run = await runServer({ DATABASE_URL: 'postgresql://techx:sekret-password@127.0.0.1:1/techx' })
  t.equal(run.code, 1)
  t.match(
    run.stderr,
    /^Cannot start: the database at DATABASE_URL \(PostgreSQL at 127\.0\.0\.1:1\/techx\) refused or cannot be reached: .*ECONNREFUSED.*\. Check DATABASE_URL\.\n$/,
  )
  t.notMatch(run.stderr, 'sekret-password')
})
