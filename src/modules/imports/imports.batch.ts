import { sql, type SQL } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { Db, Tx } from '../../db/client.ts'
import type { FieldError } from '../../lib/problem.ts'
import type { Actor } from '../../core/actor.ts'
import type { DuplicateFinder, PossibleDuplicate } from '../listings/listings.duplicates.ts'
import { catalogueEventTypes, type CatalogueEventBuilders, type CatalogueEventType } from '../../core/catalogue-events.ts'
import type { RequestManyMatches } from '../../core/match-requests.ts'
import type { OutboxEvent, RecordEvents } from '../../core/outbox.ts'
import { errorsOf, type CheckedRow, type FailedRow, type RowValidator } from './imports.validate.ts'

// What the kinds of import (listings, demands, organisations) share: the batch they are handed,
// what they answer, and the SQL pieces of an upsert that replaces a record's importable fields.

/** Everything a batch runs with: its transaction, the importing key, the time, and the services' hooks. */
export type BatchContext = {
  tx: Tx
  actor: Actor
  now: Date
  /** Vietnam's date at `now`: what publishing and opening are checked against. */
  today: string
  recordEvents: RecordEvents
  catalogueEvents: CatalogueEventBuilders['catalogueEvents']
  requestMatches: RequestManyMatches
  /** This exchange's id (config EXCHANGE_ID), for the provenance of possible duplicates. */
  exchangeId: string
  /** Near-duplicates of the batch's new listings by line, looked up before its transaction (see DuplicateLookup). */
  duplicates: Map<number, PossibleDuplicate[]>
  /** Who the key may file for, looked up once per import: the refusal for each owner asked about. */
  owners: Map<string, FieldError[]>
}

export type RowOutcome = { line: number; id: string; action: 'created' | 'updated' | 'unchanged' }

/** A row that was written but looks like a listing already on the exchange. */
export type RowWarning = { line: number; id: string; detail: string; possibleDuplicates: PossibleDuplicate[] }

export type BatchResult = { done: RowOutcome[]; failed: FailedRow[]; warnings: RowWarning[] }

/**
 * What a batch may look up before its transaction opens: reads that take long on a large catalogue
 * (near-duplicates) but need no lock, so the write transaction stays short and the event feed, which
 * waits for every open writing transaction, does not wait for them.
 */
export type LookupContext = {
  db: Db
  actor: Actor
  exchangeId: string
  findDuplicates: DuplicateFinder
  /** How many more new listings of the import may be compared with the catalogue. */
  left: number
}

/** Looks up near-duplicates of a batch's rows, by line; spends at most `left` lookups. */
export type DuplicateLookup<I> = (context: LookupContext, rows: CheckedRow<I>[]) => Promise<Map<number, PossibleDuplicate[]>>

/** A kind of import: how a row is checked, what is looked up before a batch, and how a batch of checked rows is written. */
export type ImportHandler = {
  validate: RowValidator<unknown>
  lookUpDuplicates?: DuplicateLookup<unknown>
  /** Writes a batch's rows in the context's transaction: all or nothing, like any statement. */
  apply: (context: BatchContext, rows: CheckedRow<unknown>[]) => Promise<BatchResult>
}

/** Pairs a kind's validator with its writer: the writer only ever gets rows its validator checked. */
export const importHandler = <I>(
  validate: RowValidator<I>,
  apply: (context: BatchContext, rows: CheckedRow<I>[]) => Promise<BatchResult>,
  lookUpDuplicates?: DuplicateLookup<I>,
): ImportHandler => ({
  validate,
  apply: (context, rows) => apply(context, rows as CheckedRow<I>[]),
  ...(lookUpDuplicates ? { lookUpDuplicates: (context, rows) => lookUpDuplicates(context, rows as CheckedRow<I>[]) } : {}),
})

/** The refusal (as field errors) of a rule that throws AppErrors, memoised per owner for the import. */
export async function ownerRefusal(context: BatchContext, ownerId: string, check: () => Promise<unknown>): Promise<FieldError[]> {
  const known = context.owners.get(ownerId)
  if (known) return known
  let errors: FieldError[] = []
  try {
    await check()
  } catch (error) {
    errors = errorsOf(error)
  }
  context.owners.set(ownerId, errors)
  return errors
}

/**
 * Rows in runs where no key repeats: one INSERT ... ON CONFLICT cannot touch a row twice, so a
 * file naming a record twice writes it twice, in file order (the later row wins).
 */
export function runsWithoutRepeats<T>(rows: T[], keyOf: (row: T) => string): T[][] {
  const runs: T[][] = []
  let current: T[] = []
  let keys = new Set<string>()
  for (const row of rows) {
    const key = keyOf(row)
    if (keys.has(key)) {
      runs.push(current)
      current = []
      keys = new Set()
    }
    keys.add(key)
    current.push(row)
  }
  if (current.length > 0) runs.push(current)
  return runs
}

const excluded = (column: PgColumn) => sql.raw(`excluded."${column.name}"`)

/** SET clauses that replace each column with the value the row proposed. */
export function replacing<T extends Record<string, PgColumn>>(columns: T): Record<keyof T, SQL> {
  return Object.fromEntries(Object.entries(columns).map(([name, column]) => [name, excluded(column)])) as Record<keyof T, SQL>
}

/** True when the row proposed other values than the stored ones (so an unchanged row is left alone). */
export function differs(columns: Record<string, PgColumn>): SQL {
  const list = Object.values(columns)
  return sql`(${sql.join(list, sql`, `)}) is distinct from (${sql.join(list.map(excluded), sql`, `)})`
}

/**
 * The events of a batch, recorded in one statement: each record's, read in its transaction after
 * the write, one query per event type. A record's later types (a row created published:
 * listing.created, then listing.published) report the same record in the same state, so they
 * share the first one's payload rather than read it again.
 */
export async function recordBatchEvents(context: BatchContext, records: Array<{ id: string; types: CatalogueEventType[] }>): Promise<void> {
  const firstTypes = [...new Set(records.map((record) => record.types[0]!))]
  const first = new Map<string, OutboxEvent>()
  for (const type of firstTypes) {
    const ids = records.filter((record) => record.types[0] === type).map((record) => record.id)
    for (const event of await context.catalogueEvents(context.tx, type, ids, context.now)) first.set(event.subjectId, event)
  }
  const events: OutboxEvent[] = []
  for (const record of records) {
    const event = first.get(record.id)!
    events.push(event)
    for (const type of record.types.slice(1)) {
      const entry = catalogueEventTypes[type]
      // A tombstone's payload or a conditional public flag would need the record read for it.
      if (entry.tombstone || typeof entry.public !== 'boolean') throw new Error(`${type} cannot share another event's payload`)
      events.push({ ...event, type, public: entry.public })
    }
  }
  await context.recordEvents(context.tx, events)
}
