import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requestValidator } from '../../http/validation.ts'
import { Type } from 'typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { AppError, badRequest } from '../../lib/problem.ts'
import { Import, ImportErrorPage, ImportErrorQuery, ImportListQuery, ImportPage, ImportQuery, uploadTypes } from './imports.schemas.ts'

const tags = ['imports']

const unsupportedType = () =>
  new AppError(
    415,
    'unsupported_media_type',
    'Unsupported media type',
    'Send the file as text/csv (UTF-8) or application/x-ndjson, with the file itself as the body',
  )

const fileBody = (description: string) => ({ schema: Type.String({ description }) })

/**
 * The body of an upload: the request stream itself, read by the service as it arrives (never
 * buffered). What it shows of itself to JSON (the Idempotency-Key's request hash) is what is known
 * before reading it: its type and announced length. Its fields are private, so nothing that walks a
 * body (the text guard) walks into the stream.
 */
export class FileUpload {
  readonly #stream: Readable
  readonly #described: { type: string; length: string | null }
  constructor(stream: Readable, type: string, length: string | undefined) {
    this.#stream = stream
    this.#described = { type, length: length ?? null }
  }
  get stream(): Readable {
    return this.#stream
  }
  toJSON() {
    return this.#described
  }
}

/**
 * The request's bytes as they arrive, read as the caller asks for them (so a slow database slows
 * the client, not the server's memory). Unlike a stream's own async iterator, stopping early leaves
 * the request open: a refusal half-way must still reach the client.
 */
async function* bytesOf(stream: Readable): AsyncGenerator<Buffer> {
  for (;;) {
    let chunk: Buffer | null
    while ((chunk = stream.read() as Buffer | null) !== null) yield chunk
    if (stream.readableEnded) return
    if (stream.destroyed) throw uploadInterrupted()
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        stream.off('readable', settle).off('end', settle).off('close', settle).off('error', settle)
        if (error instanceof Error) reject(error)
        else resolve()
      }
      stream.on('readable', settle).on('end', settle).on('close', settle).on('error', settle)
    })
  }
}

const uploadInterrupted = () => badRequest('upload_interrupted', 'The upload stopped before the whole file arrived; nothing was kept')

export const importRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const imports = app.services.imports

  // Files, not JSON, in this plugin only: the body is the request stream, handed on unread. Anything
  // else is a 415 that says what to send; a charset other than UTF-8 too.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(Object.keys(uploadTypes), (request, payload, done) => {
    const charset = /;\s*charset="?([^";\s]+)"?/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase()
    if (charset && charset !== 'utf-8' && charset !== 'utf8') return done(unsupportedType())
    done(null, new FileUpload(payload as Readable, request.headers['content-type'] ?? '', request.headers['content-length']))
  })
  app.addContentTypeParser('*', (_request, _payload, done) => done(unsupportedType()))

  app.post(
    '/',
    {
      // The upload is stored as it streams in, before the import's transaction: Idempotency-Key is
      // claimed at that transaction, not before the handler (src/http/idempotency.ts).
      config: { idempotent: 'at-write' },
      // The body schema documents the upload; what arrives is a FileUpload, read by the service.
      validatorCompiler: (route) => (route.httpPart === 'body' ? (value: unknown) => value instanceof FileUpload : requestValidator(route)),
      schema: {
        operationId: 'createImport',
        tags,
        summary: 'Import a file of listings, demands or organisations',
        description:
          "Uploads a file (the body) to import in the background: `text/csv` (UTF-8, a byte order mark allowed; RFC 4180 quoting; comma, semicolon or tab separated; a header line with the field names of the create endpoints or their Vietnamese headers, e.g. Tiêu đề, Mô tả, Lĩnh vực, Tỉnh/thành, Giá (VND)) or `application/x-ndjson` (one JSON object per line, the create endpoint's body). Each row is checked as createListing, createDemand or createOrganization checks a body. A row may carry externalId (your own reference) and status (listings draft or published, demands draft or open); running a file again updates the records it named instead of creating them twice (a row without externalId is known by its content). Answers 202 with the import and its Location: follow rowsDone/totalRows there, and the refused rows with their line numbers. Admin or editor keys for listings and demands (rows may name an ownerId the key acts for); operator keys only for organisations. The file is stored as it streams in, so it may be sent chunked: at most IMPORT_MAX_BYTES (413 as soon as the Content-Length or the bytes received go past it); an empty, headerless or malformed file is a 422, a bad header as soon as the first line is in; a refused upload leaves nothing behind. Rows are written in batches that each take about a second, so an import never holds up other writes or the event feed.",
        security: bearerSecurity,
        querystring: ImportQuery,
        body: {
          content: {
            'text/csv': fileBody('A CSV file, UTF-8, with a header line'),
            'application/x-ndjson': fileBody('One JSON object per line'),
          },
        },
        response: { 202: withHeaders(ref(Import), 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      const format = Object.hasOwn(uploadTypes, mediaType) ? uploadTypes[mediaType as keyof typeof uploadTypes] : undefined
      if (!format) throw unsupportedType()
      // No body at all reads as an empty file (a 422 that says so).
      const stream = request.body instanceof FileUpload ? request.body.stream : undefined
      const length = request.headers['content-length']
      try {
        const created = await imports.create(requireActor(request), {
          kind: request.query.kind,
          format,
          content: stream ? bytesOf(stream) : [],
          declaredBytes: length === undefined ? undefined : Number(length),
        })
        return reply.code(202).header('location', `/v1/imports/${created.id}`).send(created)
      } catch (error) {
        // Refused before the whole file was read: close the connection rather than read the rest.
        if (stream && !stream.readableEnded) reply.header('connection', 'close')
        throw error
      }
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listImports',
        tags,
        summary: "List an organisation's imports",
        description:
          "The imports of the caller's organisation (or of organizationId, one it acts for: a member that delegated to it, any for the operator), newest first, with their progress.",
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
        description:
          'Every row the import refused, by line number, with what is wrong (JSON pointers into the row, by field name), a page at a time. Who may read the import may read these.',
        security: bearerSecurity,
        params: IdParams,
        querystring: ImportErrorQuery,
        response: { 200: ref(ImportErrorPage), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => imports.listErrors(requireActor(request), request.params.id, request.query),
  )
}
