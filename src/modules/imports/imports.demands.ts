import { demands } from '../../db/schema/index.ts'
import { ownerForCreation } from '../../core/access.ts'
import { demandFields, demandEvents } from '../demands/demands.kind.ts'
import { columnsOf, valuesOf } from '../../core/catalogue-kind.ts'
import type { DemandInsert } from '../demands/demands.repo.ts'
import { DemandCreate } from '../demands/demands.schemas.ts'
import { assertCanFile, checkBudget } from '../demands/demands.service.ts'
import { ownerRefusal, type BatchContext, importHandler } from './imports.batch.ts'
import { applyRows, type ImportTarget, type ReadyRow } from './imports.upsert.ts'
import { errorsOf, rowValidator, type CheckedRow, type FailedRow, type ValidRow } from './imports.validate.ts'
import { resolveProvince } from '../../core/places.ts'

// Demands, many at a time: each row checked as createDemand checks a body (schema, budget range,
// province, only enterprises file, who the key may file for), then one INSERT ... ON CONFLICT per
// batch on the owner's external id. As for listings: a row replaces the importable fields, an
// unchanged row is left alone, status open opens a draft (not past its deadline), a closed demand
// is final and an open one is never sent back to draft.

const validate = rowValidator<DemandCreate>(DemandCreate, ['draft', 'open'], (input) => [input.titleVi, input.problemVi])

const importable = { ...columnsOf(demandFields), currentProvinceCode: demands.currentProvinceCode }

async function prepare(context: BatchContext, row: ValidRow<DemandCreate>): Promise<ReadyRow<DemandInsert> | FailedRow> {
  const { ownerId: requested, ...input } = row.input
  const ownerId = requested ?? context.actor.organizationId
  const refusal = await ownerRefusal(context, ownerId, async () => {
    await ownerForCreation(context.tx, context.actor, requested, 'demands')
    await assertCanFile(context.tx, context.actor, ownerId)
  })
  if (refusal.length > 0) return { line: row.line, errors: refusal }
  let currentProvinceCode: string | null
  try {
    checkBudget(input.budgetMinVnd, input.budgetMaxVnd, '#/budgetMinVnd')
    currentProvinceCode = input.provinceCode ? resolveProvince(input.provinceCode, '#/provinceCode') : null
  } catch (error) {
    return { line: row.line, errors: errorsOf(error) }
  }
  const opening = row.status === 'open'
  if (opening && input.deadline && input.deadline < context.today) {
    return {
      line: row.line,
      errors: [{ pointer: '#/deadline', detail: `has passed (today is ${context.today} in Vietnam): a demand past its deadline cannot open` }],
    }
  }
  return {
    line: row.line,
    key: row.key,
    ownerId,
    values: {
      ...valuesOf(demandFields, input),
      currentProvinceCode,
      ownerId,
      status: opening ? 'open' : 'draft',
      externalId: row.key,
      openedAt: opening ? context.now : null,
      createdAt: context.now,
      updatedAt: context.now,
    },
  }
}

const target: ImportTarget = {
  subject: 'demand',
  table: demands,
  importable,
  promotion: { to: 'open', stamped: 'openedAt' },
  final: 'closed',
  events: { created: demandEvents.created, updated: demandEvents.updated, promoted: demandEvents.opened },
}

const apply = (context: BatchContext, rows: CheckedRow<DemandCreate>[]) => applyRows(context, target, rows, prepare)

export const demandImport = importHandler(validate, apply)
