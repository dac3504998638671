import { hiddenFields, revealsDemandOwner } from '../../core/disclosure.ts'
import type { TransitionName } from './deals.inputs.ts'
import type { DealRole } from './deals.process.ts'
import type { DealListingRow, DealRow, MessageRow, MilestoneRow, OfferRow, TransitionRow } from './deals.repo.ts'
import type { Deal, DealHistory, DealMessage } from './deals.schemas.ts'
import type { OrganizationSummary } from '../organizations/organizations.repo.ts'

// How deal rows become API shapes. What the listing shows depends on who is looking: those who act
// for the provider (and the operator) see all of it; the seeker's side sees what the deal's stage
// revealed (core/disclosure.ts).

export type DealParts = {
  deal: DealRow
  listing: DealListingRow
  /** The deal names a demand whose owner (the seeker) is anonymous. */
  demandAnonymous: boolean
  parties: Map<string, OrganizationSummary>
  offers: OfferRow[]
  milestones: MilestoneRow[]
}

const iso = (date: Date | null) => date?.toISOString() ?? null

/** The provider's side and the operator see the whole listing; the seeker's side what its deals revealed. */
export const seesEverything = (roles: DealRole[]) => roles.some((role) => role === 'provider' || role === 'provider_broker' || role === 'operator')

export type DealSide = 'provider' | 'seeker'

/** The side a role acts on (the operator is on neither). */
export const sideOf = (role: DealRole): DealSide | undefined =>
  role === 'provider' || role === 'provider_broker' ? 'provider' : role === 'seeker' || role === 'seeker_broker' ? 'seeker' : undefined

/** The parties a deal's view hides from its viewer (an anonymous listing's owner, an anonymous demand's). */
export const hiddenSidesIn = (deal: Deal): DealSide[] => [
  ...(deal.provider.id === null ? ['provider' as const] : []),
  ...(deal.seeker.id === null ? ['seeker' as const] : []),
]

/** The seeker's side and the operator know the seeker; the provider's side learns an anonymous demand's owner at acceptance. */
const seesSeeker = (roles: DealRole[]) => roles.some((role) => role === 'seeker' || role === 'seeker_broker' || role === 'operator')

/**
 * `revealed`: how far the seeker's deals on this listing got (this one or an earlier one), as the
 * listing itself shows it to the seeker; null for a viewer who sees everything.
 */
export function toDeal(parts: DealParts, viewer: { roles: DealRole[]; allowed: TransitionName[]; revealed: string | null }): Deal {
  const { deal, listing, parties } = parts
  const hidden = seesEverything(viewer.roles) ? [] : hiddenFields(listing, viewer.revealed ?? deal.reachedState)
  const provider = parties.get(deal.providerId)!
  const seeker = parties.get(deal.seekerId)!
  // An anonymous demand's owner, as its GET hides it: until this deal is accepted (core/disclosure.ts).
  const seekerHidden = parts.demandAnonymous && !seesSeeker(viewer.roles) && !revealsDemandOwner(deal.reachedState)
  return {
    id: deal.id,
    state: deal.state,
    origin: deal.origin as Deal['origin'],
    initiatedBy: deal.initiatedBy as Deal['initiatedBy'],
    listing: {
      id: listing.id,
      titleVi: listing.titleVi,
      titleEn: listing.titleEn,
      kind: listing.kind,
      status: listing.status,
      trl: listing.trl,
      anonymous: listing.anonymous,
      priceType: listing.priceType,
      priceVnd: hidden.includes('priceVnd') ? null : listing.priceVnd,
      iprStatus: listing.iprStatus,
      iprNumbers: hidden.includes('iprNumbers') ? null : listing.iprNumbers,
      contacts: hidden.includes('contacts') ? null : listing.contacts,
      redacted: hidden,
    },
    provider: hidden.includes('owner') ? { id: null, name: null, kind: provider.kind as Deal['provider']['kind'] } : toParty(provider),
    seeker: seekerHidden ? { id: null, name: null, kind: seeker.kind as Deal['seeker']['kind'] } : toParty(seeker),
    demandId: deal.demandId,
    matchId: deal.matchId,
    message: deal.message,
    respondBy: deal.state === 'interest_expressed' ? iso(deal.respondBy) : null,
    closeReason: deal.closeReason,
    closeNote: deal.closeNote,
    disputedFrom: deal.disputedFrom,
    offers: parts.offers.map((offer) => ({
      id: offer.id,
      number: offer.number,
      madeBy: offer.madeBy as 'provider' | 'seeker',
      counterOfId: offer.counterOfId,
      status: offer.status as Deal['offers'][number]['status'],
      terms: {
        priceType: offer.terms.priceType,
        priceVnd: offer.terms.priceVnd,
        transferForm: offer.terms.transferForm,
        transferMethods: offer.terms.transferMethods,
        scope: offer.terms.scope,
        milestones: offer.terms.milestones.map((milestone) => ({ title: milestone.title, dueDate: milestone.dueDate ?? null })),
      },
      validUntil: offer.validUntil.toISOString(),
      decidedAt: iso(offer.decidedAt),
      rejectNote: offer.rejectNote,
      createdAt: offer.createdAt.toISOString(),
    })),
    milestones: parts.milestones.map((milestone) => ({
      id: milestone.id,
      position: milestone.position,
      title: milestone.title,
      dueDate: milestone.dueDate,
      doneAt: iso(milestone.doneAt),
      evidence: milestone.evidence,
      note: milestone.note,
    })),
    contractSignedOn: deal.contractSignedOn,
    contractReference: deal.contractReference,
    transferValueVnd: deal.transferValueVnd,
    completedOn: deal.completedOn,
    yourRoles: viewer.roles,
    allowedTransitions: viewer.allowed,
    stateChangedAt: deal.stateChangedAt.toISOString(),
    createdAt: deal.createdAt.toISOString(),
    updatedAt: deal.updatedAt.toISOString(),
    version: deal.version,
  }
}

const toParty = (party: OrganizationSummary) => ({ id: party.id, name: party.name, kind: party.kind as Deal['seeker']['kind'] })

/** A move as the viewer sees it: who made it stays hidden while the deal hides that party (`hidden`). */
export function toHistoryEntry(row: TransitionRow, hidden: DealSide[] = []): DealHistory['items'][number] {
  const side = sideOf(row.actorRole as DealRole)
  return {
    id: row.id,
    transition: row.transition,
    fromState: row.fromState,
    toState: row.toState,
    actorRole: row.actorRole as DealRole,
    actorOrganizationId: side !== undefined && hidden.includes(side) ? null : row.actorOrganizationId,
    payload: row.payload as Record<string, unknown>,
    occurredAt: row.occurredAt.toISOString(),
  }
}

/** A message as the viewer sees it: its author's organisation stays hidden while the deal hides that party (`hidden`). */
export function toMessage(row: MessageRow, hidden: DealSide[] = []): DealMessage {
  const side = sideOf(row.authorRole as DealRole)
  return {
    id: row.id,
    author: { organizationId: side !== undefined && hidden.includes(side) ? null : row.authorOrganizationId, role: row.authorRole as DealRole },
    body: row.body,
    attachments: row.attachments,
    createdAt: row.createdAt.toISOString(),
  }
}
