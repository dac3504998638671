// Runs PGlite in a process of its own and serves it over the PostgreSQL wire protocol, so the API
// talks to the embedded database through the same `pg` driver as to a real server, and PGlite's
// synchronous WASM work never blocks the API's event loop. Started by startEmbeddedDatabase().
import { mkdirSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { intarray } from '@electric-sql/pglite/contrib/intarray'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { unaccent } from '@electric-sql/pglite/contrib/unaccent'
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket'
import { ConnectionSerialQueue } from './embedded-queue.ts'
import { socketPath, socketPort } from './embedded-socket.ts'
import { copyTemplate } from './template-copy.ts'

// socketDir: listen on a Unix socket there (see embedded.ts), else on a TCP port of 127.0.0.1.
// port: a restart after a crash listens where the dead process did, so the parent's URL stays valid.
// copyFrom: a template that the new dataDir starts as a copy of.
type StartMessage = { dataDir: string; sharedBuffersMb: number; maxConnections: number; socketDir?: string; port?: number; copyFrom?: string }

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>
// Node's global; this project's TypeScript libraries do not declare it.
declare const WebAssembly: { compile: (bytes: Uint8Array) => Promise<WasmModule> }

/** PGlite's WebAssembly, compiled on V8's threads while the template is copied on libuv's. */
async function compilePglite(): Promise<WasmModule> {
  return WebAssembly.compile(await readFile(new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite'))))
}

async function main(options: StartMessage) {
  const inMemory = options.dataDir.startsWith('memory://')
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true })
  const compiling = compilePglite()
  if (options.copyFrom) await copyTemplate(options.copyFrom, options.dataDir)
  const db = await PGlite.create(inMemory ? undefined : options.dataDir, {
    pgliteWasmModule: await compiling,
    extensions: { unaccent, pg_trgm, intarray },
    // PGlite's WebAssembly memory grows to what PostgreSQL touches and never shrinks, and its default
    // 128 MB of shared buffers is most of it: an exchange's catalogue fits in far less.
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffersMb}MB`],
  })
  // Our own listener instead of PGLiteSocketServer, to give the handlers a queue that keeps each
  // connection's query or transaction whole (see embedded-queue.ts).
  const queryQueue = new ConnectionSerialQueue(db) as unknown as ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue']
  const server = createServer((socket) => {
    new PGLiteSocketHandler({ queryQueue, closeOnDetach: true }).attach(socket).catch(() => socket.destroy())
  })
  server.maxConnections = options.maxConnections
  // A dead predecessor leaves its socket file behind, and listen() would fail on it.
  if (options.socketDir) rmSync(socketPath(options.socketDir), { force: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    if (options.socketDir) server.listen(socketPath(options.socketDir), resolve)
    else server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  const port = options.socketDir ? socketPort : (server.address() as AddressInfo).port

  const stop = async () => {
    // close() waits for open connections; the parent has closed its pool by now, or is gone.
    await Promise.race([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => setTimeout(resolve, 1000))])
    await db.close().catch(() => {})
    process.exit(0)
  }
  stopWithParent = stop
  if (parentGone) return stop()
  process.on('message', (message: unknown) => {
    if (message === 'stop') void stop()
  })
  // The parent may die between the check above and this message (the pipe then breaks): with a
  // callback, the failure comes back here instead of crashing the process as an 'error' event.
  if (!process.connected) return stop()
  process.send?.({ ready: true, port }, undefined, {}, (error) => {
    if (error) void stop()
  })
}

// The parent owns this process: when it goes away (even killed), so does the database, closed
// cleanly. Listened for before anything else and acted on once the database is up: a parent killed
// while PGlite was starting used to be noticed only by a crash on reporting ready to it.
let parentGone = !process.connected
let stopWithParent: (() => Promise<void>) | undefined
process.on('disconnect', () => {
  parentGone = true
  void stopWithParent?.()
})
// Ctrl-C, and systemd's stop, signal the whole group; the parent decides when to stop us, after its
// in-flight requests have finished. Stopping here first would look like a crash to it.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => {})

process.once('message', (message: StartMessage) => {
  main(message).catch((error: unknown) => {
    process.send?.({ ready: false, error: error instanceof Error ? error.message : String(error) })
    process.exit(1)
  })
})
