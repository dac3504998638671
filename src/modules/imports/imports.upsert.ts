import { and, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { CatalogueEventType } from '../../core/catalogue-events.ts'
import type { Direction } from '../../core/match-requests.ts'
import { differs, recordBatchEvents, replacing, runsWithoutRepeats, type BatchContext, type BatchResult, type RowWarning } from './imports.batch.ts'
import { failed, type CheckedRow, type FailedRow, type ValidRow } from './imports.validate.ts'

// THE import upsert of a catalogue kind (listings, demands): one INSERT ... ON CONFLICT per run of
// rows on the owner's external id. A row replaces every importable field of the record it names;
// a row that changes nothing leaves it (and its version) alone. A row may promote a draft (publish
// a listing, open a demand) or revive an archived listing (a validUntil ahead) but never sends a
// record back to draft, and a record in its final state (withdrawn, closed) no longer changes. What
// differs between kinds is in its ImportTarget.

/** A row checked and ready to write: its owner, its external id (`key`) and the values of a new record. */
export type ReadyRow<V extends Record<string, unknown> = Record<string, unknown>> = { line: number; key: string; ownerId: string; values: V }

/** The columns every catalogue table has, by the names the upsert reads. */
type CatalogueColumns = { id: PgColumn; ownerId: PgColumn; externalId: PgColumn; status: PgColumn; source: PgColumn; version: PgColumn }

export type ImportTarget = {
  subject: Direction
  table: PgTable & CatalogueColumns
  /** The columns a row replaces (the descriptor's content columns, and what is derived from them). */
  importable: Record<string, PgColumn>
  /** The draft's promotion a row may ask for: the status, the column stamped with its time, the columns it clears. */
  promotion: { to: string; stamped: string; clears?: string[] }
  /**
   * A status a row brings a record back from, to the promotion's status (an archived listing given
   * a validUntil ahead): `when` holds of the row (`excluded`) that does it; `clears` the columns.
   */
  revival?: { from: string; when: (context: BatchContext) => SQL; clears: string[] }
  /** The final status: a row naming a record in it is refused. */
  final: string
  events: { created: CatalogueEventType; updated: CatalogueEventType; promoted: CatalogueEventType }
  /** A warning about a row that created a record (a listing's possible duplicates). */
  warning?: (context: BatchContext, row: ReadyRow, id: string) => RowWarning | undefined
}

/** A row's identity within an import: its owner and its external id. */
export const keyOf = (row: { ownerId: string; key: string }) => `${row.ownerId} ${row.key}`

/** Checks and prepares each row (`prepare`), then writes the ready ones run by run. */
export async function applyRows<I, V extends Record<string, unknown>>(
  context: BatchContext,
  target: ImportTarget,
  rows: CheckedRow<I>[],
  prepare: (context: BatchContext, row: ValidRow<I>) => Promise<ReadyRow<V> | FailedRow>,
): Promise<BatchResult> {
  const result: BatchResult = { done: [], failed: [], warnings: [] }
  const ready: ReadyRow<V>[] = []
  for (const row of rows) {
    const prepared = failed(row) ? row : await prepare(context, row)
    if ('errors' in prepared) result.failed.push(prepared)
    else ready.push(prepared)
  }
  for (const run of runsWithoutRepeats(ready, keyOf)) await upsertRun(context, target, run, result)
  return result
}

type Stored = { id: string; ownerId: string; externalId: string | null; status: string }

/** Writes one run of rows (no key twice) and says what became of each. */
async function upsertRun(context: BatchContext, target: ImportTarget, run: ReadyRow[], result: BatchResult) {
  const { tx } = context
  const { table, importable, promotion, final } = target
  const identity = { id: table.id, ownerId: table.ownerId, externalId: table.externalId, status: table.status }
  const existing = (await tx
    .select(identity)
    .from(table)
    .where(
      and(
        isNull(table.source),
        inArray(
          table.externalId,
          run.map((row) => row.key),
        ),
        inArray(table.ownerId, [...new Set(run.map((row) => row.ownerId))]),
      ),
    )
    .for('update')) as Stored[]
  const before = new Map(existing.map((row) => [keyOf({ ownerId: row.ownerId, key: row.externalId! }), row]))
  const column = (name: string) => (table as unknown as Record<string, PgColumn>)[name]!
  const promoting = sql`${table.status} = 'draft' and excluded.status = ${promotion.to}`
  const { revival } = target
  const reviving = revival ? sql`${table.status} = ${revival.from} and ${revival.when(context)}` : sql`false`
  const written = (await tx
    .insert(table)
    .values(run.map((row) => row.values) as never)
    .onConflictDoUpdate({
      target: [table.ownerId, table.externalId],
      targetWhere: sql`${table.source} is null and ${table.externalId} is not null`,
      set: {
        ...replacing(importable),
        status: sql`case when ${promoting} or (${reviving}) then ${promotion.to} else ${table.status} end`,
        [promotion.stamped]: sql`case when ${promoting} then excluded.${sql.identifier(column(promotion.stamped).name)} else ${column(promotion.stamped)} end`,
        // Promoting clears what an earlier moderation left, as the API's own publish does.
        ...Object.fromEntries((promotion.clears ?? []).map((name) => [name, sql`case when ${promoting} then null else ${column(name)} end`])),
        ...Object.fromEntries((revival?.clears ?? []).map((name) => [name, sql`case when ${reviving} then null else ${column(name)} end`])),
        updatedAt: sql`excluded.updated_at`,
        version: sql`${table.version} + 1`,
      },
      setWhere: sql`${table.status} <> ${final} and (${differs(importable)} or (${promoting}))`,
    })
    .returning(identity)) as Stored[]
  const after = new Map(written.map((row) => [keyOf({ ownerId: row.ownerId, key: row.externalId! }), row]))
  const events: Array<{ id: string; types: CatalogueEventType[] }> = []
  const matched: string[] = []
  for (const row of run) {
    const old = before.get(keyOf(row))
    const stored = after.get(keyOf(row))
    if (!stored) {
      if (old?.status === final) {
        const state = final === 'withdrawn' ? 'was withdrawn' : `is ${final}`
        result.failed.push({
          line: row.line,
          errors: [{ pointer: '#/externalId', detail: `names ${target.subject} ${old.id}, which ${state} and can no longer change` }],
        })
      } else if (old) {
        result.done.push({ line: row.line, id: old.id, action: 'unchanged' })
      } else {
        result.failed.push({ line: row.line, errors: [{ pointer: '#', detail: 'was written by another request at the same time; import the file again' }] })
      }
      continue
    }
    const promoted = stored.status === promotion.to
    result.done.push({ line: row.line, id: stored.id, action: old ? 'updated' : 'created' })
    const types: CatalogueEventType[] = [old ? target.events.updated : target.events.created]
    if (promoted && old?.status !== promotion.to) types.push(target.events.promoted)
    events.push({ id: stored.id, types })
    // A public record's suggestions follow its content, as after the API's publish, open or update.
    if (promoted) matched.push(stored.id)
    const warning = old ? undefined : target.warning?.(context, row, stored.id)
    if (warning) result.warnings.push(warning)
  }
  await context.requestMatches(tx, target.subject, matched)
  await recordBatchEvents(context, events)
}
