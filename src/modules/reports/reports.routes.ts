import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireActor } from '../../http/auth.ts'
import { bearerSecurity, errorResponses, headersOf, ref } from '../../http/common.schemas.ts'
import { chooseLanguage, declareLanguage } from '../../http/language.ts'
import { activityCsv, activitySvg, activityXlsx, planCsv } from './reports.render.ts'
import { summaryPage } from './reports.page.ts'
import {
  ActivityQuery,
  ActivityReport,
  ActivitySummary,
  SummaryQuery,
  PlanQuery,
  PlanReport,
  TargetScopeParams,
  TargetYearParams,
  TargetsInput,
} from './reports.schemas.ts'

const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** A rendered file as the payload: a Buffer goes out as it is, past the JSON serializer. */
const rendered = (body: string | Buffer) => (typeof body === 'string' ? Buffer.from(body) : body) as unknown as string

/** Activity reports (/v1/reports). */
export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const reports = app.services.reports
  const targets = app.services.reportTargets
  const summaries = app.services.reportSummaries

  app.get(
    '/activity',
    {
      schema: {
        operationId: 'getActivityReport',
        tags: ['reports'],
        summary: 'Activity by organisation, province or region, and period',
        description:
          'What the exchange did, by period (month, quarter, year, all, or custom ranges such as 2016-01-01..2020-12-31,2021-01-01..2025-12-31, in Vietnam time) and by group (none, organization, province, legacyProvince, region, or the sector or S&T field of the technology, where a record in two sectors counts in both and the totals count it once): listings published and demands opened (by their owner), matches put forward (by the demand owner), deals started, by state and completed with their value (by the provider), and approved joint tasks started with their funding and completed (by the lead). ' +
          "With exactly two periods, each figure is compared (difference and ratio). A merged organisation's facts count under itself before its merge took effect (mergeEffectiveOn) and under its successor from that day on; successor=true counts its whole history under the successor. format=csv gives one line per group and period, format=xlsx the same as an Excel workbook; format=svg a chart of metric, every period present: lines over time for more than two periods (a line per group, the first eight), bars for one or two (a cluster per group, the first twelve, named in a key when the names are long), that a portal embeds with <img>. Figures are current as of the last committed write: the roll-up they are read from changes in the same transaction as the records. Public: aggregates only.",
        querystring: ActivityQuery,
        response: {
          200: {
            description: 'The report; its labels and chart titles in the language of Content-Language',
            headers: headersOf('Content-Language'),
            content: {
              'application/json': { schema: ref(ActivityReport) },
              'text/csv': {
                schema: Type.String({
                  description:
                    "UTF-8 with a byte order mark (for Excel). A header line of column titles in the language of Content-Language, then one line per group and period: group key and label, period key, from, to, each metric, then the deals by state. A cell starting with = + - @ ' tab or CR is written with a leading apostrophe (formula injection)",
                }),
              },
              [xlsxType]: {
                schema: Type.String({
                  format: 'binary',
                  description: 'The rows of the CSV as an Excel workbook: figures as numbers, the header bold and frozen',
                }),
              },
              'image/svg+xml': { schema: Type.String({ description: 'A chart of metric: lines for more than two periods, else bars' }) },
            },
          },
          ...errorResponses(400, 401),
        },
      },
    },
    async (request, reply) => {
      // Labels and chart titles follow Accept-Language; figures, keys and place names do not.
      const language = chooseLanguage(request)
      declareLanguage(reply, language)
      const report = await reports.activity(request.query, language)
      switch (request.query.format ?? 'json') {
        case 'csv':
          return reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="activity.csv"')
            .send(rendered(activityCsv(report, language)))
        case 'xlsx':
          return reply
            .header('content-type', xlsxType)
            .header('content-disposition', 'attachment; filename="activity.xlsx"')
            .send(rendered(await activityXlsx(report, language)))
        case 'svg':
          // Made to be embedded by portals on other origins: the default same-origin policy would
          // keep their <img> from loading it.
          return reply
            .header('content-type', 'image/svg+xml; charset=utf-8')
            .header('cross-origin-resource-policy', 'cross-origin')
            .send(rendered(activitySvg(report, language)))
        default:
          return reply.header('content-type', 'application/json; charset=utf-8').send(report)
      }
    },
  )

  app.get(
    '/targets/:scopeType/:scopeId',
    {
      schema: {
        operationId: 'getPlanReport',
        tags: ['reports'],
        summary: "A centre's or a province's targets against what it did, by year",
        description:
          "Plan against actual: for each year from..to (default the last five, this one included), every figure the year has a target for, beside the activity report's figure for the same scope and year (an organisation's with those merged into it, as successor=true; a province's by its organisations), and the attainment (actual / target). Years without targets are listed with no lines. format=csv gives one line per year and figure, with a byte order mark and titles in the language of Content-Language. Public, as the activity report is.",
        params: TargetScopeParams,
        querystring: PlanQuery,
        response: {
          200: {
            description: 'The plan against actual',
            headers: headersOf('Content-Language'),
            content: {
              'application/json': { schema: ref(PlanReport) },
              'text/csv': { schema: Type.String({ description: 'UTF-8 with a byte order mark: year, figure key, figure title, target, actual, attainment' }) },
            },
          },
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const language = chooseLanguage(request)
      declareLanguage(reply, language)
      const plan = await targets.plan(request.params.scopeType, request.params.scopeId, request.query, language)
      if (request.query.format === 'csv')
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="plan.csv"')
          .send(rendered(planCsv(plan, language)))
      return reply.header('content-type', 'application/json; charset=utf-8').send(plan)
    },
  )

  app.put(
    '/targets/:scopeType/:scopeId/:year',
    {
      schema: {
        operationId: 'setReportTargets',
        tags: ['reports'],
        summary: "Set a centre's or a province's targets for a year",
        description:
          "Replaces the year's targets of the scope with those given (a figure left out has no target afterwards; {} clears the year). Who may: the operator, and a DOST (an authority's admin or editor keys) for its own province and the organisations in it (403 for everyone else). Recorded in the audit trail (report_target.set). Answers the year's plan against actual.",
        security: bearerSecurity,
        params: TargetYearParams,
        body: TargetsInput,
        response: {
          200: {
            description: "The year's plan against actual",
            headers: headersOf('Content-Language'),
            content: { 'application/json': { schema: ref(PlanReport) } },
          },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request)
      const language = chooseLanguage(request)
      declareLanguage(reply, language)
      const { scopeType, scopeId, year } = request.params
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .send(await targets.setYear(actor, scopeType, scopeId, year, request.body, language))
    },
  )

  app.get(
    '/summary',
    {
      schema: {
        operationId: 'getActivitySummary',
        tags: ['reports'],
        summary: "A centre's, a province's or the exchange's activity summary for two periods, as JSON or a printable page",
        description:
          "What a centre or a DOST hands in: two periods side by side (default 2016-2020 against 2021-2025), every figure of the activity report with its change and ratio, a chart of metric (an organisation's two periods; a province's centres, the first twelve; the exchange's regions) and the successful models (published success stories) of those years. An organisation's figures include those merged into it (successor=true); a province's are its organisations'. format=html gives the same as a printable A4 page, with the chart inline and no script, in the language of Content-Language, to print or to save as PDF. Public, as the activity report is.",
        querystring: SummaryQuery,
        response: {
          200: {
            description: 'The summary',
            headers: headersOf('Content-Language'),
            content: {
              'application/json': { schema: ref(ActivitySummary) },
              'text/html': { schema: Type.String({ description: 'A printable page: the figures, the chart (inline SVG) and the successful models' }) },
            },
          },
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const language = chooseLanguage(request)
      declareLanguage(reply, language)
      const { summary, report, madeAt } = await summaries.summary(request.query, language)
      if (request.query.format === 'html')
        return (
          reply
            .header('content-type', 'text/html; charset=utf-8')
            // Its own style and inline SVG only: nothing to load, nothing to run.
            .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
            .send(rendered(summaryPage(summary, report, language, madeAt)))
        )
      return reply.header('content-type', 'application/json; charset=utf-8').send(summary)
    },
  )
}
