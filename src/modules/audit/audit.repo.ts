import { isDeepStrictEqual } from 'node:util'
import { and, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { auditEvents, type AuditChanges } from '../../db/schema/index.ts'
import type { Actor } from '../../core/actor.ts'

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

export type AuditEventRow = typeof auditEvents.$inferSelect

/** Events of one organisation: where it acted, or where the changed record is its own. */
const involving = (organizationId: string) =>
  or(eq(auditEvents.actingOrganizationId, organizationId), eq(auditEvents.owningOrganizationId, organizationId))

export type AuditFilter = {
  /** Only the events this organisation may see (acting or owning); undefined for the operator. */
  visibleTo?: string
  organizationId?: string
  targetType?: string
  targetId?: string
  operation?: string
  keyId?: string
  requestId?: string
  from?: Date
  to?: Date
  /** Keyset: events with a smaller id than this (the last of the previous page). */
  beforeId?: number
  limit: number
}

/** Events newest first (by id, which orders them exactly as they were written). */
export async function listAuditEvents(db: DbOrTx, filter: AuditFilter): Promise<AuditEventRow[]> {
  const conditions: Array<SQL | undefined> = [
    filter.visibleTo ? involving(filter.visibleTo) : undefined,
    filter.organizationId ? involving(filter.organizationId) : undefined,
    filter.targetType ? eq(auditEvents.targetType, filter.targetType) : undefined,
    filter.targetId ? eq(auditEvents.targetId, filter.targetId) : undefined,
    filter.operation ? eq(auditEvents.operation, filter.operation) : undefined,
    filter.keyId ? eq(auditEvents.keyId, filter.keyId) : undefined,
    filter.requestId ? eq(auditEvents.requestId, filter.requestId) : undefined,
    filter.from ? gte(auditEvents.occurredAt, filter.from) : undefined,
    filter.to ? lt(auditEvents.occurredAt, filter.to) : undefined,
    filter.beforeId !== undefined ? lt(auditEvents.id, filter.beforeId) : undefined,
  ]
  return db
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.id))
    .limit(filter.limit)
}

/** One event, if it exists and (when `visibleTo` is given) that organisation took part in it. */
export async function findAuditEvent(db: DbOrTx, params: { id: number; visibleTo?: string }): Promise<AuditEventRow | undefined> {
  const [row] = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.id, params.id), params.visibleTo ? involving(params.visibleTo) : undefined))
  return row
}
