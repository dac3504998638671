// Runs PGlite in a process of its own and serves it over the PostgreSQL wire protocol, so the API
// talks to the embedded database through the same `pg` driver as to a real server, and PGlite's
// synchronous WASM work never blocks the API's event loop. Started by startEmbeddedDatabase().
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { unaccent } from '@electric-sql/pglite/contrib/unaccent'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

type StartMessage = { dataDir: string; templateFile?: string; maxConnections: number }

async function main(options: StartMessage) {
  const inMemory = options.dataDir.startsWith('memory://')
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true })
  const loadDataDir = options.templateFile ? new Blob([readFileSync(options.templateFile)]) : undefined
  const db = await PGlite.create(inMemory ? undefined : options.dataDir, {
    extensions: { unaccent, pg_trgm },
    ...(loadDataDir ? { loadDataDir } : {}),
  })
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections })
  await server.start()
  const port = Number(server.getServerConn().split(':').pop())

  const stop = async () => {
    await server.stop().catch(() => {})
    await db.close().catch(() => {})
    process.exit(0)
  }
  // The parent owns this process: when it goes away (even killed), so does the database.
  process.on('disconnect', stop)
  process.on('SIGTERM', stop)
  process.on('SIGINT', () => {}) // Ctrl-C reaches the whole group; the parent decides when to stop us.
  process.on('message', (message: unknown) => {
    if (message === 'stop') void stop()
    // Tests build a migrated template once and start every test database from a copy of it.
    if (typeof message === 'object' && message && 'dumpTo' in message) {
      const file = String(message.dumpTo)
      db.dumpDataDir('gzip').then(
        async (blob) => {
          writeFileSync(file, Buffer.from(await blob.arrayBuffer()))
          process.send?.({ dumped: file })
        },
        (error: unknown) => process.send?.({ dumped: null, error: String(error) }),
      )
    }
  })
  process.send?.({ ready: true, port })
}

process.once('message', (message: StartMessage) => {
  main(message).catch((error: unknown) => {
    process.send?.({ ready: false, error: error instanceof Error ? error.message : String(error) })
    process.exit(1)
  })
})
