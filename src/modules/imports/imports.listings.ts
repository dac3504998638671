import { and, inArray, isNull, sql } from 'drizzle-orm'
import { listings } from '../../db/schema/index.ts'
import { ownerForCreation } from '../../core/access.ts'
import type { CatalogueEventType } from '../../core/catalogue-events.ts'
import type { PossibleDuplicate } from '../listings/listings.duplicates.ts'
import { listingContentColumns, type ListingInsert } from '../listings/listings.repo.ts'
import { listingFields } from '../listings/listings.kind.ts'
import { valuesOf } from '../../core/catalogue-kind.ts'
import { ListingCreate } from '../listings/listings.schemas.ts'
import { checkRules } from '../listings/listings.service.ts'
import {
  differs,
  ownerRefusal,
  recordBatchEvents,
  replacing,
  runsWithoutRepeats,
  type BatchContext,
  type BatchResult,
  importHandler,
  type LookupContext,
} from './imports.batch.ts'
import { errorsOf, failed, rowValidator, type CheckedRow, type FailedRow, type ValidRow } from './imports.validate.ts'
import { resolveProvinces } from '../../core/places.ts'

// Listings, many at a time: each row checked as createListing checks a body (schema, price and IPR
// rules, provinces, who the key may file for), then one INSERT ... ON CONFLICT per batch on the
// owner's external id. A row replaces every importable field of the listing it names; a row that
// changes nothing leaves it (and its version) alone. status published publishes a draft (as
// publishListing would); a published listing is never sent back to draft by a file, and a
// withdrawn one is final.

type Ready = { line: number; key: string; status: string; ownerId: string; values: ListingInsert }

const validate = rowValidator<ListingCreate>(ListingCreate, ['draft', 'published'], (input) => [input.kind, input.titleVi, input.descriptionVi])

/** The fields a row sets; everything else (status, dates, moderation) follows the lifecycle. */
const importable = listingContentColumns

async function prepare(context: BatchContext, row: ValidRow<ListingCreate>): Promise<Ready | FailedRow> {
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
    status: row.status,
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

const keyOf = (row: { ownerId: string; key: string }) => `${row.ownerId} ${row.key}`

/** Writes one run of rows (no key twice) and says what became of each. */
async function upsertRun(context: BatchContext, run: Ready[], result: BatchResult) {
  const { tx } = context
  const existing = await tx
    .select({ id: listings.id, ownerId: listings.ownerId, externalId: listings.externalId, status: listings.status })
    .from(listings)
    .where(
      and(
        isNull(listings.source),
        inArray(
          listings.externalId,
          run.map((row) => row.key),
        ),
        inArray(listings.ownerId, [...new Set(run.map((row) => row.ownerId))]),
      ),
    )
    .for('update')
  const before = new Map(existing.map((row) => [keyOf({ ownerId: row.ownerId, key: row.externalId! }), row]))
  const publishing = sql`${listings.status} = 'draft' and excluded.status = 'published'`
  const written = await tx
    .insert(listings)
    .values(run.map((row) => row.values))
    .onConflictDoUpdate({
      target: [listings.ownerId, listings.externalId],
      targetWhere: sql`${listings.source} is null and ${listings.externalId} is not null`,
      set: {
        ...replacing(importable),
        status: sql`case when ${publishing} then 'published' else ${listings.status} end`,
        publishedAt: sql`case when ${publishing} then excluded.published_at else ${listings.publishedAt} end`,
        // Publishing clears an earlier moderation note, as publishListing does.
        moderationReason: sql`case when ${publishing} then null else ${listings.moderationReason} end`,
        moderatedAt: sql`case when ${publishing} then null else ${listings.moderatedAt} end`,
        updatedAt: sql`excluded.updated_at`,
        version: sql`${listings.version} + 1`,
      },
      setWhere: sql`${listings.status} <> 'withdrawn' and (${differs(importable)} or (${publishing}))`,
    })
    .returning({ id: listings.id, ownerId: listings.ownerId, externalId: listings.externalId, status: listings.status })
  const after = new Map(written.map((row) => [keyOf({ ownerId: row.ownerId, key: row.externalId! }), row]))
  const events: Array<{ id: string; types: CatalogueEventType[] }> = []
  const matched: string[] = []
  for (const row of run) {
    const old = before.get(keyOf(row))
    const stored = after.get(keyOf(row))
    if (!stored) {
      if (old?.status === 'withdrawn') {
        result.failed.push({
          line: row.line,
          errors: [{ pointer: '#/externalId', detail: `names listing ${old.id}, which was withdrawn and can no longer change` }],
        })
      } else if (old) {
        result.done.push({ line: row.line, id: old.id, action: 'unchanged' })
      } else {
        result.failed.push({ line: row.line, errors: [{ pointer: '#', detail: 'was written by another request at the same time; import the file again' }] })
      }
      continue
    }
    const published = stored.status === 'published'
    result.done.push({ line: row.line, id: stored.id, action: old ? 'updated' : 'created' })
    const types: CatalogueEventType[] = [old ? 'listing.updated' : 'listing.created']
    if (published && old?.status !== 'published') types.push('listing.published')
    events.push({ id: stored.id, types })
    // A published listing's suggestions follow its content, as after publishListing or an update.
    if (published) matched.push(stored.id)
    const possibleDuplicates = old ? undefined : context.duplicates.get(row.line)
    if (possibleDuplicates && possibleDuplicates.length > 0) {
      result.warnings.push({
        line: row.line,
        id: stored.id,
        detail: `looks like ${possibleDuplicates.length} listing(s) already on the exchange`,
        possibleDuplicates,
      })
    }
  }
  await context.requestMatches(tx, 'listing', matched)
  await recordBatchEvents(context, events)
}

async function apply(context: BatchContext, rows: CheckedRow<ListingCreate>[]): Promise<BatchResult> {
  const result: BatchResult = { done: [], failed: [], warnings: [] }
  const ready: Ready[] = []
  for (const row of rows) {
    const prepared = failed(row) ? row : await prepare(context, row)
    if ('errors' in prepared) result.failed.push(prepared)
    else ready.push(prepared)
  }
  for (const run of runsWithoutRepeats(ready, keyOf)) await upsertRun(context, run, result)
  return result
}

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
