import { columnsOf } from '../../core/catalogue-kind.ts'
import { demandFields } from '../demands/demands.kind.ts'
import { listingFields } from '../listings/listings.kind.ts'
import { privateStatuses } from '../listings/listings.lifecycle.ts'
import { statusCondition } from '../listings/listings.search.ts'
import { and, arrayContains, arrayOverlaps, asc, eq, gt } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import { demands, listings, organizations } from '../../db/schema/index.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import { csvLine } from '../../lib/csv.ts'
import { forbidden, unauthorized } from '../../lib/problem.ts'
import { actingOwners, actsFor, maySearchPrivate } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { hiddenFields } from '../../core/disclosure.ts'
import { importColumns, type ImportKind } from '../imports/imports.columns.ts'
import type { DemandExportQuery, ExportFormat, ListingExportQuery } from './exports.schemas.ts'
import { provinceFilter } from '../../core/places.ts'

// Exports of listings and demands as CSV or NDJSON, streamed: the rows are read a page at a time
// (keyset on id, each page its own short query, so no transaction or connection is held while the
// client reads) and written as they come. A row is the import's shape, so an exported file imports
// back (into another organisation, say) as it is; two read-only columns follow, id and owner.
// Listings are shown as a stranger sees them unless the caller acts for their owner.

const pageSize = 500

export type ExportFile = { filename: string; contentType: string; body: AsyncGenerator<string> }

type ExportRecord = Record<string, unknown>

/** The columns of a kind's export: the import's fields (ownerId aside: it would not import elsewhere), then id and owner. */
const exportedFields = (kind: ImportKind) => [...importColumns[kind].map((column) => column.field).filter((field) => field !== 'ownerId'), 'id', 'owner']

/** A value as a CSV cell, in the form the import reads back. */
function cellOf(field: string, value: unknown): string {
  if (value === null || value === undefined) return ''
  if (field === 'owner') return (value as { name: string | null }).name ?? ''
  if (Array.isArray(value) && value.every((item) => typeof item === 'string') && !['media', 'contacts'].includes(field)) {
    // A list is items separated by "; ", unless an item holds a semicolon: then a JSON array.
    return value.some((item: string) => item.includes(';')) ? JSON.stringify(value) : value.join('; ')
  }
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** A record as an NDJSON line: fields without a value left out (null would not import back). */
const ndjsonLine = (record: ExportRecord) =>
  `${JSON.stringify(Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined)))}\n`

async function* written(kind: ImportKind, format: ExportFormat, records: AsyncGenerator<ExportRecord>): AsyncGenerator<string> {
  const fields = exportedFields(kind)
  // The byte order mark tells spreadsheet programs the file is UTF-8; the import skips it.
  if (format === 'csv') yield `\ufeff${csvLine(fields)}`
  for await (const record of records) yield format === 'csv' ? csvLine(fields.map((field) => cellOf(field, record[field]))) : ndjsonLine(record)
}

/** Drafts (and withdrawn listings) are the operator's, or an owner's asking for its own with owner=. */
async function assertMayExport(db: Db, actor: Actor | null, what: string, ownerId: string | undefined) {
  if (!actor) throw unauthorized(`A key is needed to export ${what}`)
  if (!(await maySearchPrivate(db, actor, ownerId)))
    throw forbidden(`Only the operator, or an owner (or its delegate) asking with owner=<the owner's id>, may export ${what}`)
}

const ownerOf = { id: organizations.id, name: organizations.name, kind: organizations.kind }

export function createExportService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps

  /** Pages of a query by id, until one comes back short. */
  async function* pages<T extends { id: string }>(read: (after: string | undefined) => Promise<T[]>): AsyncGenerator<T> {
    let after: string | undefined
    for (;;) {
      const page = await read(after)
      yield* page
      if (page.length < pageSize) return
      after = page.at(-1)!.id
    }
  }

  async function exportListings(actor: Actor | null, query: ListingExportQuery): Promise<ExportFile> {
    const status = query.status ?? 'published'
    if (privateStatuses.includes(status)) await assertMayExport(db, actor, `${status} listings`, query.owner)
    const province = provinceFilter(query.province, 'province')
    const today = vietnamDate(clock.now())
    const acting = await actingOwners(db, actor)
    const conditions = and(
      statusCondition(status, today),
      query.owner ? eq(listings.ownerId, query.owner) : undefined,
      // An anonymous listing's owner is not revealed by asking for that owner's listings.
      query.owner && !(await actsFor(db, actor, query.owner)) ? eq(listings.anonymous, false) : undefined,
      query.kind ? eq(listings.kind, query.kind) : undefined,
      query.sector ? arrayContains(listings.sectors, [query.sector]) : undefined,
      query.field ? arrayContains(listings.fields, [query.field]) : undefined,
      province ? arrayOverlaps(listings.currentProvinceCodes, [province]) : undefined,
    )
    const rows = pages((after) =>
      db
        .select({
          id: listings.id,
          status: listings.status,
          externalId: listings.externalId,
          source: listings.source,
          ...columnsOf(listingFields),
          owner: ownerOf,
        })
        .from(listings)
        .innerJoin(organizations, eq(organizations.id, listings.ownerId))
        .where(and(conditions, after ? gt(listings.id, after) : undefined))
        .orderBy(asc(listings.id))
        .limit(pageSize),
    )
    async function* records(): AsyncGenerator<ExportRecord> {
      for await (const { source, ...row } of rows) {
        const record: ExportRecord = { ...row }
        if (!acting(row.owner.id)) {
          // As a stranger's GET shows it (deals aside): confidential fields null, an anonymous owner hidden with its own reference.
          for (const field of hiddenFields(row, null)) record[field] = field === 'owner' ? { ...row.owner, id: null, name: null } : null
          if (row.anonymous && source === null) record.externalId = null
        }
        yield record
      }
    }
    return exportFile('listings', query.format ?? 'csv', today, records())
  }

  async function exportDemands(actor: Actor | null, query: DemandExportQuery): Promise<ExportFile> {
    const status = query.status ?? 'open'
    if (status === 'draft') await assertMayExport(db, actor, 'draft demands', query.owner)
    const province = provinceFilter(query.province, 'province')
    const acting = await actingOwners(db, actor)
    const conditions = and(
      eq(demands.status, status),
      query.owner ? eq(demands.ownerId, query.owner) : undefined,
      // An anonymous demand's owner is not revealed by asking for that owner's demands.
      query.owner && !(await actsFor(db, actor, query.owner)) ? eq(demands.anonymous, false) : undefined,
      query.sector ? arrayContains(demands.sectors, [query.sector]) : undefined,
      query.field ? arrayContains(demands.fields, [query.field]) : undefined,
      province ? eq(demands.currentProvinceCode, province) : undefined,
    )
    const rows = pages((after) =>
      db
        .select({
          id: demands.id,
          externalId: demands.externalId,
          source: demands.source,
          status: demands.status,
          ...columnsOf(demandFields),
          owner: ownerOf,
        })
        .from(demands)
        .innerJoin(organizations, eq(organizations.id, demands.ownerId))
        .where(and(conditions, after ? gt(demands.id, after) : undefined))
        .orderBy(asc(demands.id))
        .limit(pageSize),
    )
    async function* records(): AsyncGenerator<ExportRecord> {
      for await (const { source, ...row } of rows) {
        // As a stranger's GET shows it (deals aside): an anonymous owner hidden with its own reference.
        const hidden = row.anonymous && !acting(row.owner.id)
        yield hidden ? { ...row, owner: { ...row.owner, id: null, name: null }, externalId: source === null ? null : row.externalId } : row
      }
    }
    return exportFile('demands', query.format ?? 'csv', vietnamDate(clock.now()), records())
  }

  return { listings: exportListings, demands: exportDemands }
}

function exportFile(kind: ImportKind, format: ExportFormat, today: string, records: AsyncGenerator<ExportRecord>): ExportFile {
  return {
    filename: `${kind}-${today}.${format}`,
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    body: written(kind, format, records),
  }
}

export type ExportService = ReturnType<typeof createExportService>
