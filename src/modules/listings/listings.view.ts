import type { Actor } from '../api-keys/api-keys.service.ts'
import { statusOf } from './listings.lifecycle.ts'
import type { ListingWithOwner, OwnerSummary } from './listings.repo.ts'
import type { Listing, ListingSummary } from './listings.schemas.ts'
import type { ListingSearchRow } from './listings.search.ts'

// Who sees what, and how rows become API shapes.

/** Published (expired included) listings are public; drafts and withdrawn ones belong to their owner and the operator. */
export const canSee = (actor: Actor | null, row: { status: string; ownerId: string }) =>
  row.status === 'published' || actor?.role === 'operator' || actor?.organizationId === row.ownerId

/** The owner's admin and editor keys, and the operator, may change a listing. */
export const canManage = (actor: Actor, row: { ownerId: string }) =>
  actor.role === 'operator' || (actor.organizationId === row.ownerId && (actor.role === 'admin' || actor.role === 'editor'))

const toOwner = (owner: OwnerSummary) => ({ id: owner.id, name: owner.name, kind: owner.kind as ListingSummary['owner']['kind'] })

export function toListing(row: ListingWithOwner, today: string): Listing {
  return {
    id: row.id,
    status: statusOf(row, today),
    owner: toOwner(row.owner),
    kind: row.kind as Listing['kind'],
    titleVi: row.titleVi,
    titleEn: row.titleEn,
    descriptionVi: row.descriptionVi,
    descriptionEn: row.descriptionEn,
    trl: row.trl,
    iprStatus: row.iprStatus as Listing['iprStatus'],
    iprNumbers: row.iprNumbers,
    transferForms: row.transferForms,
    transferMethods: row.transferMethods,
    priceType: row.priceType as Listing['priceType'],
    priceVnd: row.priceVnd,
    sectors: row.sectors,
    fields: row.fields,
    keywords: row.keywords,
    provinceCodes: row.provinceCodes,
    currentProvinceCodes: row.currentProvinceCodes,
    media: row.media as Listing['media'],
    validUntil: row.validUntil,
    publishedAt: row.publishedAt?.toISOString() ?? null,
    withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
    withdrawReason: row.withdrawReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

export function toListingSummary(row: ListingSearchRow, today: string): ListingSummary {
  return {
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
    ...(row.rank !== null ? { score: Number(row.rank) } : {}),
  }
}
