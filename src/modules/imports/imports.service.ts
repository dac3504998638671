import { randomUUID } from 'node:crypto'
import type { Db, DbOrTx } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { forbidden, notFound } from '../../lib/problem.ts'
import { actsFor, ownerForCreation, writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import type { RowWarning } from './imports.batch.ts'
import type { ImportKind } from './imports.columns.ts'
import * as repo from './imports.repo.ts'
import { summarizeFile, type ImportFormat, type ProvinceNameRead } from './imports.rows.ts'
import { currentProvinceCode } from '../../core/places.ts'
import { fileTooLarge, storeFile } from './imports.storage.ts'
import type { ImportRunner } from './imports.runner.ts'
import type { Import, ImportErrorPage, ImportErrorQuery, ImportListQuery, ImportPage, ImportSummary } from './imports.schemas.ts'

// Bulk imports over HTTP: the upload (checked, stored, its job queued), and reading an import's
// progress and refused rows. The rows themselves are written by the job (imports.runner.ts).

const shownErrors = 100

export function toImportSummary(row: repo.ImportRow): ImportSummary {
  return {
    id: row.id,
    organizationId: row.organizationId,
    kind: row.kind as ImportSummary['kind'],
    format: row.format as ImportSummary['format'],
    status: row.status as ImportSummary['status'],
    totalRows: row.totalRows,
    rowsDone: row.rowsDone,
    rowsCreated: row.rowsCreated,
    rowsUpdated: row.rowsUpdated,
    rowsUnchanged: row.rowsDone - row.rowsCreated - row.rowsUpdated - row.rowsFailed,
    rowsFailed: row.rowsFailed,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  }
}

function toImport(row: repo.ImportRow, errors: Import['errors']): Import {
  const options = row.options as {
    columns?: Import['columns']
    ignoredColumns?: string[]
    provinceNames?: ProvinceNameRead[]
    warnings?: RowWarning[]
    warningCount?: number
  }
  return {
    ...toImportSummary(row),
    columns: options.columns ?? [],
    ignoredColumns: options.ignoredColumns ?? [],
    provinceNames: (options.provinceNames ?? []).map((read) => ({ ...read, currentCode: currentProvinceCode(read.code) ?? read.code })),
    errors,
    warnings: options.warnings ?? [],
    warningCount: options.warningCount ?? 0,
  }
}

export type Upload = {
  kind: ImportKind
  format: ImportFormat
  /** The file's bytes as they arrive. */
  content: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  /** The size the client announced (Content-Length), if it did: too large is refused before reading. */
  declaredBytes?: number
}

export type ImportServiceDeps = {
  db: Db
  clock: Clock
  queueImport: (tx: DbOrTx, importId: string) => Promise<void>
  runner: ImportRunner
  /** The largest file accepted, in bytes (IMPORT_MAX_BYTES). */
  maxBytes: number
  cursors: Cursors
}

export function createImportService(deps: ImportServiceDeps) {
  const { db, clock, queueImport, cursors } = deps

  /** The import if the caller acts for the organisation that uploaded it; 404 otherwise. */
  async function visible(actor: Actor, id: string) {
    const row = await repo.findImport(db, id)
    if (!row || !(await actsFor(db, actor, row.organizationId))) throw notFound('Import', id)
    return row
  }

  /**
   * Accepts a file: who may import what is checked first (readers nothing, organisations only the
   * operator), then the file is stored as it streams in and read once on the way (an empty,
   * headerless or malformed file is a 422, too large a 413, each as soon as it shows), and only
   * then, in one transaction, does the import exist, with its job queued and its audit entry.
   */
  async function create(actor: Actor, upload: Upload): Promise<Import> {
    if (upload.kind === 'organizations') {
      if (actor.role !== 'operator') throw forbidden('Only operator keys import organisations, as only the operator registers any organisation')
    } else {
      if (!writesContent(actor)) throw forbidden(`A reader key cannot import ${upload.kind}; use an admin or editor key`)
      // A merged organisation files nothing new (409), as createListing and createDemand say.
      await ownerForCreation(db, actor, undefined, upload.kind)
    }
    if (upload.declaredBytes !== undefined && upload.declaredBytes > deps.maxBytes) throw fileTooLarge(deps.maxBytes)
    const id = randomUUID()
    const now = clock.now()
    const summarizer = summarizeFile(upload.kind, upload.format)
    await storeFile(db, id, upload.content, { maxBytes: deps.maxBytes, now, read: summarizer.push })
    try {
      const checked = summarizer.end()
      return await db.transaction(async (tx) => {
        const row = await repo.insertImport(tx, {
          id,
          organizationId: actor.organizationId,
          apiKeyId: actor.keyId,
          kind: upload.kind,
          format: upload.format,
          status: 'queued',
          totalRows: checked.totalRows,
          options: checked.header ? { columns: checked.header.mapped, ignoredColumns: checked.header.ignored, provinceNames: checked.provinceNames ?? [] } : {},
          createdAt: now,
        })
        await queueImport(tx, row.id)
        const created = toImport(row, [])
        await recordAudit(tx, {
          actor,
          owningOrganizationId: actor.organizationId,
          operation: 'import.create',
          targetType: 'import',
          targetId: row.id,
          after: { kind: created.kind, format: created.format, totalRows: created.totalRows, columns: created.columns, ignoredColumns: created.ignoredColumns },
          occurredAt: now,
        })
        return created
      })
    } catch (error) {
      await repo.deleteChunks(db, id)
      throw error
    }
  }

  async function get(actor: Actor, id: string): Promise<Import> {
    const row = await visible(actor, id)
    return toImport(row, await repo.listImportErrors(db, { importId: id, limit: shownErrors }))
  }

  async function list(actor: Actor, query: ImportListQuery): Promise<ImportPage> {
    const organizationId = query.organizationId ?? actor.organizationId
    if (!(await actsFor(db, actor, organizationId))) {
      throw forbidden('A key lists the imports of its own organisation, or of one it acts for (a member that delegated to it; any for the operator)', [
        { pointer: '#/query/organizationId', detail: 'is not an organisation this key acts for' },
      ])
    }
    const limit = query.limit ?? 20
    let after: { createdAt: Date; id: string } | undefined
    if (query.cursor) {
      const [createdAt, id] = cursors.decode(query.cursor, 'imports', ['instant', 'uuid'])
      after = { createdAt, id }
    }
    const rows = await repo.listImports(db, { organizationId, after, limit: limit + 1 })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map(toImportSummary),
      nextCursor: rows.length > limit && last ? cursors.encode('imports', [last.createdAt, last.id]) : null,
    }
  }

  async function listErrors(actor: Actor, id: string, query: ImportErrorQuery): Promise<ImportErrorPage> {
    await visible(actor, id)
    const limit = query.limit ?? 20
    const afterLine = query.cursor ? cursors.decode(query.cursor, 'line', ['integer'])[0] : undefined
    const rows = await repo.listImportErrors(db, { importId: id, afterLine, limit: limit + 1 })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return { items: page, nextCursor: rows.length > limit && last ? cursors.encode('line', [last.line]) : null }
  }

  return { create, get, list, listErrors, run: deps.runner.run }
}

export type ImportService = ReturnType<typeof createImportService>
