import { Value } from 'typebox/value'
import type { Db, DbOrTx } from '../../db/client.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { sqlStateOf } from '../../lib/pg-errors.ts'
import { badRequest, conflict, forbidden, notFound, preconditionFailed, type FieldError } from '../../lib/problem.ts'
import { actsFor, organizationMerged, organizationsActedFor, relationsTo, stewardedBy, writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import * as demandRepo from '../demands/demands.repo.ts'
import * as matchRepo from '../matching/matching.repo.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import { disclosureRules, reachedBySeekers, seekerOnListingKey } from '../../core/disclosure.ts'
import { transitionInputs, type TransitionName } from './deals.inputs.ts'
import { sideOf, dealProcess, type DealRole, type DealTransition } from './deals.process.ts'
import type { DealState } from '../../db/schema/index.ts'
import * as repo from './deals.repo.ts'
import type { Deal, DealHistory, DealListQuery, DealProcess, DealStart, DealTransitionRequest, PageQuery } from './deals.schemas.ts'
import { applyEffects, guardHolds, type DealContext, type DealTimers, type Input } from './deals.transitions.ts'
import { hiddenSidesIn, seesEverything, toDeal, toHistoryEntry, type DealSide } from './deals.view.ts'
import { findOrganizationSummaries } from '../organizations/organizations.repo.ts'

/** The organisations a deal's event concerns: both parties. */
const partiesOf = (deal: repo.DealRow) => [deal.providerId, deal.seekerId]

/** The caller's roles on a deal; none means the deal is not theirs to see. */
export async function rolesOn(conn: DbOrTx, actor: Actor | null, deal: repo.DealRow): Promise<DealRole[]> {
  return (await rolesOnEach(conn, actor, [deal]))[0]!
}

/** rolesOn for a page of deals, in one query. */
async function rolesOnEach(conn: DbOrTx, actor: Actor | null, deals: repo.DealRow[]): Promise<DealRole[][]> {
  if (!actor) return deals.map(() => [])
  if (actor.role === 'operator') return deals.map(() => ['operator'])
  const relations = await relationsTo(conn, actor.organizationId, deals.flatMap(partiesOf))
  // A split party's side passes to the steward of the deal's listing (provider) or demand (seeker).
  const split = (partyId: string) => relations.get(partyId)?.split === true
  const stewarded = deals.some((deal) => split(deal.providerId) || split(deal.seekerId))
    ? await stewardedBy(conn, actor.organizationId, {
        listingIds: deals.filter((deal) => split(deal.providerId)).map((deal) => deal.listingId),
        demandIds: deals.flatMap((deal) => (split(deal.seekerId) && deal.demandId !== null ? [deal.demandId] : [])),
      })
    : new Set<string>()
  return deals.map((deal) => {
    const roles: DealRole[] = []
    for (const side of ['provider', 'seeker'] as const) {
      const record = side === 'provider' ? deal.listingId : deal.demandId
      const standing = relations.get(side === 'provider' ? deal.providerId : deal.seekerId)
      const relation = standing?.split && record !== null && stewarded.has(record) ? 'successor' : (standing?.relation ?? null)
      if (relation === 'self' || relation === 'successor') roles.push(side)
      if (relation === 'delegate') roles.push(`${side}_broker`)
    }
    return roles
  })
}

/** The transitions these roles may fire now: the table's state and role rules, and guards as far as they can be known without input. */
function allowedNow(context: DealContext, roles: DealRole[]): TransitionName[] {
  return dealProcess.allowedNow(context.deal.state, roles, (guard, role) => guardHolds(guard, context, role))
}

/** One error per field, each pointing at the field (a missing or an unknown one too), as the error handler words a request's. */
function inputErrors(name: TransitionName, input: Input): FieldError[] {
  const errors = new Map<string, string>()
  for (const error of Value.Errors(transitionInputs[name], input)) {
    const at = `#${error.instancePath}`
    const params = error.params as { requiredProperties?: string[]; additionalProperties?: string[] }
    if (error.keyword === 'required') for (const field of params.requiredProperties ?? []) errors.set(`${at}/${field}`, 'is required')
    else if (error.keyword === 'additionalProperties')
      for (const field of params.additionalProperties ?? []) errors.set(`${at}/${field}`, `${name} does not take it`)
    // TypeBox also reports an unknown field as "schema is false" on itself, and a value outside an enum once per member.
    else if (error.keyword !== 'boolean' && !errors.has(at)) errors.set(at, error.keyword === 'const' ? 'is not one of the allowed values' : error.message)
  }
  return [...errors].map(([pointer, detail]) => ({ pointer, detail }))
}

export function createDealService(deps: {
  db: Db
  clock: Clock
  timers: DealTimers
  recordEvents: RecordEvents
  cursors: Cursors
  /**
   * 422 unless the exchange event a new deal names is running or recently over. From
   * exchange-events (handed in by services.ts: that module reports on deals, so it sits above this one).
   */
  assertEventOpenForDeals: (conn: DbOrTx, eventId: string, today: string) => Promise<void>
}) {
  const { db, clock, timers, recordEvents, cursors, assertEventOpenForDeals } = deps

  function process(): DealProcess {
    const table = dealProcess.document()
    return {
      ...table,
      transitions: table.transitions.map((transition) => ({ ...transition, input: transitionInputs[transition.name] })),
      disclosure: disclosureRules.map(({ field, hiddenWhen, revealedAt }) => ({ field, hiddenWhen, revealedAt })),
      timers: { ...timers },
    }
  }

  async function contextOf(conn: DbOrTx, deal: repo.DealRow, now: Date): Promise<DealContext> {
    return (await contextsOf(conn, [deal], now))[0]!
  }

  /** The contexts of a page of deals: two queries, whatever the page's size. */
  async function contextsOf(conn: DbOrTx, deals: repo.DealRow[], now: Date): Promise<DealContext[]> {
    const ids = deals.map((deal) => deal.id)
    const offers = await repo.listOffers(conn, ids)
    const milestones = await repo.listMilestones(conn, ids)
    return deals.map((deal) => ({ deal, offers: offers.get(deal.id)!, milestones: milestones.get(deal.id)!, now }))
  }

  async function view(conn: DbOrTx, context: DealContext, roles: DealRole[], actor: Actor | null): Promise<Deal> {
    return (await views(conn, [{ context, roles }], actor))[0]!
  }

  /** The deals as the caller sees them: four queries for a page (listings, anonymous demands, parties, what seekers were shown), not four per deal. */
  async function views(conn: DbOrTx, seen: { context: DealContext; roles: DealRole[] }[], actor: Actor | null): Promise<Deal[]> {
    const deals = seen.map(({ context }) => context.deal)
    const listings = await repo.findDealListings(
      conn,
      deals.map((deal) => deal.listingId),
    )
    const parties = await findOrganizationSummaries(conn, [...new Set(deals.flatMap(partiesOf))])
    const anonymousDemands = await repo.findAnonymousDemands(
      conn,
      deals.map((deal) => deal.demandId),
    )
    // What the seeker has been shown, by this deal or an earlier one: the same as the listing shows it.
    // Only looked up for a viewer who does not see everything anyway.
    const revealed = await reachedBySeekers(
      conn,
      seen.filter(({ roles }) => !seesEverything(roles)).map(({ context }) => context.deal),
    )
    return seen.map(({ context, roles }) => {
      const { deal } = context
      const allowed = actor && writesContent(actor) ? allowedNow(context, roles) : []
      const shown = seesEverything(roles) ? null : (revealed.get(seekerOnListingKey(deal)) ?? null)
      return toDeal(
        {
          deal,
          listing: listings.get(deal.listingId)!,
          demandAnonymous: deal.demandId !== null && anonymousDemands.has(deal.demandId),
          parties,
          offers: context.offers,
          milestones: context.milestones,
        },
        { roles, allowed, revealed: shown },
      )
    })
  }

  /** The deal with the caller's roles, or 404 when the caller has none (the deal is the parties' business). */
  async function visibleDeal(conn: DbOrTx, actor: Actor, id: string, options: { lock?: boolean } = {}) {
    const deal = await repo.findDeal(conn, id, options)
    if (!deal) throw notFound('Deal', id)
    const roles = await rolesOn(conn, actor, deal)
    if (roles.length === 0) throw notFound('Deal', id)
    return { deal, roles }
  }

  async function get(actor: Actor, id: string): Promise<Deal> {
    const { deal, roles } = await visibleDeal(db, actor, id)
    return view(db, await contextOf(db, deal, clock.now()), roles, actor)
  }

  /** Starts a deal: an expression of interest, a provider's proposal for a demand, or a seeker's shortlisted match. */
  async function start(actor: Actor, input: DealStart): Promise<Deal> {
    if (!writesContent(actor)) throw forbidden('A reader key cannot start a deal')
    const now = clock.now()
    const today = vietnamDate(now)
    const plan = await planStart(actor, input, today)
    if (input.eventId) await assertEventOpenForDeals(db, input.eventId, today)
    const respondBy = new Date(now.getTime() + timers.responseDays * 86_400_000)
    const respondReminderAt = new Date(respondBy.getTime() - timers.responseReminderDays * 86_400_000)
    try {
      return await db.transaction(async (tx) => {
        const existing = await repo.findOpenDeal(tx, plan.listingId, plan.seekerId)
        if (existing) throw conflict('deal_exists', `This seeker already has an open deal on this listing: ${existing.id}`)
        const deal = await repo.insertDeal(tx, {
          listingId: plan.listingId,
          providerId: plan.providerId,
          seekerId: plan.seekerId,
          demandId: plan.demandId,
          matchId: plan.matchId,
          exchangeEventId: input.eventId ?? null,
          origin: plan.origin,
          initiatedBy: plan.initiatedBy,
          state: 'interest_expressed',
          reachedState: 'interest_expressed',
          message: input.message.trim(),
          respondBy,
          respondReminderAt,
          stateChangedAt: now,
          createdAt: now,
          updatedAt: now,
        })
        const role: DealRole = plan.actorRole
        const payload = { origin: plan.origin, message: deal.message, demandId: plan.demandId, matchId: plan.matchId }
        await record(tx, { deal, transition: 'start', event: 'deal.started', from: null, role, actor, payload, now })
        return view(tx, await contextOf(tx, deal, now), await rolesOn(tx, actor, deal), actor)
      })
    } catch (error) {
      // Two first requests at once: the open-pair index lets one in.
      if (sqlStateOf(error) === '23505') throw conflict('deal_exists', 'This seeker already has an open deal on this listing')
      throw error
    }
  }

  type StartPlan = {
    listingId: string
    providerId: string
    seekerId: string
    demandId: string | null
    matchId: string | null
    origin: 'interest' | 'proposal' | 'match'
    initiatedBy: 'provider' | 'seeker'
    actorRole: DealRole
  }

  async function planStart(actor: Actor, input: DealStart, today: string): Promise<StartPlan> {
    const { listingId, demandId, matchId, seekerId } = input
    const shape = matchId ? (listingId || demandId || seekerId ? null : 'match') : listingId ? (demandId ? (seekerId ? null : 'proposal') : 'interest') : null
    if (!shape) {
      throw badRequest(
        'invalid_start',
        'Start a deal with listingId (an interest), listingId and demandId (a proposal), or matchId alone (a shortlisted match)',
      )
    }
    if (shape === 'match') {
      const match = await matchRepo.findMatch(db, matchId!)
      const owners = match && (await matchRepo.ownersOf(db, match.demandId, match.listingId))
      if (!match || !owners || !(await actsFor(db, actor, owners.demandOwnerId))) throw notFound('Match', matchId!)
      if (match.status !== 'shortlisted') throw conflict('invalid_state', `Only a shortlisted match starts a deal; this one is ${match.status}`)
      await liveListing(match.listingId, today)
      return { ...(await seekerPlan(actor, owners.demandOwnerId, match.listingId)), demandId: match.demandId, matchId: match.id, origin: 'match' }
    }
    if (shape === 'proposal') {
      const listing = await liveListing(listingId!, today)
      if (!(await actsFor(db, actor, listing.ownerId))) throw forbidden("Only those who act for the listing's owner propose it for a demand")
      await assertNotMerged(listing.ownerId)
      const demand = await demandRepo.findDemand(db, demandId!)
      if (!demand || demand.status === 'draft') throw notFound('Demand', demandId!)
      if (demand.status !== 'open' || (demand.deadline !== null && demand.deadline < today))
        throw conflict('invalid_state', 'Only an open demand (deadline not passed) takes proposals')
      if (demand.owner.id === listing.ownerId) throw conflict('same_owner', "A listing is not proposed for its owner's own demand")
      await assertNotMerged(demand.owner.id)
      await assertSidesApart(demand.owner.id, listing.ownerId)
      const role = (await repo.relationTo(db, actor.organizationId, listing.ownerId)) === 'delegate' ? 'provider_broker' : 'provider'
      return {
        listingId: listing.id,
        providerId: listing.ownerId,
        seekerId: demand.owner.id,
        demandId: demand.id,
        matchId: null,
        origin: 'proposal',
        initiatedBy: 'provider',
        actorRole: actor.role === 'operator' ? 'operator' : role,
      }
    }
    // The operator is no seeker of its own: it starts a deal only for an organisation it names.
    if (actor.role === 'operator' && !seekerId) {
      throw badRequest('seeker_required', 'The operator starts a deal for a seeker: name it in seekerId', [
        { pointer: '#/seekerId', detail: 'is required for the operator' },
      ])
    }
    const seeker = seekerId ?? actor.organizationId
    if (!(await actsFor(db, actor, seeker))) {
      throw forbidden('A key expresses interest for its own organisation or for one that delegated to it', [
        { pointer: '#/seekerId', detail: 'is not an organisation this key acts for' },
      ])
    }
    return { ...(await seekerPlan(actor, seeker, listingId!)), demandId: null, matchId: null, origin: 'interest' }
  }

  async function seekerPlan(actor: Actor, seekerId: string, listingId: string) {
    const listing = await liveListing(listingId, vietnamDate(clock.now()))
    if (listing.ownerId === seekerId) throw conflict('same_owner', 'An organisation does not start a deal on its own listing')
    await assertNotMerged(seekerId)
    await assertSidesApart(seekerId, listing.ownerId)
    const relation = await repo.relationTo(db, actor.organizationId, seekerId)
    const actorRole: DealRole = actor.role === 'operator' && relation === null ? 'operator' : relation === 'delegate' ? 'seeker_broker' : 'seeker'
    return { listingId, providerId: listing.ownerId, seekerId, initiatedBy: 'seeker' as const, actorRole }
  }

  async function liveListing(listingId: string, today: string) {
    const listing = await repo.findDealListing(db, listingId)
    if (!listing || listing.status === 'draft') throw notFound('Listing', listingId)
    if (listing.status !== 'published' || (listing.validUntil !== null && listing.validUntil < today)) {
      throw conflict('invalid_state', 'Only a published listing that has not expired starts a deal')
    }
    return listing
  }

  /** A seeker that acts for the provider (its delegate, its successor), or the reverse, would be dealing with itself. */
  async function assertSidesApart(seekerId: string, providerId: string) {
    if ((await repo.relationTo(db, seekerId, providerId)) !== null || (await repo.relationTo(db, providerId, seekerId)) !== null) {
      throw conflict('same_side', 'The seeker acts for the provider (as its delegate or successor); a deal needs two sides')
    }
  }

  async function assertNotMerged(organizationId: string) {
    const party = (await findOrganizationSummaries(db, [organizationId])).get(organizationId)
    if (party?.mergedIntoId) throw organizationMerged(organizationId, party.mergedIntoId)
  }

  /** History row, outbox event and audit entry of a move, in the move's transaction. */
  async function record(
    tx: DbOrTx,
    move: {
      deal: repo.DealRow
      transition: string
      event: string
      from: DealState | null
      role: DealRole
      actor: Actor | null
      payload: Record<string, unknown>
      now: Date
    },
  ) {
    const { deal, now } = move
    await repo.insertTransition(tx, {
      dealId: deal.id,
      transition: move.transition,
      fromState: move.from,
      toState: deal.state,
      actorRole: move.role,
      actorOrganizationId: move.actor?.organizationId ?? null,
      actorKeyId: move.actor?.keyId ?? null,
      payload: move.payload,
      occurredAt: now,
    })
    await recordEvents(tx, [
      {
        type: move.event,
        subjectType: 'deal',
        subjectId: deal.id,
        organizationIds: partiesOf(deal),
        payload: {
          dealId: deal.id,
          listingId: deal.listingId,
          transition: move.transition,
          fromState: move.from,
          state: deal.state,
          actorRole: move.role,
          ...move.payload,
        },
        occurredAt: now,
      },
    ])
    if (move.actor) {
      await recordAudit(tx, {
        actor: move.actor,
        owningOrganizationId: deal.providerId,
        operation: `deal.${move.transition}`,
        targetType: 'deal',
        targetId: deal.id,
        before: move.from === null ? null : { state: move.from },
        after: { state: deal.state },
        occurredAt: now,
      })
    }
  }

  /**
   * Fires a transition under the deal's row lock: state, role, If-Match, input and guards are
   * checked against the locked row, so of two concurrent moves the second sees the first's result.
   */
  async function fire(actor: Actor | null, id: string, request: DealTransitionRequest, expectedVersion?: number): Promise<Deal> {
    const { transition: name, side, ...input } = request
    const transition = dealProcess.named(name)!
    return db.transaction(async (tx) => {
      const now = clock.now()
      const deal = await repo.findDeal(tx, id, { lock: true })
      if (!deal) throw notFound('Deal', id)
      const held: DealRole[] = actor ? await rolesOn(tx, actor, deal) : ['system']
      if (held.length === 0) throw notFound('Deal', id)
      // A broker both parties delegated to says which side it acts for; a key acts for one side per move.
      const roles = side ? held.filter((role) => sideOf(role) === side) : held
      if (roles.length === 0) throw forbidden(`This key does not act for the ${side} on this deal`)
      if (actor && !writesContent(actor)) throw forbidden('A reader key cannot move a deal')
      if (expectedVersion !== undefined && expectedVersion !== deal.version) throw preconditionFailed()
      const context = await contextOf(tx, deal, now)
      const role = dealProcess.check({
        transition,
        state: deal.state,
        roles,
        holds: (guard, candidate) => guardHolds(guard, context, candidate, input),
        allowedHolds: (guard, candidate) => guardHolds(guard, context, candidate),
        between: (eligible) => {
          if (new Set(eligible.map(sideOf)).size > 1) {
            throw badRequest('side_required', 'This key acts for both sides of the deal: say which in `side`', [
              { pointer: '#/side', detail: 'is required: provider or seeker' },
            ])
          }
          const errors = inputErrors(name, input)
          if (errors.length > 0) throw badRequest('validation_failed', `The input does not fit ${name}; see GET /v1/deal-process`, errors)
        },
      })
      return applyMove(tx, transition, context, role, actor, input)
    })
  }

  async function applyMove(tx: DbOrTx, transition: DealTransition, context: DealContext, role: DealRole, actor: Actor | null, input: Input): Promise<Deal> {
    const { deal, now } = context
    const applied = await applyEffects(tx, transition, context, role, input, actor?.organizationId ?? null, timers)
    const stateChanged = applied.to !== deal.state
    const updated = await repo.updateDeal(
      tx,
      deal.id,
      deal.version,
      { ...applied.values, state: applied.to, ...(stateChanged ? { stateChangedAt: now } : {}) },
      now,
    )
    // The row is locked, so the version cannot have moved; a miss here would be a bug, not a race.
    if (!updated) throw conflict('concurrent_change', 'The deal changed while this move was applied; read it again')
    await record(tx, { deal: updated, transition: transition.name, event: transition.event, from: deal.state, role, actor, payload: applied.payload, now })
    const roles = actor ? await rolesOn(tx, actor, updated) : []
    return view(tx, await contextOf(tx, updated, now), roles, actor)
  }

  async function list(actor: Actor, query: DealListQuery) {
    const limit = query.limit ?? 20
    let partyIds: repo.DealFilter['partyIds']
    if (query.organizationId) {
      if (!(await actsFor(db, actor, query.organizationId))) throw forbidden('This key lists the deals of its own organisation or of those it acts for')
      partyIds = [query.organizationId]
    } else if (actor.role !== 'operator') {
      partyIds = await organizationsActedFor(db, actor.organizationId)
    }
    const values = query.cursor ? cursors.decode(query.cursor, 'deals', ['instant', 'uuid']) : undefined
    const after = values ? { updatedAt: values[0], id: values[1] } : undefined
    const rows = await repo.listDeals(db, {
      partyIds,
      side: query.side,
      states: query.state ? [query.state] : undefined,
      listingId: query.listingId,
      after,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const contexts = await contextsOf(db, page, clock.now())
    const roles = await rolesOnEach(db, actor, page)
    const items = await views(
      db,
      contexts.map((context, index) => ({ context, roles: roles[index]! })),
      actor,
    )
    const last = rows.length > limit ? rows[limit - 1]! : undefined
    return { items, nextCursor: last ? cursors.encode('deals', [last.updatedAt, last.id]) : null }
  }

  /** The parties the deal hides from a viewer in these roles (null actor: no moves of its own to list). */
  async function hiddenSides(conn: DbOrTx, deal: repo.DealRow, roles: DealRole[]): Promise<DealSide[]> {
    return hiddenSidesIn(await view(conn, await contextOf(conn, deal, clock.now()), roles, null))
  }

  async function history(actor: Actor, id: string, query: PageQuery): Promise<DealHistory> {
    const { deal, roles } = await visibleDeal(db, actor, id)
    const hidden = await hiddenSides(db, deal, roles)
    const limit = query.limit ?? 20
    const afterId = query.cursor ? cursors.decode(query.cursor, 'deal-history', ['integer'])[0] : undefined
    const rows = await repo.listTransitions(db, id, { afterId, limit: limit + 1 })
    const items = rows.slice(0, limit).map((row) => toHistoryEntry(row, hidden))
    return { items, nextCursor: rows.length > limit ? cursors.encode('deal-history', [items[items.length - 1]!.id]) : null }
  }

  return { process, start, get, list, fire, history, visibleDeal, hiddenSides }
}

export type DealService = ReturnType<typeof createDealService>
