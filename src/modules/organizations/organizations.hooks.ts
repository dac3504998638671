import type { Tx } from '../../db/client.ts'
import type { Actor } from '../../core/actor.ts'
import type { OrganizationRow } from './organizations.repo.ts'

/**
 * What registering and merging an organisation do to delegations and API keys. Those modules read
 * organisations, so this one cannot import them: services.ts hands these in, and each runs in the
 * organisation's own transaction.
 */
export type OrganizationHooks = {
  /** An agent (connection point, DOST) registered `member`: its delegation starts in effect. */
  onboarded: (tx: Tx, actor: Actor, agent: OrganizationRow, member: OrganizationRow, now: Date) => Promise<void>
  /** The organisation was merged: its keys are revoked and its delegations closed. */
  merged: (tx: Tx, actor: Actor, organizationId: string, now: Date) => Promise<void>
}
