import { and, asc, desc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../db/client.ts'
import { importChunks, importErrors, imports } from '../../db/schema/index.ts'
import type { FieldError } from '../../lib/problem.ts'

export type ImportInsert = typeof imports.$inferInsert

/** Every column of an import (its file is in import_chunks). */
export const importColumns = {
  id: imports.id,
  organizationId: imports.organizationId,
  apiKeyId: imports.apiKeyId,
  kind: imports.kind,
  format: imports.format,
  status: imports.status,
  totalRows: imports.totalRows,
  rowsDone: imports.rowsDone,
  rowsCreated: imports.rowsCreated,
  rowsUpdated: imports.rowsUpdated,
  rowsFailed: imports.rowsFailed,
  options: imports.options,
  error: imports.error,
  createdAt: imports.createdAt,
  startedAt: imports.startedAt,
  finishedAt: imports.finishedAt,
}

export type ImportRow = {
  [K in keyof typeof importColumns]: (typeof imports.$inferSelect)[K]
}

export async function insertImport(db: DbOrTx, values: ImportInsert): Promise<ImportRow> {
  const [row] = await db.insert(imports).values(values).returning(importColumns)
  return row!
}

/** One import; `lock` holds its row for a batch, so two runners of one import take turns. */
export async function findImport(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<ImportRow | undefined> {
  const query = db.select(importColumns).from(imports).where(eq(imports.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

/**
 * Stores one piece of an uploaded file, in a transaction of its own that does not wait for the
 * disk: a file is a few thousand pieces, and a flush each made uploads several times slower. Nothing
 * is lost by it: the import that makes the pieces count is created by a transaction that commits as
 * usual, and its flush covers everything written before it; an upload cut off by a crash is gone
 * either way.
 */
export async function insertChunk(db: Db, chunk: { importId: string; seq: number; content: string; createdAt: Date }): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local synchronous_commit = off`)
    await tx.insert(importChunks).values(chunk)
  })
}

/** The piece of a file at `seq`, undefined past its last one. */
export async function findChunk(db: DbOrTx, importId: string, seq: number): Promise<string | undefined> {
  const [row] = await db
    .select({ content: importChunks.content })
    .from(importChunks)
    .where(and(eq(importChunks.importId, importId), eq(importChunks.seq, seq)))
  return row?.content
}

export async function deleteChunks(db: DbOrTx, importId: string): Promise<void> {
  await db.delete(importChunks).where(eq(importChunks.importId, importId))
}

/** Deletes the pieces of uploads begun before `before` that never became an import; returns how many uploads. */
export async function deleteAbandonedChunks(db: DbOrTx, before: Date): Promise<number> {
  const abandoned = db
    .select({ importId: importChunks.importId })
    .from(importChunks)
    .where(
      and(
        eq(importChunks.seq, 0),
        lt(importChunks.createdAt, before),
        sql`not exists (select 1 from ${imports} where ${imports.id} = ${importChunks.importId})`,
      ),
    )
  const deleted = await db.delete(importChunks).where(inArray(importChunks.importId, abandoned)).returning({ seq: importChunks.seq })
  return deleted.filter((row) => row.seq === 0).length
}

export async function updateImport(db: DbOrTx, id: string, values: Partial<ImportInsert>): Promise<void> {
  await db.update(imports).set(values).where(eq(imports.id, id))
}

/** Adds a batch's counts to the import's progress, with its other changes. */
export async function recordProgress(
  db: DbOrTx,
  id: string,
  counts: { done: number; created: number; updated: number; failed: number },
  values: Partial<ImportInsert> = {},
): Promise<void> {
  await db
    .update(imports)
    .set({
      ...values,
      rowsDone: sql`${imports.rowsDone} + ${counts.done}`,
      rowsCreated: sql`${imports.rowsCreated} + ${counts.created}`,
      rowsUpdated: sql`${imports.rowsUpdated} + ${counts.updated}`,
      rowsFailed: sql`${imports.rowsFailed} + ${counts.failed}`,
    })
    .where(eq(imports.id, id))
}

/** An organisation's imports, newest first, after the (createdAt, id) of the previous page. */
export async function listImports(
  db: DbOrTx,
  params: { organizationId: string; after?: { createdAt: Date; id: string }; limit: number },
): Promise<ImportRow[]> {
  const after = params.after
  return db
    .select(importColumns)
    .from(imports)
    .where(
      and(
        eq(imports.organizationId, params.organizationId),
        after ? or(lt(imports.createdAt, after.createdAt), and(eq(imports.createdAt, after.createdAt), lt(imports.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(imports.createdAt), desc(imports.id))
    .limit(params.limit)
}

/** A batch's refused rows. A line already recorded (a batch run again after a crash) is kept as it was. */
export async function insertImportErrors(db: DbOrTx, importId: string, rows: Array<{ line: number; errors: FieldError[] }>): Promise<void> {
  if (rows.length === 0) return
  await db
    .insert(importErrors)
    .values(rows.map((row) => ({ importId, line: row.line, errors: row.errors })))
    .onConflictDoNothing()
}

/** Refused rows in line order, after `afterLine`. */
export async function listImportErrors(db: DbOrTx, params: { importId: string; afterLine?: number; limit: number }) {
  return db
    .select({ line: importErrors.line, errors: importErrors.errors })
    .from(importErrors)
    .where(and(eq(importErrors.importId, params.importId), params.afterLine !== undefined ? gt(importErrors.line, params.afterLine) : undefined))
    .orderBy(asc(importErrors.line))
    .limit(params.limit)
}
