// THE delegation process, as data: the states of a delegation, the moves between them, who makes
// each and the event it sends. The service enforces exactly this table.
//
// Consent comes first, as in GitHub's organisation invitations (pending until the invitee accepts,
// lapsing after a while) and Microsoft's delegated admin relationships (the partner requests, the
// customer approves, an unanswered request expires): an agent proposes, and only the member's own
// admin makes the proposal take effect. Two doors skip the member's word, each for a stated reason:
// the agent registered the member itself (onboarding: there was no one else to ask), or the
// operator recorded it with a basis (a signed paper mandate, a decision), which the audit trail keeps.

import type { DelegationStatus } from '../../db/schema/index.ts'

export const delegationStates: ReadonlyArray<{ name: DelegationStatus; open: boolean; description: string }> = [
  { name: 'proposed', open: true, description: "The agent asked to act for the member; nothing is granted until the member's admin accepts" },
  { name: 'active', open: true, description: "The agent acts for the member: it creates and manages the member's listings and demands" },
  { name: 'declined', open: false, description: "The member's admin turned the proposal down" },
  { name: 'expired', open: false, description: 'Nobody answered the proposal in time' },
  { name: 'withdrawn', open: false, description: 'The agent (or the operator) took the proposal back' },
  { name: 'ended', open: false, description: 'Either side (or the operator) ended an active delegation' },
]

/**
 * Who moves a delegation: the member's admin keys, the agent's admin keys, the operator, and the
 * expiry sweep (system).
 */
export type DelegationParty = 'member' | 'agent' | 'operator' | 'system'

export type DelegationMove = 'propose' | 'record' | 'onboard' | 'accept' | 'decline' | 'withdraw' | 'expire' | 'end'

export type DelegationTransition = {
  name: DelegationMove
  from: DelegationStatus | null
  to: DelegationStatus
  by: readonly DelegationParty[]
  event: `delegation.${string}`
}

export const delegationTransitions: readonly DelegationTransition[] = [
  { name: 'propose', from: null, to: 'proposed', by: ['agent', 'operator'], event: 'delegation.proposed' },
  { name: 'record', from: null, to: 'active', by: ['operator'], event: 'delegation.recorded' },
  { name: 'onboard', from: null, to: 'active', by: ['agent'], event: 'delegation.recorded' },
  { name: 'accept', from: 'proposed', to: 'active', by: ['member'], event: 'delegation.accepted' },
  { name: 'decline', from: 'proposed', to: 'declined', by: ['member'], event: 'delegation.declined' },
  { name: 'withdraw', from: 'proposed', to: 'withdrawn', by: ['agent', 'operator'], event: 'delegation.withdrawn' },
  { name: 'expire', from: 'proposed', to: 'expired', by: ['system'], event: 'delegation.expired' },
  { name: 'end', from: 'active', to: 'ended', by: ['member', 'agent', 'operator'], event: 'delegation.ended' },
]

export const delegationTransition = (name: DelegationMove) => delegationTransitions.find((transition) => transition.name === name)!

/** The event types delegations send, each once (webhook subscriptions may ask for them). */
export const delegationEventTypes = [...new Set(delegationTransitions.map((transition) => transition.event))]

/** The moves on an existing delegation that one of `parties` may make from `status`. */
export const delegationMovesFrom = (status: DelegationStatus, parties: readonly DelegationParty[]) =>
  delegationTransitions
    .filter((transition) => transition.from === status && transition.by.some((party) => parties.includes(party)))
    .map((transition) => transition.name)

export const isOpen = (status: DelegationStatus) => delegationStates.find((state) => state.name === status)!.open
