import { unprocessable } from '../../lib/problem.ts'
import { allowedFrom } from '../demands/demands.lifecycle.ts'
import * as demandRepo from '../demands/demands.repo.ts'
import { accessRecord, assertCanFile, checkBudget, toDemand } from '../demands/demands.service.ts'
import { demandFields, demandEvents } from '../demands/demands.kind.ts'
import { valuesOf } from '../../core/catalogue-kind.ts'
import { resolveProvince } from '../../core/places.ts'
import * as repo from './sources.repo.ts'
import type { SourceDemandPut } from './sources.schemas.ts'
import type { SourceWriteDeps } from './sources.upsert.ts'
import { createSourceUpsert } from './sources.upsert.ts'

// PUT /v1/sources/{source}/demands/{externalId}: the source upsert (sources.upsert.ts) for
// demands: draft -> open -> closed, with the rules of createDemand (enterprises file demands, the
// budget range, provinces, a deadline not passed when opening).

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
  const upsert = createSourceUpsert(deps, {
    subject: 'demand',
    resource: 'Demand',
    statuses: { promoted: 'open', final: 'closed' },
    content: (input: SourceDemandPut) => {
      const content = {
        ...valuesOf(demandFields, input),
        currentProvinceCode: input.provinceCode ? resolveProvince(input.provinceCode, '#/provinceCode') : null,
      }
      checkBudget(content.budgetMinVnd, content.budgetMaxVnd, '#/budgetMinVnd')
      return content
    },
    promotable: (content, day) => {
      if (content.deadline !== null && content.deadline < day) {
        throw unprocessable('deadline_passed', `The deadline ${content.deadline} has passed (today is ${day} in Vietnam); move it to open the demand`, [
          { pointer: '#/deadline', detail: 'is in the past' },
        ])
      }
    },
    mayOwn: assertCanFile,
    find: async (tx, source, externalId) => {
      const id = await repo.findSourcedDemandId(tx, source, externalId, { lock: true })
      return id ? demandRepo.findDemand(tx, id) : undefined
    },
    insert: (tx, values) => repo.insertSourcedDemand(tx, values as Parameters<typeof repo.insertSourcedDemand>[1]),
    read: async (tx, id) => (await demandRepo.findDemand(tx, id))!,
    update: async (tx, _row, params) => ((await demandRepo.updateDemand(tx, params)) ? demandRepo.findDemand(tx, params.id) : undefined),
    stored: (row) => ({ id: row.id, ownerId: row.owner.id, status: row.status, version: row.version }),
    access: accessRecord,
    view: (row, day) => toDemand(row, day, deps.exchangeId),
    answer: async (_tx, row, day) => toDemand(row, day, deps.exchangeId),
    promotedValues: (now) => ({ openedAt: now }),
    finalValues: closeValues,
    // A closing tombstone carries its public reason, as closeDemand's does.
    finalEventExtra: (input) => ({ reason: input.closeReason }),
    events: { created: demandEvents.created, updated: demandEvents.updated, promoted: demandEvents.opened, final: demandEvents.closed },
    operations: { create: 'demand.create', update: 'demand.update', promoted: 'demand.open', final: 'demand.close' },
    refusals: {
      createdFinal: (externalId, source) =>
        `Demand ${externalId} of ${source} does not exist here: a demand is created as a draft or open, and only an open one is closed`,
      final: 'A closed demand is final: it can no longer change',
      step: (from, to) => `A demand that is ${from} cannot become ${to}`,
    },
    allowedFrom: (status) => allowedFrom(status as 'draft' | 'open' | 'closed'),
  })
  return async (...args: Parameters<typeof upsert>) => {
    const { record, created } = await upsert(...args)
    return { demand: record, created }
  }
}
