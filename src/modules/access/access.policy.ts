import type { DbOrTx } from '../../db/client.ts'
import { forbidden, notFound } from '../../lib/problem.ts'
import type { Actor } from '../api-keys/api-keys.service.ts'
import { hasActiveDelegation } from '../delegations/delegations.repo.ts'

// The one place that says who may see and change an organisation's listings and demands:
// the organisation itself, a connection point or DOST it has delegated to, and the operator.
// Within those, reader keys see and never write.

/** Roles that write content (listings, demands); readers only read. */
export const writesContent = (actor: Actor) => actor.role === 'operator' || actor.role === 'admin' || actor.role === 'editor'

/** True for the operator, for the owner's own keys, and for keys of an organisation the owner actively delegated to. */
export async function actsFor(db: DbOrTx, actor: Actor | null, ownerOrganizationId: string): Promise<boolean> {
  if (!actor) return false
  if (actor.role === 'operator' || actor.organizationId === ownerOrganizationId) return true
  return hasActiveDelegation(db, { agentOrganizationId: actor.organizationId, memberOrganizationId: ownerOrganizationId })
}

export type RecordAccess = { see: boolean; manage: boolean }

/**
 * What the actor may do with a record: `isPublic` records (published listings, open and closed
 * demands) anyone sees; the rest only those who act for the owner. Managing needs both acting for
 * the owner and a writing role.
 */
export async function accessTo(db: DbOrTx, actor: Actor | null, record: { ownerId: string; isPublic: boolean }): Promise<RecordAccess> {
  const acting = await actsFor(db, actor, record.ownerId)
  return { see: record.isPublic || acting, manage: acting && actor !== null && writesContent(actor) }
}

/**
 * The check before a write on an existing record: 404 when the actor may not even see it (so a
 * draft's existence is not revealed), 403 when it may see but not change it.
 */
export async function assertManages(
  db: DbOrTx,
  actor: Actor,
  record: { ownerId: string; isPublic: boolean },
  refusal: { resource: string; id: string; detail: string },
): Promise<void> {
  const access = await accessTo(db, actor, record)
  if (!access.see) throw notFound(refusal.resource, refusal.id)
  if (!access.manage) throw forbidden(refusal.detail)
}

/**
 * The owner of a record being created: `requested` (an organisation the actor acts for) or, by
 * default, the actor's own organisation. Readers create nothing.
 */
export async function ownerForCreation(db: DbOrTx, actor: Actor, requested: string | undefined, what: string): Promise<string> {
  if (!writesContent(actor)) throw forbidden(`A reader key cannot create ${what}; use an admin or editor key`)
  const ownerId = requested ?? actor.organizationId
  if (!(await actsFor(db, actor, ownerId))) {
    throw forbidden(`This key may create ${what} only for its own organisation or for members that delegated to it`, [
      { pointer: '#/ownerId', detail: 'is not an organisation this key acts for' },
    ])
  }
  return ownerId
}

/**
 * Who may list records that are not public (drafts, withdrawn listings) in a search: the operator,
 * or a key asking for one owner (owner=<id>) it acts for.
 */
export async function maySearchPrivate(db: DbOrTx, actor: Actor, ownerId: string | undefined): Promise<boolean> {
  if (actor.role === 'operator') return true
  return ownerId !== undefined && actsFor(db, actor, ownerId)
}
