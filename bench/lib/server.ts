import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, openSync, readFileSync } from 'node:fs'
import { once } from 'node:events'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { resultPath, stamp } from './results.ts'

// The API as a separate process, as in production: `node dist/server.js`, the bundle `npm start` and
// the Docker image run (built first if a source is newer). A checkout from before the bundle (`root`,
// for a comparison) runs `node --import tsx src/server.ts` instead. Either way without a wrapper
// process, so the pid is the server's own for CPU accounting.

const root = fileURLToPath(new URL('../../', import.meta.url))

/**
 * node's arguments that run the server of the checkout in `cwd`: the bundle, built first if a
 * source is newer, or src/server.ts through tsx in a checkout from before the bundle.
 */
export function serverEntry(cwd: string = root): string[] {
  if (!existsSync(path.join(cwd, 'scripts/build.mjs'))) return ['--import', 'tsx', 'src/server.ts']
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd, stdio: 'inherit' })
  return ['dist/server.js']
}

export type ApiServer = {
  url: string
  pid: number
  /** Where the server's stdout and stderr go. */
  logFile: string
  /** Why the server is gone (exit code or signal, and its last log lines), or undefined while it runs. */
  exited: () => string | undefined
  stop: () => Promise<void>
  /** Sends a signal; resolves with the exit code (null when killed by a signal). */
  kill: (signal: NodeJS.Signals) => Promise<number | null>
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  server.close()
  await once(server, 'close')
  return port
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`The API server exited (${child.exitCode ?? child.signalCode}) before answering /health`)
    try {
      const response = await fetch(`${url}/health`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`The API server did not answer /health within ${timeoutMs} ms`)
}

/** `statementTimeoutSeconds` (0: none) reaches node-pg through PGOPTIONS, as a DBA would set it. */
/** `profileDir`: run under `node --cpu-prof`, which writes a profile there when the server exits. */
/** `env`: more configuration (over the defaults here); `root`: another checkout's server (a before/after comparison). */
export async function startApiServer(options: {
  databaseUrl?: string
  poolSize: number
  statementTimeoutSeconds: number
  profileDir?: string
  env?: Record<string, string>
  root?: string
}): Promise<ApiServer> {
  const port = await freePort()
  const logFile = resultPath(`server-${stamp()}.log`)
  const output = openSync(logFile, 'a')
  const profiling = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []
  const cwd = options.root ?? root
  const child = spawn(process.execPath, [...profiling, ...serverEntry(cwd)], {
    cwd,
    env: {
      ...process.env,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      DATABASE_POOL_SIZE: String(options.poolSize),
      PORT: String(port),
      HOST: '127.0.0.1',
      RATE_LIMIT_MAX: '0',
      RATE_LIMIT_ANONYMOUS_MAX: '0',
      RATE_LIMIT_AUTH_FAILURES_MAX: '0',
      LOG_LEVEL: 'warn',
      ...(options.statementTimeoutSeconds > 0 ? { PGOPTIONS: `-c statement_timeout=${options.statementTimeoutSeconds}s` } : {}),
      ...options.env,
    },
    stdio: ['ignore', output, output],
  })
  let exited: string | undefined
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.on('exit', (code, signal) => {
    const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n')
    exited = `exit code ${code}, signal ${signal}${tail ? `; last log lines:\n${tail}` : ''}`
  })
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForHealth(url, child, 60_000)
  } catch (error) {
    child.kill('SIGTERM')
    throw error
  }
  return {
    url,
    pid: child.pid!,
    logFile,
    exited: () => exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
    kill: (signal) => {
      child.kill(signal)
      return exitCode
    },
  }
}
