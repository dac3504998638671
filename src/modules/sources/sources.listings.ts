import { unprocessable } from '../../lib/problem.ts'
import { valuesOf } from '../../core/catalogue-kind.ts'
import { resolveProvinces } from '../../core/places.ts'
import { duplicatesOfWritten } from '../listings/listings.duplicates.ts'
import { listingFields, listingEvents } from '../listings/listings.kind.ts'
import { allowedFrom } from '../listings/listings.lifecycle.ts'
import * as listingRepo from '../listings/listings.repo.ts'
import type { ListingWithDuplicates } from '../listings/listings.schemas.ts'
import { checkRules } from '../listings/listings.service.ts'
import { accessRecord, toListing } from '../listings/listings.view.ts'
import * as repo from './sources.repo.ts'
import type { SourceListingPut } from './sources.schemas.ts'
import { createSourceUpsert, type SourceWriteDeps } from './sources.upsert.ts'

// PUT /v1/sources/{source}/listings/{externalId}: the source upsert (sources.upsert.ts) for
// listings: draft -> published -> withdrawn, and published -> draft (unpublished), with the rules
// of the listing endpoints (price and IPR rules, provinces, a validity not passed when publishing).
// The answer carries the listing's possible duplicates, as createListing's does.

export type UpsertResult = { listing: ListingWithDuplicates; created: boolean }

export function createSourceListingUpsert(deps: SourceWriteDeps) {
  const { exchangeId } = deps
  const upsert = createSourceUpsert(deps, {
    subject: 'listing',
    resource: 'Listing',
    statuses: { promoted: 'published', final: 'withdrawn' },
    content: (input: SourceListingPut) => {
      const content = valuesOf(listingFields, input)
      const withProvinces = { ...content, currentProvinceCodes: resolveProvinces(content.provinceCodes) }
      checkRules(withProvinces)
      return withProvinces
    },
    promotable: (content, day) => {
      if (content.validUntil !== null && content.validUntil < day) {
        throw unprocessable('validity_passed', `validUntil ${content.validUntil} is before today (${day}, Vietnam time); set a later date or none to publish`, [
          { pointer: '#/validUntil', detail: 'is in the past' },
        ])
      }
    },
    find: (tx, source, externalId) => repo.findSourcedListing(tx, source, externalId, { lock: true }),
    insert: async (tx, values) => (await repo.insertSourcedListing(tx, values as Parameters<typeof repo.insertSourcedListing>[1]))?.id,
    read: async (tx, id) => (await listingRepo.findListing(tx, id))!,
    // The owner does not change: the row written, with the owner as read.
    update: async (tx, row, params) => {
      const updated = await listingRepo.updateListing(tx, params)
      return updated && { ...updated, owner: row.owner }
    },
    stored: (row) => ({ id: row.id, ownerId: row.ownerId, status: row.status, version: row.version }),
    access: accessRecord,
    view: (row, day) => toListing(row, day, exchangeId),
    /** The listing as written, as its writer (who acts for the owner) sees it, with its possible duplicates. */
    answer: async (tx, row, day): Promise<ListingWithDuplicates> => {
      const possibleDuplicates = await duplicatesOfWritten(tx, row, exchangeId)
      return { ...toListing(row, day, exchangeId), possibleDuplicates }
    },
    // Publishing again after a moderation clears the operator's note, as publishListing does.
    promotedValues: (now) => ({ publishedAt: now, moderationReason: null, moderatedAt: null }),
    finalValues: (input, now) => ({ withdrawnAt: now, withdrawReason: input.withdrawReason?.trim() ?? 'Withdrawn at its source' }),
    events: {
      created: listingEvents.created,
      updated: listingEvents.updated,
      promoted: listingEvents.published,
      final: listingEvents.withdrawn,
      demoted: listingEvents.unpublished,
    },
    operations: { create: 'listing.create', update: 'listing.update', promoted: 'listing.publish', final: 'listing.withdraw', demoted: 'listing.unpublish' },
    refusals: {
      createdFinal: (externalId, source) =>
        `Listing ${externalId} of ${source} does not exist here: a listing is created as a draft or published, and only a published one is withdrawn`,
      final: 'A withdrawn listing is final: it can no longer change',
      step: () => 'A draft listing cannot be withdrawn: it was never public. Publish it, or keep it as a draft',
    },
    allowedFrom: (status) => allowedFrom(status as 'draft' | 'published' | 'withdrawn'),
  })
  return async (...args: Parameters<typeof upsert>): Promise<UpsertResult> => {
    const { record, created } = await upsert(...args)
    return { listing: record, created }
  }
}
