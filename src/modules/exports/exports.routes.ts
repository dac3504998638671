import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { errorResponses } from '../../http/common.schemas.ts'
import { DemandExportQuery, ListingExportQuery } from './exports.schemas.ts'
import type { ExportFile } from './exports.service.ts'

// The export routes sit under /v1/listings and /v1/demands (registered with those prefixes), in a
// plugin of their own so the listings and demands modules keep theirs.

const file = {
  description: 'The file, streamed as it is read (Content-Disposition: attachment)',
  content: {
    'text/csv': {
      schema: Type.String({
        description:
          "A header line of field names, then one record per line. A cell starting with = + - @ ' tab or CR is written with a leading apostrophe (formula injection), which the import takes off again",
      }),
    },
    'application/x-ndjson': { schema: Type.String({ description: 'One JSON object per line' }) },
  },
}

function sendFile(reply: FastifyReply, exported: ExportFile) {
  return reply
    .header('content-type', exported.contentType)
    .header('content-disposition', `attachment; filename="${exported.filename}"`)
    .send(Readable.from(exported.body))
}

const shared =
  'Records are written as an import reads them (the create fields, externalId and status), followed by two read-only columns an import skips: id and owner (its name in CSV). Streamed, however many records match. Public like search: anyone exports what is public; listings are shown as a stranger sees them (an anonymous owner, undisclosed contacts and IPR numbers, a price on request left empty) unless the key acts for their owner.'

export const listingExportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/export',
    {
      schema: {
        operationId: 'exportListings',
        tags: ['listings', 'imports'],
        summary: 'Export listings as CSV or NDJSON',
        description: `Every listing matching the filters (status, owner, kind, sector, S&T field, province as in searchListings), in id order. ${shared}`,
        querystring: ListingExportQuery,
        response: { 200: file, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => sendFile(reply, await app.services.exports.listings(request.actor, request.query)),
  )
}

export const demandExportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/export',
    {
      schema: {
        operationId: 'exportDemands',
        tags: ['demands', 'imports'],
        summary: 'Export demands as CSV or NDJSON',
        description: `Every demand matching the filters (status, owner, sector, S&T field, province as in searchDemands), in id order. ${shared}`,
        querystring: DemandExportQuery,
        response: { 200: file, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => sendFile(reply, await app.services.exports.demands(request.actor, request.query)),
  )
}
