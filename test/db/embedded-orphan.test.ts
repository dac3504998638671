import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { startEmbeddedDatabase } from '../../src/db/embedded.ts'
import { lockFileName } from '../../src/db/template-copy.ts'
import { embeddedTemplate } from '../helpers/database.ts'

// The server killed while its database is still starting (at boot, or during a restart): nothing of
// it may outlive the server, or it would hold the data directory unlocked, and the next server would
// open a second PGlite on the same files. The database runs on a thread of the server's process, so
// it dies with it; this checks that no process of its own was started, and that the next start
// takes over the dead server's lock and opens the directory.
const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-orphan-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

/** Running, as opposed to gone or a zombie nobody has reaped yet. */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return false
  }
}

t.test('a server killed while its database starts leaves no process behind, and its directory opens again', async (t) => {
  const parent = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/embedded-parent.ts'], {
    env: { ...process.env, EMBEDDED_PARENT_DATA_DIR: dataDir, EMBEDDED_PARENT_TEMPLATE: await embeddedTemplate() },
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  t.teardown(() => parent.kill('SIGKILL'))
  // Killed while the database starts: the template is copied, PGlite may not be up yet.
  while (!existsSync(path.join(dataDir, 'PG_VERSION')) && parent.exitCode === null) await sleep(5)
  // Node.js children, that is: tsx's esbuild service is a child of its own.
  const children = spawnSync('ps', ['-o', 'comm=', '--ppid', String(parent.pid)], { encoding: 'utf8' }).stdout.split('\n')
  t.notOk(children.includes('node'), 'the database runs in the server process, not in a child of it')
  t.ok(existsSync(path.join(dataDir, lockFileName)), 'the server holds the lock')
  const socketDirs = () => readdirSync(tmpdir()).filter((entry) => entry.startsWith(`techx-db-${parent.pid}-`))
  t.equal(socketDirs().length, 1, 'its socket directory is named for it')
  parent.kill('SIGKILL')
  while (running(parent.pid!)) await sleep(10)
  // A server killed outright leaves it behind (not asserted: another test file's start may sweep it first).

  // The directory is whole and free: the dead server's lock is stale, and nothing else has it open.
  const again = await startEmbeddedDatabase({ dataDir })
  t.equal(again.state, 'running', 'the next start opens it')
  t.same(socketDirs(), [], "and removes the dead server's socket directory")
  await again.stop()
})

t.test('a lock left by a process that exited but was not reaped yet (a zombie) is stale', async (t) => {
  // `sleep 1` runs in the background of a shell that then becomes `sleep 5`, which never reaps it:
  // from its end until the fifth second its pid answers kill(pid, 0), as a killed server's does until
  // its parent reaps it. (With `sleep 0` a shell slowed by a busy machine could see it end before
  // its exec, and reap it: CI once found no zombie.)
  const shell = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] })
  t.teardown(() => shell.kill('SIGKILL'))
  const zombie = Number(await new Promise<string>((resolve) => shell.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()))))
  while (running(zombie)) await sleep(10)
  t.doesNotThrow(() => process.kill(zombie, 0), 'the pid still answers a signal')

  const zombieDir = mkdtempSync(path.join(tmpdir(), 'tx-zombie-'))
  t.teardown(() => rmSync(zombieDir, { recursive: true, force: true }))
  cpSync(await embeddedTemplate(), zombieDir, { recursive: true })
  writeFileSync(path.join(zombieDir, lockFileName), String(zombie))
  const database = await startEmbeddedDatabase({ dataDir: zombieDir })
  t.equal(database.state, 'running', 'the next start opens the directory')
  await database.stop()
})
