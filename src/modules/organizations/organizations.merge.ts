import type { Db, Tx } from '../../db/client.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import { conflict, forbidden, notFound, preconditionFailed, unprocessable } from '../../lib/problem.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import type { CatalogueEvent } from '../../core/catalogue-events.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import * as repo from './organizations.repo.ts'
import type { OrganizationHooks } from './organizations.hooks.ts'
import type { OrganizationMerge } from './organizations.schemas.ts'
import { toOrganization } from './organizations.view.ts'

// Merging organisation A into B (centres merged in reality). A's listings, demands and audit trail
// stay attributed to A: who filed a record is a historical fact, and reports resolve A to B through
// merged_into_id. What changes is who acts: A's keys are revoked and its delegations (as agent and
// as member) close, while B's keys act for A's records through the access policy. A becomes
// read-only, and a merge is applied once: A is merged at most once, and never into a merged B.

const invalidSuccessor = (detail: string, why: string) => unprocessable('invalid_successor', detail, [{ pointer: '#/intoOrganizationId', detail: why }])

/**
 * Locks the organisations' rows in id order, so two merges or splits touching the same
 * organisations cannot deadlock, and none can be merged elsewhere while this one runs.
 */
export async function lockInOrder(tx: Tx, ids: string[]): Promise<Map<string, repo.OrganizationRow | undefined>> {
  const locked = new Map<string, repo.OrganizationRow | undefined>()
  for (const organizationId of [...new Set(ids)].sort()) locked.set(organizationId, await repo.findOrganization(tx, organizationId, { lock: true }))
  return locked
}

/** The day a merge or split took effect: `requested`, or today; never after today. */
export function effectiveDay(requested: string | undefined, now: Date, what: 'merge' | 'split'): string {
  const today = vietnamDate(now)
  const effectiveOn = requested ?? today
  if (effectiveOn > today)
    throw unprocessable('invalid_effective_date', `A ${what} takes effect today or earlier, not on ${effectiveOn}; record it once it has taken effect`, [
      { pointer: '#/effectiveOn', detail: 'is after today' },
    ])
  return effectiveOn
}

export async function mergeOrganization(
  deps: { db: Db; clock: Clock; recordEvents: RecordEvents; catalogueEvent: CatalogueEvent; hooks: OrganizationHooks; exchangeId: string },
  actor: Actor,
  id: string,
  input: OrganizationMerge,
  expectedVersion?: number,
) {
  if (actor.role !== 'operator') throw forbidden('Only the exchange operator merges organisations')
  const intoId = input.intoOrganizationId
  return deps.db.transaction(async (tx) => {
    const locked = await lockInOrder(tx, [id, intoId])
    const merged = locked.get(id)
    if (!merged) throw notFound('Organization', id)
    if (intoId === id) throw invalidSuccessor('An organisation cannot be merged into itself', 'is the organisation being merged')
    const successor = locked.get(intoId)
    if (!successor) throw invalidSuccessor(`Organisation ${intoId} does not exist`, 'is not a known organisation')
    if (merged.mergedIntoId !== null) {
      throw conflict(
        'already_merged',
        `Organisation ${id} was already merged into ${merged.mergedIntoId} at ${merged.mergedAt?.toISOString()}; a merge is applied once`,
      )
    }
    if (successor.mergedIntoId !== null) {
      throw conflict('already_merged', `Organisation ${intoId} was itself merged into ${successor.mergedIntoId}; merge into the final successor instead`)
    }
    if (expectedVersion !== undefined && expectedVersion !== merged.version) throw preconditionFailed()

    const now = deps.clock.now()
    const effectiveOn = effectiveDay(input.effectiveOn, now, 'merge')
    return retire(tx, deps, actor, merged, {
      values: { mergedIntoId: intoId, mergedAt: now, mergeEffectiveOn: effectiveOn },
      operation: 'organization.merge',
      // Mirrors drop the merged organisation and point its records at the successor.
      event: { type: 'organization.merged', extra: { successorId: intoId } },
      reason: input.reason,
      now,
    })
  })
}

type RetireDeps = { clock: Clock; recordEvents: RecordEvents; catalogueEvent: CatalogueEvent; hooks: OrganizationHooks; exchangeId: string }

/**
 * What a merge and a split do alike, under the organisation's lock: its row points to its (default)
 * successor; then the audit event, the feed's event, and its keys and delegations stop.
 */
export async function retire(
  tx: Tx,
  deps: RetireDeps,
  actor: Actor,
  retired: repo.OrganizationRow,
  change: {
    values: Partial<repo.OrganizationRow>
    operation: 'organization.merge' | 'organization.split'
    event: { type: 'organization.merged' | 'organization.split'; extra: Record<string, unknown> }
    reason: string | undefined
    now: Date
  },
) {
  const { now } = change
  const row = await repo.updateOrganization(tx, { id: retired.id, expectedVersion: retired.version, values: change.values, now })
  // The row is locked, so the version cannot have moved; this is only a safety net.
  if (!row) throw preconditionFailed()
  const organization = toOrganization(row, deps.exchangeId)
  // One event for the merge or split, then one per key revoked and delegation closed, as if each
  // had been done on its own: a search of the trail for a key or delegation finds why it stopped.
  await recordAudit(tx, {
    actor,
    owningOrganizationId: retired.id,
    operation: change.operation,
    targetType: 'organization',
    targetId: retired.id,
    before: { ...toOrganization(retired, deps.exchangeId), reason: null },
    after: { ...organization, reason: change.reason?.trim() ?? null },
    occurredAt: now,
  })
  await deps.recordEvents(tx, [await deps.catalogueEvent(tx, change.event.type, retired.id, now, change.event.extra)])
  // Its keys are revoked and its delegations closed, each with its own audit row.
  await deps.hooks.merged(tx, actor, retired.id, now)
  return organization
}
