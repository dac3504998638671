import { and, eq, sql } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../db/client.ts'
import { apiKeys, imports, organizations } from '../../db/schema/index.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import { mapPgError } from '../../lib/pg-errors.ts'
import type { FieldError } from '../../lib/problem.ts'
import type { Actor, Role } from '../api-keys/api-keys.service.ts'
import { recordAudit } from '../audit/audit.repo.ts'
import type { RequestManyMatches } from '../matching/matching.jobs.ts'
import type { RecordEvents } from '../outbox/outbox.repo.ts'
import type { BatchContext, BatchResult, ImportHandler, RowWarning } from './imports.batch.ts'
import type { ImportKind } from './imports.columns.ts'
import { demandImport } from './imports.demands.ts'
import { listingImport } from './imports.listings.ts'
import { organizationImport } from './imports.organizations.ts'
import * as repo from './imports.repo.ts'
import { readRows, type ImportFormat, type RawRow } from './imports.rows.ts'
import type { CheckedRow } from './imports.validate.ts'

// The job behind an import: reads the stored file in batches, each batch one transaction that
// writes its rows (a multi-row upsert), their events and matching jobs, the rows it refused, one
// audit entry, and the import's progress. A restart (a crash, a deploy, pg-boss retrying) resumes
// at rowsDone: what a batch wrote and the progress that counts it commit together. Each batch
// holds the import's row lock and checks rowsDone first, so two runners of one import (pg-boss
// retries a job that ran past its expiry) take turns instead of writing a batch twice.

export const importJob = 'imports.run'

/** The private event an import's organisation gets when its import ends (webhooks may subscribe to it). */
export const importCompletedEvent = 'import.completed'

/** Queues the job that runs an import, in the transaction that creates it. */
export const queueImportVia = (jobs: Pick<JobQueue, 'send'>) => (tx: DbOrTx, importId: string) => jobs.send(importJob, { importId }, { tx, key: importId })

const handlers: Record<ImportKind, ImportHandler> = { listings: listingImport, demands: demandImport, organizations: organizationImport }

const singular: Record<ImportKind, string> = { listings: 'listing', demands: 'demand', organizations: 'organization' }

/** Warnings kept on the import (the count goes on). */
export const keptWarnings = 100
/** Runs of an import before it is given up as failed: pg-boss retries a failed job 5 times. */
const maxAttempts = 6

export type ImportRunnerDeps = {
  db: Db
  clock: Clock
  recordEvents: RecordEvents
  /** Matching for the records a batch published or opened: one statement per batch. */
  requestMatches: RequestManyMatches
  exchangeId: string
  /** Rows per transaction (default 500). */
  batchSize?: number
  /**
   * How many of an import's new listings have their near-duplicates looked up (default 1000): a
   * trigram query each, which would dominate a big file's time; later rows go unchecked.
   */
  duplicateChecks?: number
}

/** The key that uploaded the file, as the actor its rows are written for. */
async function importingActor(db: DbOrTx, record: repo.ImportRow): Promise<Actor | undefined> {
  const [row] = await db
    .select({ role: apiKeys.role, organizationKind: organizations.kind })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .where(eq(apiKeys.id, record.apiKeyId))
  if (!row) return undefined
  return { keyId: record.apiKeyId, organizationId: record.organizationId, organizationKind: row.organizationKind, role: row.role as Role, requestId: `import:${record.id}` }
}

function* batchesOf(rows: Generator<RawRow>, size: number): Generator<RawRow[]> {
  let batch: RawRow[] = []
  for (const row of rows) {
    batch.push(row)
    if (batch.length === size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

export function createImportRunner(deps: ImportRunnerDeps) {
  const { db, clock } = deps
  const batchSize = deps.batchSize ?? 500

  /**
   * Writes a batch in a savepoint; if the database refuses it (a constraint a concurrent write
   * broke), each row again in a savepoint of its own, so only the rows it refuses are refused.
   */
  async function applyBatch(context: BatchContext, handler: ImportHandler, rows: CheckedRow<unknown>[]): Promise<BatchResult> {
    try {
      return await context.tx.transaction((savepoint) => handler.apply({ ...context, tx: savepoint }, rows))
    } catch (error) {
      if (!mapPgError(error)) throw error
    }
    const result: BatchResult = { done: [], failed: [], warnings: [] }
    for (const row of rows) {
      try {
        const one = await context.tx.transaction((savepoint) => handler.apply({ ...context, tx: savepoint }, [row]))
        result.done.push(...one.done)
        result.failed.push(...one.failed)
        result.warnings.push(...one.warnings)
      } catch (error) {
        const mapped = mapPgError(error)
        if (!mapped) throw error
        result.failed.push({ line: row.line, errors: [{ pointer: '#', detail: mapped.detail ?? mapped.title }] })
      }
    }
    return result
  }

  /** One batch, in one transaction; 'stopped' when the import is no longer running, a number when another runner moved it. */
  async function runBatch(record: repo.ImportRow, actor: Actor, owners: Map<string, FieldError[]>, offset: number, rows: RawRow[]): Promise<'done' | 'stopped' | number> {
    const handler = handlers[record.kind as ImportKind]
    const checked = rows.map((row) => handler.validate(row))
    return db.transaction(async (tx) => {
      const current = await repo.findImport(tx, record.id, { lock: true })
      if (!current || current.status !== 'running') return 'stopped'
      if (current.rowsDone !== offset) return current.rowsDone
      const now = clock.now()
      const context: BatchContext = {
        tx,
        actor,
        now,
        today: vietnamDate(now),
        recordEvents: deps.recordEvents,
        requestMatches: deps.requestMatches,
        exchangeId: deps.exchangeId,
        duplicateChecks: { left: Math.max(0, (deps.duplicateChecks ?? 1000) - current.rowsCreated) },
        owners,
      }
      const result = await applyBatch(context, handler, checked)
      await repo.insertImportErrors(tx, record.id, result.failed)
      const created = result.done.filter((row) => row.action === 'created')
      const updated = result.done.filter((row) => row.action === 'updated')
      await recordAudit(tx, {
        actor,
        owningOrganizationId: record.organizationId,
        operation: `${singular[record.kind as ImportKind]}.import`,
        targetType: 'import',
        targetId: record.id,
        after: {
          lines: [rows[0]!.line, rows.at(-1)!.line],
          created: created.map((row) => row.id),
          updated: updated.map((row) => row.id),
          failed: result.failed.map((row) => row.line),
        },
        occurredAt: now,
      })
      const warnings = (current.options.warnings as RowWarning[] | undefined) ?? []
      const options = result.warnings.length === 0 ? {} : {
        options: {
          ...current.options,
          warnings: [...warnings, ...result.warnings].slice(0, keptWarnings),
          warningCount: Number(current.options.warningCount ?? 0) + result.warnings.length,
        },
      }
      await repo.recordProgress(tx, record.id, { done: rows.length, created: created.length, updated: updated.length, failed: result.failed.length }, options)
      return 'done'
    })
  }

  /** Ends an import and tells its owner (webhooks): completed, or failed with why. */
  async function finish(record: repo.ImportRow, outcome: { status: 'completed' } | { status: 'failed'; error: string }) {
    await db.transaction(async (tx) => {
      const now = clock.now()
      const [ended] = await tx
        .update(imports)
        .set({ status: outcome.status, finishedAt: now, error: outcome.status === 'failed' ? outcome.error : null })
        .where(and(eq(imports.id, record.id), eq(imports.status, 'running')))
        .returning(repo.importColumns)
      // Another runner of the same import ended it already: one end, one event.
      if (!ended) return
      const { rowsDone, rowsCreated, rowsUpdated, rowsFailed, totalRows } = ended
      await deps.recordEvents(tx, [
        {
          type: importCompletedEvent,
          subjectType: 'import',
          subjectId: record.id,
          organizationIds: [record.organizationId],
          payload: { id: record.id, kind: record.kind, status: ended.status, error: ended.error, totalRows, rowsDone, rowsCreated, rowsUpdated, rowsFailed },
          occurredAt: now,
        },
      ])
    })
  }

  /**
   * Runs an import from where it stands to its end. `maxBatches` stops after that many batches,
   * leaving it running as a crash would (tests and the benchmark use it).
   */
  async function run(importId: string, options: { maxBatches?: number } = {}): Promise<void> {
    const record = await repo.findImport(db, importId)
    if (!record || record.status === 'completed' || record.status === 'failed') return
    const attempts = Number(record.options.attempts ?? 0) + 1
    await db
      .update(imports)
      .set({ status: 'running', startedAt: record.startedAt ?? clock.now(), options: sql`${imports.options} || ${JSON.stringify({ attempts })}::jsonb` })
      .where(eq(imports.id, importId))
    const actor = await importingActor(db, record)
    if (!actor) return finish(record, { status: 'failed', error: 'The API key that uploaded the file no longer exists' })
    if (record.kind === 'organizations' && actor.role !== 'operator') {
      return finish(record, { status: 'failed', error: 'Only operator keys import organisations, and the key that uploaded the file no longer is one' })
    }
    const content = (await repo.importContent(db, importId)) ?? ''
    const owners = new Map<string, FieldError[]>()
    try {
      let offset = record.rowsDone
      let batches = 0
      resume: for (;;) {
        for (const batch of batchesOf(readRows(record.kind as ImportKind, record.format as ImportFormat, content, offset), batchSize)) {
          const outcome = await runBatch(record, actor, owners, offset, batch)
          if (outcome === 'stopped') return
          if (typeof outcome === 'number') {
            // Another runner got further: carry on from where it is.
            offset = outcome
            continue resume
          }
          offset += batch.length
          if (options.maxBatches !== undefined && ++batches >= options.maxBatches) return
        }
        break
      }
      await finish(record, { status: 'completed' })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (attempts >= maxAttempts) return finish(record, { status: 'failed', error: `Stopped after ${attempts} attempts: ${message}` })
      await repo.updateImport(db, importId, { error: message })
      throw error
    }
  }

  return { run }
}

export type ImportRunner = ReturnType<typeof createImportRunner>

export function registerImportJobs(jobs: JobQueue, runner: ImportRunner) {
  jobs.register(importJob, async (data) => runner.run(String(data.importId)))
}
