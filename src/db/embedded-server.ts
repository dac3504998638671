// Runs PGlite on a worker thread of the API's process and serves it over the PostgreSQL wire
// protocol, so the API talks to the embedded database through the same `pg` driver as to a real
// server, and PGlite's synchronous WASM work runs on a thread of its own instead of blocking the
// API's event loop. Started by startEmbeddedDatabase() (embedded.ts), which explains why a thread and
// not a process.
import { mkdirSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import v8 from 'node:v8'
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { intarray } from '@electric-sql/pglite/contrib/intarray'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { unaccent } from '@electric-sql/pglite/contrib/unaccent'
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket'
import { ConnectionSerialQueue } from './embedded-queue.ts'
import { socketPath, socketPort } from './embedded-socket.ts'
import { copyTemplate } from './template-copy.ts'

/**
 * What the thread is started with (its workerData). socketDir: listen on a Unix socket there, else
 * on a TCP port of 127.0.0.1; port: a restart after a crash listens where the dead thread did, so
 * the owner's URL stays valid; copyFrom: a template that the new dataDir starts as a copy of.
 */
export type StartMessage = {
  dataDir: string
  sharedBuffersMb: number
  maxConnections: number
  liftoffOnly: boolean
  socketDir?: string
  port?: number
  copyFrom?: string
}

/** What the thread answers once it listens, or could not. */
export type ReadyMessage = { ready: true; port: number } | { ready: false; error: string }

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>
// Node's global; this project's TypeScript libraries do not declare it.
declare const WebAssembly: { compile: (bytes: Uint8Array) => Promise<WasmModule> }

/** PGlite's WebAssembly, compiled on V8's threads while the template is copied on libuv's. */
async function compilePglite(): Promise<WasmModule> {
  return WebAssembly.compile(await readFile(new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite'))))
}

async function main(options: StartMessage): Promise<number> {
  // V8's flags are the process's, not the thread's: set before PGlite's WebAssembly is compiled, this
  // one keeps it on the baseline compiler. The API's thread runs no WebAssembly worth the tier-up.
  if (options.liftoffOnly) v8.setFlagsFromString('--liftoff-only')
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

  parentPort!.on('message', (message: unknown) => {
    if (message !== 'stop') return
    void (async () => {
      // close() waits for open connections; the owner has closed its pool by now.
      await Promise.race([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => setTimeout(resolve, 1000))])
      await db.close().catch(() => {})
      process.exit(0) // on a worker thread, ends the thread
    })()
  })
  return options.socketDir ? socketPort : (server.address() as AddressInfo).port
}

const start = workerData as StartMessage
main(start).then(
  (port) => parentPort!.postMessage({ ready: true, port } satisfies ReadyMessage),
  (error: unknown) => {
    parentPort!.postMessage({ ready: false, error: error instanceof Error ? error.message : String(error) } satisfies ReadyMessage)
    process.exit(1)
  },
)
