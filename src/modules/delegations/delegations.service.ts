import type { Db, DbOrTx } from '../../db/client.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, unprocessable } from '../../lib/problem.ts'
import type { Actor } from '../../core/actor.ts'
import { agentKinds, memberKinds } from '../../core/access.ts'
import { recordAudit } from '../../core/audit.ts'
import { findOrganization, type OrganizationRow } from '../organizations/organizations.repo.ts'
import type { OutboxEvent, RecordEvents } from '../../core/outbox.ts'
import { delegationMovesFrom, delegationTransition, isOpen, type DelegationMove, type DelegationParty } from './delegations.process.ts'
import * as repo from './delegations.repo.ts'
import type { Delegation, DelegationClose, DelegationCreate, DelegationListQuery, DelegationPage } from './delegations.schemas.ts'
import { assertWithinReach } from './delegations.scope.ts'

/** The delegation as the API shows it at `now`: a proposal past its expiry reads as expired. */
export function toDelegation(row: repo.DelegationRow, now: Date): Delegation {
  const status = repo.effectiveStatus(row, now)
  const lapsed = status !== row.status
  return {
    id: row.id,
    agentOrganizationId: row.agentOrganizationId,
    memberOrganizationId: row.memberOrganizationId,
    status,
    active: status === 'active',
    origin: row.origin,
    basis: row.basis,
    createdAt: row.createdAt.toISOString(),
    createdByKeyId: row.createdByKeyId,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    acceptedAt: row.acceptedAt?.toISOString() ?? null,
    acceptedByKeyId: row.acceptedByKeyId,
    endedAt: (lapsed ? row.expiresAt : row.endedAt)?.toISOString() ?? null,
    endedByOrganizationId: row.endedByOrganizationId,
    endReason: lapsed ? 'expired' : row.endReason,
  }
}

/** Every delegation event goes to both sides: the member hears of what is asked or done in its name. */
const delegationEvent = (type: string, delegation: Delegation, occurredAt: Date): OutboxEvent => ({
  type,
  subjectType: 'delegation',
  subjectId: delegation.id,
  organizationIds: [delegation.memberOrganizationId, delegation.agentOrganizationId],
  payload: delegation,
  occurredAt,
})

/** Audit row and outbox event of one move, in its transaction. */
async function recordMove(
  tx: DbOrTx,
  recordEvents: RecordEvents,
  move: { name: DelegationMove; actor: Actor | null; before: Delegation | null; after: Delegation; now: Date },
) {
  await recordAudit(tx, {
    actor: move.actor,
    owningOrganizationId: move.after.memberOrganizationId,
    // Creations keep the operation they always had, whichever door they came through.
    operation: move.before === null ? 'delegation.create' : `delegation.${move.name}`,
    targetType: 'delegation',
    targetId: move.after.id,
    before: move.before,
    after: move.after,
    occurredAt: move.now,
  })
  await recordEvents(tx, [delegationEvent(delegationTransition(move.name).event, move.after, move.now)])
}

/** Marks overdue proposals expired (all, or one pair's) with their audit rows and events; how many. */
async function expireOverdue(
  tx: DbOrTx,
  recordEvents: RecordEvents,
  now: Date,
  options: { limit: number; pair?: { agentOrganizationId: string; memberOrganizationId: string } },
) {
  const rows = await repo.expireProposals(tx, { now, ...options })
  for (const row of rows) {
    const after = toDelegation(row, now)
    await recordMove(tx, recordEvents, {
      name: 'expire',
      actor: null,
      before: { ...after, status: 'proposed', active: false, endedAt: null, endReason: null },
      after,
      now,
    })
  }
  return rows.length
}

export type StartedBy = { move: 'propose'; expiresAt: Date } | { move: 'record'; basis: string } | { move: 'onboard' }

/**
 * Checks a new delegation of `member` to `agent` and writes it with its audit event and outbox
 * event, in the caller's transaction (onboarding writes the member organisation in the same one):
 * a proposal, or in effect at once when the agent onboards the member or the operator records it.
 */
export async function startDelegation(
  tx: DbOrTx,
  recordEvents: RecordEvents,
  actor: Actor,
  parties: { agent: OrganizationRow; member: OrganizationRow; memberField: string; placeFields?: { province: string; sectors: string } },
  start: StartedBy,
  now: Date,
): Promise<Delegation> {
  const { agent, member, memberField } = parties
  // A merged organisation no longer acts, and its records are its successor's to manage.
  for (const organization of [agent, member]) {
    if (organization.mergedIntoId !== null) {
      throw conflict(
        'organization_merged',
        `Organisation ${organization.id} was merged into ${organization.mergedIntoId}; delegate to or from ${organization.mergedIntoId} instead`,
      )
    }
  }
  if (!agentKinds.includes(agent.kind)) {
    throw unprocessable('invalid_agent', `Only connection points and authorities act for members; this one is a ${agent.kind}`, [
      { pointer: '#/agentOrganizationId', detail: 'is not a connection point or authority' },
    ])
  }
  if (agent.id === member.id) {
    throw unprocessable('invalid_member', 'An organisation cannot delegate to itself', [{ pointer: memberField, detail: 'is the agent itself' }])
  }
  if (!memberKinds.includes(member.kind)) {
    throw unprocessable(
      'invalid_member',
      `Only enterprises, transfer centres, research institutes and universities can be members; this one is a ${member.kind}`,
      [{ pointer: memberField, detail: `is a ${member.kind}` }],
    )
  }
  // The operator links across provinces and scopes; agents stay within theirs.
  if (actor.role !== 'operator') assertWithinReach(agent, member, parties.placeFields ?? { province: memberField, sectors: memberField })
  const pair = { agentOrganizationId: agent.id, memberOrganizationId: member.id }
  // A lapsed proposal the sweep has not reached yet still holds the pair's open slot: close it first.
  await expireOverdue(tx, recordEvents, now, { limit: 1, pair })
  const open = await repo.findOpenDelegation(tx, pair)
  if (open) {
    throw conflict(
      'delegation_exists',
      open.status === 'active'
        ? 'This member already has an active delegation to this agent'
        : `This agent already proposed to act for this member (delegation ${open.id}); it waits for the member's answer`,
    )
  }
  const row = await repo.insertDelegation(tx, {
    ...pair,
    status: start.move === 'propose' ? 'proposed' : 'active',
    origin: start.move === 'propose' ? 'proposal' : start.move === 'record' ? 'operator' : 'onboarding',
    basis: start.move === 'record' ? start.basis : null,
    expiresAt: start.move === 'propose' ? start.expiresAt : null,
    createdAt: now,
    createdByKeyId: actor.keyId,
  })
  const delegation = toDelegation(row, now)
  await recordMove(tx, recordEvents, { name: start.move, actor, before: null, after: delegation, now })
  return delegation
}

/**
 * Closes every open delegation of an organisation being merged away, in the merge's transaction:
 * active ones end and proposals are withdrawn, each with its audit row and event, as if closed on
 * its own, so the trail of a delegation says why it stopped.
 */
/**
 * Onboarding: the agent registered the member itself, so there is no one else to ask and the
 * delegation is in effect from the start (within the agent's province or scope). The member sees
 * it and may end it once it has an admin key of its own.
 */
export async function onboardMember(
  tx: DbOrTx,
  recordEvents: RecordEvents,
  actor: Actor,
  agent: OrganizationRow,
  member: OrganizationRow,
  now: Date,
): Promise<void> {
  await startDelegation(
    tx,
    recordEvents,
    actor,
    { agent, member, memberField: '#/kind', placeFields: { province: '#/provinceCode', sectors: '#/sectors' } },
    { move: 'onboard' },
    now,
  )
}

export async function closeDelegationsOfMerged(tx: DbOrTx, recordEvents: RecordEvents, actor: Actor, organizationId: string, now: Date): Promise<void> {
  const closed = await repo.closeDelegationsOf(tx, { organizationId, endedAt: now, endedByOrganizationId: actor.organizationId, endReason: 'merged' })
  for (const { before, after } of closed) {
    await recordMove(tx, recordEvents, {
      name: after.status === 'ended' ? 'end' : 'withdraw',
      actor,
      before: toDelegation(before, now),
      after: toDelegation(after, now),
      now,
    })
  }
}

const isAgentAdmin = (actor: Actor) => actor.role === 'admin' && agentKinds.includes(actor.organizationKind)

/** The sides the caller speaks for on a delegation: its admin keys of either side, or the operator. */
function partiesOf(actor: Actor, row: repo.DelegationRow): DelegationParty[] {
  if (actor.role === 'operator') return ['operator']
  if (actor.role !== 'admin') return []
  const parties: DelegationParty[] = []
  if (actor.organizationId === row.memberOrganizationId) parties.push('member')
  if (actor.organizationId === row.agentOrganizationId) parties.push('agent')
  return parties
}

/** The routes' names for the moves a caller may make now (withdrawing a proposal is POST .../end). */
const routeNames = (moves: DelegationMove[]) => [...new Set(moves.map((move) => (move === 'withdraw' ? 'end' : move)))]

const refusals: Partial<Record<DelegationMove, string>> = {
  accept: "Only the member's admin keys accept a delegation; the operator records one with a basis instead (POST /v1/delegations with basis)",
  decline: "Only the member's admin keys decline a delegation",
  withdraw: "Only the agent's admin keys or the operator withdraw a proposal; the member declines it",
  end: "Only the member's or the agent's admin keys, or the operator, end a delegation",
}

export function createDelegationService(deps: { db: Db; clock: Clock; recordEvents: RecordEvents; proposalDays: number; cursors: Cursors }) {
  const { db, clock, recordEvents, proposalDays, cursors } = deps

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
      if (!isAgentAdmin(actor)) throw forbidden('Only admin keys of a connection point or authority, or the operator, propose delegations')
      if (input.agentOrganizationId !== undefined && input.agentOrganizationId !== actor.organizationId) {
        throw forbidden('A key proposes delegations to its own organisation only', [
          { pointer: '#/agentOrganizationId', detail: 'is not the caller organisation' },
        ])
      }
      if (input.basis !== undefined) {
        throw forbidden("Only the operator records a delegation without the member's acceptance", [
          { pointer: '#/basis', detail: 'is for the operator; an agent proposes and the member accepts' },
        ])
      }
      agentId = actor.organizationId
    }
    const basis = input.basis?.trim()
    return db.transaction(async (tx) => {
      const agent = await findOrganization(tx, agentId)
      if (!agent)
        throw unprocessable('reference_not_found', `Organisation ${agentId} does not exist`, [
          { pointer: '#/agentOrganizationId', detail: 'is not a known organisation' },
        ])
      const member = await findOrganization(tx, input.memberOrganizationId)
      if (!member) {
        throw unprocessable('reference_not_found', `Organisation ${input.memberOrganizationId} does not exist`, [
          { pointer: '#/memberOrganizationId', detail: 'is not a known organisation' },
        ])
      }
      const now = clock.now()
      const start: StartedBy = basis ? { move: 'record', basis } : { move: 'propose', expiresAt: new Date(now.getTime() + proposalDays * 86_400_000) }
      return startDelegation(tx, recordEvents, actor, { agent, member, memberField: '#/memberOrganizationId' }, start, now)
    })
  }

  async function get(actor: Actor, id: string) {
    const row = await repo.findDelegation(db, id)
    if (!row || !visible(actor, row)) throw notFound('Delegation', id)
    return toDelegation(row, clock.now())
  }

  async function list(actor: Actor, query: DelegationListQuery): Promise<DelegationPage> {
    const limit = query.limit ?? 20
    let after: { createdAt: Date; id: string } | undefined
    if (query.cursor) {
      const [createdAt, id] = cursors.decode(query.cursor, 'newest', ['instant', 'uuid'])
      after = { createdAt, id }
    }
    const now = clock.now()
    const rows = await repo.listDelegations(db, {
      visibleTo: actor.role === 'operator' ? undefined : actor.organizationId,
      agentOrganizationId: query.agentOrganizationId,
      memberOrganizationId: query.memberOrganizationId,
      active: query.active,
      status: query.status,
      now,
      after,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map((row) => toDelegation(row, now)),
      nextCursor: rows.length > limit && last ? cursors.encode('newest', [last.createdAt, last.id]) : null,
    }
  }

  /**
   * One move on an existing delegation, under its row lock: 404 when the caller cannot see it, 403
   * when its side may not make the move, 409 delegation_ended once closed (a lapsed proposal too),
   * 409 invalid_transition (with what the caller may do) from a state the move does not leave.
   */
  async function move(actor: Actor, id: string, pick: (status: string, parties: DelegationParty[]) => DelegationMove, reason?: string) {
    return db.transaction(async (tx) => {
      const row = await repo.findDelegation(tx, id, { lock: true })
      if (!row || !visible(actor, row)) throw notFound('Delegation', id)
      const now = clock.now()
      const status = repo.effectiveStatus(row, now)
      const parties = partiesOf(actor, row)
      const name = pick(status, parties)
      const transition = delegationTransition(name)
      if (!transition.by.some((party) => parties.includes(party))) throw forbidden(refusals[name]!)
      if (!isOpen(status))
        throw conflict('delegation_ended', `The delegation is already ${status}${row.endedAt ? ` (since ${row.endedAt.toISOString()})` : ''}`)
      if (transition.from !== status) {
        throw conflict('invalid_transition', `${name} is not possible while the delegation is ${status}`, routeNames(delegationMovesFrom(status, parties)))
      }
      const closing = transition.to !== 'active'
      const moved = await repo.moveDelegation(tx, id, status, {
        status: transition.to,
        ...(name === 'accept' ? { acceptedAt: now, acceptedByKeyId: actor.keyId } : {}),
        ...(closing ? { endedAt: now, endedByOrganizationId: actor.organizationId, endReason: reason?.trim() || null } : {}),
      })
      // The row is locked, so its status cannot have moved; this is only a safety net.
      if (!moved) throw conflict('invalid_transition', 'The delegation changed meanwhile; read it again')
      const delegation = toDelegation(moved, now)
      await recordMove(tx, recordEvents, { name, actor, before: toDelegation(row, now), after: delegation, now })
      return delegation
    })
  }

  const accept = (actor: Actor, id: string) => move(actor, id, () => 'accept')
  const decline = (actor: Actor, id: string, input: DelegationClose) => move(actor, id, () => 'decline', input.reason)
  /** Ends an active delegation, or withdraws a proposal (the agent's side and the operator). */
  const end = (actor: Actor, id: string, input: DelegationClose) =>
    move(actor, id, (status, parties) => (status === 'proposed' && !parties.includes('member') ? 'withdraw' : 'end'), input.reason)

  /** The expiry sweep: every proposal past its expiry becomes expired, with its event; how many. */
  async function expireDue(): Promise<number> {
    const batch = 100
    let total = 0
    for (;;) {
      const expired = await db.transaction((tx) => expireOverdue(tx, recordEvents, clock.now(), { limit: batch }))
      total += expired
      if (expired < batch) return total
    }
  }

  return { create, get, list, accept, decline, end, expireDue }
}

export type DelegationService = ReturnType<typeof createDelegationService>

export const delegationExpiryJob = 'delegations.expiry'

/**
 * The sweep runs every minute on the job queue's schedule. Reads do not wait for it: a proposal
 * past its expiry already reads as expired and can no longer be accepted; the sweep stores that
 * and sends delegation.expired.
 */
export function registerDelegationJobs(jobs: JobQueue, delegations: Pick<DelegationService, 'expireDue'>) {
  jobs.register(delegationExpiryJob, async () => void (await delegations.expireDue()), { cron: '* * * * *' })
}
