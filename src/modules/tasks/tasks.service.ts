import type { Db, DbOrTx } from '../../db/client.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { badRequest, conflict, forbidden, notFound, preconditionFailed, unprocessable, type FieldError } from '../../lib/problem.ts'
import { organizationMerged, organizationsActedFor, ownerForCreation, writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import { fundingSources, outputKinds, partnerRoles, taskRoles, taskProcess, type TaskGuard, type TaskRole, type TaskTransition } from './tasks.process.ts'
import type { TaskState } from '../../db/schema/index.ts'
import * as repo from './tasks.repo.ts'
import type { Task, TaskCreate, TaskHistory, TaskListQuery, TaskProcess, TaskTransitionRequest, TaskUpdate } from './tasks.schemas.ts'
import { invitationEvents, invitationsFor, membersOf, partnersAsListed } from './tasks.partners.ts'
import { toHistoryEntry, toTask, type TaskParts } from './tasks.view.ts'
import { findOrganizationSummaries, type OrganizationSummary } from '../organizations/organizations.repo.ts'
import { provinceFilter, resolveProvince } from '../../core/places.ts'

type PageQuery = { limit?: number; cursor?: string }

/** A task with its partners, funding and links: what guards, roles and the view look at. */
type LoadedTask = { task: repo.TaskRow; parts: TaskParts }

function guardHolds(guard: TaskGuard, loaded: LoadedTask): boolean {
  switch (guard) {
    case 'has_partner':
      return loaded.parts.partners.some((partner) => partner.status === 'accepted')
    case 'has_outputs':
      return loaded.task.outputs.length > 0
  }
}

/**
 * The organisations the caller acts for (itself, those merged into it, those that delegated to
 * it), once per request; undefined for the operator, who acts for all, and an empty set for none.
 */
async function actingFor(conn: DbOrTx, actor: Actor | null): Promise<Set<string> | undefined> {
  if (!actor) return new Set()
  if (actor.role === 'operator') return undefined
  return new Set(await organizationsActedFor(conn, actor.organizationId))
}

/**
 * The caller's roles on a task; none means it only sees the task if the task is public. A partner
 * holds a partner's rights only once it accepted; until then it is an invitee.
 */
function rolesOn(actedFor: Set<string> | undefined, loaded: LoadedTask): TaskRole[] {
  if (!actedFor) return ['operator']
  const roles = new Set<TaskRole>()
  if (actedFor.has(loaded.task.leadId)) roles.add('lead')
  for (const partner of loaded.parts.partners) {
    if (!actedFor.has(partner.organizationId)) continue
    if (partner.status === 'invited') {
      roles.add('invitee')
      continue
    }
    roles.add('partner')
    if (partner.role === 'authority') roles.add('authority')
  }
  return taskRoles.filter((role) => roles.has(role))
}

function allowedNow(loaded: LoadedTask, roles: TaskRole[]): string[] {
  return taskProcess.allowedNow(loaded.task.status, roles, (guard) => guardHolds(guard, loaded))
}

export function createTaskService(deps: { db: Db; clock: Clock; recordEvents: RecordEvents; cursors: Cursors }) {
  const { db, clock, recordEvents, cursors } = deps

  function process(): TaskProcess {
    return {
      ...taskProcess.document(),
      partnerRoles: [...partnerRoles],
      fundingSources: [...fundingSources],
      outputKinds: [...outputKinds],
    }
  }

  async function load(conn: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<LoadedTask | undefined> {
    const task = await repo.findTask(conn, id, options)
    if (!task) return undefined
    const { partners, funding, links } = await repo.findTaskParts(conn, [task.id])
    return { task, parts: { partners, funding, links } }
  }

  async function view(
    conn: DbOrTx,
    loaded: LoadedTask,
    caller: { roles: TaskRole[]; actor: Actor | null; actedFor: Set<string> | undefined },
    known?: Map<string, OrganizationSummary>,
  ): Promise<Task> {
    const { roles, actor } = caller
    const organizations =
      known ?? (await findOrganizationSummaries(conn, [loaded.task.leadId, ...loaded.parts.partners.map((partner) => partner.organizationId)]))
    const allowed = actor && writesContent(actor) ? allowedNow(loaded, roles) : []
    return toTask(loaded, organizations, { roles, allowed, invitations: invitationsFor(loaded.parts.partners, roles, caller.actedFor) })
  }

  /** The task and the caller's roles; 404 for a task not yet approved that the caller has no part in. */
  async function visibleTask(conn: DbOrTx, actor: Actor | null, id: string, options: { lock?: boolean } = {}) {
    const loaded = await load(conn, id, options)
    if (!loaded) throw notFound('Task', id)
    const actedFor = await actingFor(conn, actor)
    const roles = rolesOn(actedFor, loaded)
    if (roles.length === 0 && loaded.task.approvedAt === null) throw notFound('Task', id)
    return { loaded, roles, actedFor }
  }

  async function get(actor: Actor | null, id: string): Promise<Task> {
    const { loaded, roles, actedFor } = await visibleTask(db, actor, id)
    return view(db, loaded, { roles, actor, actedFor })
  }

  /**
   * Checks partners, links and the period against the lead, in the write's transaction: partners
   * exist, are not merged and are not the lead; linked listings and demands are public or the
   * lead's; linked deals have the lead or a partner as a party.
   */
  async function checkParts(conn: DbOrTx, leadId: string, fields: Required<Pick<TaskCreate, 'startsOn' | 'endsOn'>> & TaskUpdate) {
    const errors: FieldError[] = []
    if (fields.endsOn < fields.startsOn) errors.push({ pointer: '#/endsOn', detail: 'is before startsOn' })
    const partners = fields.partners ?? []
    const organizations = await findOrganizationSummaries(
      conn,
      partners.map((partner) => partner.organizationId),
    )
    const seen = new Set<string>()
    partners.forEach((partner, index) => {
      const pointer = `#/partners/${index}/organizationId`
      const organization = organizations.get(partner.organizationId)
      if (!organization) errors.push({ pointer, detail: 'is not a known organisation' })
      else if (organization.mergedIntoId) errors.push({ pointer, detail: `was merged into ${organization.mergedIntoId}; name its successor` })
      else if (partner.organizationId === leadId) errors.push({ pointer, detail: 'is the lead; the lead is not its own partner' })
      else if (seen.has(partner.organizationId)) errors.push({ pointer, detail: 'is named twice' })
      seen.add(partner.organizationId)
    })
    const listingIds = fields.listingIds ?? []
    const demandIds = fields.demandIds ?? []
    const dealIds = fields.dealIds ?? []
    const targets = await repo.findLinkTargets(conn, { listingIds, demandIds, dealIds })
    listingIds.forEach((id, index) => {
      const listing = targets.listings.get(id)
      if (!listing || (listing.status === 'draft' && listing.ownerId !== leadId))
        errors.push({ pointer: `#/listingIds/${index}`, detail: 'is not a listing the task may name' })
    })
    demandIds.forEach((id, index) => {
      const demand = targets.demands.get(id)
      if (!demand || (demand.status === 'draft' && demand.ownerId !== leadId))
        errors.push({ pointer: `#/demandIds/${index}`, detail: 'is not a demand the task may name' })
    })
    const members = new Set([leadId, ...partners.map((partner) => partner.organizationId)])
    dealIds.forEach((id, index) => {
      const deal = targets.deals.get(id)
      if (!deal || !(members.has(deal.providerId) || members.has(deal.seekerId))) {
        errors.push({ pointer: `#/dealIds/${index}`, detail: 'is not a deal of the lead or a partner' })
      }
    })
    if (errors.length > 0) throw unprocessable('invalid_task', 'The task names what it may not; see errors', errors)
  }

  /** Writes the parts given (see partnersAsListed); returns the partners newly invited. */
  async function writeParts(tx: DbOrTx, taskId: string, fields: TaskUpdate, current: repo.PartnerRow[] = []): Promise<repo.PartnerRow[]> {
    let invited: repo.PartnerRow[] = []
    if (fields.partners) {
      const listed = partnersAsListed(taskId, current, fields.partners)
      await repo.replacePartners(tx, taskId, listed.rows)
      invited = listed.invited
    }
    if (fields.funding)
      await repo.replaceFunding(
        tx,
        taskId,
        fields.funding.map((line) => ({ source: line.source, amountVnd: line.amountVnd, note: line.note ?? null })),
      )
    if (fields.listingIds || fields.demandIds || fields.dealIds) {
      const current = (await repo.findTaskParts(tx, [taskId])).links
      const keep = (kind: 'listingId' | 'demandId' | 'dealId', given: string[] | undefined) =>
        (given ?? current.filter((link) => link[kind] !== null).map((link) => link[kind]!)).map((id) => ({
          listingId: null,
          demandId: null,
          dealId: null,
          [kind]: id,
        }))
      await repo.replaceLinks(tx, taskId, [...keep('listingId', fields.listingIds), ...keep('demandId', fields.demandIds), ...keep('dealId', fields.dealIds)])
    }
    return invited
  }

  /** History row, outbox event and audit entry of a move or an edit, in its transaction. */
  async function record(
    tx: DbOrTx,
    move: {
      loaded: LoadedTask
      transition: string
      event: string
      from: TaskState | null
      role: TaskRole
      actor: Actor
      payload: Record<string, unknown>
      now: Date
      changed?: string[]
      /** Told besides the task's members (a partner that declined). */
      alsoTell?: string[]
    },
  ) {
    const { task } = move.loaded
    // An edit is no move: it has an audit entry and an event, not a line in the history.
    if (move.transition !== 'update') {
      await repo.insertTransition(tx, {
        taskId: task.id,
        transition: move.transition,
        fromState: move.from,
        toState: task.status,
        actorRole: move.role,
        actorOrganizationId: move.actor.organizationId,
        actorKeyId: move.actor.keyId,
        payload: move.payload,
        occurredAt: move.now,
      })
    }
    await recordEvents(tx, [
      {
        type: move.event,
        subjectType: 'task',
        subjectId: task.id,
        organizationIds: [...membersOf(move.loaded.task, move.loaded.parts.partners), ...(move.alsoTell ?? [])],
        payload: { taskId: task.id, transition: move.transition, fromState: move.from, state: task.status, actorRole: move.role, ...move.payload },
        occurredAt: move.now,
      },
    ])
    await recordAudit(tx, {
      actor: move.actor,
      owningOrganizationId: task.leadId,
      operation: `task.${move.transition}`,
      targetType: 'task',
      targetId: task.id,
      before: move.from === null ? null : { state: move.from },
      after: { state: task.status, ...(move.changed ? { changed: move.changed } : {}) },
      occurredAt: move.now,
    })
  }

  async function create(actor: Actor, input: TaskCreate): Promise<Task> {
    const leadId = await ownerForCreation(db, actor, input.leadId, 'a task', 'leadId')
    const provinceCode = input.provinceCode ?? null
    const current = provinceCode === null ? null : resolveProvince(provinceCode, '#/provinceCode')
    const now = clock.now()
    return db.transaction(async (tx) => {
      await checkParts(tx, leadId, input)
      const task = await repo.insertTask(tx, {
        title: input.title.trim(),
        objectives: input.objectives,
        leadId,
        provinceCode,
        currentProvinceCode: current,
        keyProduct: input.keyProduct ?? null,
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        outputs: input.outputs ?? [],
        status: 'proposed',
        statusChangedAt: now,
        createdAt: now,
        updatedAt: now,
      })
      const invited = await writeParts(tx, task.id, input)
      const loaded = (await load(tx, task.id))!
      const actedFor = await actingFor(tx, actor)
      const roles = rolesOn(actedFor, loaded)
      const role: TaskRole = actor.role === 'operator' ? 'operator' : 'lead'
      await record(tx, { loaded, transition: 'propose', event: 'task.proposed', from: null, role, actor, payload: { title: task.title }, now })
      await recordEvents(tx, invitationEvents(task, invited, now))
      return view(tx, loaded, { roles, actor, actedFor })
    })
  }

  async function update(actor: Actor, id: string, input: TaskUpdate, expectedVersion?: number): Promise<Task> {
    return db.transaction(async (tx) => {
      const now = clock.now()
      const { loaded, roles, actedFor } = await visibleTask(tx, actor, id, { lock: true })
      if (!writesContent(actor)) throw forbidden('A reader key cannot change a task')
      if (!roles.includes('lead') && !roles.includes('operator')) throw forbidden("A task is edited by its lead's keys (and its delegates') or the operator")
      if (expectedVersion !== undefined && expectedVersion !== loaded.task.version) throw preconditionFailed()
      if (taskProcess.terminalStates.includes(loaded.task.status)) throw conflict('invalid_state', `A ${loaded.task.status} task is read-only`)
      const lead = (await findOrganizationSummaries(tx, [loaded.task.leadId])).get(loaded.task.leadId)
      if (lead?.mergedIntoId && actor.role !== 'operator') throw organizationMerged(loaded.task.leadId, lead.mergedIntoId)
      const current = loaded.parts
      await checkParts(tx, loaded.task.leadId, {
        startsOn: input.startsOn ?? loaded.task.startsOn,
        endsOn: input.endsOn ?? loaded.task.endsOn,
        partners:
          input.partners ??
          current.partners.map((partner) => ({ organizationId: partner.organizationId, role: partner.role as (typeof partnerRoles)[number] })),
        // Links already on the task stay valid even if their record has changed since; only new ones are checked.
        listingIds: (input.listingIds ?? []).filter((linkId) => !current.links.some((link) => link.listingId === linkId)),
        demandIds: (input.demandIds ?? []).filter((linkId) => !current.links.some((link) => link.demandId === linkId)),
        dealIds: input.dealIds ?? current.links.filter((link) => link.dealId !== null).map((link) => link.dealId!),
      })
      const provinceCode = input.provinceCode === undefined ? loaded.task.provinceCode : input.provinceCode
      const updated = await repo.updateTask(
        tx,
        id,
        loaded.task.version,
        {
          ...(input.title !== undefined ? { title: input.title.trim() } : {}),
          ...(input.objectives !== undefined ? { objectives: input.objectives } : {}),
          ...(input.keyProduct !== undefined ? { keyProduct: input.keyProduct } : {}),
          ...(input.startsOn !== undefined ? { startsOn: input.startsOn } : {}),
          ...(input.endsOn !== undefined ? { endsOn: input.endsOn } : {}),
          ...(input.outputs !== undefined ? { outputs: input.outputs } : {}),
          provinceCode,
          currentProvinceCode:
            provinceCode === null
              ? null
              : provinceCode === loaded.task.provinceCode
                ? loaded.task.currentProvinceCode
                : resolveProvince(provinceCode, '#/provinceCode'),
        },
        now,
      )
      if (!updated) throw conflict('concurrent_change', 'The task changed while this edit was applied; read it again')
      const invited = await writeParts(tx, id, input, current.partners)
      const reloaded = (await load(tx, id))!
      const role: TaskRole = roles.includes('lead') ? 'lead' : 'operator'
      const changed = Object.keys(input)
      await record(tx, {
        loaded: reloaded,
        transition: 'update',
        event: 'task.updated',
        from: loaded.task.status,
        role,
        actor,
        payload: { changed },
        now,
        changed,
      })
      await recordEvents(tx, invitationEvents(reloaded.task, invited, now))
      return view(tx, reloaded, { roles: rolesOn(actedFor, reloaded), actor, actedFor })
    })
  }

  /** Fires a transition under the task's row lock, against the state it finds. */
  async function fire(actor: Actor, id: string, request: TaskTransitionRequest, expectedVersion?: number): Promise<Task> {
    const transition = taskProcess.named(request.transition)!
    return db.transaction(async (tx) => {
      const now = clock.now()
      const { loaded, roles, actedFor } = await visibleTask(tx, actor, id, { lock: true })
      if (!writesContent(actor)) throw forbidden('A reader key cannot move a task')
      if (expectedVersion !== undefined && expectedVersion !== loaded.task.version) throw preconditionFailed()
      const role = taskProcess.check({ transition, state: loaded.task.status, roles, holds: (guard) => guardHolds(guard, loaded) })
      const values = effectsOf(transition, request, now)
      const updated = await repo.updateTask(tx, id, loaded.task.version, { ...values, status: transition.to, statusChangedAt: now }, now)
      if (!updated) throw conflict('concurrent_change', 'The task changed while this move was applied; read it again')
      const moved = { task: updated, parts: loaded.parts }
      const payload = { ...(request.reason ? { reason: request.reason } : {}), ...(values.completedOn ? { completedOn: values.completedOn } : {}) }
      await record(tx, { loaded: moved, transition: transition.name, event: transition.event, from: loaded.task.status, role, actor, payload, now })
      return view(tx, moved, { roles, actor, actedFor })
    })
  }

  /**
   * An invited partner answers, through the writing keys of those who act for it (its own, its
   * delegate's, its successor's): accepting makes it a partner with a partner's rights; declining
   * removes the invitation (the lead may invite it again). The operator does not answer for it.
   */
  async function answerInvitation(actor: Actor, id: string, organizationId: string, accept: boolean): Promise<Task> {
    return db.transaction(async (tx) => {
      const now = clock.now()
      const { loaded, actedFor } = await visibleTask(tx, actor, id, { lock: true })
      const partner = loaded.parts.partners.find((candidate) => candidate.organizationId === organizationId)
      if (!partner) throw notFound('Task partner', organizationId)
      if (!actedFor?.has(organizationId) || !writesContent(actor)) {
        throw forbidden(
          "An invitation is answered by the invited organisation's admin or editor keys (or those of an organisation acting for it), not by the lead or the operator",
        )
      }
      if (taskProcess.terminalStates.includes(loaded.task.status)) throw conflict('invalid_state', `A ${loaded.task.status} task is read-only`)
      if (partner.status !== 'invited') throw conflict('invalid_transition', 'This organisation already accepted; it is a partner of the task')
      const answered = await repo.answerInvitation(tx, { taskId: id, organizationId, accept, now })
      // The task is locked, so the invitation cannot have been answered meanwhile; only a safety net.
      if (!answered) throw conflict('invalid_transition', 'The invitation was answered meanwhile; read the task again')
      // Its partners are part of the task as shown, so the answer makes a new version (and ETag).
      if (!(await repo.updateTask(tx, id, loaded.task.version, {}, now)))
        throw conflict('concurrent_change', 'The task changed while this answer was applied; read it again')
      const reloaded = (await load(tx, id))!
      const transition = accept ? 'partner_accepted' : 'partner_declined'
      await record(tx, {
        loaded: reloaded,
        transition,
        event: `task.${transition}`,
        from: reloaded.task.status,
        role: 'invitee',
        actor,
        payload: { organizationId, role: partner.role },
        now,
        alsoTell: [organizationId],
      })
      return view(tx, reloaded, { roles: rolesOn(actedFor, reloaded), actor, actedFor })
    })
  }

  function effectsOf(transition: TaskTransition, request: TaskTransitionRequest, now: Date): Partial<repo.TaskInsert> {
    const inputs = { reason: request.reason, completedOn: request.completedOn }
    const allowedInput = transition.name === 'cancel' ? 'reason' : transition.name === 'complete' ? 'completedOn' : null
    for (const [field, value] of Object.entries(inputs)) {
      if (value !== undefined && field !== allowedInput)
        throw badRequest('validation_failed', `${transition.name} does not take ${field}`, [
          { pointer: `#/${field}`, detail: `${transition.name} does not take it` },
        ])
    }
    const values: Partial<repo.TaskInsert> = {}
    for (const effect of transition.effects) {
      if (effect === 'record_approval') values.approvedAt = now
      if (effect === 'record_completion') {
        const today = vietnamDate(now)
        if (request.completedOn && request.completedOn > today)
          throw unprocessable('invalid_date', 'completedOn is in the future', [{ pointer: '#/completedOn', detail: 'is after today' }])
        values.completedOn = request.completedOn ?? today
      }
      if (effect === 'record_cancellation') {
        if (!request.reason) throw badRequest('validation_failed', 'cancel needs a reason', [{ pointer: '#/reason', detail: 'is required' }])
        values.cancelReason = request.reason
      }
    }
    return values
  }

  async function list(actor: Actor | null, query: TaskListQuery) {
    const limit = query.limit ?? 20
    const actedFor = await actingFor(db, actor)
    const privateFor = actedFor ? [...actedFor] : undefined
    const values = query.cursor ? cursors.decode(query.cursor, 'tasks', ['instant', 'uuid']) : undefined
    const after = values ? { updatedAt: values[0], id: values[1] } : undefined
    const province = provinceFilter(query.provinceCode, 'provinceCode')
    const rows = await repo.listTasks(db, {
      privateFor,
      status: query.status,
      organizationId: query.organizationId,
      currentProvinceCode: province,
      after,
      limit: limit + 1,
    })
    const page = rows.slice(0, limit)
    const { partners, funding, links } = await repo.findTaskParts(
      db,
      page.map((task) => task.id),
    )
    const organizations = await findOrganizationSummaries(db, [...page.map((task) => task.leadId), ...partners.map((partner) => partner.organizationId)])
    const items: Task[] = []
    for (const task of page) {
      const loaded = {
        task,
        parts: {
          partners: partners.filter((row) => row.taskId === task.id),
          funding: funding.filter((row) => row.taskId === task.id),
          links: links.filter((row) => row.taskId === task.id),
        },
      }
      items.push(await view(db, loaded, { roles: rolesOn(actedFor, loaded), actor, actedFor }, organizations))
    }
    const last = rows.length > limit ? page[page.length - 1]! : undefined
    return { items, nextCursor: last ? cursors.encode('tasks', [last.updatedAt, last.id]) : null }
  }

  async function history(actor: Actor | null, id: string, query: PageQuery): Promise<TaskHistory> {
    await visibleTask(db, actor, id)
    const limit = query.limit ?? 20
    const afterId = query.cursor ? cursors.decode(query.cursor, 'task-history', ['integer'])[0] : undefined
    const rows = await repo.listTransitions(db, id, { afterId, limit: limit + 1 })
    const items = rows.slice(0, limit).map(toHistoryEntry)
    return { items, nextCursor: rows.length > limit ? cursors.encode('task-history', [items[items.length - 1]!.id]) : null }
  }

  const acceptInvitation = (actor: Actor, id: string, organizationId: string) => answerInvitation(actor, id, organizationId, true)
  const declineInvitation = (actor: Actor, id: string, organizationId: string) => answerInvitation(actor, id, organizationId, false)

  return { process, create, get, list, update, fire, history, acceptInvitation, declineInvitation, visibleTask }
}

export type TaskService = ReturnType<typeof createTaskService>
