import type { Db, DbOrTx } from '../../db/client.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import { addDays, vietnamDate, type Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { badRequest, conflict, forbidden, notFound, preconditionFailed, unauthorized, unprocessable, type FieldError } from '../../lib/problem.ts'
import {
  accessTo,
  actingOwners,
  actsFor,
  assertManages,
  assertModerates,
  hiddenInSummary,
  maySearchPrivate,
  ownerForCreation,
  redactListing,
} from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { currentCodesInRegion, provincesFilter, resolveProvinces } from '../../core/places.ts'
import { allowedFrom, editableStatuses, privateStatuses, statusOf, storedSourcesOf, targetOf, listingProcess, type Transition } from './listings.lifecycle.ts'
import type { RequestMatches } from '../../core/match-requests.ts'
import type { CatalogueEvent } from '../../core/catalogue-events.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import { duplicatesOfWritten } from './listings.duplicates.ts'
import * as repo from './listings.repo.ts'
import type { ListingCreate, ListingSearchQuery, ListingUpdate } from './listings.schemas.ts'
import { buildQuery, type ThesaurusLookup } from '../retrieval/query.ts'
import { pageOf, results, textCursorTag, type PagePosition } from '../retrieval/page.ts'
import { retrieve } from '../retrieval/retrieve.ts'
import { browseListings, planBrowse, planOfCount } from './listings.browse.ts'
import { cappedFacets, countedBrowseFacets } from './listings.facets.ts'
import {
  facetsOfHits,
  filterConditions,
  listingHitColumns,
  listingRowsByIds,
  listingSource,
  type ListingFilter,
  type ListingHit,
  type ListingSearchRow,
  type ListingSort,
} from './listings.search.ts'
import { accessRecord, toListing, toListingSummary } from './listings.view.ts'

// IPR statuses that come with a patent or utility solution number (granted, or applied for).
const numberedIprStatuses = ['patent_granted', 'patent_pending', 'utility_solution_granted', 'utility_solution_pending']

type RuleFields = { priceType: string; priceVnd: number | null; iprStatus: string; iprNumbers: string[] }

/** Rules across fields, checked on the listing as it will be after the write. */
export function checkRules(listing: RuleFields) {
  const errors: FieldError[] = []
  if (listing.priceType === 'amount' && listing.priceVnd === null) {
    errors.push({ pointer: '#/priceVnd', detail: 'is required when priceType is amount' })
  }
  // A price on request may hold the asking price: hidden until a deal reveals it (core/disclosure.ts).
  if (listing.priceType === 'negotiable' && listing.priceVnd !== null) {
    errors.push({ pointer: '#/priceVnd', detail: 'must be absent or null when priceType is negotiable' })
  }
  if (listing.iprNumbers.length > 0 && !numberedIprStatuses.includes(listing.iprStatus)) {
    errors.push({ pointer: '#/iprNumbers', detail: `must be empty when iprStatus is ${listing.iprStatus}: only patents and utility solutions have numbers` })
  }
  if (errors.length > 0) throw unprocessable('invalid_listing', 'The listing breaks a rule; see errors', errors)
}

const pastTense = { publish: 'published', withdraw: 'withdrawn', unpublish: 'unpublished', archive: 'archived' } as const satisfies Record<Transition, string>

const invalidQuery = (name: string, detail: string) =>
  badRequest('validation_failed', `Query parameter ${name} ${detail}`, [{ pointer: `#/query/${name}`, detail }])

/** Turns the query into a filter, enforcing who may see which statuses. */
async function searchFilter(db: DbOrTx, actor: Actor | null, query: ListingSearchQuery, today: string): Promise<ListingFilter> {
  const status = query.status ?? 'published'
  if (privateStatuses.includes(status)) {
    if (!actor) throw unauthorized(`A key is needed to list ${status} listings`)
    if (!(await maySearchPrivate(db, actor, query.owner))) {
      throw forbidden(`Only the operator, or an owner (or its delegate) asking with owner=<the owner's id>, may list ${status} listings`)
    }
  }
  if (query.trlMin !== undefined && query.trlMax !== undefined && query.trlMin > query.trlMax) throw invalidQuery('trlMin', 'must not exceed trlMax')
  if (query.priceMin !== undefined && query.priceMax !== undefined && query.priceMin > query.priceMax) {
    throw invalidQuery('priceMin', 'must not exceed priceMax')
  }
  const provinceSets: string[][] = []
  const current = provincesFilter(query.province, 'province')
  if (current) provinceSets.push(current)
  if (query.region !== undefined) provinceSets.push(currentCodesInRegion(query.region))
  return {
    status,
    today,
    kinds: query.kind,
    sectors: query.sector,
    fields: query.field,
    provinceSets,
    trlMin: query.trlMin,
    trlMax: query.trlMax,
    priceMin: query.priceMin,
    priceMax: query.priceMax,
    ownerId: query.owner,
    // An anonymous listing's owner is not revealed by asking for that owner's listings.
    withoutAnonymous: query.owner !== undefined && !(await actsFor(db, actor, query.owner)),
  }
}

const float8Pattern = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/
const badCursor = () => badRequest('invalid_cursor', 'The cursor is malformed or belongs to another query or sort order; start again without it')

/** The cursor's position, checked so a tampered cursor is a 400 rather than a database error. */
function decodePosition(cursors: Cursors, cursor: string, sort: ListingSort, q: string | undefined): PagePosition {
  if (!q) {
    const [value, id] = cursors.decode(cursor, 'newest', ['timestamp', 'uuid'])
    return { value, id }
  }
  if (sort === 'newest') {
    const [value, id] = cursors.decode(cursor, textCursorTag(sort, q), ['timestamp', 'uuid'])
    return { value, id }
  }
  // The score as JavaScript wrote it: its shortest exact form, which reads back as the same double.
  const [value, id] = cursors.decode(cursor, textCursorTag(sort, q), ['string', 'uuid'])
  if (!float8Pattern.test(value) || !Number.isFinite(Number(value))) throw badCursor()
  return { value, id }
}

/** The same calendar day a year later (29 February becomes 28 February). */
function aYearAfter(date: string): string {
  const [year, month, day] = date.split('-')
  return `${Number(year) + 1}-${month}-${month === '02' && day === '29' ? '28' : day}`
}

/** What a renewal writes, or why it cannot be done now. */
function renewalOf(row: repo.ListingWithOwner, day: string, asked: string | undefined, windowDays: number): ListingUpdate {
  const status = statusOf(row, day)
  if (status !== 'published' && status !== 'expired' && status !== 'archived') {
    throw conflict('invalid_state', `A ${status} listing is not renewed: publish it with the date it should stand until`, allowedFrom(status))
  }
  if (row.validUntil === null) throw conflict('renewal_not_due', 'This listing has no validUntil: it stands until it is withdrawn')
  const opens = addDays(row.validUntil, -windowDays)
  if (day < opens) {
    throw conflict('renewal_not_due', `Renewal opens on ${opens}, ${windowDays} days before validUntil ${row.validUntil} (today is ${day} in Vietnam)`)
  }
  const validUntil = asked ?? aYearAfter(row.validUntil > day ? row.validUntil : day)
  if (validUntil <= row.validUntil || validUntil < day) {
    throw unprocessable('invalid_valid_until', `A renewal moves validUntil past ${row.validUntil} and not before today (${day})`, [
      { pointer: '#/validUntil', detail: `must be after ${row.validUntil} and not before ${day}` },
    ])
  }
  return { validUntil }
}

export function createListingService(deps: {
  db: Db
  clock: Clock
  requestMatches: RequestMatches
  recordEvents: RecordEvents
  catalogueEvent: CatalogueEvent
  exchangeId: string
  cursors: Cursors
  thesaurus?: ThesaurusLookup
  /** Days before validUntil from which a listing may be renewed in one call (LISTING_RENEWAL_REMINDER_DAYS). */
  renewalWindowDays: number
  /** Days after validUntil at which the sweep archives a listing (LISTING_ARCHIVE_AFTER_DAYS; 0: never). */
  archiveAfterDays: number
}) {
  const { db, clock, requestMatches, recordEvents, catalogueEvent, exchangeId, cursors, thesaurus, renewalWindowDays, archiveAfterDays } = deps
  const today = () => vietnamDate(clock.now())

  /** The listing for a write: 404 if the actor may not even see it, 403 if it may see but not change it. */
  async function manageable(
    tx: DbOrTx,
    actor: Actor,
    row: repo.ListingWithOwner | undefined,
    id: string,
    options: { retires?: boolean } = {},
  ): Promise<repo.ListingWithOwner> {
    if (!row) throw notFound('Listing', id)
    await assertManages(
      tx,
      actor,
      accessRecord(row),
      { resource: 'Listing', id, detail: "Only the owner's admin or editor keys, its delegates' admin or editor keys, or the operator, may change a listing" },
      options,
    )
    return row
  }

  /** The listing for a moderation: 404 if the actor may not see it, 403 for any key but the operator's. */
  async function moderatable(tx: DbOrTx, actor: Actor, row: repo.ListingWithOwner | undefined, id: string): Promise<repo.ListingWithOwner> {
    if (!row) throw notFound('Listing', id)
    await assertModerates(tx, actor, accessRecord(row), { resource: 'Listing', id, detail: 'Only an operator key may unpublish a listing' })
    return row
  }

  async function get(actor: Actor | null, id: string) {
    const row = await repo.findListing(db, id)
    // Drafts and withdrawn listings of others are reported missing, so their existence is not revealed.
    if (!row || !(await accessTo(db, actor, accessRecord(row))).see) throw notFound('Listing', id)
    return redactListing(db, actor, toListing(row, today(), exchangeId))
  }

  async function create(actor: Actor, input: ListingCreate) {
    const { ownerId: requestedOwner, ...fields } = input
    const ownerId = await ownerForCreation(db, actor, requestedOwner, 'listings')
    const values = {
      ...fields,
      iprStatus: input.iprStatus ?? 'none',
      iprNumbers: input.iprNumbers ?? [],
      priceType: input.priceType ?? 'negotiable',
      priceVnd: input.priceVnd ?? null,
      anonymous: input.anonymous ?? false,
    }
    checkRules(values)
    const provinceCodes = input.provinceCodes ?? []
    const currentProvinceCodes = resolveProvinces(provinceCodes)
    const now = clock.now()
    // The row and its audit event commit together or not at all.
    return db.transaction(async (tx) => {
      const row = await repo.insertListing(tx, {
        ...values,
        ownerId,
        status: 'draft',
        provinceCodes,
        currentProvinceCodes,
        createdAt: now,
        updatedAt: now,
      })
      const listing = toListing((await repo.findListing(tx, row.id))!, vietnamDate(now), exchangeId)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.ownerId,
        operation: 'listing.create',
        targetType: 'listing',
        targetId: row.id,
        after: listing,
        occurredAt: now,
      })
      await recordEvents(tx, [await catalogueEvent(tx, 'listing.created', row.id, now)])
      // A warning for the caller, not part of the record: the audit and the event leave it out.
      const possibleDuplicates = await duplicatesOfWritten(tx, row, exchangeId)
      return { ...listing, possibleDuplicates }
    })
  }

  // Writes answer with every field: whoever may write acts for the owner.
  const update = (actor: Actor, id: string, input: ListingUpdate, expectedVersion?: number) =>
    edit(actor, id, { operation: 'listing.update', expectedVersion, input: () => input })

  /**
   * Moves a published (or expired, or archived) listing's validUntil ahead in one call, from `renewalWindowDays`
   * before it on (when its renewal reminder goes out): to `validUntil` if given, else a year after
   * the later of today and the current date.
   */
  const renew = (actor: Actor, id: string, asked: { validUntil?: string }) =>
    edit(actor, id, { operation: 'listing.renew', input: (row, day) => renewalOf(row, day, asked.validUntil, renewalWindowDays) })

  async function edit(
    actor: Actor,
    id: string,
    how: { operation: string; expectedVersion?: number; input: (row: repo.ListingWithOwner, day: string) => ListingUpdate },
  ) {
    // Read, check and write under a row lock: the cross-field rules are checked against exactly
    // the row being overwritten, a concurrent withdraw cannot slip in between, and the audit's
    // "before" is that row.
    return db.transaction(async (tx) => {
      const row = await manageable(tx, actor, await repo.findListing(tx, id, { lock: true }), id)
      const now = clock.now()
      const day = vietnamDate(now)
      const status = statusOf(row, day)
      if (!editableStatuses.includes(status)) {
        throw conflict('invalid_state', `A ${status} listing can no longer be edited`, allowedFrom(status))
      }
      if (how.expectedVersion !== undefined && how.expectedVersion !== row.version) throw preconditionFailed()
      const input = how.input(row, day)
      checkRules({ ...row, ...input })
      const values: Partial<repo.ListingInsert> = { ...input }
      if (input.provinceCodes) values.currentProvinceCodes = resolveProvinces(input.provinceCodes)
      // An archived listing whose validUntil moves ahead (or goes) is public again, as an expired one is.
      const validUntil = input.validUntil === undefined ? row.validUntil : input.validUntil
      const revived = row.status === 'archived' && (validUntil === null || validUntil >= day)
      if (revived) Object.assign(values, { status: 'published', archivedAt: null })
      const updated = await repo.updateListing(tx, { id, expectedVersion: row.version, values, now })
      // The row is locked, so the version cannot have moved; this is only a safety net.
      if (!updated) throw preconditionFailed()
      // A published listing's suggestions follow its text, TRL, price and place.
      if (updated.status === 'published') await requestMatches(tx, 'listing', id)
      const listing = toListing({ ...updated, owner: row.owner }, day, exchangeId)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.ownerId,
        operation: how.operation,
        targetType: 'listing',
        targetId: id,
        before: toListing(row, day, exchangeId),
        after: listing,
        occurredAt: now,
      })
      // Back in public view: mirrors that removed it on listing.archived take it again, as on an import's revival.
      const events = [await catalogueEvent(tx, 'listing.updated', id, now)]
      if (revived) events.push(await catalogueEvent(tx, 'listing.published', id, now))
      await recordEvents(tx, events)
      return listing
    })
  }

  /**
   * Applies a lifecycle transition under a row lock: of two concurrent calls the second waits,
   * then sees the state the first left and is told why it cannot follow. The conditional UPDATE
   * re-checks the state in SQL as well, so the rule holds even if the lock were ever dropped.
   */
  async function transition(actor: Actor, id: string, name: Transition, values: (now: Date) => Partial<repo.ListingInsert>) {
    return db.transaction(async (tx) => {
      const now = clock.now()
      const day = vietnamDate(now)
      const found = await repo.findListing(tx, id, { lock: true })
      // Unpublishing is moderation: the operator's alone. Withdrawing only retires a listing, so it
      // stays possible after the owner was merged.
      const row = name === 'unpublish' ? await moderatable(tx, actor, found, id) : await manageable(tx, actor, found, id, { retires: name === 'withdraw' })
      const status = statusOf(row, day)
      if (!allowedFrom(status).includes(name)) throw listingProcess.invalidTransition(name, status, allowedFrom(status))
      if (name === 'publish' && row.validUntil !== null && row.validUntil < day) {
        throw unprocessable(
          'validity_passed',
          `validUntil ${row.validUntil} is before today (${day}, Vietnam time); set a later date or none before publishing`,
        )
      }
      const updated = await repo.transitionListing(tx, {
        id,
        from: storedSourcesOf(name),
        to: targetOf(name),
        values: values(now),
        now,
        validOn: name === 'publish' ? day : undefined,
      })
      if (!updated) throw conflict('concurrent_change', 'The listing changed while this request ran; fetch it and try again')
      // Matching starts as the listing becomes public: a job queued in this transaction.
      if (name === 'publish') await requestMatches(tx, 'listing', id)
      const listing = toListing({ ...updated, owner: row.owner }, day, exchangeId)
      // The transition's payload (publishedAt, withdrawal reason) shows up among the changed fields.
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.ownerId,
        operation: `listing.${name}`,
        targetType: 'listing',
        targetId: id,
        before: toListing(row, day, exchangeId),
        after: listing,
        occurredAt: now,
      })
      // Withdrawn and unpublished listings leave the public catalogue: a tombstone. Their reasons
      // stay out of it, as a stranger's GET never shows them.
      await recordEvents(tx, [await catalogueEvent(tx, `listing.${pastTense[name]}`, id, now)])
      return listing
    })
  }

  // Publishing again after a moderation clears the operator's reason: a published listing shows no
  // stale moderation note to the public. The audit trail keeps every unpublish with its reason.
  const publish = (actor: Actor, id: string) => transition(actor, id, 'publish', (now) => ({ publishedAt: now, moderationReason: null, moderatedAt: null }))

  const unpublish = (actor: Actor, id: string, reason: string) =>
    transition(actor, id, 'unpublish', (now) => ({ moderatedAt: now, moderationReason: reason.trim() }))

  const withdraw = (actor: Actor, id: string, reason: string) =>
    transition(actor, id, 'withdraw', (now) => ({ withdrawnAt: now, withdrawReason: reason.trim() }))

  /**
   * The archive sweep: puts away this exchange's own listings expired for more than
   * `archiveAfterDays`, a batch a transaction, each with its audit entry (no key) and a
   * listing.archived tombstone for the feed and the owner's webhooks; how many it archived. It takes
   * the listings the facet maintenance already counts as expired (every five minutes), through their
   * partial index. Mirrored listings follow their source, which the sweep leaves alone. SKIP
   * LOCKED, so sweeps of several processes share the work.
   */
  async function archiveLongExpired(): Promise<number> {
    if (archiveAfterDays === 0) return 0
    const batch = 100
    let total = 0
    for (;;) {
      const archived = await db.transaction(async (tx) => {
        const now = clock.now()
        const day = vietnamDate(now)
        const rows = await repo.lockLongExpired(tx, addDays(day, -archiveAfterDays), batch)
        for (const row of rows) {
          const values = { archivedAt: now, countedExpired: false }
          const updated = await repo.transitionListing(tx, { id: row.id, from: storedSourcesOf('archive'), to: targetOf('archive'), values, now })
          await recordAudit(tx, {
            actor: null,
            owningOrganizationId: row.ownerId,
            operation: 'listing.archive',
            targetType: 'listing',
            targetId: row.id,
            before: toListing(row, day, exchangeId),
            after: toListing({ ...updated!, owner: row.owner }, day, exchangeId),
            occurredAt: now,
          })
          await recordEvents(tx, [await catalogueEvent(tx, 'listing.archived', row.id, now)])
        }
        return rows.length
      })
      total += archived
      if (archived < batch) return total
    }
  }

  async function search(actor: Actor | null, query: ListingSearchQuery) {
    const day = today()
    const filter = await searchFilter(db, actor, query, day)
    const sort: ListingSort = query.sort ?? (query.q ? 'relevance' : 'newest')
    if (sort === 'relevance' && !query.q) throw invalidQuery('sort', 'relevance needs q')
    const after = query.cursor ? decodePosition(cursors, query.cursor, sort, query.q) : undefined
    const limit = query.limit ?? 20
    // Whom the caller acts for matters only when the page holds something a summary may hide.
    const actingFor = async (rows: ListingSearchRow[]) => (rows.some((row) => hiddenInSummary(row).length > 0) ? await actingOwners(db, actor) : () => true)

    if (!query.q) {
      // Browsing: newest first in index order, facets from the counts table (listings.browse.ts).
      const browse = { ...filter, provinces: provincesFilter(query.province, 'province'), region: query.region }
      // Counted facets say how many match, which is all the plan needs: one round trip fewer.
      const counted = query.facets === false ? undefined : await countedBrowseFacets(db, browse)
      const plan = counted ? planOfCount(browse, counted.total) : await planBrowse(db, browse)
      const [rows, facets] = await Promise.all([
        browseListings(db, browse, plan, { after, limit: limit + 1 }),
        counted || query.facets === false ? counted?.facets : cappedFacets(db, browse, plan),
      ])
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      const acting = await actingFor(page)
      return {
        items: page.map((row) => toListingSummary(row, day, acting(row.owner.id), exchangeId)),
        nextCursor: rows.length > limit && last ? cursors.encode('newest', [last.sortValue, last.id]) : null,
        ...(facets ? { facets } : {}),
      }
    }

    const textQuery = await buildQuery(db, 'listing', [{ text: query.q, weight: 1 }], { thesaurus })
    const retrieved = await retrieve(db, listingSource, textQuery, { where: filterConditions(filter), extra: listingHitColumns(filter.status) })
    const ordered = results(retrieved.hits as ListingHit[], textQuery, sort)
    const { page: hits, next } = pageOf(ordered, sort, after, limit)
    const rows = await listingRowsByIds(
      db,
      filter.status,
      hits.map((hit) => hit.id),
    )
    const acting = await actingFor(rows)
    const relevance = new Map(hits.map((hit) => [hit.id, Math.round(hit.relevance * 10_000) / 10_000]))
    return {
      items: rows.map((row) => toListingSummary(row, day, acting(row.owner.id), exchangeId, relevance.get(row.id))),
      nextCursor: next ? cursors.encode(textCursorTag(sort, query.q), [next.value, next.id]) : null,
      ...(query.facets === false ? {} : { facets: facetsOfHits(ordered, !retrieved.truncated) }),
      interpretation: { corrections: textQuery.corrections, thesaurus: textQuery.thesaurus },
    }
  }

  return { get, create, update, renew, publish, withdraw, unpublish, archiveLongExpired, search }
}

export type ListingService = ReturnType<typeof createListingService>

export const listingArchiveJob = 'listings.archive'

/** Hourly: archiving is a year's matter, and an hourly sweep finds at most an hour's listings. */
export function registerListingJobs(jobs: JobQueue, listings: Pick<ListingService, 'archiveLongExpired'>) {
  jobs.register(listingArchiveJob, async () => void (await listings.archiveLongExpired()), { cron: '41 * * * *' })
}
