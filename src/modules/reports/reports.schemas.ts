import { Type, type Static } from 'typebox'
import { Uuid, ref } from '../../http/common.schemas.ts'
import { DateOnly, Enum, Nullable, Timestamp } from '../../http/fields.ts'
import { dealStates } from '../deals/deals.process.ts'
import { ProvinceCode } from '../reference/reference.schemas.ts'

// GET /v1/reports/activity: what every centre (and organisation, province, region) did, by period.

export const groupings = ['none', 'organization', 'province', 'legacyProvince', 'region', 'sector', 'field'] as const
export type Grouping = (typeof groupings)[number]
export const periodKinds = ['month', 'quarter', 'year', 'all'] as const

/** The figures of a report, each counted for the organisation it is attributed to (see the route's description). */
export const metrics = {
  listingsPublished: 'Listings published in the period (by their owner)',
  demandsOpened: 'Demands opened in the period (by their owner)',
  matchesProposed: 'Matches put forward in the period, computed or by a broker (by the demand owner)',
  dealsStarted: 'Deals started in the period (by the provider: the listing owner)',
  eventDeals: 'Of those, the deals started at a workshop or fair (startDeal with eventId)',
  completedTransfers: 'Deals completed in the period: technology transfers done (by the provider)',
  transferValueVnd: 'The value of those transfers, VND',
  tasksStarted: 'Approved joint tasks starting in the period (by the lead)',
  tasksCompleted: 'Joint tasks completed in the period (by the lead)',
  taskFundingVnd: 'The funding of the tasks starting in the period, VND',
  eventsHeld: 'Workshops, fairs and connection sessions starting in the period (by the main organiser)',
  eventParticipants: 'The organisations taking part in those events (each counted once per event)',
} as const
export type Metric = keyof typeof metrics
export const metricNames = Object.keys(metrics) as Metric[]

const stateNames = dealStates.map((state) => state.name)

/** A range: YYYY-MM-DD..YYYY-MM-DD, both days included. */
const rangePattern = '[0-9]{4}-[0-9]{2}-[0-9]{2}\\.\\.[0-9]{4}-[0-9]{2}-[0-9]{2}'

export const ActivityQuery = Type.Object(
  {
    groupBy: Type.Optional(
      Enum(groupings, {
        title: 'ReportGrouping',
        description:
          "none (default): the whole exchange; organization; province (2025 units); legacyProvince (the 63 units, as filed); region (of the legacy unit); sector (VSIC section) or field (S&T field) of the technology: a listing's, a demand's, a deal's listing's, each fact under every code its record has (so groups may add up to more than the totals), 'none' for facts about no classified technology (tasks, events, records without codes)",
      }),
    ),
    period: Type.Optional(
      Enum(periodKinds, {
        title: 'ReportPeriod',
        description: 'How to cut [from, to] into periods (Vietnam time): month, quarter, year (default), or all (one period)',
      }),
    ),
    from: Type.Optional({ ...DateOnly, description: 'The first day counted (default 2016-01-01)' }),
    to: Type.Optional({ ...DateOnly, description: 'The last day counted (default today in Vietnam)' }),
    ranges: Type.Optional(
      Type.String({
        pattern: `^${rangePattern}(,${rangePattern}){0,5}$`,
        maxLength: 140,
        description:
          'Custom periods instead of period/from/to: up to 6 ranges, e.g. 2016-01-01..2020-12-31,2021-01-01..2025-12-31. With exactly two periods the report compares them',
      }),
    ),
    successor: Type.Optional(
      Type.Boolean({
        description:
          "true: a merged organisation's whole history counts under the organisation it was merged into. false (default): by date, what it did before its merge took effect (mergeEffectiveOn) under itself, and from that day on under its successor",
      }),
    ),
    organizationId: Type.Optional({ ...Uuid, description: 'Only what this organisation did (with successor=true, also those merged into it)' }),
    provinceCode: Type.Optional({
      ...ProvinceCode,
      description: 'Only organisations of this province (its 2025 unit; a legacy code means the unit it became)',
    }),
    metric: Type.Optional(
      Enum(metricNames, { title: 'ReportMetric', description: 'The figure that ranks the groups (and that the SVG chart draws); default listingsPublished' }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 500,
        default: 100,
        description: 'At most this many groups, those with the highest total of metric (1-500, default 100)',
      }),
    ),
    format: Type.Optional(
      Enum(
        ['json', 'csv', 'xlsx', 'svg'] as const,
        'json (default); csv: one line per group and period; xlsx: the same as an Excel workbook; svg: a chart of metric (lines for more than two periods, else bars), to embed with <img>',
      ),
    ),
  },
  { additionalProperties: false },
)
export type ActivityQuery = Static<typeof ActivityQuery>

const Figures = Type.Object(
  {
    ...Object.fromEntries(metricNames.map((name) => [name, Type.Integer({ description: metrics[name] })])),
    dealsByState: Type.Record(Type.String(), Type.Integer(), {
      description: `Deals started in the period, by the state they are in now (${stateNames.join(', ')})`,
    }),
  } as Record<Metric, ReturnType<typeof Type.Integer>> & { dealsByState: ReturnType<typeof Type.Record> },
  { $id: 'ActivityFigures' },
)
export type Figures = Record<Metric, number> & { dealsByState: Record<string, number> }

const Change = Type.Object(
  {
    first: Type.Integer(),
    second: Type.Integer(),
    difference: Type.Integer(),
    ratio: Nullable(Type.Number({ description: 'second / first; null when first is 0' })),
  },
  { title: 'ActivityChange' },
)

const SuccessfulModels = Type.Array(
  Type.Object(
    {
      id: Uuid,
      title: Type.String(),
      provider: Type.String({ description: 'The provider organisation' }),
      seeker: Type.String({ description: 'The seeker organisation' }),
      year: Type.Integer({ description: 'The year the transfer completed' }),
      provinceCode: Nullable(Type.String({ description: "The seeker's province (2025 unit)" })),
      url: Type.String({ description: 'The whole story: GET it' }),
    },
    { title: 'SuccessfulModel' },
  ),
  {
    description:
      "Published success stories of transfers completed in the report's years, of its organisation (provider or seeker) or province, newest first (at most 20): the successful models a DOST report names",
  },
)

export const ActivityReport = Type.Object(
  {
    groupBy: Enum(groupings, { title: 'ReportGrouping' }),
    period: Type.String({ description: 'month, quarter, year, all, or ranges' }),
    successor: Type.Boolean(),
    metric: Enum(metricNames, { title: 'ReportMetric' }),
    periods: Type.Array(Type.Object({ key: Type.String(), from: DateOnly, to: DateOnly }, { title: 'ActivityPeriod' })),
    groups: Type.Array(
      Type.Object(
        {
          key: Type.String({ description: 'The organisation id, the province code, the region id, the sector or S&T field code (none: unclassified), or all' }),
          label: Type.String(),
          values: Type.Array(ref(Figures), { description: 'One per period, in the order of periods' }),
          total: ref(Figures),
        },
        { title: 'ActivityGroup' },
      ),
    ),
    groupCount: Type.Integer({ description: 'How many groups had any activity (groups beyond limit are left out)' }),
    totals: Type.Object(
      { values: Type.Array(ref(Figures)), total: ref(Figures) },
      { title: 'ActivityTotals', description: 'Over every group, left out ones included' },
    ),
    comparison: Nullable(
      Type.Object(
        {
          first: Type.String(),
          second: Type.String(),
          groups: Type.Array(
            Type.Object({ key: Type.String(), label: Type.String(), changes: Type.Record(Type.String(), Change) }, { title: 'ActivityComparisonGroup' }),
          ),
          totals: Type.Record(Type.String(), Change),
        },
        { title: 'ActivityComparison', description: 'With exactly two periods: each figure in the first and the second, and how it changed' },
      ),
    ),
    successfulModels: SuccessfulModels,
  },
  { $id: 'ActivityReport' },
)
export type ActivityReport = Static<typeof ActivityReport>

// Plan against actual: the targets a DOST or the operator sets for a centre or a province, by year.

export const targetScopes = ['organization', 'province'] as const

export const TargetScopeParams = Type.Object(
  {
    scopeType: Enum(targetScopes, { title: 'TargetScope', description: 'organization: a centre (or any organisation); province: a province (2025 unit)' }),
    scopeId: Type.String({
      pattern: '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]{2})$',
      description: "The organisation's id, or the province's two-digit code (a legacy code means the unit it became)",
    }),
  },
  { additionalProperties: false },
)
export type TargetScopeParams = Static<typeof TargetScopeParams>

export const TargetYearParams = Type.Object(
  { ...TargetScopeParams.properties, year: Type.Integer({ minimum: 2000, maximum: 2100, description: 'The plan year' }) },
  { additionalProperties: false },
)
export type TargetYearParams = Static<typeof TargetYearParams>

export const TargetsInput = Type.Object(
  {
    targets: Type.Object(
      Object.fromEntries(
        metricNames.map((name) => [name, Type.Optional(Type.Integer({ minimum: 0, maximum: 1e15, description: `Target: ${metrics[name]}` }))]),
      ) as Record<Metric, ReturnType<typeof Type.Optional<ReturnType<typeof Type.Integer>>>>,
      { additionalProperties: false, title: 'ReportTargetValues', description: "The year's targets by figure; a figure left out has no target" },
    ),
  },
  { additionalProperties: false },
)
export type TargetsInput = Static<typeof TargetsInput>

export const PlanQuery = Type.Object(
  {
    from: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'The first year (default four years before to)' })),
    to: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, description: 'The last year (default this year, Vietnam time)' })),
    format: Type.Optional(Enum(['json', 'csv'] as const, 'json (default); csv: one line per year and figure with a target')),
  },
  { additionalProperties: false },
)
export type PlanQuery = Static<typeof PlanQuery>

const PlanLine = Type.Object(
  {
    metric: Enum(metricNames, { title: 'ReportMetric' }),
    target: Type.Integer(),
    actual: Type.Integer({ description: "The activity report's figure for the scope and year" }),
    attainment: Nullable(Type.Number({ description: 'actual / target, to three places; null when the target is 0' })),
  },
  { title: 'PlanLine' },
)

export const PlanReport = Type.Object(
  {
    scopeType: Enum(targetScopes, { title: 'TargetScope' }),
    scopeId: Type.String({ description: "The organisation's id or the province's 2025 code" }),
    label: Type.String({ description: "The organisation's or the province's name" }),
    years: Type.Array(
      Type.Object(
        {
          year: Type.Integer(),
          lines: Type.Array(PlanLine, { description: 'One per figure with a target, in the order of the report figures' }),
          setBy: Nullable({ ...Uuid, description: "The organisation whose key last set the year's targets" }),
          updatedAt: Nullable(Timestamp),
        },
        { title: 'PlanYear' },
      ),
      { description: 'Every year of the range, those without targets too (with no lines)' },
    ),
  },
  { $id: 'PlanReport' },
)
export type PlanReport = Static<typeof PlanReport>

// The activity summary: a centre's, a province's or the exchange's two periods side by side.

/** The two periods the seed's workshop compares. */
export const defaultSummaryRanges = '2016-01-01..2020-12-31,2021-01-01..2025-12-31'

export const SummaryQuery = Type.Object(
  {
    organizationId: Type.Optional({ ...Uuid, description: 'A centre (or any organisation), with those merged into it' }),
    provinceCode: Type.Optional({ ...ProvinceCode, description: 'A province (2025 unit; a legacy code means the unit it became): its organisations' }),
    ranges: Type.Optional(
      Type.String({
        pattern: `^${rangePattern},${rangePattern}$`,
        maxLength: 50,
        description: `The two periods compared (default ${defaultSummaryRanges})`,
      }),
    ),
    metric: Type.Optional(Enum(metricNames, { title: 'ReportMetric', description: 'The figure the chart draws (default completedTransfers)' })),
    format: Type.Optional(Enum(['json', 'html'] as const, 'json (default); html: a printable page (A4), chart and all')),
  },
  { additionalProperties: false },
)
export type SummaryQuery = Static<typeof SummaryQuery>

export const ActivitySummary = Type.Object(
  {
    scope: Type.Object(
      {
        type: Enum(['organization', 'province', 'exchange'] as const, { title: 'SummaryScope' }),
        id: Nullable(Type.String({ description: "The organisation's id or the province's 2025 code; null for the whole exchange" })),
        label: Type.String(),
      },
      { title: 'SummaryScopeOf' },
    ),
    periods: Type.Array(Type.Object({ key: Type.String(), from: DateOnly, to: DateOnly }, { title: 'ActivityPeriod' }), { minItems: 2, maxItems: 2 }),
    figures: Type.Array(
      Type.Object(
        {
          metric: Enum(metricNames, { title: 'ReportMetric' }),
          title: Type.String({ description: "The figure's title, in the language of Content-Language" }),
          first: Type.Integer(),
          second: Type.Integer(),
          difference: Type.Integer(),
          ratio: Nullable(Type.Number({ description: 'second / first; null when first is 0' })),
        },
        { title: 'SummaryFigure' },
      ),
      { description: 'Every figure of the activity report, in its order' },
    ),
    chart: Type.Object(
      {
        metric: Enum(metricNames, { title: 'ReportMetric' }),
        groupBy: Enum(groupings, { title: 'ReportGrouping' }),
        url: Type.String({ description: 'The chart as SVG (getActivityReport with format=svg), for an <img>' }),
      },
      { title: 'SummaryChart', description: "A province's centres, an organisation's two periods, or the exchange's regions" },
    ),
    successfulModels: SuccessfulModels,
    pageUrl: Type.String({ description: 'The same summary as a printable HTML page' }),
  },
  { $id: 'ActivitySummary' },
)
export type ActivitySummary = Static<typeof ActivitySummary>

export const reportSchemas = [Figures, ActivityReport, PlanReport, ActivitySummary]
