import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Worker, type WorkerOptions } from 'node:worker_threads'
import type { ReadyMessage, StartMessage } from './embedded-server.ts'
import { socketPath, unixSockets } from './embedded-socket.ts'
import { lockFileName } from './template-copy.ts'
import { supervise, type Exit, type RestartPolicy, type SupervisedState, type SupervisorLog } from './supervisor.ts'

export type EmbeddedDatabase = {
  url: string
  /** running; restarting after its thread died; failed once restarts were given up; stopped. */
  readonly state: SupervisedState
  /** The database thread's id (worker_threads' threadId), while there is one. */
  readonly threadId: number | undefined
  /**
   * Ends the database thread at once, without closing PGlite: what a crash does. The supervisor sees
   * a death like any other and restarts it, or gives up. For fault tests (and the server's
   * FAULT_EMBEDDED_DB_CRASH_ON_SIGUSR2).
   */
  crash: () => Promise<void>
  /** Settles only when the database died and will not be restarted: its owner should exit non-zero. */
  failed: Promise<Error>
  stop: () => Promise<void>
  /** Whether the data directory was new and started as a copy of the template. */
  fromTemplate: boolean
}

export type WasmTier = 'baseline' | 'optimizing'

export type EmbeddedOptions = {
  dataDir: string
  /**
   * A migrated data directory (src/migrate.ts builds it) copied into a new `dataDir` before the
   * database opens it: a copy and an open take under a second, where creating a database cluster and
   * migrating it take several, and leave PGlite's memory at the peak that initdb reached.
   */
  templateDir?: string
  /** PostgreSQL's shared_buffers in MB: most of what the database thread holds. */
  sharedBuffersMb?: number
  /**
   * 'baseline' (the default) runs PGlite's WebAssembly as V8's Liftoff compiles it, with no
   * optimising tier: the tier-up's compile threads took the second core for most of a start and its
   * code ~70 MB, for ~15% more throughput. 'optimizing' keeps V8's default.
   */
  wasmTier?: WasmTier
  maxConnections?: number
  /** false: listen on TCP (127.0.0.1) even where a Unix socket is available (embedded-socket.ts). */
  unixSocket?: boolean
  /** Restarts of a database thread that died allowed within a minute; 0 gives up at the first death. */
  maxRestarts?: number
  log?: SupervisorLog
}

/** The embedded database as openDatabase's options describe it (db/client.ts). */
export type EmbeddedSettings = {
  dataDir: string
  /** The pool's size; the database admits two connections more. */
  poolSize: number
  /** A migrated data directory that a new `dataDir` starts as a copy of. */
  templateDir?: string
  /** shared_buffers in MB (startEmbeddedDatabase has the default). */
  embeddedSharedBuffersMb?: number
  /** How PGlite's WebAssembly is compiled (EmbeddedOptions.wasmTier). */
  embeddedWasmTier?: WasmTier
  /** Restarts a minute of the database after it died (startEmbeddedDatabase has the default). */
  embeddedMaxRestarts?: number
  log?: SupervisorLog
}

/**
 * A start of the embedded database under way. On a Unix socket its URL is known before it listens,
 * so its owner can make a pool and do other work meanwhile (the server registers its routes while
 * PGlite opens); on TCP the port is chosen at listen, and `url` is undefined.
 */
export type EmbeddedStart = { url: string | undefined; started: Promise<EmbeddedDatabase> }

export function startEmbeddedFor(settings: EmbeddedSettings): EmbeddedStart {
  return beginEmbeddedDatabase({
    dataDir: settings.dataDir,
    templateDir: settings.templateDir,
    sharedBuffersMb: settings.embeddedSharedBuffersMb,
    wasmTier: settings.embeddedWasmTier,
    maxConnections: settings.poolSize + 2,
    maxRestarts: settings.embeddedMaxRestarts,
    log: settings.log,
  })
}

/** Three restarts a minute: enough for a thread that dies now and then, not for one that dies on every start. */
const defaultRestartPolicy: RestartPolicy = { maxRestarts: 3, periodMs: 60_000 }

type DatabaseThread = {
  worker: Worker
  port: number
  exited: Promise<Exit>
  stop: () => Promise<void>
}

/**
 * Starts PGlite on a worker thread, returns a postgres:// URL for it, and restarts the thread if it
 * dies (see supervisor.ts).
 *
 * A thread, not a process of its own (as until December 2026) nor the API's own thread. On the API's
 * thread every query's WebAssembly would block the event loop, and the two CPU loads would add up
 * (27 s and 15 s of CPU in a 29 s run: ~0.7× the throughput). A thread keeps them on two cores as a
 * process did, without a second Node.js: one copy of node's binary, heap and start-up instead of two,
 * ~50 MB of RSS less (docs/operations.md). What a thread gives up: a crash of the WebAssembly that
 * takes the thread down (an uncaught error, an out-of-memory) is restarted as before, but one that
 * takes the process down (a native fault) takes the API with it, for Docker or systemd to restart.
 *
 * It listens on a Unix socket in a temporary directory of its own (TCP on
 * 127.0.0.1 where there is none: embedded-socket.ts), removed when it stops. A restart listens on
 * the same socket (or port), so the URL and the pool's settings stay valid:
 * the pool drops the dead connections and opens new ones. PGlite takes no lock on its data
 * directory, so we refuse to open one another process has open; this process keeps the lock across
 * restarts, and a new database thread starts only after the old one has exited.
 */
export function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  return beginEmbeddedDatabase(options).started
}

/** startEmbeddedDatabase, telling its URL before the database listens when it can (EmbeddedStart). */
export function beginEmbeddedDatabase(options: EmbeddedOptions): EmbeddedStart {
  const socketDir = options.unixSocket === false ? undefined : socketDirectory()
  return { url: socketDir ? socketUrl(socketDir) : undefined, started: runEmbeddedDatabase(options, socketDir) }
}

const socketUrl = (socketDir: string) => `postgresql://postgres:postgres@/postgres?host=${encodeURIComponent(socketDir)}`

async function runEmbeddedDatabase(options: EmbeddedOptions, socketDir: string | undefined): Promise<EmbeddedDatabase> {
  const inMemory = options.dataDir.startsWith('memory://')
  let releaseLock: () => void
  try {
    releaseLock = inMemory ? () => {} : lockDataDir(options.dataDir)
  } catch (error) {
    if (socketDir) rmSync(socketDir, { recursive: true, force: true })
    throw error
  }
  const fromTemplate = !inMemory && options.templateDir !== undefined && !existsSync(path.join(options.dataDir, 'PG_VERSION'))
  const start: StartMessage = {
    dataDir: options.dataDir,
    sharedBuffersMb: options.sharedBuffersMb ?? 32,
    maxConnections: options.maxConnections ?? 20,
    liftoffOnly: (options.wasmTier ?? 'baseline') === 'baseline',
    socketDir,
  }
  const spawn = async (message: StartMessage) => {
    const started = await startDatabaseThread(message, options.log)
    options.log?.info(
      { databaseThreadId: started.worker.threadId, ...(socketDir ? { socket: socketPath(socketDir) } : { port: started.port }) },
      'embedded database started',
    )
    return started
  }
  const release = () => {
    releaseLock()
    if (socketDir) rmSync(socketDir, { recursive: true, force: true })
  }
  let first: DatabaseThread
  try {
    // The database thread copies the template while it compiles PGlite, and this thread loads the app.
    if (fromTemplate && !existsSync(path.join(options.templateDir!, 'PG_VERSION'))) {
      throw new Error(`${options.templateDir} is not a database template (it has no PG_VERSION)`)
    }
    first = await spawn(fromTemplate ? { ...start, copyFrom: options.templateDir } : start)
  } catch (error) {
    release()
    throw error
  }
  const supervisor = supervise(first, {
    name: 'embedded database',
    // A restart opens the data directory as the dead thread left it (PostgreSQL's crash recovery
    // replays the WAL). Memory dies with the thread: nothing to restart.
    restart: inMemory ? undefined : () => spawn({ ...start, port: first.port }),
    policy: { ...defaultRestartPolicy, ...(options.maxRestarts === undefined ? {} : { maxRestarts: options.maxRestarts }) },
    log: options.log,
  })
  return {
    url: socketDir ? socketUrl(socketDir) : `postgresql://postgres:postgres@127.0.0.1:${first.port}/postgres`,
    get state() {
      return supervisor.state
    },
    get threadId() {
      return supervisor.current?.worker.threadId
    },
    crash: async () => {
      const current = supervisor.current
      if (!current) return
      await current.worker.terminate()
      await current.exited
    },
    failed: supervisor.failed,
    fromTemplate,
    stop: async () => {
      await supervisor.stop()
      release()
    },
  }
}

const threadFile = new URL(`./embedded-server${path.extname(import.meta.url)}`, import.meta.url)

/**
 * The database thread, on dist/'s JavaScript or, from source (tests, `npm run dev`), on the
 * TypeScript: Node 20 does not pass tsx's `--import` on to a worker, so that thread registers tsx
 * itself before it imports the file.
 */
function newWorker(options: WorkerOptions): Worker {
  if (threadFile.pathname.endsWith('.js')) return new Worker(threadFile, options)
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const source = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(threadFile.href)}) })`
  return new Worker(source, { ...options, eval: true })
}

async function startDatabaseThread(start: StartMessage, log: SupervisorLog | undefined): Promise<DatabaseThread> {
  const worker = newWorker({
    workerData: start,
    // PGlite may print to stdout, which holds the API's JSON log lines: dropped, as the database
    // process's was. Its stderr is the process's.
    stdout: true,
    // Its JavaScript only passes bytes between sockets and PGlite: a small young generation is
    // enough. 3 MB held ~15 MB less idle than V8's default (bench/startup.ts).
    resourceLimits: { maxYoungGenerationSizeMb: 3 },
  })
  worker.stdout.resume()
  // Listened for from the start, so an exit is never missed, however early.
  const exited = new Promise<Exit>((resolve) => worker.once('exit', (code) => resolve({ code, signal: null })))
  // An uncaught error ends the thread: its exit is what the supervisor acts on, and this says why.
  worker.on('error', (error) => log?.error({ err: error }, 'embedded database thread failed'))
  try {
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject)
      void exited.then(({ code }) => reject(new Error(`embedded database exited during start-up (code ${code})`)))
      worker.once('message', (message: ReadyMessage) => {
        if (message.ready) resolve(message.port)
        else reject(new Error(`embedded database failed to start: ${message.error}`))
      })
    })
    return {
      worker,
      port,
      exited,
      stop: async () => {
        worker.postMessage('stop')
        await exited
      },
    }
  } catch (error) {
    await worker.terminate() // the data directory is free only once PGlite's thread is gone
    throw error
  }
}

/**
 * A directory of this process's own for the database's Unix socket (see embedded-socket.ts), or
 * undefined where there is none to be had: on Windows, or when the temporary directory's path is
 * too long for a socket's address (about 100 bytes).
 */
function socketDirectory(): string | undefined {
  if (!unixSockets) return undefined
  removeDeadSocketDirectories()
  let dir: string
  try {
    dir = mkdtempSync(path.join(tmpdir(), `techx-db-${process.pid}-`))
  } catch {
    return undefined // an unwritable temporary directory: TCP still works
  }
  if (Buffer.byteLength(socketPath(dir)) <= 100) return dir
  rmSync(dir, { recursive: true, force: true })
  return undefined
}

/**
 * A server killed outright (SIGKILL, a crash of the process) leaves its socket directory behind. Its
 * name holds the pid that made it: those whose process is gone are removed at the next start.
 */
function removeDeadSocketDirectories() {
  let entries: string[]
  try {
    entries = readdirSync(tmpdir())
  } catch {
    return
  }
  for (const entry of entries) {
    const owner = Number(/^techx-db-(\d+)-/.exec(entry)?.[1])
    if (!owner || owner === process.pid || isAlive(owner)) continue
    try {
      rmSync(path.join(tmpdir(), entry), { recursive: true, force: true })
    } catch {
      // another user's, or going already: not this start's business
    }
  }
}

function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const lockFile = path.join(dataDir, lockFileName)
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8'))
    if (pid && isAlive(pid)) {
      throw new Error(`DATA_DIR ${dataDir} is in use by process ${pid}; stop it or choose another DATA_DIR`)
    }
    rmSync(lockFile, { force: true }) // left behind by a process that died
  }
  let fd: number
  try {
    fd = openSync(lockFile, 'wx')
  } catch (error) {
    // Another process created the lock between our check and now.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    throw new Error(`DATA_DIR ${dataDir} is in use by another process; stop it or choose another DATA_DIR`, { cause: error })
  }
  writeFileSync(fd, String(process.pid))
  closeSync(fd)
  return () => rmSync(lockFile, { force: true })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  return !isZombie(pid)
}

/**
 * A process that has exited but whose parent has not reaped it yet still answers kill(pid, 0), yet
 * holds no file: a server killed a moment ago is one until its parent (a shell, a supervisor, a
 * test) gets round to it. Read from /proc where there is one; elsewhere, assumed not.
 */
function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.[0] === 'Z'
  } catch {
    return false
  }
}
