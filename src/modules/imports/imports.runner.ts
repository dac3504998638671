import { and, eq, sql } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../db/client.ts'
import { apiKeys, imports, organizations } from '../../db/schema/index.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import { mapPgError } from '../../lib/pg-errors.ts'
import type { FieldError } from '../../lib/problem.ts'
import type { Actor, Role } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { boundedDuplicateFinder, type DuplicateFinder, type PossibleDuplicate } from '../listings/listings.duplicates.ts'
import type { RequestManyMatches } from '../../core/match-requests.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import type { BatchContext, BatchResult, ImportHandler, RowWarning } from './imports.batch.ts'
import type { CatalogueEventBuilders } from '../../core/catalogue-events.ts'
import type { ImportKind } from './imports.columns.ts'
import { demandImport } from './imports.demands.ts'
import { listingImport } from './imports.listings.ts'
import { organizationImport } from './imports.organizations.ts'
import * as repo from './imports.repo.ts'
import { readRows, type ImportFormat, type RawRow } from './imports.rows.ts'
import { readFile, sweepAbandonedUploads } from './imports.storage.ts'
import type { CheckedRow } from './imports.validate.ts'

// The job behind an import: reads the stored file, piece by piece, in batches, each batch one
// transaction that writes its rows (a multi-row upsert), their events and matching jobs, the rows it
// refused, one audit entry, and the import's progress. A restart (a crash, a deploy, pg-boss
// retrying) resumes at rowsDone: what a batch wrote and the progress that counts it commit together.
// Each batch holds the import's row lock and checks rowsDone first, so two runners of one import
// (pg-boss retrying a job whose worker went quiet) take turns instead of writing a batch twice.
//
// Transactions stay short, because the event feed and webhook fan-out read in commit-safe order:
// one open writing transaction holds back everything committed after it (see events.repo.ts).
// - A batch's size follows a time budget (batchSeconds): it starts small and grows or shrinks so
//   that a transaction lasts about that long, whatever one row costs on this catalogue and database.
// - Near-duplicate lookups, the slow part on a large catalogue, run before the transaction, each a
//   short read-only one, bounded (listings.duplicates.ts).
// - A stopping process (SIGTERM) pauses an import between two batches: the job that carries it on
//   is queued and the process exits; any worker resumes it.

export const importJob = 'imports.run'

/** Hourly: the pieces of uploads cut off before they became imports go. */
export const sweepUploadsJob = 'imports.sweep-uploads'

/** The private event an import's organisation gets when its import ends (webhooks may subscribe to it). */
export const importCompletedEvent = 'import.completed'

/** Queues the job that runs an import, in the transaction that creates it. */
export const queueImportVia = (jobs: Pick<JobQueue, 'send'>) => (tx: DbOrTx, importId: string) => jobs.send(importJob, { importId }, { tx, key: importId })

const handlers: Record<ImportKind, ImportHandler> = { listings: listingImport, demands: demandImport, organizations: organizationImport }

const singular: Record<ImportKind, string> = { listings: 'listing', demands: 'demand', organizations: 'organization' }

/** Warnings kept on the import (the count goes on). */
export const keptWarnings = 100
/**
 * Runs of an import in a row that failed before committing a batch, after which it is given up as
 * failed: pg-boss retries a failed job 5 times.
 */
const maxAttempts = 6

export type ImportRunnerDeps = {
  db: Db
  clock: Clock
  recordEvents: RecordEvents
  catalogueEvents: CatalogueEventBuilders['catalogueEvents']
  /** Matching for the records a batch published or opened: one statement per batch. */
  requestMatches: RequestManyMatches
  /** Queues the job that runs (or carries on) an import, in the given transaction. */
  queueImport: (tx: DbOrTx, importId: string) => Promise<void>
  exchangeId: string
  /** Near-duplicate lookups (default: boundedDuplicateFinder); a retrieval core may supply its own. */
  findDuplicates?: DuplicateFinder
  /** The most rows a batch takes (default 500). */
  batchSize?: number
  /** How long a batch's transaction should last, in seconds (default 1): batch sizes adapt to it. */
  batchSeconds?: number
  /**
   * How many of an import's new listings have their near-duplicates looked up (default 1000): a
   * trigram query each, which would dominate a big file's time; later rows go unchecked.
   */
  duplicateChecks?: number
}

/** The rows of an import's first batch, before its speed is known. */
const firstBatchRows = 25

/**
 * The size of the next batch, from how long the last one took: what fits the budget at that pace,
 * at most twice the last size (a fast batch of few rows says little) and at most `max`.
 */
export function nextBatchSize(last: { rows: number; seconds: number }, budgetSeconds: number, max: number): number {
  const fitting = Math.floor((last.rows * budgetSeconds) / Math.max(last.seconds, 0.001))
  return Math.max(1, Math.min(max, last.rows * 2, fitting))
}

/** The key that uploaded the file, as the actor its rows are written for. */
async function importingActor(db: DbOrTx, record: repo.ImportRow): Promise<Actor | undefined> {
  const [row] = await db
    .select({ role: apiKeys.role, organizationKind: organizations.kind })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .where(eq(apiKeys.id, record.apiKeyId))
  if (!row) return undefined
  return {
    keyId: record.apiKeyId,
    organizationId: record.organizationId,
    organizationKind: row.organizationKind,
    role: row.role as Role,
    requestId: `import:${record.id}`,
  }
}

/** Up to `count` more rows. */
async function take(rows: AsyncIterator<RawRow>, count: number): Promise<RawRow[]> {
  const batch: RawRow[] = []
  while (batch.length < count) {
    const next = await rows.next()
    if (next.done) break
    batch.push(next.value)
  }
  return batch
}

export type RunOptions = {
  /** Stop after this many batches, leaving the import running as a crash would (tests and the benchmark). */
  maxBatches?: number
  /** Aborted when the process stops: the import pauses after the batch in progress. */
  signal?: AbortSignal
}

export function createImportRunner(deps: ImportRunnerDeps) {
  const { db, clock } = deps
  const maxBatchRows = deps.batchSize ?? 500
  const batchSeconds = deps.batchSeconds ?? 1
  const findDuplicates = deps.findDuplicates ?? boundedDuplicateFinder(db)
  const duplicateChecks = deps.duplicateChecks ?? 1000

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

  type Batch = { offset: number; rows: RawRow[]; checked: CheckedRow<unknown>[]; duplicates: Map<number, PossibleDuplicate[]> }

  type Outcome = { done: true; created: number } | { done: false; stopped: true } | { done: false; stopped: false; moved: repo.ImportRow }

  /** One batch, in one transaction; stopped when the import is no longer running, moved when another runner got further. */
  async function runBatch(record: repo.ImportRow, actor: Actor, owners: Map<string, FieldError[]>, batch: Batch): Promise<Outcome> {
    const { rows } = batch
    return db.transaction(async (tx): Promise<Outcome> => {
      const current = await repo.findImport(tx, record.id, { lock: true })
      if (!current || current.status !== 'running') return { done: false, stopped: true }
      if (current.rowsDone !== batch.offset) return { done: false, stopped: false, moved: current }
      const now = clock.now()
      const context: BatchContext = {
        tx,
        actor,
        now,
        today: vietnamDate(now),
        recordEvents: deps.recordEvents,
        catalogueEvents: deps.catalogueEvents,
        requestMatches: deps.requestMatches,
        exchangeId: deps.exchangeId,
        duplicates: batch.duplicates,
        owners,
      }
      const result = await applyBatch(context, handlers[record.kind as ImportKind], batch.checked)
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
      // A batch that commits is progress: the count of runs in a row that failed starts again.
      const options: Record<string, unknown> = { ...current.options, attempts: 0 }
      if (result.warnings.length > 0) {
        const warnings = (current.options.warnings as RowWarning[] | undefined) ?? []
        options.warnings = [...warnings, ...result.warnings].slice(0, keptWarnings)
        options.warningCount = Number(current.options.warningCount ?? 0) + result.warnings.length
      }
      await repo.recordProgress(
        tx,
        record.id,
        { done: rows.length, created: created.length, updated: updated.length, failed: result.failed.length },
        { options },
      )
      return { done: true, created: created.length }
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

  /** Leaves a running import for the job queued here (this process is stopping): not a failed run. */
  async function pause(record: repo.ImportRow) {
    await db.transaction(async (tx) => {
      const [paused] = await tx
        .update(imports)
        .set({ options: sql`${imports.options} || ${JSON.stringify({ attempts: 0 })}::jsonb` })
        .where(and(eq(imports.id, record.id), eq(imports.status, 'running')))
        .returning({ id: imports.id })
      if (paused) await deps.queueImport(tx, record.id)
    })
  }

  /** Runs an import from where it stands to its end, or until it is paused (options.signal). */
  async function run(importId: string, options: RunOptions = {}): Promise<void> {
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
    const handler = handlers[record.kind as ImportKind]
    const owners = new Map<string, FieldError[]>()
    const lookups = { db, actor, exchangeId: deps.exchangeId, findDuplicates }
    try {
      let offset = record.rowsDone
      let created = record.rowsCreated
      let size = Math.min(firstBatchRows, maxBatchRows)
      let batches = 0
      let rows = readRows(record.kind as ImportKind, record.format as ImportFormat, readFile(db, importId), offset)
      for (;;) {
        const taken = await take(rows, size)
        if (taken.length === 0) break
        if (options.signal?.aborted) return pause(record)
        // A batch's time, by which the next is sized, counts its lookups: together they are what
        // stands between two batch boundaries, where progress shows and a stopping process pauses.
        const started = performance.now()
        const checked = taken.map((row) => handler.validate(row))
        const duplicates = handler.lookUpDuplicates ? await handler.lookUpDuplicates({ ...lookups, left: duplicateChecks - created }, checked) : new Map()
        const outcome = await runBatch(record, actor, owners, { offset, rows: taken, checked, duplicates })
        if (!outcome.done) {
          if (outcome.stopped) return
          // Another runner got further: carry on from where it is.
          offset = outcome.moved.rowsDone
          created = outcome.moved.rowsCreated
          rows = readRows(record.kind as ImportKind, record.format as ImportFormat, readFile(db, importId), offset)
          continue
        }
        offset += taken.length
        created += outcome.created
        size = nextBatchSize({ rows: taken.length, seconds: (performance.now() - started) / 1000 }, batchSeconds, maxBatchRows)
        if (options.maxBatches !== undefined && ++batches >= options.maxBatches) return
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

/**
 * The import queue is 'standard', not one job per key: a paused import queues the job that carries
 * it on while its own job is still active, which a 'stately' queue would refuse to start (pg-boss
 * issue 535). Two runners of one import are harmless anyway (they take turns, see above).
 */
export function registerImportJobs(jobs: JobQueue, runner: ImportRunner, deps: { db: Db; clock: Clock }) {
  jobs.register(importJob, async (data, job) => runner.run(String(data.importId), { signal: job.signal }), { policy: 'standard' })
  jobs.register(sweepUploadsJob, async () => void (await sweepAbandonedUploads(deps.db, deps.clock)), { cron: '41 * * * *' })
}
