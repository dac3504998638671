import { fork, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { socketPath, unixSockets } from './embedded-socket.ts'
import { lockFileName } from './template-copy.ts'
import { supervise, type Exit, type RestartPolicy, type SupervisedState, type SupervisorLog } from './supervisor.ts'

export type EmbeddedDatabase = {
  url: string
  /** running; restarting after its process died; failed once restarts were given up; stopped. */
  readonly state: SupervisedState
  /** The database process's id, while there is one. */
  readonly pid: number | undefined
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
  /** PostgreSQL's shared_buffers in MB: most of what the database process holds. */
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
  /** Restarts of a database process that died allowed within a minute; 0 gives up at the first death. */
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

export function startEmbeddedFor(settings: EmbeddedSettings): Promise<EmbeddedDatabase> {
  return startEmbeddedDatabase({
    dataDir: settings.dataDir,
    templateDir: settings.templateDir,
    sharedBuffersMb: settings.embeddedSharedBuffersMb,
    wasmTier: settings.embeddedWasmTier,
    maxConnections: settings.poolSize + 2,
    maxRestarts: settings.embeddedMaxRestarts,
    log: settings.log,
  })
}

/** Three restarts a minute: enough for a process killed now and then, not for one that dies on every start. */
const defaultRestartPolicy: RestartPolicy = { maxRestarts: 3, periodMs: 60_000 }

type StartMessage = { dataDir: string; sharedBuffersMb: number; maxConnections: number; socketDir?: string; port?: number; copyFrom?: string }

type DatabaseProcess = {
  child: ChildProcess
  port: number
  exited: Promise<Exit>
  stop: () => Promise<void>
}

const serverFile = new URL(`./embedded-server${path.extname(import.meta.url)}`, import.meta.url)

/**
 * Starts PGlite in a child process, returns a postgres:// URL for it, and restarts the process if it
 * dies (see supervisor.ts). It listens on a Unix socket in a temporary directory of its own (TCP on
 * 127.0.0.1 where there is none: embedded-socket.ts), removed when it stops. A restart listens on
 * the same socket (or port), so the URL and the pool's settings stay valid:
 * the pool drops the dead connections and opens new ones. PGlite takes no lock on its data
 * directory, so we refuse to open one another process has open; this process keeps the lock across
 * restarts, and a new database process starts only after the old one has exited.
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const inMemory = options.dataDir.startsWith('memory://')
  const releaseLock = inMemory ? () => {} : lockDataDir(options.dataDir)
  const fromTemplate = !inMemory && options.templateDir !== undefined && !existsSync(path.join(options.dataDir, 'PG_VERSION'))
  const socketDir = options.unixSocket === false ? undefined : socketDirectory()
  const start: StartMessage = {
    dataDir: options.dataDir,
    sharedBuffersMb: options.sharedBuffersMb ?? 32,
    maxConnections: options.maxConnections ?? 20,
    socketDir,
  }
  const spawn = async (message: StartMessage) => {
    const started = await spawnDatabaseProcess(message, options.wasmTier ?? 'baseline')
    options.log?.info(
      { databasePid: started.child.pid, ...(socketDir ? { socket: socketPath(socketDir) } : { port: started.port }) },
      'embedded database started',
    )
    return started
  }
  const release = () => {
    releaseLock()
    if (socketDir) rmSync(socketDir, { recursive: true, force: true })
  }
  let first: DatabaseProcess
  try {
    // The database process copies the template, while it compiles PGlite and this process loads the app.
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
    // A restart opens the data directory as the dead process left it (PostgreSQL's crash recovery
    // replays the WAL). Memory dies with the process: nothing to restart.
    restart: inMemory ? undefined : () => spawn({ ...start, port: first.port }),
    policy: { ...defaultRestartPolicy, ...(options.maxRestarts === undefined ? {} : { maxRestarts: options.maxRestarts }) },
    log: options.log,
  })
  return {
    url: socketDir
      ? `postgresql://postgres:postgres@/postgres?host=${encodeURIComponent(socketDir)}`
      : `postgresql://postgres:postgres@127.0.0.1:${first.port}/postgres`,
    get state() {
      return supervisor.state
    },
    get pid() {
      return supervisor.current?.child.pid
    },
    failed: supervisor.failed,
    fromTemplate,
    stop: async () => {
      await supervisor.stop()
      release()
    },
  }
}

async function spawnDatabaseProcess(start: StartMessage, wasmTier: WasmTier): Promise<DatabaseProcess> {
  const child = fork(serverFile, [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // Two malloc arenas, not one per thread that allocates (docs/operations.md), unless set otherwise.
    env: { MALLOC_ARENA_MAX: '2', ...process.env },
    // Its JavaScript only passes bytes between sockets and PGlite: a small young generation is
    // enough, and held ~30 MB less after 10k requests (bench/startup.ts).
    execArgv: [...process.execArgv, '--max-semi-space-size=2', ...(wasmTier === 'baseline' ? ['--liftoff-only'] : [])],
  })
  // Listened for from the start, so an exit is never missed, however early.
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  // A failed send or kill on a dead process; its exit is what counts, and the supervisor sees it.
  child.on('error', () => {})
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject)
      void exited.then(({ code, signal }) => reject(new Error(`embedded database exited during start-up (${signal ?? `code ${code}`})`)))
      child.once('message', (message: { ready: boolean; port?: number; error?: string }) => {
        if (message.ready && message.port) resolve(message.port)
        else reject(new Error(`embedded database failed to start: ${message.error}`))
      })
      child.send(start)
    })
    return {
      child,
      port,
      exited,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null && child.connected) child.send('stop')
        await exited
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    if (child.pid !== undefined) await exited // the data directory is free only once it is gone
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
  let dir: string
  try {
    dir = mkdtempSync(path.join(tmpdir(), 'techx-db-'))
  } catch {
    return undefined // an unwritable temporary directory: TCP still works
  }
  if (Buffer.byteLength(socketPath(dir)) <= 100) return dir
  rmSync(dir, { recursive: true, force: true })
  return undefined
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
