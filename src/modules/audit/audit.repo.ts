import { and, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { auditEvents } from '../../db/schema/index.ts'

export type AuditEventRow = typeof auditEvents.$inferSelect

/** Events of one organisation: where it acted, or where the changed record is its own. */
const involving = (organizationId: string) => or(eq(auditEvents.actingOrganizationId, organizationId), eq(auditEvents.owningOrganizationId, organizationId))

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
