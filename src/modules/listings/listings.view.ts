import { provenanceOf } from '../../lib/provenance.ts'
import { redactListingSummary } from '../../core/access.ts'
import { statusOf } from './listings.lifecycle.ts'
import { listingFields, type ListingField } from './listings.kind.ts'
import { contentOf } from '../../core/catalogue-kind.ts'
import type { ListingWithOwner, OwnerSummary } from './listings.repo.ts'
import type { Listing, ListingSummary } from './listings.schemas.ts'
import type { ListingSearchRow } from './listings.search.ts'

// How rows become API shapes, and which listings are public. Who may see the others and change
// any of them is decided in one place: src/core/access.ts.

/** Published (expired included) listings are public; drafts, withdrawn and archived ones are not. */
export const accessRecord = (row: { status: string; ownerId: string; stewardId: string | null }) => ({
  ownerId: row.ownerId,
  stewardId: row.stewardId,
  isPublic: row.status === 'published',
})

const toOwner = (owner: OwnerSummary) => ({ id: owner.id, name: owner.name, kind: owner.kind as ListingSummary['owner']['kind'] })

/** The listing as the API shows it; `exchangeId` (config EXCHANGE_ID) names this exchange in its provenance. */
export function toListing(row: ListingWithOwner, today: string, exchangeId: string): Listing {
  return {
    id: row.id,
    status: statusOf(row, today),
    owner: toOwner(row.owner),
    stewardId: row.stewardId,
    // The content as stored; codes and shapes were checked on the way in.
    ...(contentOf(listingFields, row) as Pick<Listing, ListingField>),
    currentProvinceCodes: row.currentProvinceCodes,
    publishedAt: row.publishedAt?.toISOString() ?? null,
    withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
    withdrawReason: row.withdrawReason,
    moderationReason: row.moderationReason,
    moderatedAt: row.moderatedAt?.toISOString() ?? null,
    archivedAt: row.archivedAt?.toISOString() ?? null,
    provenance: provenanceOf(row, 'listing', exchangeId),
    // Complete here; redactListing (core/access.ts) hides what the reader may not see.
    redacted: [],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

/**
 * A summary from a search row, or from any row with the summary columns and its owner (rank: null),
 * as a caller sees it who does (`acting`) or does not act for the owner (see redactListingSummary).
 */
export function toListingSummary(row: Omit<ListingSearchRow, 'sortValue'>, today: string, acting: boolean, exchangeId: string, score?: number): ListingSummary {
  const summary: ListingSummary = {
    id: row.id,
    status: statusOf(row, today),
    kind: row.kind as ListingSummary['kind'],
    titleVi: row.titleVi,
    titleEn: row.titleEn,
    trl: row.trl,
    priceType: row.priceType as ListingSummary['priceType'],
    priceVnd: row.priceVnd,
    sectors: row.sectors,
    fields: row.fields,
    provinceCodes: row.provinceCodes,
    currentProvinceCodes: row.currentProvinceCodes,
    owner: toOwner(row.owner),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    validUntil: row.validUntil,
    provenance: provenanceOf(row, 'listing', exchangeId),
    redacted: [],
    ...(score !== undefined ? { score } : {}),
  }
  return redactListingSummary(summary, row, acting)
}
