import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export type ServerProcess = { url: string; child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

const exitWithParent = fileURLToPath(new URL('exit-with-parent.ts', import.meta.url))

/**
 * `node --import tsx src/server.ts` on a database, listening on a free port; killed when the test
 * ends, and exits by itself if the test process dies without ending it.
 */
export async function startServerProcess(t: Test, databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', exitWithParent, 'src/server.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '4', HOST: '127.0.0.1', PORT: '0', JOBS_WORKER: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  const url = await new Promise<string>((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const found = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (found) resolve(found[1]!)
    })
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)))
  })
  return { url, child, exited }
}
