import type { Db, DbOrTx } from '../../db/client.ts'
import { addDays, type Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, preconditionFailed, unprocessable, type FieldError } from '../../lib/problem.ts'
import { actsFor, ownerForCreation, writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import * as repo from './exchange-events.repo.ts'
import { followUpDays, type ExchangeEvent, type ExchangeEventCreate, type ExchangeEventListQuery, type ExchangeEventUpdate } from './exchange-events.schemas.ts'
import { findOrganizationSummaries } from '../organizations/organizations.repo.ts'
import { findListingStates } from '../listings/listings.repo.ts'
import { provinceFilter, resolveProvince } from '../../core/places.ts'

type Kind = ExchangeEvent['organizer']['kind']

/**
 * Checks the event a deal starting on `today` names: one that has begun and ended no more than
 * followUpDays ago (the talks a fair starts go on for a while). 422 otherwise.
 */
export async function assertEventOpenForDeals(conn: DbOrTx, eventId: string, today: string): Promise<void> {
  const event = await repo.findEvent(conn, eventId)
  if (!event) throw unprocessable('unknown_event', `There is no event ${eventId}`, [{ pointer: '#/eventId', detail: 'is not a known event' }])
  if (event.startsOn > today || addDays(event.endsOn, followUpDays) < today) {
    throw unprocessable('event_closed', `A deal names an event from its first day until ${followUpDays} days after its last`, [
      { pointer: '#/eventId', detail: 'is not running or recently over' },
    ])
  }
}

export function createExchangeEventService(deps: { db: Db; clock: Clock; cursors: Cursors }) {
  const { db, clock, cursors } = deps

  async function views(conn: DbOrTx, events: repo.EventRow[]): Promise<ExchangeEvent[]> {
    const parts = await repo.findEventParts(
      conn,
      events.map((event) => event.id),
    )
    const organizers = await findOrganizationSummaries(
      conn,
      events.map((event) => event.organizerId),
    )
    return events.map((event) => {
      const organizer = organizers.get(event.organizerId)!
      const members = (role: string) =>
        parts.organizations
          .filter((row) => row.eventId === event.id && row.role === role)
          .map((row) => ({ id: row.id, name: row.name, kind: row.kind as Kind }))
      const outcomes = parts.outcomes.filter((row) => row.eventId === event.id)
      return {
        id: event.id,
        kind: event.kind as ExchangeEvent['kind'],
        title: event.title,
        description: event.description,
        startsOn: event.startsOn,
        endsOn: event.endsOn,
        place: event.place,
        provinceCode: event.provinceCode,
        currentProvinceCode: event.currentProvinceCode,
        organizer: { id: organizer.id, name: organizer.name, kind: organizer.kind as Kind },
        coOrganizers: members('organizer'),
        participants: members('participant'),
        listings: parts.listings.filter((row) => row.eventId === event.id).map(({ eventId: _eventId, ...listing }) => listing),
        outcomes: {
          dealsStarted: outcomes.reduce((sum, row) => sum + row.n, 0),
          dealsByState: Object.fromEntries(outcomes.map((row) => [row.state, row.n])),
          completedTransfers: outcomes.find((row) => row.state === 'completed')?.n ?? 0,
          transferValueVnd: outcomes.reduce((sum, row) => sum + Number(row.value), 0),
        },
        version: event.version,
        createdAt: event.createdAt.toISOString(),
        updatedAt: event.updatedAt.toISOString(),
      }
    })
  }

  /** Organisations exist and are not merged, each once; showcased listings are published. */
  async function checkParts(
    conn: DbOrTx,
    fields: { startsOn: string; endsOn: string; coOrganizerIds?: string[]; participantIds?: string[]; listingIds?: string[] },
  ) {
    const errors: FieldError[] = []
    if (fields.endsOn < fields.startsOn) errors.push({ pointer: '#/endsOn', detail: 'is before startsOn' })
    const coOrganizers = fields.coOrganizerIds ?? []
    const participants = fields.participantIds ?? []
    const organizations = await findOrganizationSummaries(conn, [...coOrganizers, ...participants])
    const check = (ids: string[], field: string) =>
      ids.forEach((id, index) => {
        const organization = organizations.get(id)
        if (!organization) errors.push({ pointer: `#/${field}/${index}`, detail: 'is not a known organisation' })
        else if (organization.mergedIntoId)
          errors.push({ pointer: `#/${field}/${index}`, detail: `was merged into ${organization.mergedIntoId}; name its successor` })
      })
    check(coOrganizers, 'coOrganizerIds')
    check(participants, 'participantIds')
    participants.forEach((id, index) => {
      if (coOrganizers.includes(id)) errors.push({ pointer: `#/participantIds/${index}`, detail: 'is also a co-organiser' })
    })
    const showcased = await findListingStates(conn, fields.listingIds ?? [])
    ;(fields.listingIds ?? []).forEach((id, index) => {
      if (showcased.get(id)?.status !== 'published') errors.push({ pointer: `#/listingIds/${index}`, detail: 'is not a published listing' })
    })
    if (errors.length > 0) throw unprocessable('invalid_event', 'The event names what it may not; see errors', errors)
  }

  async function writeParts(tx: DbOrTx, eventId: string, fields: { coOrganizerIds?: string[]; participantIds?: string[]; listingIds?: string[] }) {
    if (fields.coOrganizerIds) await repo.replaceOrganizations(tx, eventId, 'organizer', fields.coOrganizerIds)
    if (fields.participantIds) await repo.replaceOrganizations(tx, eventId, 'participant', fields.participantIds)
    if (fields.listingIds) await repo.replaceListings(tx, eventId, fields.listingIds)
  }

  async function audit(tx: DbOrTx, actor: Actor, event: repo.EventRow, operation: string, changed: string[], now: Date) {
    await recordAudit(tx, {
      actor,
      owningOrganizationId: event.organizerId,
      operation,
      targetType: 'exchange_event',
      targetId: event.id,
      before: null,
      after: { changed },
      occurredAt: now,
    })
  }

  async function create(actor: Actor, input: ExchangeEventCreate): Promise<ExchangeEvent> {
    const organizerId = await ownerForCreation(db, actor, input.organizerId, 'an event', 'organizerId')
    const current = resolveProvince(input.provinceCode, '#/provinceCode')
    const now = clock.now()
    return db.transaction(async (tx) => {
      await checkParts(tx, input)
      const event = await repo.insertEvent(tx, {
        organizerId,
        kind: input.kind,
        title: input.title.trim(),
        description: input.description ?? null,
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        place: input.place.trim(),
        provinceCode: input.provinceCode,
        currentProvinceCode: current,
        createdAt: now,
        updatedAt: now,
      })
      await writeParts(tx, event.id, input)
      await audit(tx, actor, event, 'exchange_event.create', Object.keys(input), now)
      return (await views(tx, [event]))[0]!
    })
  }

  async function get(id: string): Promise<ExchangeEvent> {
    const event = await repo.findEvent(db, id)
    if (!event) throw notFound('Event', id)
    return (await views(db, [event]))[0]!
  }

  async function update(actor: Actor, id: string, input: ExchangeEventUpdate, expectedVersion?: number): Promise<ExchangeEvent> {
    return db.transaction(async (tx) => {
      const now = clock.now()
      const event = await repo.findEvent(tx, id, { lock: true })
      if (!event) throw notFound('Event', id)
      if (!writesContent(actor) || !(await actsFor(tx, actor, event.organizerId)))
        throw forbidden("An event is kept by its organiser's writing keys, its delegates' or the operator")
      if (expectedVersion !== undefined && expectedVersion !== event.version) throw preconditionFailed()
      const current = (await views(tx, [event]))[0]!
      await checkParts(tx, {
        startsOn: input.startsOn ?? event.startsOn,
        endsOn: input.endsOn ?? event.endsOn,
        coOrganizerIds: input.coOrganizerIds,
        participantIds: input.participantIds ?? (input.coOrganizerIds ? current.participants.map((participant) => participant.id) : undefined),
        // Listings showcased already stay, even if withdrawn since; only new ones must be published.
        listingIds: input.listingIds?.filter((listingId) => !current.listings.some((listing) => listing.id === listingId)),
      })
      const updated = await repo.updateEvent(
        tx,
        id,
        event.version,
        {
          ...(input.kind !== undefined ? { kind: input.kind } : {}),
          ...(input.title !== undefined ? { title: input.title.trim() } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.startsOn !== undefined ? { startsOn: input.startsOn } : {}),
          ...(input.endsOn !== undefined ? { endsOn: input.endsOn } : {}),
          ...(input.place !== undefined ? { place: input.place.trim() } : {}),
          ...(input.provinceCode !== undefined
            ? { provinceCode: input.provinceCode, currentProvinceCode: resolveProvince(input.provinceCode, '#/provinceCode') }
            : {}),
        },
        now,
      )
      if (!updated) throw conflict('concurrent_change', 'The event changed while this edit was applied; read it again')
      await writeParts(tx, id, input)
      await audit(tx, actor, updated, 'exchange_event.update', Object.keys(input), now)
      return (await views(tx, [updated]))[0]!
    })
  }

  async function list(query: ExchangeEventListQuery) {
    const limit = query.limit ?? 20
    const province = provinceFilter(query.provinceCode, 'provinceCode')
    const values = query.cursor ? cursors.decode(query.cursor, 'exchange-events', ['date', 'uuid']) : undefined
    const after = values ? { startsOn: values[0], id: values[1] } : undefined
    const rows = await repo.listEvents(db, {
      currentProvinceCode: province,
      kind: query.kind,
      from: query.from,
      to: query.to,
      organizationId: query.organizationId,
      after,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const last = rows.length > limit ? page[page.length - 1]! : undefined
    return { items: await views(db, page), nextCursor: last ? cursors.encode('exchange-events', [last.startsOn, last.id]) : null }
  }

  return { create, get, update, list }
}

export type ExchangeEventService = ReturnType<typeof createExchangeEventService>
