import type pg from 'pg'
import type { CapturedVariant } from './capture.ts'

// EXPLAIN (ANALYZE, BUFFERS) of captured statements, run with their values bound as the API binds
// them, so the planner sees exactly what it saw for the API. Writes run in a transaction that is
// rolled back; their own BEGIN and COMMIT are left out, and settings (SET LOCAL) are applied.

export type Plan = { text: string; values: unknown[]; plan: string; executionMs: number; planningMs: number; indexes: string[]; seqScans: string[] }

const transactionControl = /^\s*(begin|commit|rollback)\b/i
// Only these can be explained; anything else (SET LOCAL ...) is run as is, so that it applies.
const explainable = /^\s*(select|insert|update|delete|with|values)\b/i

function summarise(text: string, values: unknown[], plan: string): Plan {
  const all = (pattern: RegExp) => [...new Set([...plan.matchAll(pattern)].map((match) => match[1]!))]
  return {
    text,
    values,
    plan,
    executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN),
    planningMs: Number(/Planning Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN),
    indexes: all(/(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\S+)/g),
    seqScans: all(/Seq Scan on (\S+)/g),
  }
}

/** Plans of every statement of one captured request; `warm` runs each once first (caches, not plans). */
export async function explainVariant(client: pg.ClientBase, variant: CapturedVariant, options: { warm: boolean }): Promise<Plan[]> {
  const plans: Plan[] = []
  await client.query('begin')
  try {
    for (const statement of variant.statements) {
      if (transactionControl.test(statement.text)) continue
      if (!explainable.test(statement.text)) {
        await client.query(statement.text, statement.values)
        continue
      }
      const explain = `explain (analyze, buffers, verbose off) ${statement.text}`
      // A savepoint per statement, so the warm-up run of a write is undone before it is measured.
      if (options.warm) {
        await client.query('savepoint warm')
        await client.query(explain, statement.values)
        await client.query('rollback to savepoint warm')
      }
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(explain, statement.values)
      plans.push(summarise(statement.text, statement.values, rows.map((row) => row['QUERY PLAN']).join('\n')))
    }
  } finally {
    await client.query('rollback')
  }
  return plans
}
