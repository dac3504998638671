import { and, asc, eq, inArray, isNotNull, lt, ne, or } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { files, type FileSubjectType } from '../../db/schema/index.ts'

export type FileRow = typeof files.$inferSelect

export async function insertPending(db: DbOrTx, values: typeof files.$inferInsert): Promise<FileRow> {
  const [row] = await db.insert(files).values(values).returning()
  return row!
}

/** Marks a pending file stored; undefined when the row is gone (the sweep took it: the upload took longer than its patience). */
export async function markStored(db: DbOrTx, id: string, storedAt: Date): Promise<FileRow | undefined> {
  const [row] = await db
    .update(files)
    .set({ status: 'stored', storedAt })
    .where(and(eq(files.id, id), eq(files.status, 'pending')))
    .returning()
  return row
}

export async function findFile(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<FileRow | undefined> {
  const query = db.select().from(files).where(eq(files.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

/** A record's stored files, oldest first (files_subject_idx). */
export const listStored = (db: DbOrTx, subjectType: FileSubjectType, subjectId: string): Promise<FileRow[]> =>
  db
    .select()
    .from(files)
    .where(and(eq(files.subjectType, subjectType), eq(files.subjectId, subjectId), eq(files.status, 'stored')))
    .orderBy(asc(files.createdAt), asc(files.id))
    .limit(1000)

export async function markRemoving(db: DbOrTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return
  await db.update(files).set({ status: 'removing' }).where(inArray(files.id, ids))
}

export async function deleteRow(db: DbOrTx, id: string): Promise<void> {
  await db.delete(files).where(eq(files.id, id))
}

/**
 * Rows a crash or a failure left half-way (files_unfinished_idx): those being removed, and uploads
 * pending since before `pendingBefore` (an upload still under way is younger).
 */
export const unfinished = (db: DbOrTx, pendingBefore: Date, limit: number): Promise<FileRow[]> =>
  db
    .select()
    .from(files)
    .where(and(ne(files.status, 'stored'), or(eq(files.status, 'removing'), lt(files.createdAt, pendingBefore))))
    .orderBy(asc(files.createdAt))
    .limit(limit)

/**
 * Stored files whose record was retired before `retiredBefore`: listings withdrawn, demands closed.
 */
export async function filesOfRetired(db: DbOrTx, retiredBefore: Date, limit: number): Promise<FileRow[]> {
  // From files_retired_idx: only what is due is read (subject_retired_at follows the record, 0052).
  return db
    .select()
    .from(files)
    .where(and(eq(files.status, 'stored'), isNotNull(files.subjectRetiredAt), lt(files.subjectRetiredAt, retiredBefore)))
    .orderBy(files.subjectRetiredAt)
    .limit(limit)
    .for('update', { skipLocked: true })
}
