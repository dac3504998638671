import type { Db } from '../../db/client.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { badRequest, forbidden, notFound } from '../../lib/problem.ts'
import type { Actor } from '../../core/actor.ts'
import * as repo from './audit.repo.ts'
import type { AuditEvent, AuditEventPage, AuditEventQuery } from './audit.schemas.ts'

export function toAuditEvent(row: repo.AuditEventRow): AuditEvent {
  return {
    id: String(row.id),
    occurredAt: row.occurredAt.toISOString(),
    requestId: row.requestId,
    keyId: row.keyId,
    actingOrganizationId: row.actingOrganizationId,
    owningOrganizationId: row.owningOrganizationId,
    operation: row.operation,
    targetType: row.targetType,
    targetId: row.targetId,
    changes: row.changes,
  }
}

/**
 * Whose events a key may read: the operator all (undefined), an admin its own organisation's
 * (as the acting or the owning one). Editors and readers work with the data but do not oversee
 * who changed it, so they are refused outright rather than shown an empty trail.
 */
function scopeOf(actor: Actor): string | undefined {
  if (actor.role === 'operator') return undefined
  if (actor.role === 'admin') return actor.organizationId
  throw forbidden(`The audit trail is for admin keys (their organisation's events) and the operator; this is a ${actor.role} key`)
}

const invalidQuery = (name: string, detail: string) =>
  badRequest('validation_failed', `Query parameter ${name} ${detail}`, [{ pointer: `#/query/${name}`, detail }])

/** A date-time query parameter as a Date; the schema checked its format, this catches what Date cannot read. */
function instantOf(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const instant = new Date(value)
  if (Number.isNaN(instant.getTime())) throw invalidQuery(name, 'is not a date-time this server can read')
  return instant
}

export function createAuditService(deps: { db: Db; cursors: Cursors }) {
  const { db, cursors } = deps

  async function list(actor: Actor, query: AuditEventQuery): Promise<AuditEventPage> {
    const visibleTo = scopeOf(actor)
    const from = instantOf('from', query.from)
    const to = instantOf('to', query.to)
    if (from && to && from > to) throw invalidQuery('from', 'must not be after to')
    const limit = query.limit ?? 20
    const rows = await repo.listAuditEvents(db, {
      visibleTo,
      organizationId: query.organizationId,
      targetType: query.targetType,
      targetId: query.targetId,
      operation: query.operation,
      keyId: query.keyId,
      requestId: query.requestId,
      from,
      to,
      beforeId: query.cursor ? cursors.decode(query.cursor, 'id', ['integer'])[0] : undefined,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map(toAuditEvent),
      nextCursor: rows.length > limit && last ? cursors.encode('id', [last.id]) : null,
    }
  }

  async function get(actor: Actor, id: string): Promise<AuditEvent> {
    const visibleTo = scopeOf(actor)
    // Another organisation's event is reported missing, like any record the caller may not see.
    const number = Number(id)
    const row = Number.isSafeInteger(number) ? await repo.findAuditEvent(db, { id: number, visibleTo }) : undefined
    if (!row) throw notFound('Audit event', id)
    return toAuditEvent(row)
  }

  return { list, get }
}

export type AuditService = ReturnType<typeof createAuditService>
