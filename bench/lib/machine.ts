import { execFileSync } from 'node:child_process'
import { cpus, loadavg, totalmem } from 'node:os'
import type pg from 'pg'

// What the numbers were measured on, saved with every result.

export type Machine = {
  date: string
  commit: string
  cores: number
  cpu: string
  memoryGb: number
  node: string
  postgres: string
  settings: Record<string, string>
  loadAverage: number[]
}

function commitOf(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head} (with uncommitted changes)` : head
  } catch {
    return 'unknown'
  }
}

export async function describeMachine(client: pg.ClientBase): Promise<Machine> {
  const { rows: version } = await client.query<{ version: string }>('select version()')
  const { rows: settings } = await client.query<{ name: string; setting: string; unit: string | null }>(
    `select name, setting, unit from pg_settings
      where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'jit', 'max_parallel_workers_per_gather', 'random_page_cost', 'synchronous_commit', 'max_connections')`,
  )
  return {
    date: new Date().toISOString(),
    commit: commitOf(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: version[0]!.version.split(' on ')[0]!,
    settings: Object.fromEntries(settings.map((row) => [row.name, row.unit ? `${row.setting} (${row.unit})` : row.setting])),
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  }
}
