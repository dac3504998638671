import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Db } from '../../db/client.ts'
import { outsideRequestTransaction } from '../../db/request-scope.ts'
import type { FileSubjectType } from '../../db/schema/index.ts'
import type { Clock } from '../../lib/clock.ts'
import { AppError, badRequest, conflict, forbidden, notFound, unprocessable } from '../../lib/problem.ts'
import { actsFor } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { stageOf } from '../../core/disclosure.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import { cleanFileName, contentTypeOf, imageTypes, sha256Of, thumbnailOf } from './files.content.ts'
import * as repo from './files.repo.ts'
import { fileKinds, type FileList, type FileUploadFields, type StoredFile } from './files.schemas.ts'
import type { ByteRange, FileStore } from './files.store.ts'
import type { FileSubject, FileSubjects } from './files.subjects.ts'

// Attachments: a file's facts in the database, its bytes in the file store (files.store.ts). An
// upload is checked whole before anything is kept (its type by its bytes, its checksum, its image
// decoded), then written in three steps that a crash can interrupt at any point without leaving
// bytes nobody can reach: a pending row (committed on its own), the bytes, then the row marked
// stored with its audit entry (in the request's transaction). Removal goes the other way: the row
// marked removing with its audit entry, then the bytes, then the row. The sweep (every 10 minutes)
// finishes what a crash left: pending rows older than an hour and removing rows lose their bytes
// and their row; files of records retired longer than FILE_RETENTION_DAYS are removed the same way.

export const fileSweepJob = 'files.sweep'
/** An upload pending for longer than this is taken as dead (its process crashed before finishing). */
const pendingPatienceMs = 60 * 60 * 1000

export type Upload = { fields: FileUploadFields; name: string | undefined; bytes: Buffer }

const thumbnailKey = (key: string) => `${key}.thumb.webp`

function toStoredFile(row: repo.FileRow): StoredFile {
  return {
    id: row.id,
    subject: { type: row.subjectType, id: row.subjectId },
    kind: row.kind as StoredFile['kind'],
    name: row.name,
    description: row.description,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    revealedAt: row.revealedAt as StoredFile['revealedAt'],
    milestoneId: row.milestoneId,
    contentUrl: `/v1/files/${row.id}/content`,
    thumbnailUrl: row.hasThumbnail ? `/v1/files/${row.id}/thumbnail` : null,
    createdAt: row.createdAt.toISOString(),
  }
}

const notDisclosed = (revealedAt: string) =>
  forbidden(`This file is shown from the deal stage ${revealedAt} on: a deal of yours on the record must get that far first`)

export function createFileService(deps: { db: Db; clock: Clock; store: FileStore; subjects: FileSubjects; retentionDays: number }) {
  const { db, clock, store, subjects, retentionDays } = deps

  /** Whether the caller may read this file of a record it sees: always, unless the file waits for a deal stage the caller has not reached. */
  async function disclosed(subject: FileSubject, row: repo.FileRow): Promise<boolean> {
    if (row.revealedAt === null || subject.seesAll) return true
    const reached = await subject.reached()
    return reached !== null && stageOf(reached) >= stageOf(row.revealedAt)
  }

  function checkFields(subject: FileSubject, fields: FileUploadFields, contentType: string) {
    const kinds: readonly string[] = fileKinds[subject.type]
    if (!kinds.includes(fields.kind))
      throw unprocessable('invalid_kind', `A file on a ${subject.type} is one of: ${kinds.join(', ')}`, [
        { pointer: '#/kind', detail: `is not a kind of file on a ${subject.type}` },
      ])
    if (fields.revealedAt !== undefined && !subject.staged)
      throw unprocessable('invalid_field', 'Only files on listings and demands wait for a deal stage', [
        { pointer: '#/revealedAt', detail: `a ${subject.type}'s files are read by whoever sees it` },
      ])
    if (fields.milestoneId !== undefined && !subject.milestoneIds.has(fields.milestoneId))
      throw unprocessable('invalid_field', "milestoneId names none of the deal's milestones", [
        { pointer: '#/milestoneId', detail: 'is not a milestone of this deal' },
      ])
    if (fields.kind === 'photo' && !imageTypes.includes(contentType as (typeof imageTypes)[number]))
      throw new AppError(
        415,
        'unsupported_file_type',
        'Unsupported file type',
        `A photo must be an image (JPEG, PNG, WebP or GIF); this file is ${contentType}`,
      )
  }

  /** checked: what assertUploadable gave for the same record, when the route made that check first. */
  async function upload(actor: Actor, input: Upload, checked?: FileSubject): Promise<StoredFile> {
    const { fields, bytes } = input
    const name = cleanFileName(input.name)
    const subject =
      checked?.type === fields.subjectType && checked.id === fields.subjectId
        ? checked
        : await subjects.writable(db, actor, fields.subjectType, fields.subjectId)
    const contentType = await contentTypeOf(bytes, name)
    checkFields(subject, fields, contentType)
    const sha256 = sha256Of(bytes)
    if (fields.sha256 !== undefined && fields.sha256.toLowerCase() !== sha256)
      throw unprocessable(
        'checksum_mismatch',
        `The file's SHA-256 is ${sha256}, not the ${fields.sha256.toLowerCase()} sent: it changed on the way; send it again`,
      )
    const thumbnail = imageTypes.includes(contentType) ? await thumbnailOf(bytes) : null

    const id = randomUUID()
    const key = `${fields.subjectType}/${id}`
    // Committed on its own, before the bytes go out: whatever happens next, the sweep can find them.
    await outsideRequestTransaction(() =>
      repo.insertPending(db, {
        id,
        subjectType: fields.subjectType,
        subjectId: fields.subjectId,
        milestoneId: fields.milestoneId ?? null,
        kind: fields.kind,
        name,
        description: fields.description?.trim() || null,
        contentType,
        sizeBytes: bytes.length,
        sha256,
        revealedAt: fields.revealedAt ?? null,
        storageKey: key,
        hasThumbnail: thumbnail !== null,
        status: 'pending',
        uploadedByOrganizationId: actor.organizationId,
        createdAt: clock.now(),
      }),
    )
    try {
      await store.put(key, bytes, contentType)
      if (thumbnail) await store.put(thumbnailKey(key), thumbnail, 'image/webp')
      return await db.transaction(async (tx) => {
        // Checked again under the write: the record may have been withdrawn while the bytes went out.
        await subjects.writable(tx, actor, fields.subjectType, fields.subjectId)
        const row = await repo.markStored(tx, id, clock.now())
        if (!row) throw conflict('upload_expired', 'The upload took so long that it was given up; send it again')
        const stored = toStoredFile(row)
        await recordAudit(tx, {
          actor,
          owningOrganizationId: subject.ownerId,
          operation: 'file.upload',
          targetType: 'file',
          targetId: id,
          after: stored,
          occurredAt: row.storedAt!,
        })
        return stored
      })
    } catch (error) {
      // Refused or failed after the pending row: take the bytes back now rather than at the sweep.
      await outsideRequestTransaction(() => discard({ id, storageKey: key, hasThumbnail: thumbnail !== null })).catch(() => {})
      throw error
    }
  }

  /** Deletes a file's bytes, then its row: safe to repeat, so the sweep may finish what a crash began. */
  async function discard(row: Pick<repo.FileRow, 'id' | 'storageKey' | 'hasThumbnail'>) {
    await store.remove(row.storageKey)
    if (row.hasThumbnail) await store.remove(thumbnailKey(row.storageKey))
    await repo.deleteRow(db, row.id)
  }

  async function list(actor: Actor | null, subjectType: FileSubjectType, subjectId: string): Promise<FileList> {
    const subject = await subjects.readable(db, actor, subjectType, subjectId)
    const rows = await repo.listStored(db, subjectType, subjectId)
    const items: StoredFile[] = []
    const withheld = new Map<string, FileList['withheld'][number]>()
    for (const row of rows) {
      if (await disclosed(subject, row)) {
        items.push(toStoredFile(row))
        continue
      }
      const group = `${row.kind}|${row.revealedAt}`
      const counted = withheld.get(group)
      if (counted) counted.count += 1
      else withheld.set(group, { kind: row.kind as StoredFile['kind'], revealedAt: row.revealedAt as NonNullable<StoredFile['revealedAt']>, count: 1 })
    }
    return { items, withheld: [...withheld.values()] }
  }

  /** A stored file the caller may read: 404 when it may not see the record, 403 while the file waits for a deal stage. */
  async function readableFile(actor: Actor | null, id: string): Promise<repo.FileRow> {
    const row = await repo.findFile(db, id)
    if (!row || row.status !== 'stored') throw notFound('File', id)
    let subject: FileSubject
    try {
      subject = await subjects.readable(db, actor, row.subjectType, row.subjectId)
    } catch (error) {
      // The record's own 404 would name the record: the caller asked for a file.
      if (error instanceof AppError && error.status === 404) throw notFound('File', id)
      throw error
    }
    if (!(await disclosed(subject, row))) throw notDisclosed(row.revealedAt!)
    return row
  }

  const get = async (actor: Actor | null, id: string): Promise<StoredFile> => toStoredFile(await readableFile(actor, id))

  /** The bytes of a file (or its thumbnail) the caller may read, with what to say about them. */
  /**
   * A file's bytes, or its thumbnail's. `range` picks the bytes of a Range request: given the file,
   * it says which bytes to send (undefined: all of them).
   */
  async function content(
    actor: Actor | null,
    id: string,
    which: 'file' | 'thumbnail',
    range?: (file: StoredFile) => ByteRange | undefined,
  ): Promise<{ file: StoredFile; stream: Readable; range: ByteRange | undefined }> {
    const row = await readableFile(actor, id)
    if (which === 'thumbnail' && !row.hasThumbnail) throw notFound('Thumbnail of file', id)
    const bytes = which === 'file' ? range?.(toStoredFile(row)) : undefined
    const stream = await store.get(which === 'file' ? row.storageKey : thumbnailKey(row.storageKey), bytes)
    // A stored row whose bytes are gone: the store lost them (a volume not mounted, a bucket emptied by hand).
    if (!stream) throw new AppError(410, 'file_content_lost', 'Gone', `The bytes of file ${id} are missing from the file store; upload it again`)
    return { file: toStoredFile(row), stream, range: bytes }
  }

  async function remove(actor: Actor, id: string): Promise<void> {
    const row = await db.transaction(async (tx) => {
      const row = await repo.findFile(tx, id, { lock: true })
      if (!row || row.status !== 'stored') throw notFound('File', id)
      let subject: FileSubject
      try {
        subject = await subjects.writable(tx, actor, row.subjectType, row.subjectId, { removing: true })
      } catch (error) {
        if (error instanceof AppError && error.status === 404) throw notFound('File', id)
        throw error
      }
      // A deal's or a task's files are its parties' own evidence: only the side that uploaded one takes it back.
      if ((row.subjectType === 'deal' || row.subjectType === 'task') && !(await actsFor(tx, actor, row.uploadedByOrganizationId)))
        throw forbidden("Only the organisation that uploaded a deal's or a task's file (or the operator) may remove it")
      await repo.markRemoving(tx, [id])
      await recordAudit(tx, {
        actor,
        owningOrganizationId: subject.ownerId,
        operation: 'file.remove',
        targetType: 'file',
        targetId: id,
        before: toStoredFile(row),
        occurredAt: clock.now(),
      })
      return row
    })
    // After the commit: a crash here leaves a removing row, which the sweep finishes.
    await discard(row)
  }

  /**
   * Finishes what crashes left (pending uploads older than an hour, removals begun) and removes the
   * files of records retired longer than the retention period, in batches. Returns what it removed.
   */
  async function sweep(): Promise<{ unfinished: number; retired: number }> {
    const now = clock.now()
    let retired = 0
    if (retentionDays > 0) {
      const before = new Date(now.getTime() - retentionDays * 86_400_000)
      for (;;) {
        const batch = await db.transaction(async (tx) => {
          const rows = await repo.filesOfRetired(tx, before, 100)
          await repo.markRemoving(
            tx,
            rows.map((row) => row.id),
          )
          for (const row of rows)
            await recordAudit(tx, {
              actor: null,
              owningOrganizationId: null,
              operation: 'file.remove',
              targetType: 'file',
              targetId: row.id,
              before: toStoredFile(row),
              occurredAt: now,
            })
          return rows.length
        })
        retired += batch
        if (batch < 100) break
      }
    }
    let unfinished = 0
    for (;;) {
      const rows = await repo.unfinished(db, new Date(now.getTime() - pendingPatienceMs), 100)
      for (const row of rows) await discard(row)
      unfinished += rows.length
      if (rows.length < 100) break
    }
    // The retired files went through the same removal: what is left is what crashes and failures left.
    return { unfinished: unfinished - retired, retired }
  }

  /** The check an upload makes first, for the route to make before it reads the file. */
  async function assertUploadable(actor: Actor, subjectType: FileSubjectType, subjectId: string): Promise<FileSubject> {
    return subjects.writable(db, actor, subjectType, subjectId)
  }

  return { upload, assertUploadable, list, get, content, remove, sweep }
}

export type FileService = ReturnType<typeof createFileService>

export function registerFileJobs(jobs: JobQueue, files: Pick<FileService, 'sweep'>) {
  jobs.register(fileSweepJob, async () => void (await files.sweep()), { cron: '*/10 * * * *' })
}

/** A form field the upload did not expect, or one sent twice. */
export const badFormField = (detail: string) => badRequest('invalid_form', detail)
