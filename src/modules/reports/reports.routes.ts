import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses, headersOf, ref } from '../../http/common.schemas.ts'
import { chooseLanguage, declareLanguage } from '../../http/language.ts'
import { activityCsv, activitySvg, activityXlsx } from './reports.render.ts'
import { ActivityQuery, ActivityReport } from './reports.schemas.ts'

const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** A rendered file as the payload: a Buffer goes out as it is, past the JSON serializer. */
const rendered = (body: string | Buffer) => (typeof body === 'string' ? Buffer.from(body) : body) as unknown as string

/** Activity reports (/v1/reports). */
export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const reports = app.services.reports

  app.get(
    '/activity',
    {
      schema: {
        operationId: 'getActivityReport',
        tags: ['reports'],
        summary: 'Activity by organisation, province or region, and period',
        description:
          'What the exchange did, by period (month, quarter, year, all, or custom ranges such as 2016-01-01..2020-12-31,2021-01-01..2025-12-31, in Vietnam time) and by group (none, organization, province, legacyProvince, region): listings published and demands opened (by their owner), matches put forward (by the demand owner), deals started, by state and completed with their value (by the provider), and approved joint tasks started with their funding and completed (by the lead). ' +
          "With exactly two periods, each figure is compared (difference and ratio). successor=true counts a merged organisation's history under the organisation it was merged into. format=csv gives one line per group and period, format=xlsx the same as an Excel workbook; format=svg a chart of metric, every period present: lines over time for more than two periods (a line per group, the first eight), bars for one or two (a cluster per group, the first twelve, named in a key when the names are long), that a portal embeds with <img>. Figures are current as of the last committed write: the roll-up they are read from changes in the same transaction as the records. Public: aggregates only.",
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
}
