import type { CpuSplit } from './cpu.ts'
import type { HttpResult } from './http-load.ts'
import type { PgbenchResult } from './pgbench.ts'

// The one results table: the API against the database's ceiling for the same SQL.

export type ScenarioResult = {
  name: string
  description: string
  skipped?: string
  statementsPerRequest?: number
  api?: HttpResult & { cpu: CpuSplit }
  pgbench?: PgbenchResult & { cpu: CpuSplit }
  ratio?: number
}

const cell = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value) ? '–' : value.toFixed(value < 10 ? Math.max(digits, 2) : digits)

export function resultsTable(results: ScenarioResult[]): string {
  const header = [
    '| scenario | SQL/req | API req/s | p50 ms | p95 ms | p99 ms | non-2xx / errors | pgbench tps | ratio | CPU during API run (node / pg / autocannon / other) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ]
  const rows = results.map((result) => {
    if (result.skipped || !result.api) return `| ${result.name} | | | | | | | | | skipped: ${result.skipped ?? 'no result'} |`
    const { api, pgbench } = result
    const cpu = `${api.cpu.apiNode} / ${api.cpu.postgres} / ${api.cpu.loadGenerator} / ${api.cpu.other}`
    return `| ${result.name} | ${result.statementsPerRequest ?? ''} | ${cell(api.requestsPerSecond)} | ${cell(api.latencyMs.p50)} | ${cell(api.latencyMs.p95)} | ${cell(api.latencyMs.p99)} | ${api.non2xx} / ${api.errors} | ${cell(pgbench?.tps)} | ${cell(result.ratio, 2)} | ${cpu} |`
  })
  return [...header, ...rows].join('\n')
}
