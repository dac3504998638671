import { isDeepStrictEqual } from 'node:util'
import type { Db, Tx } from '../../db/client.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import { conflict, preconditionFailed, unprocessable } from '../../lib/problem.ts'
import { assertManages, ownerForCreation } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import type { CatalogueEvent, CatalogueEventType } from '../../core/catalogue-events.ts'
import { findPossibleDuplicates } from '../listings/listings.duplicates.ts'
import { allowedFrom } from '../listings/listings.lifecycle.ts'
import { type ListingStoredStatus } from '../../db/schema/index.ts'
import * as listingRepo from '../listings/listings.repo.ts'
import type { ListingWithDuplicates } from '../listings/listings.schemas.ts'
import { checkRules } from '../listings/listings.service.ts'
import { accessRecord, toListing } from '../listings/listings.view.ts'
import type { RequestMatches } from '../../core/match-requests.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import * as repo from './sources.repo.ts'
import { listingFields } from '../listings/listings.kind.ts'
import { valuesOf } from '../../core/catalogue-kind.ts'
import type { SourceListingPut } from './sources.schemas.ts'
import { resolveProvinces } from '../../core/places.ts'

// PUT /v1/sources/{source}/listings/{externalId}: the source says what its listing is now, and this
// exchange makes its copy so. The same rules as the listing endpoints apply (cross-field rules,
// provinces, who acts for the owner, the lifecycle), with the same audit entries and events; a
// body that changes nothing changes nothing (no new version, no event).

/** The listing's content as the body states it: an omitted field takes its default, as on create. */
function contentOf(input: SourceListingPut) {
  const content = valuesOf(listingFields, input)
  return { ...content, currentProvinceCodes: resolveProvinces(content.provinceCodes) }
}

type Content = ReturnType<typeof contentOf>

/** The event a change of stored status writes; a change of content alone is listing.updated. */
const statusEvents = { published: 'listing.published', withdrawn: 'listing.withdrawn', draft: 'listing.unpublished' } as const satisfies Record<
  ListingStoredStatus,
  CatalogueEventType
>
/** The audit operation of a change of stored status, as the listing endpoints name it. */
const statusOperations = { published: 'listing.publish', withdrawn: 'listing.withdraw', draft: 'listing.unpublish' } as const satisfies Record<
  ListingStoredStatus,
  string
>

/** What the upserts of a source's records need (sources.listings.ts, sources.demands.ts). */
export type SourceWriteDeps = {
  db: Db
  clock: Clock
  exchangeId: string
  requestMatches: RequestMatches
  recordEvents: RecordEvents
  catalogueEvent: CatalogueEvent
}

export type UpsertResult = { listing: ListingWithDuplicates; created: boolean }

export function createSourceListingUpsert(deps: SourceWriteDeps) {
  const { db, clock, exchangeId, requestMatches, recordEvents, catalogueEvent } = deps

  /** The listing as written, as its writer (who acts for the owner) sees it, with its possible duplicates. */
  async function answer(tx: Tx, row: listingRepo.ListingWithOwner, day: string): Promise<ListingWithDuplicates> {
    const listing = toListing(row, day, exchangeId)
    const possibleDuplicates = await findPossibleDuplicates(tx, {
      titleVi: row.titleVi,
      titleEn: row.titleEn,
      keywords: row.keywords,
      descriptionVi: row.descriptionVi,
      descriptionEn: row.descriptionEn,
      ownerId: row.ownerId,
      excludeId: row.id,
      exchangeId,
    })
    return { ...listing, possibleDuplicates }
  }

  const validityPassed = (validUntil: string, day: string) =>
    unprocessable('validity_passed', `validUntil ${validUntil} is before today (${day}, Vietnam time); set a later date or none to publish`, [
      { pointer: '#/validUntil', detail: 'is in the past' },
    ])

  /** A new listing of the source, in the body's status; undefined when a concurrent request created it first. */
  async function create(tx: Tx, actor: Actor, source: repo.SourceRow, externalId: string, input: SourceListingPut, content: Content) {
    const now = clock.now()
    const day = vietnamDate(now)
    if (input.status === 'withdrawn') {
      throw conflict(
        'invalid_transition',
        `Listing ${externalId} of ${source.id} does not exist here: a listing is created as a draft or published, and only a published one is withdrawn`,
        allowedFrom('draft'),
      )
    }
    if (input.status === 'published' && content.validUntil !== null && content.validUntil < day) throw validityPassed(content.validUntil, day)
    const ownerId = await ownerForCreation(tx, actor, input.ownerId ?? source.organizationId, 'listings')
    const inserted = await repo.insertSourcedListing(tx, {
      ...content,
      ownerId,
      status: input.status,
      publishedAt: input.status === 'published' ? now : null,
      source: source.id,
      externalId,
      createdAt: now,
      updatedAt: now,
    })
    if (!inserted) return undefined
    const row = (await listingRepo.findListing(tx, inserted.id))!
    await recordAudit(tx, {
      actor,
      owningOrganizationId: ownerId,
      operation: 'listing.create',
      targetType: 'listing',
      targetId: row.id,
      after: toListing(row, day, exchangeId),
      occurredAt: now,
    })
    const events: CatalogueEventType[] = input.status === 'published' ? ['listing.created', 'listing.published'] : ['listing.created']
    for (const type of events) await recordEvents(tx, [await catalogueEvent(tx, type, row.id, now)])
    if (input.status === 'published') await requestMatches(tx, 'listing', row.id)
    return answer(tx, row, day)
  }

  /** The source's existing listing brought to the body: content, status, or both; nothing when both are as stored. */
  async function update(
    tx: Tx,
    actor: Actor,
    row: listingRepo.ListingWithOwner,
    input: SourceListingPut,
    content: Content,
    expectedVersion: number | undefined,
  ) {
    const now = clock.now()
    const day = vietnamDate(now)
    const from = row.status
    const to = input.status
    const changed = (Object.keys(content) as Array<keyof Content>).filter((field) => !isDeepStrictEqual(row[field], content[field]))
    // Nothing changes, or the listing is only withdrawn: possible after its owner was merged, as a withdrawal is.
    await assertManages(
      tx,
      actor,
      accessRecord(row),
      {
        resource: 'Listing',
        id: row.id,
        detail: "Only the source's organisation (admin or editor keys) acting for the listing's owner, or the operator, may change it",
      },
      { retires: changed.length === 0 && (to === from || to === 'withdrawn') },
    )
    if (expectedVersion !== undefined && expectedVersion !== row.version) throw preconditionFailed()
    if (input.ownerId !== undefined && input.ownerId !== row.ownerId) {
      throw unprocessable('owner_fixed', `The listing belongs to ${row.ownerId}; a PUT does not move it to another owner`, [
        { pointer: '#/ownerId', detail: "is not the listing's owner" },
      ])
    }
    if (changed.length === 0 && to === from) return answer(tx, row, day)
    if (from === 'withdrawn') throw conflict('invalid_state', 'A withdrawn listing is final: it can no longer change', allowedFrom('withdrawn'))
    if (from === 'draft' && to === 'withdrawn') {
      throw conflict('invalid_transition', 'A draft listing cannot be withdrawn: it was never public. Publish it, or keep it as a draft', allowedFrom('draft'))
    }
    if (from === 'draft' && to === 'published' && content.validUntil !== null && content.validUntil < day) throw validityPassed(content.validUntil, day)

    const values: Partial<listingRepo.ListingInsert> = { ...content, status: to }
    // Publishing again after a moderation clears the operator's note, as publishListing does.
    if (from === 'draft' && to === 'published') Object.assign(values, { publishedAt: now, moderationReason: null, moderatedAt: null })
    if (to === 'withdrawn') Object.assign(values, { withdrawnAt: now, withdrawReason: input.withdrawReason?.trim() ?? 'Withdrawn at its source' })
    const updated = await listingRepo.updateListing(tx, { id: row.id, expectedVersion: row.version, values, now })
    // The row is locked, so the version cannot have moved; this is only a safety net.
    if (!updated) throw preconditionFailed()
    const written = { ...updated, owner: row.owner }
    await recordAudit(tx, {
      actor,
      owningOrganizationId: row.ownerId,
      operation: to === from ? 'listing.update' : statusOperations[to],
      targetType: 'listing',
      targetId: row.id,
      before: toListing(row, day, exchangeId),
      after: toListing(written, day, exchangeId),
      occurredAt: now,
    })
    await recordEvents(tx, [await catalogueEvent(tx, to === from ? 'listing.updated' : statusEvents[to], row.id, now)])
    // A published listing's suggestions follow its content; publishing starts them.
    if (to === 'published') await requestMatches(tx, 'listing', row.id)
    return answer(tx, written, day)
  }

  /**
   * Creates or updates the source's listing `externalId`, under a row lock. Two concurrent first
   * PUTs create one listing: the second waits on the unique index, then updates what the first
   * created (or finds nothing to change).
   */
  return async function upsertListing(
    actor: Actor,
    source: repo.SourceRow,
    externalId: string,
    input: SourceListingPut,
    expectedVersion?: number,
  ): Promise<UpsertResult> {
    const content = contentOf(input)
    checkRules(content)
    return db.transaction(async (tx) => {
      let row = await repo.findSourcedListing(tx, source.id, externalId, { lock: true })
      if (!row) {
        if (expectedVersion !== undefined) throw preconditionFailed(`Listing ${externalId} of ${source.id} does not exist yet: send no If-Match to create it`)
        const created = await create(tx, actor, source, externalId, input, content)
        if (created) return { listing: created, created: true }
        row = await repo.findSourcedListing(tx, source.id, externalId, { lock: true })
        if (!row) throw conflict('concurrent_change', 'The listing changed while this request ran; send it again')
      }
      return { listing: await update(tx, actor, row, input, content, expectedVersion), created: false }
    })
  }
}
