import type { Db, DbOrTx } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, preconditionFailed } from '../../lib/problem.ts'
import { writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import type { CatalogueEvent } from '../../core/catalogue-events.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import { currentProvinceCode, provincesFilter } from '../../core/places.ts'
import { findDeal, type DealRow } from '../deals/deals.repo.ts'
import { rolesOn } from '../deals/deals.service.ts'
import { findListing } from '../listings/listings.repo.ts'
import { findOrganization, findOrganizationSummaries } from '../organizations/organizations.repo.ts'
import * as repo from './success-stories.repo.ts'
import type { SuccessStory, SuccessStoryCreate, SuccessStoryPage, SuccessStoryQuery, SuccessStoryUpdate } from './success-stories.schemas.ts'
import { toSuccessStory } from './success-stories.view.ts'

// Success stories (mô hình thành công): a completed transfer told in public, with both parties'
// consent. Either party drafts it (its writing keys, or its broker's); each side approves the text
// as it stands; the second approval publishes it (success_story.published, in the public feed).
// An edit clears both approvals, so what is published is exactly what both approved. Either party
// may retract it, published or not (success_story.retracted, a tombstone); the operator too.

type Side = 'provider' | 'seeker'

/** The sides of the deal the caller acts for (as the party, or its broker); the operator acts for neither. */
async function sidesOn(db: DbOrTx, actor: Actor, deal: DealRow): Promise<{ sides: Side[]; operator: boolean }> {
  const roles = await rolesOn(db, actor, deal)
  const sides = (['provider', 'seeker'] as const).filter((side) => roles.includes(side) || roles.includes(`${side}_broker`))
  return { sides, operator: roles.includes('operator') }
}

/** Figures as stored: a unit left out is null. */
const storedFigures = (figures: NonNullable<SuccessStoryCreate['figures']>) =>
  figures.map((figure) => ({ label: figure.label, value: figure.value, unit: figure.unit ?? null }))

const dealNotCompleted = (state: string) => conflict('deal_not_completed', `A success story tells a completed transfer; this deal is ${state}`)

export function createSuccessStoryService(deps: { db: Db; clock: Clock; cursors: Cursors; recordEvents: RecordEvents; catalogueEvent: CatalogueEvent }) {
  const { db, clock, cursors, recordEvents, catalogueEvent } = deps

  async function view(conn: DbOrTx, row: repo.StoryRow): Promise<SuccessStory> {
    const organizations = await findOrganizationSummaries(conn, [row.providerId, row.seekerId])
    return toSuccessStory(row, organizations)
  }

  /** The story as the caller may see it: published, anyone; otherwise the parties, their brokers and the operator (404 for the rest). */
  async function visible(conn: DbOrTx, actor: Actor | null, id: string, options: { lock?: boolean } = {}) {
    const row = await repo.findStory(conn, id, options)
    if (!row) throw notFound('Success story', id)
    // Who the caller is on the transfer: read from the deal only when there is a caller.
    const standing = actor ? await sidesOn(conn, actor, (await findDeal(conn, row.dealId))!) : { sides: [] as Side[], operator: false }
    if (row.status !== 'published' && standing.sides.length === 0 && !standing.operator) throw notFound('Success story', id)
    return { row, ...standing }
  }

  /** The checks before a party's write: a writing key of a party (or its broker). */
  function assertParty(actor: Actor, sides: Side[]) {
    if (sides.length === 0) throw forbidden("Only the parties of the transfer (their writing keys, or their brokers') may write its success story")
    if (!writesContent(actor)) throw forbidden('A reader key cannot write a success story')
  }

  const event = (type: string, row: repo.StoryRow, payload: Record<string, unknown>, now: Date) => ({
    type,
    subjectType: 'success_story',
    subjectId: row.id,
    organizationIds: [row.providerId, row.seekerId],
    payload: { storyId: row.id, dealId: row.dealId, ...payload },
    occurredAt: now,
  })

  async function create(actor: Actor, input: SuccessStoryCreate): Promise<SuccessStory> {
    return db.transaction(async (tx) => {
      const deal = await findDeal(tx, input.dealId, { lock: true })
      if (!deal) throw notFound('Deal', input.dealId)
      const { sides } = await sidesOn(tx, actor, deal)
      // Those who are no party cannot tell whether the deal exists.
      if (sides.length === 0 && actor.role !== 'operator') throw notFound('Deal', input.dealId)
      assertParty(actor, sides)
      if (deal.state !== 'completed' || deal.completedOn === null) throw dealNotCompleted(deal.state)
      const existing = await repo.findStoryOfDeal(tx, deal.id)
      if (existing) throw conflict('story_exists', `The transfer already has a success story: ${existing.id}; edit that one`)
      const listing = (await findListing(tx, deal.listingId))!
      const seeker = await findOrganization(tx, deal.seekerId)
      const now = clock.now()
      const row = await repo.insertStory(tx, {
        dealId: deal.id,
        listingId: deal.listingId,
        providerId: deal.providerId,
        seekerId: deal.seekerId,
        title: input.title.trim(),
        problem: input.problem,
        technology: input.technology,
        results: input.results,
        figures: storedFigures(input.figures ?? []),
        quotes: input.quotes ?? [],
        sectors: listing.sectors,
        currentProvinceCode: seeker?.provinceCode ? (currentProvinceCode(seeker.provinceCode) ?? null) : null,
        year: Number(deal.completedOn.slice(0, 4)),
        createdByOrganizationId: actor.organizationId,
        createdAt: now,
        updatedAt: now,
      })
      const story = await view(tx, row)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.providerId,
        operation: 'success_story.create',
        targetType: 'success_story',
        targetId: row.id,
        after: { status: story.status, title: story.title },
        occurredAt: now,
      })
      await recordEvents(tx, [event('success_story.drafted', row, { draftedBy: sides[0]! }, now)])
      return story
    })
  }

  async function get(actor: Actor | null, id: string): Promise<SuccessStory> {
    const { row } = await visible(db, actor, id)
    return view(db, row)
  }

  async function update(actor: Actor, id: string, input: SuccessStoryUpdate, expectedVersion?: number): Promise<SuccessStory> {
    return db.transaction(async (tx) => {
      const { row, sides } = await visible(tx, actor, id, { lock: true })
      assertParty(actor, sides)
      if (row.status !== 'draft')
        throw conflict('invalid_state', `The story is ${row.status}: only a draft is edited (retract it and draft a new one to change it)`)
      if (expectedVersion !== undefined && expectedVersion !== row.version) throw preconditionFailed()
      const now = clock.now()
      const changes = {
        ...(input.title !== undefined ? { title: input.title.trim() } : {}),
        ...(input.problem !== undefined ? { problem: input.problem } : {}),
        ...(input.technology !== undefined ? { technology: input.technology } : {}),
        ...(input.results !== undefined ? { results: input.results } : {}),
        ...(input.figures !== undefined ? { figures: storedFigures(input.figures) } : {}),
        ...(input.quotes !== undefined ? { quotes: input.quotes } : {}),
      }
      // An approval is of a text: a new text needs both again.
      const updated = (await repo.updateStory(tx, id, row.version, { ...changes, providerApprovedAt: null, seekerApprovedAt: null, updatedAt: now }))!
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.providerId,
        operation: 'success_story.update',
        targetType: 'success_story',
        targetId: id,
        after: { changed: Object.keys(changes) },
        occurredAt: now,
      })
      return view(tx, updated)
    })
  }

  /** The caller's side approves the text as it stands (If-Match: the version it read); the second side's approval publishes it. */
  async function approve(actor: Actor, id: string, expectedVersion?: number): Promise<SuccessStory> {
    return db.transaction(async (tx) => {
      const { row, sides } = await visible(tx, actor, id, { lock: true })
      assertParty(actor, sides)
      if (row.status !== 'draft') throw conflict('invalid_state', `The story is ${row.status}: only a draft is approved`)
      if (expectedVersion !== undefined && expectedVersion !== row.version) throw preconditionFailed()
      const now = clock.now()
      const providerApprovedAt = sides.includes('provider') ? now : row.providerApprovedAt
      const seekerApprovedAt = sides.includes('seeker') ? now : row.seekerApprovedAt
      const publishes = providerApprovedAt !== null && seekerApprovedAt !== null
      const updated = (await repo.updateStory(tx, id, row.version, {
        providerApprovedAt,
        seekerApprovedAt,
        ...(publishes ? { status: 'published' as const, publishedAt: now } : {}),
        updatedAt: now,
      }))!
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.providerId,
        operation: publishes ? 'success_story.publish' : 'success_story.approve',
        targetType: 'success_story',
        targetId: id,
        before: { status: row.status },
        after: { status: updated.status },
        occurredAt: now,
      })
      await recordEvents(tx, [event('success_story.approved', updated, { approvedBy: sides[0]! }, now)])
      if (publishes) await recordEvents(tx, [await catalogueEvent(tx, 'success_story.published', id, now)])
      return view(tx, updated)
    })
  }

  async function retract(actor: Actor, id: string): Promise<SuccessStory> {
    return db.transaction(async (tx) => {
      const { row, sides, operator } = await visible(tx, actor, id, { lock: true })
      if (!operator) assertParty(actor, sides)
      if (row.status === 'retracted') throw conflict('invalid_state', 'The story is already retracted')
      const now = clock.now()
      const updated = (await repo.updateStory(tx, id, row.version, { status: 'retracted', retractedAt: now, updatedAt: now }))!
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.providerId,
        operation: 'success_story.retract',
        targetType: 'success_story',
        targetId: id,
        before: { status: row.status },
        after: { status: 'retracted' },
        occurredAt: now,
      })
      // Out of the public feed only if it was ever in it.
      if (row.status === 'published') await recordEvents(tx, [await catalogueEvent(tx, 'success_story.retracted', id, now)])
      return view(tx, updated)
    })
  }

  async function list(query: SuccessStoryQuery): Promise<SuccessStoryPage> {
    const limit = query.limit ?? 20
    const values = query.cursor ? cursors.decode(query.cursor, 'success-stories', ['timestamp', 'uuid']) : undefined
    const rows = await repo.listPublished(db, {
      provinceCodes: provincesFilter(query.province, 'province'),
      sectors: query.sector,
      year: query.year,
      organizationId: query.organization,
      after: values ? { publishedAt: values[0], id: values[1] } : undefined,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const organizations = await findOrganizationSummaries(
      db,
      page.flatMap((row) => [row.providerId, row.seekerId]),
    )
    const last = rows.length > limit ? page[page.length - 1]! : undefined
    return {
      items: page.map((row) => toSuccessStory(row, organizations)),
      nextCursor: last ? cursors.encode('success-stories', [last.publishedAt!.toISOString(), last.id]) : null,
    }
  }

  return { create, get, update, approve, retract, list, visible }
}

export type SuccessStoryService = ReturnType<typeof createSuccessStoryService>
