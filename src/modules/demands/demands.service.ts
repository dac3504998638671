import type { SQL } from 'drizzle-orm'
import type { Db, DbOrTx, Tx } from '../../db/client.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, preconditionFailed, unprocessable } from '../../lib/problem.ts'
import { provenanceOf } from '../../lib/provenance.ts'
import type { Actor } from '../../core/actor.ts'
import { accessTo, assertManages, ownerForCreation, redactDemand } from '../../core/access.ts'
import { recordAudit } from '../../core/audit.ts'
import { findOrganization } from '../organizations/organizations.repo.ts'
import { allowedFrom, demandProcess, isEditable, transitionOf, type Transition } from './demands.lifecycle.ts'
import { type DemandStatus } from '../../db/schema/index.ts'
import type { RequestMatches } from '../../core/match-requests.ts'
import type { CatalogueEvent } from '../../core/catalogue-events.ts'
import { type CatalogueEventType } from '../../core/catalogue-events.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import * as repo from './demands.repo.ts'
import { demandFields, type DemandField } from './demands.kind.ts'
import { contentOf } from '../../core/catalogue-kind.ts'
import type { Demand, DemandClose, DemandCreate, DemandUpdate } from './demands.schemas.ts'
import { createDemandSearch } from './demands.list.ts'
import { findPossibleDemandDuplicates } from './demands.duplicates.ts'
import type { ThesaurusLookup } from '../retrieval/query.ts'
import { resolveProvince } from '../../core/places.ts'

/** The demand as the API shows it; `exchangeId` (config EXCHANGE_ID) names this exchange in its provenance. */
export function toDemand(row: repo.DemandRow, today: string, exchangeId: string): Demand {
  return {
    id: row.id,
    status: row.status,
    owner: { id: row.owner.id, name: row.owner.name, kind: row.owner.kind as Demand['owner']['kind'] },
    stewardId: row.stewardId,
    // The content as stored; the codes in sectors and fields were checked on the way in.
    ...(contentOf(demandFields, row) as Pick<Demand, DemandField>),
    // Dates are YYYY-MM-DD strings, so they compare as strings.
    deadlinePassed: row.deadline !== null && row.deadline < today,
    currentProvinceCode: row.currentProvinceCode,
    openedAt: row.openedAt?.toISOString() ?? null,
    closedAt: row.closedAt?.toISOString() ?? null,
    closeReason: row.closeReason as Demand['closeReason'],
    closeNote: row.closeNote,
    // Complete here; redactDemand (core/access.ts) hides what the reader may not see.
    redacted: [],
    provenance: provenanceOf(row, 'demand', exchangeId),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

/** Open and closed demands are public; drafts are not (who sees them: core/access.ts). */
export const accessRecord = (row: { status: string; owner: { id: string }; stewardId: string | null }) => ({
  ownerId: row.owner.id,
  stewardId: row.stewardId,
  isPublic: row.status !== 'draft',
})

const manageRefusal = (id: string) => ({
  resource: 'Demand',
  id,
  detail: 'Only the enterprise that filed the demand, a connection point or DOST it delegated to (admin or editor keys), or the operator may change it',
})

/**
 * Only enterprises file demands: the rule is about the owner, not the caller, so a connection point
 * files for a member enterprise. The operator may file in its own name.
 */
export async function assertCanFile(conn: DbOrTx, actor: Actor, ownerId: string) {
  if (actor.role === 'operator' && ownerId === actor.organizationId) return
  const kind = ownerId === actor.organizationId ? actor.organizationKind : (await findOrganization(conn, ownerId))?.kind
  if (kind === undefined) {
    throw unprocessable('reference_not_found', `Organisation ${ownerId} does not exist`, [{ pointer: '#/ownerId', detail: 'is not a known organisation' }])
  }
  if (kind !== 'enterprise') {
    throw forbidden(`Only enterprises file demand requests; the owner is a ${kind} organisation`)
  }
}

/** min <= max, or a 422 pointing at the bound the request set. */
export function checkBudget(min: number | null | undefined, max: number | null | undefined, pointer: '#/budgetMinVnd' | '#/budgetMaxVnd') {
  if (min === null || min === undefined || max === null || max === undefined || min <= max) return
  const detail = pointer === '#/budgetMinVnd' ? `must not exceed budgetMaxVnd (${max})` : `must not be below budgetMinVnd (${min})`
  throw unprocessable('invalid_budget', `The budget range is empty: budgetMinVnd ${min} is greater than budgetMaxVnd ${max}`, [{ pointer, detail }])
}

function assertTransition(row: { status: DemandStatus }, transition: Transition) {
  if (!allowedFrom(row.status).includes(transition)) throw demandProcess.invalidTransition(transition, row.status, allowedFrom(row.status))
}

function assertEditable(row: { status: DemandStatus }) {
  const status = row.status
  if (!isEditable(status)) throw conflict('invalid_state', `A ${status} demand can no longer be edited`, allowedFrom(status))
}

function assertDeadlineAhead(row: { deadline: string | null }, today: string) {
  if (row.deadline !== null && row.deadline < today) {
    throw unprocessable('deadline_passed', `The deadline ${row.deadline} has passed (today is ${today} in Vietnam); move it before opening the demand`)
  }
}

export function createDemandService(deps: {
  db: Db
  clock: Clock
  requestMatches: RequestMatches
  recordEvents: RecordEvents
  catalogueEvent: CatalogueEvent
  exchangeId: string
  cursors: Cursors
  thesaurus?: ThesaurusLookup
}) {
  const { db, clock, requestMatches, recordEvents, catalogueEvent, exchangeId, cursors, thesaurus } = deps
  const today = () => vietnamDate(clock.now())

  /**
   * The demand if this caller may see it; drafts of others are a 404, as if they did not exist.
   * Writes pass their transaction and `lock`, so what they check is what they overwrite.
   */
  async function load(conn: DbOrTx, actor: Actor | null, id: string, options: { lock?: boolean } = {}) {
    const row = await repo.findDemand(conn, id, options)
    if (!row || !(await accessTo(conn, actor, accessRecord(row))).see) throw notFound('Demand', id)
    return row
  }

  async function get(actor: Actor | null, id: string) {
    return redactDemand(db, actor, toDemand(await load(db, actor, id), today(), exchangeId))
  }

  /** Reads the demand as written and records the write and its event, in the write's own transaction. */
  async function audited(
    tx: Tx,
    actor: Actor | null,
    operation: string,
    id: string,
    before: repo.DemandRow | undefined,
    now: Date,
    event: CatalogueEventType,
    extra?: Record<string, unknown>,
  ) {
    const day = vietnamDate(now)
    const after = toDemand((await repo.findDemand(tx, id))!, day, exchangeId)
    await recordAudit(tx, {
      actor,
      owningOrganizationId: after.owner.id,
      operation,
      targetType: 'demand',
      targetId: id,
      before: before ? toDemand(before, day, exchangeId) : undefined,
      after,
      occurredAt: now,
    })
    await recordEvents(tx, [await catalogueEvent(tx, event, id, now, extra)])
    return after
  }

  async function create(actor: Actor, input: DemandCreate) {
    const { ownerId: requestedOwner, ...fields } = input
    const ownerId = await ownerForCreation(db, actor, requestedOwner, 'demands')
    await assertCanFile(db, actor, ownerId)
    checkBudget(input.budgetMinVnd, input.budgetMaxVnd, '#/budgetMinVnd')
    const currentProvinceCode = input.provinceCode ? resolveProvince(input.provinceCode, '#/provinceCode') : null
    const now = clock.now()
    return db.transaction(async (tx) => {
      const id = await repo.insertDemand(tx, {
        ...fields,
        ownerId,
        status: 'draft',
        currentProvinceCode,
        createdAt: now,
        updatedAt: now,
      })
      const demand = await audited(tx, actor, 'demand.create', id, undefined, now, 'demand.created')
      return { ...demand, possibleDuplicates: await findPossibleDemandDuplicates(tx, demand, ownerId) }
    })
  }

  async function update(actor: Actor, id: string, input: DemandUpdate, expectedVersion?: number) {
    return db.transaction(async (tx) => {
      const row = await load(tx, actor, id, { lock: true })
      await assertManages(tx, actor, accessRecord(row), manageRefusal(id))
      assertEditable(row)
      if (expectedVersion !== undefined && row.version !== expectedVersion) throw preconditionFailed()
      // The range must hold after the change, so a bound the request leaves alone counts too.
      const min = input.budgetMinVnd !== undefined ? input.budgetMinVnd : row.budgetMinVnd
      const max = input.budgetMaxVnd !== undefined ? input.budgetMaxVnd : row.budgetMaxVnd
      checkBudget(min, max, input.budgetMinVnd !== undefined ? '#/budgetMinVnd' : '#/budgetMaxVnd')

      const values: repo.DemandValues = { ...input }
      if (input.provinceCode !== undefined) {
        values.currentProvinceCode = input.provinceCode === null ? null : resolveProvince(input.provinceCode, '#/provinceCode')
      }
      const now = clock.now()
      // The UPDATE re-checks the state and version itself; under the row lock it cannot lose, so a
      // refusal here is only a safety net.
      if (!(await repo.updateDemand(tx, { id, expectedVersion: row.version, values, now }))) throw preconditionFailed()
      // An open demand's suggestions follow its text, budget and place.
      if (row.status === 'open') await requestMatches(tx, 'demand', id)
      return audited(tx, actor, 'demand.update', id, row, now, 'demand.updated')
    })
  }

  /**
   * Applies a transition of the state table under a row lock, in one conditional UPDATE. `rules`
   * are the checks besides the state; `guard` is the same rule in SQL, so it holds at the instant
   * of the write. Of two concurrent requests the second waits for the first, then is refused in
   * the same terms as any first refusal.
   */
  async function applyTransition(
    actor: Actor,
    id: string,
    transition: Transition,
    step: {
      values: (now: Date) => repo.DemandValues
      /** Runs in the transaction once the transition is written. */
      after?: (tx: Tx) => Promise<void>
      rules?: (row: repo.DemandRow, today: string) => void
      guard?: (today: string) => SQL
      /** The transition only retires the demand, so it stays possible after the owner was merged. */
      retires?: boolean
      /** The catalogue event it writes, and what a tombstone says besides the id. */
      event: CatalogueEventType
      eventExtra?: Record<string, unknown>
    },
  ) {
    return db.transaction(async (tx) => {
      const now = clock.now()
      const today = vietnamDate(now)
      const row = await load(tx, actor, id, { lock: true })
      await assertManages(tx, actor, accessRecord(row), manageRefusal(id), { retires: step.retires })
      assertTransition(row, transition)
      step.rules?.(row, today)
      const { from, to } = transitionOf(transition)
      if (!(await repo.transitionDemand(tx, { id, from, to, values: step.values(now), now, guard: step.guard?.(today) }))) {
        throw conflict('concurrent_change', 'The demand changed while this request ran; fetch it and try again')
      }
      await step.after?.(tx)
      // The transition's payload (openedAt, close reason and note) shows up among the changed fields.
      return audited(tx, actor, `demand.${transition}`, id, row, now, step.event, step.eventExtra)
    })
  }

  /** draft -> open: it becomes public. A demand whose deadline has passed cannot open. */
  const open = (actor: Actor, id: string) =>
    applyTransition(actor, id, 'open', {
      values: (now) => ({ openedAt: now }),
      // Matching starts as the demand becomes public: a job queued in this transaction.
      after: (tx) => requestMatches(tx, 'demand', id),
      rules: assertDeadlineAhead,
      guard: repo.deadlineNotBefore,
      event: 'demand.opened',
    })

  /** open -> closed, with a reason; `other` needs a note saying what it is. */
  const close = (actor: Actor, id: string, input: DemandClose) =>
    applyTransition(actor, id, 'close', {
      values: (now) => ({ closedAt: now, closeReason: input.reason, closeNote: input.note ?? null }),
      retires: true,
      // The reason is public (a closed demand's GET shows it); the note stays with the record.
      event: 'demand.closed',
      eventExtra: { reason: input.reason },
      rules: () => {
        if (input.reason === 'other' && input.note === undefined) {
          throw unprocessable('note_required', 'Closing for reason `other` needs a note saying why', [
            { pointer: '#/note', detail: 'is required when reason is other' },
          ])
        }
      },
    })

  /**
   * open -> closed for every open demand whose deadline for offers has passed (in Vietnam), with
   * reason deadline_passed, its audit entry (no key) and its demand.closed event; how many. A batch
   * a transaction, so a long backlog never holds one open for long.
   */
  async function closePastDeadline(): Promise<number> {
    const batch = 100
    const { from, to } = transitionOf('expire')
    let total = 0
    for (;;) {
      const closed = await db.transaction(async (tx) => {
        const now = clock.now()
        const rows = await repo.lockPastDeadline(tx, vietnamDate(now), batch)
        for (const row of rows) {
          await repo.transitionDemand(tx, { id: row.id, from, to, values: { closedAt: now, closeReason: 'deadline_passed', closeNote: null }, now })
          await audited(tx, null, 'demand.expire', row.id, row, now, 'demand.closed', { reason: 'deadline_passed' })
        }
        return rows.length
      })
      total += closed
      if (closed < batch) return total
    }
  }

  const search = createDemandSearch({ db, exchangeId, cursors, thesaurus })

  return { get, create, update, open, close, closePastDeadline, search }
}

export type DemandService = ReturnType<typeof createDemandService>

export const demandDeadlineJob = 'demands.deadline'

/**
 * The deadline sweep runs every ten minutes on the job queue's schedule, so a demand closes within
 * ten minutes of midnight in Vietnam after its deadline. Until then matching already leaves it out
 * (matching.scoring.ts) and its GET says deadlinePassed.
 */
export function registerDemandJobs(jobs: JobQueue, demands: Pick<DemandService, 'closePastDeadline'>) {
  jobs.register(demandDeadlineJob, async () => void (await demands.closePastDeadline()), { cron: '*/10 * * * *' })
}
