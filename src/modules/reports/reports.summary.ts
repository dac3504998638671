import type { Db } from '../../db/client.ts'
import type { Language } from '../../http/language.ts'
import type { Clock } from '../../lib/clock.ts'
import { notFound } from '../../lib/problem.ts'
import { provinceFilter, provinceName } from '../../core/places.ts'
import { findOrganization } from '../organizations/organizations.repo.ts'
import { metricTitles } from './reports.render.ts'
import { defaultSummaryRanges, metricNames, type ActivityReport, type ActivitySummary, type Grouping, type SummaryQuery } from './reports.schemas.ts'
import type { ReportService } from './reports.service.ts'

// The activity summary a centre or a DOST hands in: two periods (2016-2020 against 2021-2025 by
// default) side by side, every figure with its change, a chart and the successful models. It is
// the activity report read once, for one scope; reports.page.ts prints it.

const exchangeLabel: Record<Language, string> = { vi: 'Toàn sàn giao dịch công nghệ', en: 'The whole technology exchange' }

export function createSummaryService(deps: { db: Db; clock: Clock; reports: Pick<ReportService, 'activity'> }) {
  const { db, clock, reports } = deps

  /** The summary, the activity report it was read from (whose chart the page draws), and when. */
  async function summary(query: SummaryQuery, language: Language = 'vi'): Promise<{ summary: ActivitySummary; report: ActivityReport; madeAt: Date }> {
    const ranges = query.ranges ?? defaultSummaryRanges
    const metric = query.metric ?? 'completedTransfers'
    let scope: ActivitySummary['scope']
    // The chart: what the scope is made of, each bar a period.
    let groupBy: Grouping
    if (query.organizationId) {
      const organization = await findOrganization(db, query.organizationId)
      if (!organization) throw notFound('Organization', query.organizationId)
      scope = { type: 'organization', id: organization.id, label: organization.name }
      groupBy = 'none'
    } else if (query.provinceCode) {
      const code = provinceFilter(query.provinceCode, 'provinceCode')!
      scope = { type: 'province', id: code, label: provinceName(code)! }
      groupBy = 'organization'
    } else {
      scope = { type: 'exchange', id: null, label: exchangeLabel[language] }
      groupBy = 'region'
    }
    const activityQuery = {
      ranges,
      metric,
      groupBy,
      ...(scope.type === 'organization' ? { organizationId: scope.id!, successor: true } : {}),
      ...(scope.type === 'province' ? { provinceCode: scope.id! } : {}),
    }
    const report = await reports.activity({ ...activityQuery, limit: 12 }, language)
    const totals = report.comparison!.totals
    const chartParameters = new URLSearchParams({ ...stringValues(activityQuery), format: 'svg' })
    const pageParameters = new URLSearchParams({ ...stringValues({ ...query, ranges, metric }), format: 'html' })
    return {
      report,
      madeAt: clock.now(),
      summary: {
        scope,
        periods: report.periods,
        figures: metricNames.map((name) => ({ metric: name, title: metricTitles[language][name], ...totals[name]! })),
        chart: { metric, groupBy, url: `/v1/reports/activity?${chartParameters}` },
        successfulModels: report.successfulModels,
        pageUrl: `/v1/reports/summary?${pageParameters}`,
      },
    }
  }

  return { summary }
}

const stringValues = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).flatMap(([name, value]) => (value === undefined || name === 'format' ? [] : [[name, String(value)]])))

export type SummaryService = ReturnType<typeof createSummaryService>
