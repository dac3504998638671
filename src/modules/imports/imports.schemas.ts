import { Type, type Static } from 'typebox'
import { Cursor, FieldError, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, Nullable, Timestamp } from '../../http/fields.ts'
import { PossibleDuplicate } from '../listings/listings.schemas.ts'
import { importKinds } from './imports.columns.ts'

export const importFormats = ['csv', 'ndjson'] as const
export const importStatuses = ['queued', 'running', 'completed', 'failed'] as const

/** The content types an upload may have, and the format each one is. */
export const uploadTypes = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' } as const

/** A CSV header and the field it was read as. */
export const ImportColumn = Type.Object({ header: Type.String(), field: Type.String() }, { title: 'ImportColumn' })

export const ImportProvinceName = Type.Object(
  {
    name: Type.String({ description: 'As the file wrote it' }),
    code: Type.String({ description: 'The code it was read as: a legacy unit (before 1 July 2025) when the name is a legacy province' }),
    currentCode: Type.String({ description: 'The 2025 unit that code is part of, which search and reports use' }),
    rows: Type.Integer({ description: 'The rows that wrote it so' }),
  },
  { title: 'ImportProvinceName' },
)

export const ImportKind = Enum(importKinds, {
  title: 'CatalogueKind',
  description: 'What the file holds: listings, demands or organizations (operator keys only)',
})

export const ImportQuery = Type.Object({ kind: ImportKind }, { additionalProperties: false })
export type ImportQuery = Static<typeof ImportQuery>

export const ImportRowError = Type.Object(
  {
    line: Type.Integer({ minimum: 1, description: 'The line of the file the row starts on (the header is line 1 of a CSV)' }),
    errors: Type.Array(ref(FieldError), { description: 'What is wrong with it: pointers into the row, named by field' }),
  },
  { $id: 'ImportRowError', description: 'A row the import could not take' },
)
export type ImportRowError = Static<typeof ImportRowError>

export const ImportWarning = Type.Object(
  {
    line: Type.Integer({ minimum: 1 }),
    id: { ...Uuid, description: 'The listing the row created' },
    detail: Type.String(),
    possibleDuplicates: Type.Array(ref(PossibleDuplicate), { description: 'Listings already on the exchange that look like it, closest first' }),
  },
  { $id: 'ImportWarning', description: 'A row that was imported, with something worth a look' },
)
export type ImportWarning = Static<typeof ImportWarning>

const importFields = {
  id: Uuid,
  organizationId: { ...Uuid, description: 'The organisation whose key uploaded the file' },
  kind: ImportKind,
  format: Enum(importFormats, { title: 'FileFormat', description: 'csv (text/csv) or ndjson (application/x-ndjson)' }),
  status: Enum(importStatuses, {
    title: 'ImportStatus',
    description: 'queued -> running -> completed; failed when the import could not run at all (see error)',
  }),
  totalRows: Type.Integer({ description: 'Rows in the file (a CSV header is no row)' }),
  rowsDone: Type.Integer({ description: 'Rows processed so far, in file order: created, updated, unchanged or failed' }),
  rowsCreated: Type.Integer(),
  rowsUpdated: Type.Integer(),
  rowsUnchanged: Type.Integer({ description: 'Rows that named a record already as they describe it (running a file again)' }),
  rowsFailed: Type.Integer({ description: 'Rows refused; their errors are listed by line (listImportErrors)' }),
  error: Nullable(Type.String({ description: 'Why a failed import could not run' })),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
}

export const ImportSummary = Type.Object(importFields, { $id: 'ImportSummary', description: 'An import and its progress' })
export type ImportSummary = Static<typeof ImportSummary>

export const Import = Type.Object(
  {
    ...importFields,
    columns: Type.Array(ImportColumn, { description: 'CSV: the field each header was read as' }),
    ignoredColumns: Type.Array(Type.String(), { description: 'CSV: headers that name no field, whose cells were not imported' }),
    provinceNames: Type.Array(ImportProvinceName, {
      description:
        'CSV: the provinces the file named rather than coded ("Nam Định", "TP Hồ Chí Minh"), each with the code it was read as, so the uploader can check them (at most 200; a name matching no province is a row error instead)',
    }),
    errors: Type.Array(ref(ImportRowError), { description: 'The first 100 refused rows, by line; all of them: listImportErrors' }),
    warnings: Type.Array(ref(ImportWarning), { description: 'The first 100 warnings: new listings that look like ones already on the exchange' }),
    warningCount: Type.Integer(),
  },
  { $id: 'Import', description: 'A bulk import: the job that reads an uploaded file, with its progress and the rows it refused' },
)
export type Import = Static<typeof Import>

export const ImportPage = Type.Object({ items: Type.Array(ref(ImportSummary)), nextCursor: Nullable(Type.String()) }, { $id: 'ImportPage' })
export type ImportPage = Static<typeof ImportPage>

export const ImportErrorPage = Type.Object({ items: Type.Array(ref(ImportRowError)), nextCursor: Nullable(Type.String()) }, { $id: 'ImportErrorPage' })
export type ImportErrorPage = Static<typeof ImportErrorPage>

export const ImportListQuery = Type.Object(
  {
    organizationId: Type.Optional({
      ...Uuid,
      description: "Whose imports: default the caller's organisation; another one the caller acts for (a delegate, the operator)",
    }),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type ImportListQuery = Static<typeof ImportListQuery>

export const ImportErrorQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false })
export type ImportErrorQuery = Static<typeof ImportErrorQuery>

export const importSchemas = [ImportRowError, ImportWarning, ImportSummary, Import, ImportPage, ImportErrorPage]
