import { and, inArray, isNull, sql } from 'drizzle-orm'
import { listings } from '../../db/schema/index.ts'
import { ownerForCreation } from '../../core/access.ts'
import type { PossibleDuplicate } from '../listings/listings.duplicates.ts'
import { listingContentColumns, type ListingInsert } from '../listings/listings.repo.ts'
import { listingFields, listingEvents } from '../listings/listings.kind.ts'
import { valuesOf } from '../../core/catalogue-kind.ts'
import { ListingCreate } from '../listings/listings.schemas.ts'
import { checkRules } from '../listings/listings.service.ts'
import { ownerRefusal, type BatchContext, importHandler, type LookupContext } from './imports.batch.ts'
import { applyRows, keyOf, type ImportTarget, type ReadyRow } from './imports.upsert.ts'
import { errorsOf, failed, rowValidator, type CheckedRow, type FailedRow, type ValidRow } from './imports.validate.ts'
import { resolveProvinces } from '../../core/places.ts'

// Listings, many at a time: each row checked as createListing checks a body (schema, price and IPR
// rules, provinces, who the key may file for), then one INSERT ... ON CONFLICT per batch on the
// owner's external id. A row replaces every importable field of the listing it names; a row that
// changes nothing leaves it (and its version) alone. status published publishes a draft (as
// publishListing would); a published listing is never sent back to draft by a file, and a
// withdrawn one is final.

const validate = rowValidator<ListingCreate>(ListingCreate, ['draft', 'published'], (input) => [input.kind, input.titleVi, input.descriptionVi])

/** The fields a row sets; everything else (status, dates, moderation) follows the lifecycle. */
const importable = listingContentColumns

async function prepare(context: BatchContext, row: ValidRow<ListingCreate>): Promise<ReadyRow<ListingInsert> | FailedRow> {
  const { ownerId: requested, ...input } = row.input
  const ownerId = requested ?? context.actor.organizationId
  const refusal = await ownerRefusal(context, ownerId, () => ownerForCreation(context.tx, context.actor, requested, 'listings'))
  if (refusal.length > 0) return { line: row.line, errors: refusal }
  const values = valuesOf(listingFields, input)
  let currentProvinceCodes: string[]
  try {
    checkRules(values)
    currentProvinceCodes = resolveProvinces(values.provinceCodes)
  } catch (error) {
    return { line: row.line, errors: errorsOf(error) }
  }
  if (row.status === 'published' && values.validUntil !== null && values.validUntil < context.today) {
    return {
      line: row.line,
      errors: [{ pointer: '#/validUntil', detail: `is before today (${context.today}, Vietnam time): a listing past its validity cannot be published` }],
    }
  }
  const published = row.status === 'published'
  return {
    line: row.line,
    key: row.key,
    ownerId,
    values: {
      ...values,
      currentProvinceCodes,
      ownerId,
      status: published ? 'published' : 'draft',
      externalId: row.key,
      publishedAt: published ? context.now : null,
      createdAt: context.now,
      updatedAt: context.now,
    },
  }
}

const target: ImportTarget = {
  subject: 'listing',
  table: listings,
  importable,
  promotion: { to: 'published', stamped: 'publishedAt', clears: ['moderationReason', 'moderatedAt'] },
  // As the API's edit does (listings.service.ts): an archived listing given a validUntil ahead, or none, is public again.
  revival: {
    from: 'archived',
    when: (context) => sql`(excluded.valid_until is null or excluded.valid_until >= ${context.today})`,
    clears: ['archivedAt'],
  },
  final: 'withdrawn',
  events: { created: listingEvents.created, updated: listingEvents.updated, promoted: listingEvents.published },
  warning: (context, row, id) => {
    const possibleDuplicates = context.duplicates.get(row.line)
    if (!possibleDuplicates || possibleDuplicates.length === 0) return undefined
    return { line: row.line, id, detail: `looks like ${possibleDuplicates.length} listing(s) already on the exchange`, possibleDuplicates }
  },
}

const apply = (context: BatchContext, rows: CheckedRow<ListingCreate>[]) => applyRows(context, target, rows, prepare)

/**
 * Near-duplicates of the batch's new listings, looked up before its transaction opens: rows naming a
 * listing already stored update it and are not compared. Rows of the same batch do not see each
 * other (they are not written yet); those of earlier batches do.
 */
async function lookUpDuplicates(context: LookupContext, rows: CheckedRow<ListingCreate>[]): Promise<Map<number, PossibleDuplicate[]>> {
  const found = new Map<number, PossibleDuplicate[]>()
  const candidates = rows
    .filter((row): row is ValidRow<ListingCreate> => !failed(row))
    .map((row) => ({ row, ownerId: row.input.ownerId ?? context.actor.organizationId }))
  if (candidates.length === 0 || context.left <= 0) return found
  const stored = await context.db
    .select({ ownerId: listings.ownerId, externalId: listings.externalId })
    .from(listings)
    .where(
      and(
        isNull(listings.source),
        inArray(
          listings.externalId,
          candidates.map(({ row }) => row.key),
        ),
        inArray(listings.ownerId, [...new Set(candidates.map(({ ownerId }) => ownerId))]),
      ),
    )
  const known = new Set(stored.map((row) => keyOf({ ownerId: row.ownerId, key: row.externalId! })))
  let left = context.left
  for (const { row, ownerId } of candidates) {
    if (left <= 0) break
    if (known.has(keyOf({ ownerId, key: row.key }))) continue
    left -= 1
    const duplicates = await context.findDuplicates({
      titleVi: row.input.titleVi,
      titleEn: row.input.titleEn,
      keywords: row.input.keywords,
      descriptionVi: row.input.descriptionVi,
      descriptionEn: row.input.descriptionEn,
      ownerId,
      exchangeId: context.exchangeId,
    })
    if (duplicates && duplicates.length > 0) found.set(row.line, duplicates)
  }
  return found
}

export const listingImport = importHandler(validate, apply, lookUpDuplicates)
