import { isDeepStrictEqual } from 'node:util'
import type { DbOrTx } from '../db/client.ts'
import { auditEvents, type AuditChanges } from '../db/schema/index.ts'
import type { Actor } from './actor.ts'

// The audit recorder: every write records who did what to which record, in the write's own
// transaction. modules/audit serves the trail over HTTP.

export type AuditEntry = {
  /** The caller; null for the command line. */
  actor: Actor | null
  /** The organisation the target belongs to (the listing's owner, the organisation itself, ...). */
  owningOrganizationId: string | null
  /** `<target>.<verb>`, e.g. listing.create, listing.publish, organization.update, api_key.revoke. */
  operation: string
  targetType: string
  targetId: string
  /** The target before and after the write (API shapes); only the fields that differ are kept. */
  before?: Record<string, unknown> | null
  after?: Record<string, unknown> | null
  occurredAt: Date
}

// Bookkeeping fields change on every write and say nothing about what was done.
const ignoredFields = new Set(['version', 'updatedAt'])

/** The fields that differ between two versions of a record, with their old and new values. */
export function diffFields(before: Record<string, unknown> | null | undefined, after: Record<string, unknown> | null | undefined): AuditChanges {
  const changes: AuditChanges = {}
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])
  for (const name of names) {
    if (ignoredFields.has(name)) continue
    const old = before?.[name]
    const now = after?.[name]
    if (isDeepStrictEqual(old, now)) continue
    changes[name] = {
      ...(before && name in before ? { before: old } : {}),
      ...(after && name in after ? { after: now } : {}),
    }
  }
  return changes
}

/** Records one write. Call it with the write's own transaction. */
export async function recordAudit(tx: DbOrTx, entry: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values({
    occurredAt: entry.occurredAt,
    requestId: entry.actor?.requestId ?? null,
    keyId: entry.actor?.keyId ?? null,
    actingOrganizationId: entry.actor?.organizationId ?? null,
    owningOrganizationId: entry.owningOrganizationId,
    operation: entry.operation,
    targetType: entry.targetType,
    targetId: entry.targetId,
    changes: diffFields(entry.before, entry.after),
  })
}
