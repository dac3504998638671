import { hiddenFields } from '../../core/disclosure.ts'
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
  parties: Map<string, OrganizationSummary>
  offers: OfferRow[]
  milestones: MilestoneRow[]
}

const iso = (date: Date | null) => date?.toISOString() ?? null

/** The provider's side and the operator see the whole listing; the seeker's side what its deals revealed. */
export const seesEverything = (roles: DealRole[]) => roles.some((role) => role === 'provider' || role === 'provider_broker' || role === 'operator')

/**
 * `revealed`: how far the seeker's deals on this listing got (this one or an earlier one), as the
 * listing itself shows it to the seeker; null for a viewer who sees everything.
 */
export function toDeal(parts: DealParts, viewer: { roles: DealRole[]; allowed: TransitionName[]; revealed: string | null }): Deal {
  const { deal, listing, parties } = parts
  const hidden = seesEverything(viewer.roles) ? [] : hiddenFields(listing, viewer.revealed ?? deal.reachedState)
  const provider = parties.get(deal.providerId)!
  const seeker = parties.get(deal.seekerId)!
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
    seeker: toParty(seeker),
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

export function toHistoryEntry(row: TransitionRow): DealHistory['items'][number] {
  return {
    id: row.id,
    transition: row.transition,
    fromState: row.fromState,
    toState: row.toState,
    actorRole: row.actorRole as DealRole,
    actorOrganizationId: row.actorOrganizationId,
    payload: row.payload as Record<string, unknown>,
    occurredAt: row.occurredAt.toISOString(),
  }
}

export function toMessage(row: MessageRow): DealMessage {
  return {
    id: row.id,
    author: { organizationId: row.authorOrganizationId, role: row.authorRole as DealRole },
    body: row.body,
    attachments: row.attachments,
    createdAt: row.createdAt.toISOString(),
  }
}
