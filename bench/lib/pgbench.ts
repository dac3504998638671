import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import type { CapturedScenario } from './capture.ts'
import { resultPath } from './results.ts'
import { inlineStatement } from './sql-literals.ts'

// pgbench runs the very statements the API issued, one script per captured request variant (pgbench
// picks a script at random for each transaction), so its tps is the database's ceiling for the
// scenario: what PostgreSQL alone sustains with the same SQL, values and concurrency.

export const defaultPgbench = '/usr/lib/postgresql/15/bin/pgbench'
const maxScripts = 128 // pgbench's limit on -f

export type PgbenchResult = { tps: number; latencyAverageMs: number; transactions: number; failed: number; scripts: number; errors: string[] }

/** One script file per variant under bench/.results/pgbench/<scenario>/; returns their paths. */
export function writeScripts(scenario: CapturedScenario): string[] {
  const dir = resultPath(`pgbench/${scenario.name}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return scenario.variants.slice(0, maxScripts).map((variant, index) => {
    const path = `${dir}/${String(index).padStart(3, '0')}.sql`
    const statements = variant.statements.map((statement) => `${inlineStatement(statement).trim().replace(/;$/, '')};\n`)
    writeFileSync(path, `-- ${variant.request.method} ${variant.request.path}\n${statements.join('')}`)
    return path
  })
}

export type PgbenchOptions = {
  pgbench: string
  databaseUrl: string
  files: string[]
  connections: number
  threads: number
  seconds: number
  statementTimeoutSeconds: number
}

export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  const args = [
    '-n',
    '-M',
    'simple',
    ...options.files.flatMap((file) => ['-f', file]),
    '-c',
    String(options.connections),
    '-j',
    String(options.threads),
    '-T',
    String(options.seconds),
    options.databaseUrl,
  ]
  const env = options.statementTimeoutSeconds > 0 ? { ...process.env, PGOPTIONS: `-c statement_timeout=${options.statementTimeoutSeconds}s` } : process.env
  const child = spawn(options.pgbench, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN)
  const errors = stderr
    .split('\n')
    .filter((line) => /error|abort/i.test(line))
    .slice(0, 5)
  if (code !== 0 && !/tps = /.test(stdout)) throw new Error(`pgbench failed (exit ${code}): ${stderr.trim().slice(0, 2000)}`)
  return {
    tps: Math.round(number(/^tps = ([\d.]+)/m) * 10) / 10,
    latencyAverageMs: number(/^latency average = ([\d.]+) ms/m),
    transactions: number(/^number of transactions actually processed: (\d+)/m),
    failed: number(/^number of failed transactions: (\d+)/m) || 0,
    scripts: options.files.length,
    errors,
  }
}
