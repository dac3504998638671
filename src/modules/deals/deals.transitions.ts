import type { DbOrTx } from '../../db/client.ts'
import { vietnamDate } from '../../lib/clock.ts'
import { unprocessable } from '../../lib/problem.ts'
import type { OfferTermsInput, TransitionName } from './deals.inputs.ts'
import { sideOf, type DealGuard, type DealRole, type DealTransition } from './deals.process.ts'
import { type DealState } from '../../db/schema/index.ts'
import { stageOf } from '../../core/disclosure.ts'
import * as repo from './deals.repo.ts'

// What each guard checks and what each transition does, for the table in deals.process.ts.

export type DealTimers = { responseDays: number; responseReminderDays: number; offerValidityDays: number; offerReminderHours: number }

/** Everything a guard or an effect looks at: the locked deal, its offers and milestones. */
export type DealContext = {
  deal: repo.DealRow
  offers: repo.OfferRow[]
  milestones: repo.MilestoneRow[]
  now: Date
}

export type Input = Record<string, unknown>

const openOffer = (context: DealContext) => context.offers.find((offer) => offer.status === 'open')

/**
 * Whether a guard holds for an actor in a role. Without input (listing what a caller may do) the
 * guards that name an offer or a milestone ask whether there is one that would do.
 */
export function guardHolds(guard: DealGuard, context: DealContext, role: DealRole, input?: Input): boolean {
  const { deal, now } = context
  const side = sideOf(role)
  const offer = openOffer(context)
  switch (guard) {
    case 'respondent':
      return side !== null && side !== deal.initiatedBy
    case 'respond_by_passed':
      return deal.respondBy !== null && deal.respondBy <= now
    case 'before_respond_by':
      return deal.respondBy === null || deal.respondBy > now
    case 'no_own_open_offer':
      return !offer || offer.madeBy !== side
    case 'offer_to_actor':
      return !!offer && offer.madeBy !== side && offer.validUntil > now && (input === undefined || input.offerId === offer.id)
    case 'offer_by_actor':
      return !!offer && offer.madeBy === side && (input === undefined || input.offerId === offer.id)
    case 'offer_validity_passed':
      return !!offer && offer.validUntil <= now
    case 'milestone_open':
      return context.milestones.some((milestone) => milestone.doneAt === null && (input === undefined || milestone.id === input.milestoneId))
    case 'milestones_done':
      return context.milestones.every((milestone) => milestone.doneAt !== null)
    case 'was_disputed':
      return deal.state === 'disputed' && deal.disputedFrom !== null
  }
}

const furthest = (reached: DealState, next: DealState) => (stageOf(next) > stageOf(reached) ? next : reached)

export type Applied = {
  values: Partial<repo.DealInsert>
  /** The transition's record in the history and the event: its input and what it decided. */
  payload: Record<string, unknown>
}

/** Checks the terms of an offer beyond their shape. */
function offerTerms(terms: OfferTermsInput, now: Date, timers: DealTimers) {
  if (terms.priceType === 'amount' && terms.priceVnd === undefined) {
    throw unprocessable('invalid_terms', 'An offer with priceType amount states priceVnd', [
      { pointer: '#/terms/priceVnd', detail: 'is required when priceType is amount' },
    ])
  }
  if (terms.priceType === 'free' && terms.priceVnd !== undefined) {
    throw unprocessable('invalid_terms', 'A free transfer has no price', [{ pointer: '#/terms/priceVnd', detail: 'must be absent when priceType is free' }])
  }
  const validUntil = terms.validUntil ? new Date(terms.validUntil) : new Date(now.getTime() + timers.offerValidityDays * 86_400_000)
  // A leap second (23:59:60) passes the date-time format but is no JavaScript date.
  if (Number.isNaN(validUntil.getTime()) || validUntil <= now || validUntil.getTime() > now.getTime() + 366 * 86_400_000) {
    throw unprocessable('invalid_terms', 'An offer is valid for up to a year from now', [
      { pointer: '#/terms/validUntil', detail: 'must be in the future and within a year' },
    ])
  }
  // The milestones become date rows only when the offer is accepted: a date PostgreSQL cannot hold
  // (year 0) would make the offer impossible to accept, so it is refused now.
  const unstorable = terms.milestones.findIndex((milestone) => milestone.dueDate !== undefined && milestone.dueDate < '0001-01-01')
  if (unstorable >= 0) {
    throw unprocessable('invalid_terms', 'A milestone is due on a real date', [
      { pointer: `#/terms/milestones/${unstorable}/dueDate`, detail: 'must be a date from year 1' },
    ])
  }
  return { validUntil, priceVnd: terms.priceType === 'amount' ? (terms.priceVnd ?? null) : null }
}

/**
 * Applies a transition's effects to the locked deal (offers, milestones) and returns the deal's
 * new values. The state itself is set by the caller from the table.
 */
export async function applyEffects(
  tx: DbOrTx,
  transition: DealTransition,
  context: DealContext,
  role: DealRole,
  input: Input,
  actorOrganizationId: string | null,
  timers: DealTimers,
): Promise<Applied & { to: DealState }> {
  const { deal, now } = context
  const today = vietnamDate(now)
  const name: TransitionName = transition.name
  const offer = openOffer(context)
  const side = sideOf(role)
  const to = (state: DealState) => ({ to: state, reached: furthest(deal.reachedState, state) })
  const note = typeof input.note === 'string' ? input.note.trim() : null
  const target = transition.to === 'disputed_from' ? null : to(transition.to)

  switch (name) {
    case 'accept_interest':
      return { to: 'accepted', values: { reachedState: target!.reached, respondBy: null }, payload: { note } }
    case 'decline_interest':
    case 'cancel':
      if (name === 'cancel' && offer) await repo.closeOffer(tx, offer.id, { status: 'withdrawn', decidedAt: now })
      return { to: target!.to, values: { closeReason: String(input.reason), closeNote: note }, payload: { reason: input.reason, note } }
    case 'expire_interest':
      return { to: 'expired', values: { respondBy: null }, payload: {} }
    case 'make_offer': {
      const terms = input.terms as OfferTermsInput
      const { validUntil, priceVnd } = offerTerms(terms, now, timers)
      if (offer) await repo.closeOffer(tx, offer.id, { status: 'countered', decidedAt: now })
      // An offer shorter than the reminder window is reminded halfway, not the moment it is made.
      const window = Math.min(timers.offerReminderHours * 3_600_000, (validUntil.getTime() - now.getTime()) / 2)
      const reminderAt = new Date(validUntil.getTime() - window)
      const stored = {
        ...terms,
        priceVnd,
        validUntil: validUntil.toISOString(),
        milestones: terms.milestones.map((m) => ({ title: m.title.trim(), dueDate: m.dueDate ?? null })),
      }
      const created = await repo.insertOffer(tx, {
        dealId: deal.id,
        number: context.offers.length + 1,
        madeBy: side!,
        madeByOrganizationId: actorOrganizationId!,
        counterOfId: offer?.id ?? null,
        terms: stored,
        validUntil,
        reminderAt,
        createdAt: now,
      })
      return {
        to: 'negotiating',
        values: { reachedState: target!.reached },
        payload: { offerId: created.id, number: created.number, counterOfId: created.counterOfId, terms: stored },
      }
    }
    case 'withdraw_offer':
    case 'reject_offer':
    case 'lapse_offer': {
      const status = name === 'withdraw_offer' ? 'withdrawn' : name === 'reject_offer' ? 'rejected' : 'lapsed'
      await repo.closeOffer(tx, offer!.id, { status, decidedAt: now, rejectNote: name === 'reject_offer' ? note : null })
      return { to: 'negotiating', values: {}, payload: { offerId: offer!.id, ...(note ? { note } : {}) } }
    }
    case 'accept_offer': {
      await repo.closeOffer(tx, offer!.id, { status: 'accepted', decidedAt: now })
      await repo.insertMilestones(
        tx,
        offer!.terms.milestones.map((milestone, index) => ({
          dealId: deal.id,
          position: index + 1,
          title: milestone.title,
          dueDate: milestone.dueDate ?? null,
        })),
      )
      return { to: 'agreed', values: { agreedOfferId: offer!.id, reachedState: target!.reached }, payload: { offerId: offer!.id, terms: offer!.terms } }
    }
    case 'sign_contract': {
      if (String(input.signedOn) > today)
        throw unprocessable('invalid_date', 'A contract is recorded once signed', [{ pointer: '#/signedOn', detail: 'must not be in the future' }])
      const reference = typeof input.contractReference === 'string' ? input.contractReference.trim() : null
      return {
        to: 'contract_signed',
        values: { contractSignedOn: String(input.signedOn), contractReference: reference, reachedState: target!.reached },
        payload: { signedOn: input.signedOn, contractReference: reference },
      }
    }
    case 'start_transfer':
      return { to: 'in_transfer', values: { reachedState: target!.reached }, payload: {} }
    case 'complete_milestone': {
      const evidence = input.evidence as repo.MilestoneRow['evidence']
      await repo.markMilestoneDone(tx, String(input.milestoneId), { doneAt: now, evidence, note })
      return { to: 'in_transfer', values: {}, payload: { milestoneId: input.milestoneId, evidence, note } }
    }
    case 'complete': {
      const completedOn = String(input.completedOn)
      if (completedOn > today || (deal.contractSignedOn !== null && completedOn < deal.contractSignedOn)) {
        throw unprocessable('invalid_date', 'A transfer completes after its contract was signed, and not in the future', [
          { pointer: '#/completedOn', detail: `must be between ${deal.contractSignedOn} and ${today}` },
        ])
      }
      const agreed = context.offers.find((candidate) => candidate.id === deal.agreedOfferId)
      const value = typeof input.transferValueVnd === 'number' ? input.transferValueVnd : (agreed?.terms.priceVnd ?? 0)
      return {
        to: 'completed',
        values: { completedOn, transferValueVnd: value, reachedState: target!.reached },
        payload: { completedOn, transferValueVnd: value },
      }
    }
    case 'open_dispute':
      if (offer) await repo.closeOffer(tx, offer.id, { status: 'withdrawn', decidedAt: now })
      return { to: 'disputed', values: { disputedFrom: deal.state }, payload: { note, disputedFrom: deal.state } }
    case 'resolve_dispute': {
      if (input.outcome === 'cancel') {
        return { to: 'cancelled', values: { disputedFrom: null, closeReason: 'dispute', closeNote: note }, payload: { outcome: 'cancel', note } }
      }
      // The open offer closed when the dispute opened, so a resumed negotiation has none open.
      const resumed = deal.disputedFrom!
      return { to: resumed, values: { disputedFrom: null }, payload: { outcome: 'resume', note, resumedAt: resumed } }
    }
  }
}
