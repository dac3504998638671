import { and, asc, between, eq, notInArray, sql } from 'drizzle-orm'
import type { Db, DbOrTx } from '../../db/client.ts'
import { reportTargets, type TargetScope } from '../../db/schema/index.ts'
import type { Language } from '../../http/language.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import { badRequest, forbidden, notFound } from '../../lib/problem.ts'
import { writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { currentProvinceCode, provinceName } from '../../core/places.ts'
import { findOrganization } from '../organizations/organizations.repo.ts'
import { metricNames, type Metric, type PlanQuery, type PlanReport, type TargetsInput } from './reports.schemas.ts'
import type { ReportService } from './reports.service.ts'

// Plan against actual (docs/reports.md): the operator, or a province's DOST for its province and
// the organisations in it, sets a year's targets for a centre or a province; the plan report puts
// each beside the activity report's figure for the same scope and year.

/** Years a plan report covers at most. */
const maxYears = 30

type Scope = { type: TargetScope; id: string; label: string; provinceCode: string | null }

/** The figures set, by name, in the report's order. */
type Values = Partial<Record<Metric, number>>

export function createTargetService(deps: { db: Db; clock: Clock; reports: Pick<ReportService, 'activity'> }) {
  const { db, clock, reports } = deps

  /** The centre or province the path names; 404 when there is none. A legacy province code means the unit it became. */
  async function scopeOf(conn: DbOrTx, type: TargetScope, id: string): Promise<Scope> {
    if (type === 'province') {
      const code = currentProvinceCode(id)
      if (!code) throw notFound('Province', id)
      return { type, id: code, label: provinceName(code)!, provinceCode: code }
    }
    const organization = await findOrganization(conn, id.toLowerCase())
    if (!organization) throw notFound('Organization', id)
    return { type, id: organization.id, label: organization.name, provinceCode: organization.currentProvinceCode }
  }

  /** The operator sets any plan; a DOST (an authority's writing key) those of its own province and the organisations in it. */
  async function assertSets(conn: DbOrTx, actor: Actor, scope: Scope) {
    if (actor.role === 'operator') return
    const refusal = "Only the operator, or the DOST of the scope's province (its admin or editor keys), sets targets"
    if (actor.organizationKind !== 'authority' || !writesContent(actor)) throw forbidden(refusal)
    const authority = await findOrganization(conn, actor.organizationId)
    if (!authority?.currentProvinceCode || authority.currentProvinceCode !== scope.provinceCode)
      throw forbidden(`${refusal}: ${scope.label} is not in this DOST's province`)
  }

  const where = (scope: Scope, from: number, to: number) =>
    and(eq(reportTargets.scopeType, scope.type), eq(reportTargets.scopeId, scope.id), between(reportTargets.year, from, to))

  /** The plan of [from, to] beside the activity report's figures for the same scope and years. */
  async function report(scope: Scope, from: number, to: number, language: Language): Promise<PlanReport> {
    const rows = await db
      .select()
      .from(reportTargets)
      .where(where(scope, from, to))
      .orderBy(asc(reportTargets.year))
    // The actual figures: the activity report's, by year. An organisation's include those merged into it.
    const activity = await reports.activity(
      {
        period: 'year',
        from: `${from}-01-01`,
        to: `${to}-12-31`,
        ...(scope.type === 'organization' ? { organizationId: scope.id, successor: true } : { provinceCode: scope.id }),
        limit: 1,
      },
      language,
    )
    const years = []
    for (let year = from; year <= to; year++) {
      const ofYear = rows.filter((row) => row.year === year)
      const actual = activity.totals.values[year - from]!
      const targets = new Map(ofYear.map((row) => [row.metric, row.target]))
      const latest = ofYear.reduce<(typeof ofYear)[number] | undefined>((last, row) => (!last || row.updatedAt > last.updatedAt ? row : last), undefined)
      years.push({
        year,
        lines: metricNames
          .filter((metric) => targets.has(metric))
          .map((metric) => {
            const target = targets.get(metric)!
            return { metric, target, actual: actual[metric], attainment: target === 0 ? null : Math.round((actual[metric] / target) * 1000) / 1000 }
          }),
        setBy: latest?.setByOrganizationId ?? null,
        updatedAt: latest?.updatedAt.toISOString() ?? null,
      })
    }
    return { scopeType: scope.type, scopeId: scope.id, label: scope.label, years }
  }

  async function plan(type: TargetScope, id: string, query: PlanQuery, language: Language = 'vi'): Promise<PlanReport> {
    const to = query.to ?? Number(vietnamDate(clock.now()).slice(0, 4))
    const from = query.from ?? to - 4
    if (to < from) throw badRequest('invalid_range', 'to is before from', [{ pointer: '#/query/to', detail: 'is before from' }])
    if (to - from + 1 > maxYears)
      throw badRequest('invalid_range', `At most ${maxYears} years in one plan report`, [
        { pointer: '#/query/from', detail: `is more than ${maxYears} years before to` },
      ])
    return report(await scopeOf(db, type, id), from, to, language)
  }

  /** Sets a year's targets as given: a figure left out loses its target. Answers the year's plan against actual. */
  async function setYear(actor: Actor, type: TargetScope, id: string, year: number, input: TargetsInput, language: Language = 'vi'): Promise<PlanReport> {
    const scope = await db.transaction(async (tx) => {
      const scope = await scopeOf(tx, type, id)
      await assertSets(tx, actor, scope)
      const now = clock.now()
      const given = Object.entries(input.targets).filter((entry): entry is [Metric, number] => entry[1] !== undefined)
      const before: Values = Object.fromEntries(
        (
          await tx
            .select()
            .from(reportTargets)
            .where(where(scope, year, year))
            .for('update')
        ).map((row) => [row.metric, row.target]),
      )
      const names = given.map(([metric]) => metric)
      await tx.delete(reportTargets).where(and(where(scope, year, year), ...(names.length > 0 ? [notInArray(reportTargets.metric, names)] : [])))
      if (given.length > 0)
        await tx
          .insert(reportTargets)
          .values(
            given.map(([metric, target]) => ({
              scopeType: scope.type,
              scopeId: scope.id,
              year,
              metric,
              target,
              setByOrganizationId: actor.organizationId,
              updatedAt: now,
            })),
          )
          .onConflictDoUpdate({
            target: [reportTargets.scopeType, reportTargets.scopeId, reportTargets.year, reportTargets.metric],
            set: { target: sql`excluded.target`, setByOrganizationId: actor.organizationId, updatedAt: now },
          })
      const after: Values = Object.fromEntries(given)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: scope.type === 'organization' ? scope.id : null,
        operation: 'report_target.set',
        targetType: 'report_target',
        targetId: `${scope.type}/${scope.id}/${year}`,
        before: withNulls(before),
        after: withNulls(after),
        occurredAt: now,
      })
      return scope
    })
    return report(scope, year, year, language)
  }

  return { plan, setYear }
}

/** Every figure, null where it has no target: so the audit entry shows a target removed as a change to null. */
const withNulls = (values: Values) => Object.fromEntries(metricNames.map((metric) => [metric, values[metric] ?? null]))

export type TargetService = ReturnType<typeof createTargetService>
