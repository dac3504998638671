import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, bearerSecurity, errorResponses, ref } from '../../http/common.schemas.ts'
import { AppError, unprocessable } from '../../lib/problem.ts'
import { Import, ImportErrorPage, ImportErrorQuery, ImportListQuery, ImportPage, ImportQuery, uploadTypes } from './imports.schemas.ts'

const tags = ['imports']

const unsupportedType = () =>
  new AppError(415, 'unsupported_media_type', 'Unsupported media type', 'Send the file as text/csv (UTF-8) or application/x-ndjson, with the file itself as the body')

const utf8 = new TextDecoder('utf-8', { fatal: true })

const fileBody = (description: string) => ({ schema: Type.String({ description }) })

/** The upload limit comes from configuration (IMPORT_MAX_BYTES), not the JSON body limit. */
export type ImportRoutesOptions = { maxBytes: number }

export const importRoutes: FastifyPluginAsyncTypebox<ImportRoutesOptions> = async (app, options) => {
  const imports = app.services.imports

  // Files, not JSON, in this plugin only: the body arrives as the file's text. Anything else is a
  // 415 that says what to send, a file that is not UTF-8 a 422 that says how to save it.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(Object.keys(uploadTypes), { parseAs: 'buffer', bodyLimit: options.maxBytes }, (request, body, done) => {
    const charset = /;\s*charset="?([^";\s]+)"?/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase()
    if (charset && charset !== 'utf-8' && charset !== 'utf8') return done(unsupportedType())
    try {
      done(null, utf8.decode(body as Buffer))
    } catch {
      done(unprocessable('invalid_encoding', 'The file is not UTF-8 text: save it as "CSV UTF-8" (or convert it to UTF-8) and upload it again'))
    }
  })
  app.addContentTypeParser('*', (_request, _payload, done) => done(unsupportedType()))

  app.post(
    '/',
    {
      bodyLimit: options.maxBytes,
      schema: {
        operationId: 'createImport',
        tags,
        summary: 'Import a file of listings, demands or organisations',
        description:
          "Uploads a file (the body) to import in the background: `text/csv` (UTF-8, a byte order mark allowed; RFC 4180 quoting; comma, semicolon or tab separated; a header line with the field names of the create endpoints or their Vietnamese headers, e.g. Tiêu đề, Mô tả, Lĩnh vực, Tỉnh/thành, Giá (VND)) or `application/x-ndjson` (one JSON object per line, the create endpoint's body). Each row is checked as createListing, createDemand or createOrganization checks a body. A row may carry externalId (your own reference) and status (listings draft or published, demands draft or open); running a file again updates the records it named instead of creating them twice (a row without externalId is known by its content). Answers 202 with the import and its Location: follow rowsDone/totalRows there, and the refused rows with their line numbers. Admin or editor keys for listings and demands (rows may name an ownerId the key acts for); operator keys only for organisations. At most IMPORT_MAX_BYTES (413 above); an empty, headerless or malformed file is a 422.",
        security: bearerSecurity,
        querystring: ImportQuery,
        body: {
          content: {
            'text/csv': fileBody('A CSV file, UTF-8, with a header line'),
            'application/x-ndjson': fileBody('One JSON object per line'),
          },
        },
        response: { 202: ref(Import), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      const format = Object.hasOwn(uploadTypes, mediaType) ? uploadTypes[mediaType as keyof typeof uploadTypes] : undefined
      if (!format) throw unsupportedType()
      // No body at all reads as an empty file (a 422 that says so).
      const content = typeof request.body === 'string' ? request.body : ''
      const created = await imports.create(requireActor(request), { kind: request.query.kind, format, content })
      return reply.code(202).header('location', `/v1/imports/${created.id}`).send(created)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listImports',
        tags,
        summary: "List an organisation's imports",
        description: "The imports of the caller's organisation (or of organizationId, one it acts for: a member that delegated to it, any for the operator), newest first, with their progress.",
        security: bearerSecurity,
        querystring: ImportListQuery,
        response: { 200: ref(ImportPage), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => imports.list(requireActor(request), request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getImport',
        tags,
        summary: 'Get an import and its progress',
        description:
          'Status (queued, running, completed, failed), rows done of the total, how many rows were created, updated, left unchanged and refused, the first 100 refused rows with their line numbers and errors, warnings (new listings that look like existing ones), and how the CSV headers were read. Keys of the importing organisation, of those it delegated to, and the operator; 404 for anyone else.',
        security: bearerSecurity,
        params: IdParams,
        response: { 200: ref(Import), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => imports.get(requireActor(request), request.params.id),
  )

  app.get(
    '/:id/errors',
    {
      schema: {
        operationId: 'listImportErrors',
        tags,
        summary: "An import's refused rows",
        description: 'Every row the import refused, by line number, with what is wrong (JSON pointers into the row, by field name), a page at a time. Who may read the import may read these.',
        security: bearerSecurity,
        params: IdParams,
        querystring: ImportErrorQuery,
        response: { 200: ref(ImportErrorPage), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => imports.listErrors(requireActor(request), request.params.id, request.query),
  )
}
