import { and, arrayOverlaps, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { Db, Tx } from '../../db/client.ts'
import { demands, listings, type SplitRule } from '../../db/schema/index.ts'
import { resolveProvince } from '../../core/places.ts'
import { conflict, forbidden, notFound, preconditionFailed, unprocessable, type AppError } from '../../lib/problem.ts'
import type { Actor } from '../../core/actor.ts'
import type { CatalogueEvent } from '../../core/catalogue-events.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import type { Clock } from '../../lib/clock.ts'
import type { OrganizationHooks } from './organizations.hooks.ts'
import { effectiveDay, lockInOrder, retire } from './organizations.merge.ts'
import type { OrganizationSplit } from './organizations.schemas.ts'

// Splitting organisation A (a centre divided between two provinces' centres): A's listings and
// demands pass to several successors by rule. As in a merge, who filed a record stays a historical
// fact: each record keeps A as its owner and gains a steward (steward_id), the successor the first
// matching rule names, which manages it from then on (retiring only, as after a merge). A turns
// read-only, its keys are revoked and its delegations close; merged_into_id names the default
// successor, so everything that knows merges treats A as retired. Reports count A's facts before
// the effective day for A, and from it on for each record's steward (modules/reports/reports.repo.ts).

type RuleError = { pointer: string; detail: string }

/** The rules as stored: provinces as their 2025 units, no duplicates, empty lists where absent. */
function rulesOf(input: OrganizationSplit): SplitRule[] {
  return input.successors.map((rule, index) => ({
    organizationId: rule.organizationId,
    provinceCodes: [...new Set((rule.provinceCodes ?? []).map((code, at) => resolveProvince(code, `#/successors/${index}/provinceCodes/${at}`)))],
    sectors: [...new Set(rule.sectors ?? [])],
  }))
}

/** What is wrong with the rules' shape: only the last has no condition, and two successors at least. */
function shapeErrors(rules: SplitRule[]): RuleError[] {
  const errors: RuleError[] = []
  const unconditional = (rule: SplitRule) => rule.provinceCodes.length === 0 && rule.sectors.length === 0
  rules.forEach((rule, index) => {
    const last = index === rules.length - 1
    if (last && !unconditional(rule)) errors.push({ pointer: `#/successors/${index}`, detail: 'is the last rule, the default successor: it has no condition' })
    if (!last && unconditional(rule))
      errors.push({ pointer: `#/successors/${index}`, detail: 'has no condition; only the last rule (the default) may have none' })
  })
  if (new Set(rules.map((rule) => rule.organizationId)).size < 2)
    errors.push({ pointer: '#/successors', detail: 'names one successor; a split passes the records to two or more (merge into one instead)' })
  return errors
}

const invalidSplit = (errors: RuleError[]): AppError => unprocessable('invalid_successor', 'The split rules cannot be applied; see errors', errors)

/**
 * The steward of each of A's records: the first rule whose provinces meet the record's and whose
 * sectors meet its sectors (a listing may name several provinces; any one meets). The rules are
 * applied in order, each to the records no earlier rule took, one statement per rule and table.
 */
async function assignStewards(tx: Tx, organizationId: string, rules: SplitRule[], now: Date) {
  for (const rule of rules) {
    const changed = { stewardId: rule.organizationId, updatedAt: now }
    const sectorsMeet = (column: typeof listings.sectors | typeof demands.sectors) =>
      rule.sectors.length === 0 ? undefined : arrayOverlaps(column, rule.sectors)
    await tx
      .update(listings)
      .set({ ...changed, version: sql`${listings.version} + 1` })
      .where(
        and(
          eq(listings.ownerId, organizationId),
          isNull(listings.stewardId),
          rule.provinceCodes.length === 0 ? undefined : arrayOverlaps(listings.currentProvinceCodes, rule.provinceCodes),
          sectorsMeet(listings.sectors),
        ),
      )
    await tx
      .update(demands)
      .set({ ...changed, version: sql`${demands.version} + 1` })
      .where(
        and(
          eq(demands.ownerId, organizationId),
          isNull(demands.stewardId),
          rule.provinceCodes.length === 0 ? undefined : inArray(demands.currentProvinceCode, rule.provinceCodes),
          sectorsMeet(demands.sectors),
        ),
      )
  }
}

export async function splitOrganization(
  deps: { db: Db; clock: Clock; recordEvents: RecordEvents; catalogueEvent: CatalogueEvent; hooks: OrganizationHooks; exchangeId: string },
  actor: Actor,
  id: string,
  input: OrganizationSplit,
  expectedVersion?: number,
) {
  if (actor.role !== 'operator') throw forbidden('Only the exchange operator splits organisations')
  const rules = rulesOf(input)
  const shape = shapeErrors(rules)
  if (shape.length > 0) throw invalidSplit(shape)
  const successorIds = [...new Set(rules.map((rule) => rule.organizationId))]
  return deps.db.transaction(async (tx) => {
    const locked = await lockInOrder(tx, [id, ...successorIds])
    const split = locked.get(id)
    if (!split) throw notFound('Organization', id)
    if (split.mergedIntoId !== null) {
      throw conflict('already_merged', `Organisation ${id} was already merged or split at ${split.mergedAt?.toISOString()}; a merge or split is applied once`)
    }
    const errors: RuleError[] = []
    rules.forEach((rule, index) => {
      const successor = locked.get(rule.organizationId)
      const pointer = `#/successors/${index}/organizationId`
      if (rule.organizationId === id) errors.push({ pointer, detail: 'is the organisation being split' })
      else if (!successor) errors.push({ pointer, detail: 'is not a known organisation' })
      else if (successor.mergedIntoId !== null) errors.push({ pointer, detail: `was merged or split into ${successor.mergedIntoId}; name the final successor` })
    })
    if (errors.length > 0) throw invalidSplit(errors)
    if (expectedVersion !== undefined && expectedVersion !== split.version) throw preconditionFailed()

    const now = deps.clock.now()
    const effectiveOn = effectiveDay(input.effectiveOn, now, 'split')
    const defaultSuccessor = rules.at(-1)!.organizationId
    await assignStewards(tx, id, rules, now)
    return retire(tx, deps, actor, split, {
      values: { mergedIntoId: defaultSuccessor, mergedAt: now, mergeEffectiveOn: effectiveOn, splitInto: rules },
      operation: 'organization.split',
      // Mirrors drop A and give each of its records the steward the rules (in the payload) name.
      event: { type: 'organization.split', extra: { successorId: defaultSuccessor, successors: rules } },
      reason: input.reason,
      now,
    })
  })
}
