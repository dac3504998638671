import { and, inArray, isNull, sql } from 'drizzle-orm'
import { demands } from '../../db/schema/index.ts'
import { ownerForCreation } from '../../core/access.ts'
import type { DemandInsert } from '../demands/demands.repo.ts'
import { demandFields, demandKind } from '../demands/demands.kind.ts'
import { columnsOf, valuesOf } from '../../core/catalogue-kind.ts'
import { DemandCreate } from '../demands/demands.schemas.ts'
import { assertCanFile, checkBudget } from '../demands/demands.service.ts'
import type { CatalogueEventType } from '../../core/catalogue-events.ts'
import { differs, ownerRefusal, recordBatchEvents, replacing, runsWithoutRepeats, type BatchContext, type BatchResult, importHandler } from './imports.batch.ts'
import { errorsOf, failed, rowValidator, type CheckedRow, type FailedRow, type ValidRow } from './imports.validate.ts'
import { resolveProvince } from '../../core/places.ts'

// Demands, many at a time: each row checked as createDemand checks a body (schema, budget range,
// province, only enterprises file, who the key may file for), then one INSERT ... ON CONFLICT per
// batch on the owner's external id. As for listings: a row replaces the importable fields, an
// unchanged row is left alone, status open opens a draft (not past its deadline), a closed demand
// is final and an open one is never sent back to draft.

type Ready = { line: number; key: string; ownerId: string; values: DemandInsert }

const validate = rowValidator<DemandCreate>(DemandCreate, ['draft', 'open'], (input) => [input.titleVi, input.problemVi])

const importable = { ...columnsOf(demandFields), currentProvinceCode: demands.currentProvinceCode }

async function prepare(context: BatchContext, row: ValidRow<DemandCreate>): Promise<Ready | FailedRow> {
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

const keyOf = (row: { ownerId: string; key: string }) => `${row.ownerId} ${row.key}`

async function upsertRun(context: BatchContext, run: Ready[], result: BatchResult) {
  const { tx } = context
  const existing = await tx
    .select({ id: demands.id, ownerId: demands.ownerId, externalId: demands.externalId, status: demands.status })
    .from(demands)
    .where(
      and(
        isNull(demands.source),
        inArray(
          demands.externalId,
          run.map((row) => row.key),
        ),
        inArray(demands.ownerId, [...new Set(run.map((row) => row.ownerId))]),
      ),
    )
    .for('update')
  const before = new Map(existing.map((row) => [keyOf({ ownerId: row.ownerId, key: row.externalId! }), row]))
  const opening = sql`${demands.status} = 'draft' and excluded.status = 'open'`
  const written = await tx
    .insert(demands)
    .values(run.map((row) => row.values))
    .onConflictDoUpdate({
      target: [demands.ownerId, demands.externalId],
      targetWhere: sql`${demands.source} is null and ${demands.externalId} is not null`,
      set: {
        ...replacing(importable),
        status: sql`case when ${opening} then 'open' else ${demands.status} end`,
        openedAt: sql`case when ${opening} then excluded.opened_at else ${demands.openedAt} end`,
        updatedAt: sql`excluded.updated_at`,
        version: sql`${demands.version} + 1`,
      },
      setWhere: sql`${demands.status} <> 'closed' and (${differs(importable)} or (${opening}))`,
    })
    .returning({ id: demands.id, ownerId: demands.ownerId, externalId: demands.externalId, status: demands.status })
  const after = new Map(written.map((row) => [keyOf({ ownerId: row.ownerId, key: row.externalId! }), row]))
  const events: Array<{ id: string; types: CatalogueEventType[] }> = []
  const matched: string[] = []
  for (const row of run) {
    const old = before.get(keyOf(row))
    const stored = after.get(keyOf(row))
    if (!stored) {
      if (old?.status === 'closed') {
        result.failed.push({
          line: row.line,
          errors: [{ pointer: '#/externalId', detail: `names demand ${old.id}, which is closed and can no longer change` }],
        })
      } else if (old) {
        result.done.push({ line: row.line, id: old.id, action: 'unchanged' })
      } else {
        result.failed.push({ line: row.line, errors: [{ pointer: '#', detail: 'was written by another request at the same time; import the file again' }] })
      }
      continue
    }
    const open = stored.status === 'open'
    result.done.push({ line: row.line, id: stored.id, action: old ? 'updated' : 'created' })
    const types: CatalogueEventType[] = [old ? demandKind.events.updated : demandKind.events.created]
    if (open && old?.status !== 'open') types.push(demandKind.events.opened)
    events.push({ id: stored.id, types })
    // An open demand's suggestions follow its content, as after openDemand or an update.
    if (open) matched.push(stored.id)
  }
  await context.requestMatches(tx, 'demand', matched)
  await recordBatchEvents(context, events)
}

async function apply(context: BatchContext, rows: CheckedRow<DemandCreate>[]): Promise<BatchResult> {
  const result: BatchResult = { done: [], failed: [], warnings: [] }
  const ready: Ready[] = []
  for (const row of rows) {
    const prepared = failed(row) ? row : await prepare(context, row)
    if ('errors' in prepared) result.failed.push(prepared)
    else ready.push(prepared)
  }
  for (const run of runsWithoutRepeats(ready, keyOf)) await upsertRun(context, run, result)
  return result
}

export const demandImport = importHandler(validate, apply)
