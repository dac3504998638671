import { isDeepStrictEqual } from 'node:util'
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { organizations } from '../../db/schema/index.ts'
import type { FieldError } from '../../lib/problem.ts'
import type { CatalogueEventType } from '../../core/catalogue-events.ts'
import type { OrganizationInsert } from '../organizations/organizations.repo.ts'
import { OrganizationCreate } from '../organizations/organizations.schemas.ts'
import { recordBatchEvents, runsWithoutRepeats, type BatchContext, type BatchResult, importHandler } from './imports.batch.ts'
import { errorsOf, failed, rowValidator, type CheckedRow, type ValidRow } from './imports.validate.ts'
import { resolveProvince } from '../../core/places.ts'

// Organisations, many at a time: the operator's registry (only operator keys import them, as only
// the operator registers any organisation). Each row is checked as createOrganization checks a
// body, and against what the database would refuse (a parent that does not exist, an enterprise's
// tax code taken), so one bad row does not fail its batch. A row names its organisation by
// externalId (unique among this exchange's organisations); new ones are inserted together, known
// ones updated one by one (an organisation file is small), unless nothing changed. The kind of an
// organisation never changes, and a merged one is read-only.

const validate = rowValidator<OrganizationCreate>(OrganizationCreate, [], (input) => [input.kind, input.name, input.taxCode ?? null])

type Fields = Omit<OrganizationInsert, 'id' | 'createdAt' | 'updatedAt' | 'version' | 'mergedIntoId' | 'mergedAt' | 'source'>
type Ready = { line: number; key: string; values: Fields }

const editableFields = [
  'name',
  'nameEn',
  'shortName',
  'parentId',
  'provinceCode',
  'currentProvinceCode',
  'address',
  'website',
  'email',
  'phone',
  'taxCode',
  'description',
  'contacts',
] as const

function valuesOf(row: ValidRow<OrganizationCreate>): Fields | FieldError[] {
  const input = row.input
  try {
    return {
      kind: input.kind,
      name: input.name,
      nameEn: input.nameEn ?? null,
      shortName: input.shortName ?? null,
      parentId: input.parentId ?? null,
      provinceCode: input.provinceCode ?? null,
      currentProvinceCode: input.provinceCode ? resolveProvince(input.provinceCode, '#/provinceCode') : null,
      address: input.address ?? null,
      website: input.website ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      taxCode: input.taxCode ?? null,
      description: input.description ?? null,
      contacts: input.contacts ?? [],
      externalId: row.key,
    }
  } catch (error) {
    return errorsOf(error)
  }
}

async function writeRun(context: BatchContext, run: Ready[], result: BatchResult) {
  const { tx, now } = context
  const existing = await tx
    .select()
    .from(organizations)
    .where(
      and(
        isNull(organizations.source),
        inArray(
          organizations.externalId,
          run.map((row) => row.key),
        ),
      ),
    )
    .for('update')
  const known = new Map(existing.map((row) => [row.externalId!, row]))
  const parentIds = [...new Set(run.flatMap((row) => (row.values.parentId ? [row.values.parentId] : [])))]
  const parents = new Set(
    parentIds.length ? (await tx.select({ id: organizations.id }).from(organizations).where(inArray(organizations.id, parentIds))).map((row) => row.id) : [],
  )
  const taxCodes = [...new Set(run.flatMap((row) => (row.values.kind === 'enterprise' && row.values.taxCode ? [row.values.taxCode] : [])))]
  const taken = new Map(
    taxCodes.length
      ? (
          await tx
            .select({ id: organizations.id, taxCode: organizations.taxCode })
            .from(organizations)
            .where(and(eq(organizations.kind, 'enterprise'), inArray(organizations.taxCode, taxCodes)))
        ).map((row) => [row.taxCode!, row.id])
      : [],
  )

  const inserts: Ready[] = []
  const events: Array<{ id: string; types: CatalogueEventType[] }> = []
  const event = (type: CatalogueEventType, id: string) => events.push({ id, types: [type] })
  for (const row of run) {
    const current = known.get(row.key)
    const errors: FieldError[] = []
    if (row.values.parentId && !parents.has(row.values.parentId)) errors.push({ pointer: '#/parentId', detail: 'is not a known organisation' })
    if (current && row.values.parentId === current.id) errors.push({ pointer: '#/parentId', detail: 'is the organisation itself' })
    const taxCode = row.values.kind === 'enterprise' ? row.values.taxCode : null
    if (taxCode && taken.has(taxCode) && taken.get(taxCode) !== current?.id)
      errors.push({ pointer: '#/taxCode', detail: 'is the tax code of another enterprise' })
    if (current && current.kind !== row.values.kind) errors.push({ pointer: '#/kind', detail: `cannot change: the organisation is a ${current.kind}` })
    if (current?.mergedIntoId)
      errors.push({ pointer: '#', detail: `names organisation ${current.id}, which was merged into ${current.mergedIntoId} and is read-only` })
    if (errors.length > 0) {
      result.failed.push({ line: row.line, errors })
      continue
    }
    // Later rows of the run see this one's tax code as taken.
    if (taxCode) taken.set(taxCode, current?.id ?? `row:${row.line}`)
    if (!current) {
      inserts.push(row)
      continue
    }
    if (editableFields.every((field) => isDeepStrictEqual(current[field] ?? null, row.values[field] ?? null))) {
      result.done.push({ line: row.line, id: current.id, action: 'unchanged' })
      continue
    }
    const changes = Object.fromEntries(editableFields.map((field) => [field, row.values[field] ?? null]))
    await tx
      .update(organizations)
      .set({ ...changes, updatedAt: now, version: sql`${organizations.version} + 1` })
      .where(eq(organizations.id, current.id))
    result.done.push({ line: row.line, id: current.id, action: 'updated' })
    event('organization.updated', current.id)
  }
  if (inserts.length > 0) {
    const created = await tx
      .insert(organizations)
      .values(inserts.map((row) => ({ ...row.values, createdAt: now, updatedAt: now })))
      .returning({ id: organizations.id, externalId: organizations.externalId })
    const ids = new Map(created.map((row) => [row.externalId!, row.id]))
    for (const row of inserts) {
      const id = ids.get(row.key)!
      result.done.push({ line: row.line, id, action: 'created' })
      event('organization.created', id)
    }
  }
  await recordBatchEvents(context, events)
}

async function apply(context: BatchContext, rows: CheckedRow<OrganizationCreate>[]): Promise<BatchResult> {
  const result: BatchResult = { done: [], failed: [], warnings: [] }
  const ready: Ready[] = []
  for (const row of rows) {
    if (failed(row)) {
      result.failed.push(row)
      continue
    }
    const values = valuesOf(row)
    if (Array.isArray(values)) result.failed.push({ line: row.line, errors: values })
    else ready.push({ line: row.line, key: row.key, values })
  }
  for (const run of runsWithoutRepeats(ready, (row) => row.key)) await writeRun(context, run, result)
  // The runs' outcomes come in file order within each run; keep the batch's report in file order.
  result.done.sort((a, b) => a.line - b.line)
  return result
}

export const organizationImport = importHandler(validate, apply)
