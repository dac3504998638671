import { isDeepStrictEqual } from 'node:util'
import type { Tx } from '../../db/client.ts'
import { vietnamDate } from '../../lib/clock.ts'
import { conflict, preconditionFailed, unprocessable } from '../../lib/problem.ts'
import { assertManages, ownerForCreation } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { allowedFrom } from '../demands/demands.lifecycle.ts'
import { type DemandStatus } from '../../db/schema/index.ts'
import * as demandRepo from '../demands/demands.repo.ts'
import type { Demand } from '../demands/demands.schemas.ts'
import { accessRecord, assertCanFile, checkBudget, toDemand } from '../demands/demands.service.ts'
import type { CatalogueEventType } from '../../core/catalogue-events.ts'
import type { SourceWriteDeps } from './sources.listings.ts'
import * as repo from './sources.repo.ts'
import { demandFields } from '../demands/demands.kind.ts'
import { valuesOf } from '../../core/catalogue-kind.ts'
import type { SourceDemandPut } from './sources.schemas.ts'
import { resolveProvince } from '../../core/places.ts'

// PUT /v1/sources/{source}/demands/{externalId}: as the listing upsert (sources.listings.ts), for
// demands: draft -> open -> closed, with the rules of createDemand (enterprises file demands, the
// budget range, provinces, a deadline not passed when opening).

function contentOf(input: SourceDemandPut) {
  return {
    ...valuesOf(demandFields, input),
    currentProvinceCode: input.provinceCode ? resolveProvince(input.provinceCode, '#/provinceCode') : null,
  }
}

type Content = ReturnType<typeof contentOf>

const statusEvents = { open: 'demand.opened', closed: 'demand.closed' } as const satisfies Record<'open' | 'closed', CatalogueEventType>
const statusOperations = { open: 'demand.open', closed: 'demand.close' } as const

const deadlinePassed = (deadline: string, day: string) =>
  unprocessable('deadline_passed', `The deadline ${deadline} has passed (today is ${day} in Vietnam); move it to open the demand`, [
    { pointer: '#/deadline', detail: 'is in the past' },
  ])

/** What closing needs: a reason, and a note when the reason is `other`. */
function closeValues(input: SourceDemandPut, now: Date) {
  if (input.closeReason === undefined) {
    throw unprocessable('reason_required', 'A closed demand needs closeReason', [{ pointer: '#/closeReason', detail: 'is required when status is closed' }])
  }
  if (input.closeReason === 'other' && input.closeNote === undefined) {
    throw unprocessable('note_required', 'Closing for reason `other` needs a closeNote saying why', [
      { pointer: '#/closeNote', detail: 'is required when closeReason is other' },
    ])
  }
  return { closedAt: now, closeReason: input.closeReason, closeNote: input.closeNote ?? null }
}

export function createSourceDemandUpsert(deps: SourceWriteDeps) {
  const { db, clock, exchangeId, requestMatches, recordEvents, catalogueEvent } = deps

  const read = async (tx: Tx, id: string, day: string) => toDemand((await demandRepo.findDemand(tx, id))!, day, exchangeId)

  async function create(
    tx: Tx,
    actor: Actor,
    source: repo.SourceRow,
    externalId: string,
    input: SourceDemandPut,
    content: Content,
  ): Promise<Demand | undefined> {
    const now = clock.now()
    const day = vietnamDate(now)
    if (input.status === 'closed') {
      throw conflict(
        'invalid_transition',
        `Demand ${externalId} of ${source.id} does not exist here: a demand is created as a draft or open, and only an open one is closed`,
        allowedFrom('draft'),
      )
    }
    if (input.status === 'open' && content.deadline !== null && content.deadline < day) throw deadlinePassed(content.deadline, day)
    const ownerId = await ownerForCreation(tx, actor, input.ownerId ?? source.organizationId, 'demands')
    await assertCanFile(tx, actor, ownerId)
    const id = await repo.insertSourcedDemand(tx, {
      ...content,
      ownerId,
      status: input.status,
      openedAt: input.status === 'open' ? now : null,
      source: source.id,
      externalId,
      createdAt: now,
      updatedAt: now,
    })
    if (!id) return undefined
    const demand = await read(tx, id, day)
    await recordAudit(tx, {
      actor,
      owningOrganizationId: ownerId,
      operation: 'demand.create',
      targetType: 'demand',
      targetId: id,
      after: demand,
      occurredAt: now,
    })
    const events: CatalogueEventType[] = input.status === 'open' ? ['demand.created', 'demand.opened'] : ['demand.created']
    for (const type of events) await recordEvents(tx, [await catalogueEvent(tx, type, id, now)])
    if (input.status === 'open') await requestMatches(tx, 'demand', id)
    return demand
  }

  async function update(
    tx: Tx,
    actor: Actor,
    row: demandRepo.DemandRow,
    input: SourceDemandPut,
    content: Content,
    expectedVersion: number | undefined,
  ): Promise<Demand> {
    const now = clock.now()
    const day = vietnamDate(now)
    const from = row.status
    const to = input.status
    const changed = (Object.keys(content) as Array<keyof Content>).filter((field) => !isDeepStrictEqual(row[field], content[field]))
    await assertManages(
      tx,
      actor,
      accessRecord(row),
      {
        resource: 'Demand',
        id: row.id,
        detail: "Only the source's organisation (admin or editor keys) acting for the demand's owner, or the operator, may change it",
      },
      { retires: changed.length === 0 && (to === from || to === 'closed') },
    )
    if (expectedVersion !== undefined && expectedVersion !== row.version) throw preconditionFailed()
    if (input.ownerId !== undefined && input.ownerId !== row.owner.id) {
      throw unprocessable('owner_fixed', `The demand belongs to ${row.owner.id}; a PUT does not move it to another owner`, [
        { pointer: '#/ownerId', detail: "is not the demand's owner" },
      ])
    }
    if (changed.length === 0 && to === from) return toDemand(row, day, exchangeId)
    if (from === 'closed') throw conflict('invalid_state', 'A closed demand is final: it can no longer change', allowedFrom('closed'))
    // The lifecycle goes one way, a step at a time: draft -> open -> closed.
    if ((from === 'draft' && to === 'closed') || (from === 'open' && to === 'draft')) {
      throw conflict('invalid_transition', `A demand that is ${from} cannot become ${to}`, allowedFrom(from))
    }
    if (from === 'draft' && to === 'open' && content.deadline !== null && content.deadline < day) throw deadlinePassed(content.deadline, day)

    // Past the checks above, a change of status is draft -> open or open -> closed.
    const step = to === from ? undefined : (to as Exclude<DemandStatus, 'draft'>)
    const values: demandRepo.DemandValues = { ...content, status: to }
    if (from === 'draft' && to === 'open') values.openedAt = now
    if (to === 'closed') Object.assign(values, closeValues(input, now))
    if (!(await demandRepo.updateDemand(tx, { id: row.id, expectedVersion: row.version, values, now }))) throw preconditionFailed()
    const demand = await read(tx, row.id, day)
    await recordAudit(tx, {
      actor,
      owningOrganizationId: row.owner.id,
      operation: step ? statusOperations[step] : 'demand.update',
      targetType: 'demand',
      targetId: row.id,
      before: toDemand(row, day, exchangeId),
      after: demand,
      occurredAt: now,
    })
    // A closing tombstone carries its public reason, as closeDemand's does.
    const event = step ? statusEvents[step] : 'demand.updated'
    await recordEvents(tx, [await catalogueEvent(tx, event, row.id, now, step === 'closed' ? { reason: input.closeReason } : undefined)])
    if (to === 'open') await requestMatches(tx, 'demand', row.id)
    return demand
  }

  /** Creates or updates the source's demand `externalId` (see upsertListing for the concurrency). */
  return async function upsertDemand(actor: Actor, source: repo.SourceRow, externalId: string, input: SourceDemandPut, expectedVersion?: number) {
    const content = contentOf(input)
    checkBudget(content.budgetMinVnd, content.budgetMaxVnd, '#/budgetMinVnd')
    return db.transaction(async (tx) => {
      let id = await repo.findSourcedDemandId(tx, source.id, externalId, { lock: true })
      if (!id) {
        if (expectedVersion !== undefined) throw preconditionFailed(`Demand ${externalId} of ${source.id} does not exist yet: send no If-Match to create it`)
        const created = await create(tx, actor, source, externalId, input, content)
        if (created) return { demand: created, created: true }
        id = await repo.findSourcedDemandId(tx, source.id, externalId, { lock: true })
        if (!id) throw conflict('concurrent_change', 'The demand changed while this request ran; send it again')
      }
      const row = (await demandRepo.findDemand(tx, id))!
      return { demand: await update(tx, actor, row, input, content, expectedVersion), created: false }
    })
  }
}
