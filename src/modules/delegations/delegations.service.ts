import type { Db, DbOrTx } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../../lib/problem.ts'
import type { Actor } from '../api-keys/api-keys.service.ts'
import { recordAudit } from '../audit/audit.repo.ts'
import { findOrganization, type OrganizationRow } from '../organizations/organizations.repo.ts'
import * as repo from './delegations.repo.ts'
import type { Delegation, DelegationCreate, DelegationEnd, DelegationListQuery, DelegationPage } from './delegations.schemas.ts'

/** Organisations that act for members: connection points and DOSTs (authorities). */
export const agentKinds = ['connection_point', 'authority']
/** Organisations that may be members: the ones that own listings and demands. */
export const memberKinds = ['enterprise', 'transfer_centre', 'research_institute', 'university']

export function toDelegation(row: repo.DelegationRow): Delegation {
  return {
    id: row.id,
    agentOrganizationId: row.agentOrganizationId,
    memberOrganizationId: row.memberOrganizationId,
    active: row.endedAt === null,
    createdAt: row.createdAt.toISOString(),
    createdByKeyId: row.createdByKeyId,
    endedAt: row.endedAt?.toISOString() ?? null,
    endedByOrganizationId: row.endedByOrganizationId,
    endReason: row.endReason,
  }
}

const isAgentAdmin = (actor: Actor) => actor.role === 'admin' && agentKinds.includes(actor.organizationKind)

/**
 * Checks a new delegation of `member` to `agent` and writes it with its audit event, in the
 * caller's transaction (onboarding writes the member organisation in the same one).
 */
export async function startDelegation(tx: DbOrTx, actor: Actor, agent: OrganizationRow, member: OrganizationRow, now: Date): Promise<Delegation> {
  // A merged organisation no longer acts, and its records are its successor's to manage.
  for (const organization of [agent, member]) {
    if (organization.mergedIntoId !== null) {
      throw conflict('organization_merged', `Organisation ${organization.id} was merged into ${organization.mergedIntoId}; delegate to or from ${organization.mergedIntoId} instead`)
    }
  }
  if (!agentKinds.includes(agent.kind)) {
    throw unprocessable('invalid_agent', `Only connection points and authorities act for members; this one is a ${agent.kind}`, [
      { pointer: '#/agentOrganizationId', detail: 'is not a connection point or authority' },
    ])
  }
  if (agent.id === member.id) {
    throw unprocessable('invalid_member', 'An organisation cannot delegate to itself', [{ pointer: '#/memberOrganizationId', detail: 'is the agent itself' }])
  }
  if (!memberKinds.includes(member.kind)) {
    throw unprocessable('invalid_member', `Only enterprises, transfer centres, research institutes and universities can be members; this one is a ${member.kind}`, [
      { pointer: '#/memberOrganizationId', detail: `is a ${member.kind}` },
    ])
  }
  // A DOST serves its own province; the operator may link across provinces.
  if (agent.kind === 'authority' && actor.role !== 'operator' && (agent.currentProvinceCode === null || agent.currentProvinceCode !== member.currentProvinceCode)) {
    throw unprocessable('outside_province', 'An authority may only take members in its own province', [
      { pointer: '#/memberOrganizationId', detail: "is not in the authority's province" },
    ])
  }
  if (await repo.hasActiveDelegation(tx, { agentOrganizationId: agent.id, memberOrganizationId: member.id })) {
    throw conflict('delegation_exists', 'This member already has an active delegation to this agent')
  }
  const delegation = toDelegation(
    await repo.insertDelegation(tx, { agentOrganizationId: agent.id, memberOrganizationId: member.id, createdAt: now, createdByKeyId: actor.keyId }),
  )
  await recordAudit(tx, {
    actor,
    owningOrganizationId: member.id,
    operation: 'delegation.create',
    targetType: 'delegation',
    targetId: delegation.id,
    after: delegation,
    occurredAt: now,
  })
  return delegation
}

const invalidCursor = () => badRequest('invalid_cursor', 'The cursor is malformed or belongs to another sort order; start again without it')
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function createDelegationService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps

  /** Delegations are seen by their agent's and member's keys and the operator; to others they do not exist. */
  const visible = (actor: Actor, row: repo.DelegationRow) =>
    actor.role === 'operator' || actor.organizationId === row.agentOrganizationId || actor.organizationId === row.memberOrganizationId

  async function create(actor: Actor, input: DelegationCreate) {
    let agentId: string
    if (actor.role === 'operator') {
      if (!input.agentOrganizationId) {
        throw unprocessable('agent_required', 'The operator names the agent', [{ pointer: '#/agentOrganizationId', detail: 'is required for operator keys' }])
      }
      agentId = input.agentOrganizationId
    } else {
      if (!isAgentAdmin(actor)) throw forbidden('Only admin keys of a connection point or authority, or the operator, create delegations')
      if (input.agentOrganizationId !== undefined && input.agentOrganizationId !== actor.organizationId) {
        throw forbidden('A key creates delegations to its own organisation only', [{ pointer: '#/agentOrganizationId', detail: 'is not the caller organisation' }])
      }
      agentId = actor.organizationId
    }
    return db.transaction(async (tx) => {
      const agent = await findOrganization(tx, agentId)
      if (!agent) throw unprocessable('reference_not_found', `Organisation ${agentId} does not exist`, [{ pointer: '#/agentOrganizationId', detail: 'is not a known organisation' }])
      const member = await findOrganization(tx, input.memberOrganizationId)
      if (!member) {
        throw unprocessable('reference_not_found', `Organisation ${input.memberOrganizationId} does not exist`, [
          { pointer: '#/memberOrganizationId', detail: 'is not a known organisation' },
        ])
      }
      return startDelegation(tx, actor, agent, member, clock.now())
    })
  }

  async function get(actor: Actor, id: string) {
    const row = await repo.findDelegation(db, id)
    if (!row || !visible(actor, row)) throw notFound('Delegation', id)
    return toDelegation(row)
  }

  async function list(actor: Actor, query: DelegationListQuery): Promise<DelegationPage> {
    const limit = query.limit ?? 20
    let after: { createdAt: Date; id: string } | undefined
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor, 'newest', ['string', 'string']) as [string, string]
      const createdAt = new Date(at)
      if (Number.isNaN(createdAt.getTime()) || !uuidPattern.test(id)) throw invalidCursor()
      after = { createdAt, id }
    }
    const rows = await repo.listDelegations(db, {
      visibleTo: actor.role === 'operator' ? undefined : actor.organizationId,
      agentOrganizationId: query.agentOrganizationId,
      memberOrganizationId: query.memberOrganizationId,
      active: query.active,
      after,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map(toDelegation),
      nextCursor: rows.length > limit && last ? encodeCursor('newest', [last.createdAt.toISOString(), last.id]) : null,
    }
  }

  /** Either side's admin key, or the operator, ends a delegation; it stays on record as ended. */
  async function end(actor: Actor, id: string, input: DelegationEnd) {
    return db.transaction(async (tx) => {
      const row = await repo.findDelegation(tx, id, { lock: true })
      if (!row || !visible(actor, row)) throw notFound('Delegation', id)
      if (actor.role !== 'operator' && actor.role !== 'admin') throw forbidden("Only the member's or the agent's admin keys, or the operator, end a delegation")
      if (row.endedAt !== null) throw conflict('delegation_ended', `The delegation already ended at ${row.endedAt.toISOString()}`)
      const now = clock.now()
      const ended = await repo.endDelegation(tx, { id, endedAt: now, endedByOrganizationId: actor.organizationId, endReason: input.reason?.trim() ?? null })
      // The row is locked, so it cannot have ended meanwhile; this is only a safety net.
      if (!ended) throw conflict('delegation_ended', 'The delegation already ended')
      const delegation = toDelegation(ended)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.memberOrganizationId,
        operation: 'delegation.end',
        targetType: 'delegation',
        targetId: id,
        before: toDelegation(row),
        after: delegation,
        occurredAt: now,
      })
      return delegation
    })
  }

  return { create, get, list, end }
}

export type DelegationService = ReturnType<typeof createDelegationService>
