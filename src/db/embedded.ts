import { fork } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export type EmbeddedDatabase = {
  url: string
  stop: () => Promise<void>
  /** Writes the data directory as a tarball (what `templateFile` reads). */
  dump: (file: string) => Promise<void>
}

export type EmbeddedOptions = {
  dataDir: string
  /** A PGlite data directory as a tarball, gzipped or not, to start from (tests start from a migrated template). */
  templateFile?: string
  maxConnections?: number
}

const serverFile = new URL(`./embedded-server${path.extname(import.meta.url)}`, import.meta.url)

/**
 * Starts PGlite in a child process and returns a postgres:// URL for it.
 * PGlite takes no lock on its data directory, so we refuse to open one another process has open.
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const releaseLock = options.dataDir.startsWith('memory://') ? () => {} : lockDataDir(options.dataDir)
  const child = fork(serverFile, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`embedded database exited during start-up (code ${code})`)))
      child.once('message', (message: { ready: boolean; port?: number; error?: string }) => {
        if (message.ready && message.port) resolve(message.port)
        else reject(new Error(`embedded database failed to start: ${message.error}`))
      })
      child.send({ dataDir: options.dataDir, templateFile: options.templateFile, maxConnections: options.maxConnections ?? 20 })
    })
    child.removeAllListeners('exit')
    return {
      url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
      dump: (file) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', (message: { dumped: string | null; error?: string }) =>
            message.dumped ? resolve() : reject(new Error(`dump failed: ${message.error}`)),
          )
          child.send({ dumpTo: file })
        }),
      stop: async () => {
        if (child.exitCode === null && child.connected) {
          const exited = new Promise((resolve) => child.once('exit', resolve))
          child.send('stop')
          await exited
        }
        releaseLock()
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    releaseLock()
    throw error
  }
}

function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const lockFile = path.join(dataDir, 'tech-exchange.lock')
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
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
