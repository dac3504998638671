import type { Db } from '../../db/client.ts'
import type { Language } from '../../http/language.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import { badRequest } from '../../lib/problem.ts'
import { dealStates } from '../deals/deals.process.ts'
import { legacyProvinces, provinceFilter, provinceName, regions } from '../../core/places.ts'
import { scienceFields, sectors } from '../reference/vocabularies.ts'
import { activityFacts, readRetirements, type Bucketing, type FactRow } from './reports.repo.ts'
import { listModels } from '../success-stories/success-stories.repo.ts'
import { party } from '../success-stories/success-stories.view.ts'
import { findOrganizationSummaries, organizationsMergedInto } from '../organizations/organizations.repo.ts'
import { metricNames, type ActivityQuery, type ActivityReport, type Figures, type Grouping, type Metric } from './reports.schemas.ts'

/** The exchange's records start in 2016: the first period the workshop compares (2016-2020). */
const defaultFrom = '2016-01-01'
/** month over ten years is 120 periods; more would make an unreadable report. */
const maxPeriods = 240

type Period = { key: string; from: string; to: string }

const metricIndex = new Map(metricNames.map((name, index) => [name, index]))
const transferValueIndex = metricIndex.get('transferValueVnd')!
const taskFundingIndex = metricIndex.get('taskFundingVnd')!
const eventParticipantsIndex = metricIndex.get('eventParticipants')!

/**
 * A group's figures while the fact rows come in: one flat array of counts per period and metric,
 * and the deals by state. Figures objects are made only for the groups a report shows, so a
 * report over 5,000 organisations does not build 5,000 x periods of them.
 */
class Tally {
  readonly counts: Float64Array
  readonly states: Array<Record<string, number>>
  constructor(readonly periodCount: number) {
    this.counts = new Float64Array(periodCount * metricNames.length)
    this.states = Array.from({ length: periodCount }, () => ({}))
  }

  /** Where a fact row's count (and amount) goes. */
  add(position: number, row: FactRow) {
    if (row.metric.startsWith('state:')) {
      const state = row.metric.slice('state:'.length)
      this.states[position]![state] = (this.states[position]![state] ?? 0) + row.n
      return
    }
    const base = position * metricNames.length
    this.counts[base + metricIndex.get(row.metric as Metric)!]! += row.n
    if (row.metric === 'completedTransfers') this.counts[base + transferValueIndex]! += row.amount
    if (row.metric === 'tasksStarted') this.counts[base + taskFundingIndex]! += row.amount
    if (row.metric === 'eventsHeld') this.counts[base + eventParticipantsIndex]! += row.amount
  }

  /** The total of one metric over the periods: what ranks the groups. */
  sum(metric: Metric): number {
    const index = metricIndex.get(metric)!
    let sum = 0
    for (let position = 0; position < this.periodCount; position++) sum += this.counts[position * metricNames.length + index]!
    return sum
  }

  figures(position: number): Figures {
    const base = position * metricNames.length
    return {
      ...(Object.fromEntries(metricNames.map((name, index) => [name, this.counts[base + index]!])) as Record<Metric, number>),
      dealsByState: { ...this.states[position] },
    }
  }

  total(): Figures {
    const total = Object.fromEntries(metricNames.map((name) => [name, this.sum(name)])) as Record<Metric, number>
    const dealsByState: Record<string, number> = {}
    for (const states of this.states) for (const [state, n] of Object.entries(states)) dealsByState[state] = (dealsByState[state] ?? 0) + n
    return { ...total, dealsByState }
  }
}

/** One collator for every sort: localeCompare with a locale builds a new one per comparison. */
const vietnameseOrder = new Intl.Collator('vi')

const pad = (n: number) => String(n).padStart(2, '0')
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** The calendar periods (Vietnam dates) that [from, to] touches, each clipped to it. */
function calendarPeriods(kind: 'month' | 'quarter' | 'year' | 'all', from: string, to: string): Period[] {
  if (kind === 'all') return [{ key: 'all', from, to }]
  const months = kind === 'month' ? 1 : kind === 'quarter' ? 3 : 12
  const periods: Period[] = []
  let year = Number(from.slice(0, 4))
  let month = kind === 'year' ? 1 : Math.floor((Number(from.slice(5, 7)) - 1) / months) * months + 1
  for (;;) {
    const start = `${year}-${pad(month)}-01`
    if (start > to) return periods
    const endMonth = month + months - 1
    const end = `${year}-${pad(endMonth)}-${pad(lastDay(year, endMonth))}`
    const key = kind === 'month' ? `${year}-${pad(month)}` : kind === 'quarter' ? `${year}-Q${(month - 1) / 3 + 1}` : String(year)
    periods.push({ key, from: start < from ? from : start, to: end > to ? to : end })
    if (periods.length > maxPeriods)
      throw badRequest('too_many_periods', `At most ${maxPeriods} periods; widen the period or narrow from/to`, [
        { pointer: '#/query/period', detail: 'cuts the range into too many periods' },
      ])
    month += months
    if (month > 12) {
      month -= 12
      year += 1
    }
  }
}

const isDate = (text: string) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text

function parseRanges(text: string): Period[] {
  const periods = text.split(',').map((range, index) => {
    const [from, to] = range.split('..') as [string, string]
    if (!isDate(from) || !isDate(to) || to < from) {
      throw badRequest('invalid_range', `Range ${index + 1} (${range}) is not two real days in order`, [
        { pointer: '#/query/ranges', detail: `range ${index + 1} is not valid` },
      ])
    }
    return { key: range, from, to }
  })
  const sorted = [...periods].sort((a, b) => a.from.localeCompare(b.from))
  for (let index = 1; index < sorted.length; index++) {
    if (sorted[index]!.from <= sorted[index - 1]!.to)
      throw badRequest('invalid_range', 'Ranges overlap; a fact would count twice', [{ pointer: '#/query/ranges', detail: 'ranges overlap' }])
  }
  return periods
}

const legacyNames = new Map(legacyProvinces.map((legacy) => [legacy.code, legacy.fullName]))
const regionOfLegacy = new Map(legacyProvinces.map((legacy) => [legacy.code, legacy.regionId]))

/** Labels the exchange writes itself, in either language (place names stay as the reference data has them). */
const ownLabels = {
  vi: { all: 'Toàn sàn', noProvince: 'Chưa rõ tỉnh', noRegion: 'Chưa rõ vùng', unclassified: 'Chưa phân loại' },
  en: { all: 'Whole exchange', noProvince: 'Province unknown', noRegion: 'Region unknown', unclassified: 'Unclassified' },
} satisfies Record<Language, Record<string, string>>

/** The group a fact row goes to, with its label: regions and province names come from the reference data. */
function groupOf(grouping: Grouping, row: FactRow, language: Language): { key: string; label: string } {
  const own = ownLabels[language]
  switch (grouping) {
    case 'none':
      return { key: 'all', label: own.all }
    case 'organization':
      return { key: row.groupKey, label: row.label ?? row.groupKey }
    case 'province':
      return { key: row.groupKey || 'unknown', label: provinceName(row.groupKey) ?? own.noProvince }
    case 'legacyProvince':
      return { key: row.groupKey || 'unknown', label: legacyNames.get(row.groupKey) ?? own.noProvince }
    case 'sector':
    case 'field': {
      const term = (grouping === 'sector' ? sectors : scienceFields).find((candidate) => candidate.code === row.groupKey)
      if (!term) return { key: 'none', label: own.unclassified }
      return { key: term.code, label: language === 'vi' ? term.labelVi : term.labelEn }
    }
    case 'region': {
      const region = regions.find((candidate) => candidate.id === regionOfLegacy.get(row.groupKey))
      if (!region) return { key: 'unknown', label: own.noRegion }
      return { key: String(region.id), label: language === 'vi' ? region.labelVi : region.labelEn }
    }
  }
}

function change(first: number, second: number) {
  return { first, second, difference: second - first, ratio: first === 0 ? null : Math.round((second / first) * 1000) / 1000 }
}

function changes(first: Figures, second: Figures) {
  return Object.fromEntries(metricNames.map((name) => [name, change(first[name], second[name])]))
}

export function createReportService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps

  /** The report, its labels in `language`. */
  async function activity(query: ActivityQuery, language: Language = 'vi'): Promise<ActivityReport> {
    const grouping = query.groupBy ?? 'none'
    const metric = query.metric ?? 'listingsPublished'
    const successor = query.successor ?? false
    const today = vietnamDate(clock.now())
    let periods: Period[]
    let bucketing: Bucketing
    let periodName: string
    if (query.ranges) {
      periods = parseRanges(query.ranges)
      bucketing = { kind: 'ranges', ranges: periods }
      periodName = 'ranges'
    } else {
      const from = query.from ?? defaultFrom
      const to = query.to ?? today
      if (to < from) throw badRequest('invalid_range', 'to is before from', [{ pointer: '#/query/to', detail: 'is before from' }])
      const kind = query.period ?? 'year'
      periods = calendarPeriods(kind, from, to)
      bucketing = { kind }
      periodName = kind
    }
    const province = provinceFilter(query.provinceCode, 'provinceCode')
    const scope = { periods, bucketing, successor, organizationId: query.organizationId, currentProvinceCode: province }
    const overlapping = grouping === 'sector' || grouping === 'field'
    // Read once for both groupings below.
    const retired = overlapping ? await readRetirements(db, periods) : undefined
    const rows = await activityFacts(db, { ...scope, grouping }, retired)

    const index = new Map(periods.map((period, position) => [period.key, position]))
    const groups = new Map<string, { key: string; label: string; tally: Tally }>()
    const everything = new Tally(periods.length)
    for (const row of rows) {
      const position = index.get(row.bucket)
      if (position === undefined) continue
      const { key, label } = groupOf(grouping, row, language)
      let group = groups.get(key)
      if (!group) groups.set(key, (group = { key, label, tally: new Tally(periods.length) }))
      group.tally.add(position, row)
      if (!overlapping) everything.add(position, row)
    }
    // A fact counts in each of its record's sectors or fields: the totals count it once.
    if (overlapping) {
      const once = await activityFacts(db, { ...scope, grouping: 'none' }, retired)
      for (const row of once) {
        const position = index.get(row.bucket)
        if (position !== undefined) everything.add(position, row)
      }
    }
    const ranked = [...groups.values()]
      .map((group) => ({ ...group, rank: group.tally.sum(metric) }))
      .sort((a, b) => b.rank - a.rank || vietnameseOrder.compare(a.label, b.label))
      .slice(0, query.limit ?? 100)
      .map(({ key, label, tally }) => ({ key, label, values: periods.map((_, position) => tally.figures(position)), total: tally.total() }))
    const totals = { values: periods.map((_, position) => everything.figures(position)), total: everything.total() }
    const comparison =
      periods.length === 2
        ? {
            first: periods[0]!.key,
            second: periods[1]!.key,
            groups: ranked.map((group) => ({ key: group.key, label: group.label, changes: changes(group.values[0]!, group.values[1]!) })),
            totals: changes(totals.values[0]!, totals.values[1]!),
          }
        : null
    return {
      groupBy: grouping,
      period: periodName,
      successor,
      metric,
      periods,
      groups: ranked,
      groupCount: groups.size,
      totals,
      comparison,
      successfulModels: await successfulModels(periods, { organizationId: query.organizationId, successor, currentProvinceCode: province }),
    } as ActivityReport
  }

  /** The published stories within the report's years and scope (with successor=true, of the organisations merged into it too). */
  async function successfulModels(periods: Period[], scope: { organizationId?: string; successor: boolean; currentProvinceCode?: string }) {
    const organizationIds = scope.organizationId
      ? scope.successor
        ? [scope.organizationId, ...(await organizationsMergedInto(db, scope.organizationId))]
        : [scope.organizationId]
      : undefined
    const rows = await listModels(db, {
      fromYear: Math.min(...periods.map((period) => Number(period.from.slice(0, 4)))),
      toYear: Math.max(...periods.map((period) => Number(period.to.slice(0, 4)))),
      organizationIds,
      currentProvinceCode: scope.currentProvinceCode,
      limit: 20,
    })
    const organizations = await findOrganizationSummaries(
      db,
      rows.flatMap((row) => [row.providerId, row.seekerId]),
    )
    return rows.map((row) => ({
      id: row.id,
      title: row.title,
      provider: party(organizations, row.providerId).name,
      seeker: party(organizations, row.seekerId).name,
      year: row.year,
      provinceCode: row.currentProvinceCode,
      url: `/v1/success-stories/${row.id}`,
    }))
  }

  return { activity }
}

export type ReportService = ReturnType<typeof createReportService>

/** The deal states, for the CSV's columns. */
export const dealStateNames = dealStates.map((state) => state.name)
