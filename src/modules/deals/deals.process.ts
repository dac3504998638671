import { mainPath as disclosureStages } from '../../core/disclosure.ts'
import type { DealState } from '../../db/schema/index.ts'
import { defineProcess, type ProcessState, type ProcessTransition } from '../../core/process.ts'
import type { TransitionName } from './deals.inputs.ts'

// THE deal process, as data. The service enforces exactly this table (deals.service.ts reads
// `from`, `by` and `guards` before it applies a transition's effects); GET /v1/deal-process serves
// it, so a client renders the buttons a deal's party may press. docs/deals.md draws it.

export const dealStates = [
  {
    name: 'interest_expressed',
    terminal: false,
    description: 'A seeker expressed interest in a listing (or a provider proposed its listing for a demand); the other side has not answered',
  },
  { name: 'accepted', terminal: false, description: 'The other side accepted: identity, contacts and the price on request are disclosed to the seeker' },
  { name: 'negotiating', terminal: false, description: 'Offers and counter-offers are exchanged; at most one offer is open at a time' },
  { name: 'agreed', terminal: false, description: 'An offer was accepted: its terms bind the deal and the IPR details are disclosed to the seeker' },
  { name: 'contract_signed', terminal: false, description: 'The transfer contract is signed' },
  { name: 'in_transfer', terminal: false, description: 'The transfer is under way; its milestones are marked done with evidence' },
  { name: 'completed', terminal: true, description: 'The transfer is complete; its value and date count in the reports' },
  { name: 'declined', terminal: true, description: 'The interest (or proposal) was declined' },
  { name: 'expired', terminal: true, description: 'The interest (or proposal) was not answered in time' },
  { name: 'cancelled', terminal: true, description: 'A party (or the operator, settling a dispute) ended the deal' },
  { name: 'disputed', terminal: false, description: 'A party asked the operator to settle a dispute; only the operator moves the deal on' },
] as const satisfies readonly ProcessState<DealState>[]

/** The main path, in order: how far a deal got decides what the seeker has been shown. */
export const mainPath = disclosureStages satisfies readonly DealState[]

/**
 * Who acts on a deal. provider / seeker: keys of the listing's owner / of the seeker (or of their
 * successor after a merge). provider_broker / seeker_broker: keys of an organisation the party
 * delegated to (a connection point, a centre). operator: the exchange. system: the timers.
 */
export const dealRoles = ['provider', 'seeker', 'provider_broker', 'seeker_broker', 'operator', 'system'] as const
export type DealRole = (typeof dealRoles)[number]

export const sideOf = (role: DealRole): 'provider' | 'seeker' | null =>
  role === 'provider' || role === 'provider_broker' ? 'provider' : role === 'seeker' || role === 'seeker_broker' ? 'seeker' : null

const parties = ['provider', 'provider_broker', 'seeker', 'seeker_broker'] as const satisfies readonly DealRole[]
const providerSide = ['provider', 'provider_broker'] as const satisfies readonly DealRole[]
const seekerSide = ['seeker', 'seeker_broker'] as const satisfies readonly DealRole[]

/** Conditions beyond the state, each checked by the service under the deal's row lock. */
export const dealGuards = {
  respondent: 'The actor is on the side that did not start the deal (the provider for an interest, the seeker for a proposal)',
  respond_by_passed: 'The time to answer (respondBy) has passed',
  before_respond_by: 'The time to answer (respondBy) has not passed: a late answer finds the interest expired',
  no_own_open_offer: "The actor's side has no open offer (withdraw it first); an open offer of the other side is countered",
  offer_to_actor: "offerId is the deal's open offer, made by the other side, and still valid",
  offer_by_actor: "offerId is the deal's open offer, made by the actor's side",
  offer_validity_passed: "The open offer's validUntil has passed",
  milestone_open: "milestoneId is one of the deal's milestones, not yet done",
  milestones_done: 'Every milestone of the agreed offer is done',
  was_disputed: 'The deal is disputed (resolve_dispute returns it to the state the dispute interrupted, or cancels it)',
} as const
export type DealGuard = keyof typeof dealGuards

/** What a transition does besides changing the state. */
export const dealEffects = {
  disclose_identity_contacts_price: "The seeker sees the listing's owner, contacts and price on request",
  disclose_ipr: "The seeker sees the listing's IPR numbers",
  open_offer: 'Records the offer; it lapses at its validUntil (a reminder goes out before)',
  counter_open_offer: "The other side's open offer is marked countered",
  close_offer: 'The open offer is marked withdrawn, rejected, accepted or lapsed',
  copy_milestones: "The agreed offer's milestones become the deal's milestones",
  mark_milestone_done: 'The milestone is marked done with its evidence',
  record_contract: 'Records the signing date and the contract reference',
  record_transfer: 'Records the transfer value (default: the agreed price) and the completion date for reporting',
  close_open_offer: 'An open offer is marked withdrawn',
  remember_disputed_state: 'Keeps the state the dispute interrupted',
} as const
export type DealEffect = keyof typeof dealEffects

/** A transition; `to: 'disputed_from'` means the state the dispute interrupted. */
export type DealTransition = ProcessTransition<TransitionName, DealState, DealRole, DealGuard, DealEffect, DealState | 'disputed_from'>

const open = ['interest_expressed', 'accepted', 'negotiating', 'agreed', 'contract_signed', 'in_transfer'] as const satisfies readonly DealState[]

export const dealTransitions: readonly DealTransition[] = [
  {
    name: 'accept_interest',
    event: 'deal.interest_accepted',
    from: ['interest_expressed'],
    to: 'accepted',
    by: parties,
    guards: ['respondent', 'before_respond_by'],
    effects: ['disclose_identity_contacts_price'],
    description: 'Accept the interest (or the proposal) and start talking',
  },
  {
    name: 'decline_interest',
    event: 'deal.interest_declined',
    from: ['interest_expressed'],
    to: 'declined',
    by: parties,
    guards: ['respondent', 'before_respond_by'],
    effects: [],
    description: 'Decline the interest (or the proposal) with a reason',
  },
  {
    name: 'expire_interest',
    event: 'deal.interest_expired',
    from: ['interest_expressed'],
    to: 'expired',
    by: ['system'],
    guards: ['respond_by_passed'],
    effects: [],
    description: 'The timer: nobody answered within DEAL_RESPONSE_DAYS (a reminder goes out DEAL_REMINDER_DAYS before)',
  },
  {
    name: 'make_offer',
    event: 'deal.offer_made',
    from: ['accepted', 'negotiating'],
    to: 'negotiating',
    by: parties,
    guards: ['no_own_open_offer'],
    effects: ['open_offer', 'counter_open_offer'],
    description: "Make an offer, or a counter-offer to the other side's open one",
  },
  {
    name: 'withdraw_offer',
    event: 'deal.offer_withdrawn',
    from: ['negotiating'],
    to: 'negotiating',
    by: parties,
    guards: ['offer_by_actor'],
    effects: ['close_offer'],
    description: 'Withdraw your open offer',
  },
  {
    name: 'reject_offer',
    event: 'deal.offer_rejected',
    from: ['negotiating'],
    to: 'negotiating',
    by: parties,
    guards: ['offer_to_actor'],
    effects: ['close_offer'],
    description: "Reject the other side's offer (a counter-offer also answers it)",
  },
  {
    name: 'accept_offer',
    event: 'deal.offer_accepted',
    from: ['negotiating'],
    to: 'agreed',
    by: parties,
    guards: ['offer_to_actor'],
    effects: ['close_offer', 'copy_milestones', 'disclose_ipr'],
    description: "Accept the other side's offer: its terms are agreed",
  },
  {
    name: 'lapse_offer',
    event: 'deal.offer_lapsed',
    from: ['negotiating'],
    to: 'negotiating',
    by: ['system'],
    guards: ['offer_validity_passed'],
    effects: ['close_offer'],
    description: 'The timer: the open offer was not answered before its validUntil',
  },
  {
    name: 'sign_contract',
    event: 'deal.contract_signed',
    from: ['agreed'],
    to: 'contract_signed',
    by: parties,
    guards: [],
    effects: ['record_contract'],
    description: 'Record that the transfer contract was signed',
  },
  {
    name: 'start_transfer',
    event: 'deal.transfer_started',
    from: ['contract_signed'],
    to: 'in_transfer',
    by: providerSide,
    guards: [],
    effects: [],
    description: 'The provider starts the transfer',
  },
  {
    name: 'complete_milestone',
    event: 'deal.milestone_completed',
    from: ['in_transfer'],
    to: 'in_transfer',
    by: providerSide,
    guards: ['milestone_open'],
    effects: ['mark_milestone_done'],
    description: 'The provider marks a milestone done, with evidence',
  },
  {
    name: 'complete',
    event: 'deal.completed',
    from: ['in_transfer'],
    to: 'completed',
    by: seekerSide,
    guards: ['milestones_done'],
    effects: ['record_transfer'],
    description: 'The seeker confirms the transfer is complete',
  },
  {
    name: 'cancel',
    event: 'deal.cancelled',
    from: open,
    to: 'cancelled',
    by: parties,
    guards: [],
    effects: ['close_open_offer'],
    description: 'Either party ends the deal, with a reason',
  },
  {
    name: 'open_dispute',
    event: 'deal.dispute_opened',
    from: ['accepted', 'negotiating', 'agreed', 'contract_signed', 'in_transfer'],
    to: 'disputed',
    by: [...parties, 'operator'],
    guards: [],
    effects: ['close_open_offer', 'remember_disputed_state'],
    description: 'Ask the operator to settle a dispute; the deal is frozen until it does',
  },
  {
    name: 'resolve_dispute',
    event: 'deal.dispute_resolved',
    from: ['disputed'],
    to: 'disputed_from',
    by: ['operator'],
    guards: ['was_disputed'],
    effects: [],
    description: 'The operator settles the dispute: outcome resume returns the deal to where it was, outcome cancel ends it (state cancelled)',
  },
]

/** The deal process: the table above, with what the engine derives from it (core/process.ts). */
export const dealProcess = defineProcess({
  subject: 'deal',
  states: dealStates,
  roles: dealRoles,
  guards: dealGuards,
  refusals: {
    respondent: 'Only the side that did not start the deal answers it',
    respond_by_passed: 'The time to answer has not passed',
    before_respond_by: 'The time to answer has passed: the interest expires',
    no_own_open_offer: 'Your side already has an open offer on this deal; withdraw it before making another',
    offer_to_actor: "offerId is not the other side's open, valid offer on this deal",
    offer_by_actor: 'offerId is not your open offer on this deal',
    offer_validity_passed: 'The open offer is still valid',
    milestone_open: "milestoneId is not one of this deal's open milestones",
    milestones_done: 'Every milestone must be done before the transfer is completed',
    was_disputed: 'The deal is not disputed',
  },
  effects: dealEffects,
  transitions: dealTransitions,
})
