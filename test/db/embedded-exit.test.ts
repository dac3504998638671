import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'
import { startEmbeddedDatabase } from '../../src/db/embedded.ts'
import { embeddedTemplate } from '../helpers/database.ts'

// The server itself (src/server.ts, as `npm start` runs it) on the embedded database, told to allow
// no restarts: when its database thread dies, it must exit non-zero, so that Docker's restart
// policy or systemd starts it again, and leave the data directory unlocked for that next start.
const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-exit-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
// A migrated directory, so the server starts without migrating from scratch.
await (await startEmbeddedDatabase({ dataDir, templateDir: await embeddedTemplate() })).stop()

t.test('the database thread killed and no restart allowed: the server exits 1 and unlocks the directory', async (t) => {
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      EMBEDDED_DB_RESTARTS: '0',
      FAULT_EMBEDDED_DB_CRASH_ON_SIGUSR2: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.teardown(() => server.kill('SIGKILL'))
  // 'close', not 'exit': a process can exit before its last lines have been read from the pipe.
  const exited = once(server, 'close') as Promise<[number | null, NodeJS.Signals | null]>
  const messages: string[] = []
  let databaseThreadId = 0
  const listening = new Promise<string>((resolve) => {
    createInterface({ input: server.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg: string; databaseThreadId?: number }
      messages.push(entry.msg)
      if (entry.msg === 'embedded database started') databaseThreadId = entry.databaseThreadId!
      const url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(entry.msg)?.[1]
      if (url) resolve(url)
    })
  })
  const url = await Promise.race([listening, exited.then(([code]) => Promise.reject(new Error(`the server exited with ${code} before listening`)))])
  t.equal((await fetch(`${url}/ready`)).status, 200, 'ready')
  t.ok(databaseThreadId > 0, "the database thread's id is logged")

  server.kill('SIGUSR2') // FAULT_EMBEDDED_DB_CRASH_ON_SIGUSR2: the server ends its database thread

  const [code, signal] = await exited
  t.equal(code, 1, 'the server exited with code 1')
  t.equal(signal, null)
  t.ok(messages.includes('embedded database lost'), 'and said why')
  t.notOk(existsSync(path.join(dataDir, 'tech-exchange.lock')), 'the data directory is unlocked for the next start')
})
