import multipart from '@fastify/multipart'
import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, bearerSecurity, errorResponses, headersOf, ref, withHeaders } from '../../http/common.schemas.ts'
import { requestValidator } from '../../http/validation.ts'
import parseRange from 'range-parser'
import { AppError, RangeNotSatisfiableError, badRequest } from '../../lib/problem.ts'
import { acceptedTypes } from './files.content.ts'
import { FileList, FileSubjectQuery, FileUploadFields, FileUploadForm, StoredFile } from './files.schemas.ts'
import type { ByteRange } from './files.store.ts'
import type { FileSubject } from './files.subjects.ts'
import { Value } from 'typebox/value'

const tags = ['files']

/**
 * The bytes a Range header asks for (RFC 9110, through range-parser), or undefined for the whole
 * file: no Range, an If-Range that names another version, a unit other than bytes, several ranges
 * (multipart/byteranges is not offered) or a header that is no range at all. A range wholly past
 * the end, or one that names no byte, is a 416.
 */
function requestedRange(header: string | string[] | undefined, ifRange: string | string[] | undefined, etag: string, size: number): ByteRange | undefined {
  if (typeof header !== 'string') return undefined
  if (Array.isArray(ifRange)) return undefined
  if (ifRange !== undefined && ifRange.trim() !== etag) return undefined
  const ranges = parseRange(size, header, { combine: true })
  if (ranges === -1) throw new RangeNotSatisfiableError(size)
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined
  return { start: ranges[0]!.start, end: ranges[0]!.end }
}

const tooLarge = (maxBytes: number) =>
  new AppError(413, 'body_too_large', 'Payload too large', `The file is larger than this exchange accepts (FILE_MAX_BYTES, ${maxBytes} bytes)`)
const notMultipart = () =>
  new AppError(415, 'unsupported_media_type', 'Unsupported media type', 'Send the upload as multipart/form-data: the form fields and one part named file')

const checkFields = TypeBoxValidatorCompiler({ schema: FileUploadFields, httpPart: 'body', method: 'POST', url: '/v1/files' })
const formFields = new Set(Object.keys(FileUploadFields.properties))
const checkSubject = (fields: Record<string, string>) => {
  const subject = { subjectType: fields.subjectType, subjectId: fields.subjectId }
  return Value.Check(FileSubjectQuery, subject) ? (subject as FileSubjectQuery) : undefined
}

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): the ASCII fallback for old clients,
 * the UTF-8 name (Vietnamese diacritics) for the rest.
 */
function contentDisposition(disposition: 'inline' | 'attachment', name: string): string {
  const ascii = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`
}

const listedTags = (header: string) => header.split(',').map((tag) => tag.trim().replace(/^W\//, ''))

/** Attachments (/v1/files): upload, list, read, download and remove files of listings, demands, deals, tasks and events. */
export const fileRoutes: FastifyPluginAsyncTypebox<{ maxBytes: number }> = async (app, options) => {
  const files = app.services.files
  const { maxBytes } = options

  // multipart/form-data for the upload only (the other routes take no body, and refuse one). One
  // file, a handful of short fields: anything more is refused while it arrives, before it is held.
  await app.register(async (uploads) => {
    await uploads.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: formFields.size, fieldSize: 4096, parts: formFields.size + 1, headerPairs: 50 },
    })
    uploads.post(
      '/',
      {
        // The bytes go to the file store before the write's transaction: Idempotency-Key is claimed at that transaction.
        config: { idempotent: 'at-write' },
        bodyLimit: maxBytes + 64 * 1024,
        // The form is read part by part in the handler; the body schema documents it.
        validatorCompiler: (route) => (route.httpPart === 'body' ? () => ({ value: undefined }) : requestValidator(route)),
        schema: {
          operationId: 'uploadFile',
          tags,
          summary: 'Upload a file to a listing, demand, deal, task or event',
          description:
            "Attaches a file (multipart/form-data: the fields, and the file as the part named file) to the record subjectType/subjectId: a listing's dossier, photos and brochures, a demand's specification, a deal's contract and milestone evidence, a task's reports, an event's programme. Who may: those who may change the record (the owner's admin or editor keys, its delegates', the operator's; for a deal, either party's writing keys while the deal is open; for a task, its lead's and partners'). " +
            `The file's type is decided by its bytes: ${Object.values(acceptedTypes).join(', ')}; anything else is a 415, and a photo must be an image. Images get a WebP thumbnail. At most FILE_MAX_BYTES (413). Send sha256 to have the exchange check that the bytes arrived intact. ` +
            'On a listing or a demand, revealedAt keeps the file from those who do not act for the owner until their deal on the record reaches that stage, as the confidential fields are kept (a dossier at agreed, say). Answers 201 with the file and its Location. A refused upload keeps nothing.',
          security: bearerSecurity,
          body: { content: { 'multipart/form-data': { schema: FileUploadForm } } },
          response: { 201: withHeaders(ref(StoredFile), 'Location'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) throw notMultipart()
        const actor = requireActor(request)
        const fields: Record<string, string> = {}
        let file: { bytes: Buffer; name: string | undefined } | undefined
        let checkedSubject: FileSubject | undefined
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              if (part.fieldname !== 'file') throw badRequest('invalid_form', `The file goes in the part named file, not ${part.fieldname}`)
              // The record, when its fields came first (as clients send them): a caller who may
              // not attach to it is refused before its file is read, not after FILE_MAX_BYTES.
              const subject = checkSubject(fields)
              if (subject) checkedSubject = await files.assertUploadable(actor, subject.subjectType, subject.subjectId)
              file = { bytes: await part.toBuffer(), name: part.filename }
              continue
            }
            if (Object.hasOwn(fields, part.fieldname)) throw badRequest('invalid_form', `The field ${part.fieldname} was sent twice`)
            fields[part.fieldname] = String(part.value)
          }
        } catch (error) {
          // Refused before the whole body was read: close the connection rather than read the rest.
          reply.header('connection', 'close')
          throw multipartError(error, maxBytes)
        }
        if (!file) throw badRequest('invalid_form', 'The upload has no file: send it as the part named file')
        const checked = checkFields(fields) as { value?: unknown; error?: unknown[] }
        if (checked.error) throw Object.assign(new Error('The form fields do not match the schema'), { validation: checked.error, validationContext: 'body' })
        const stored = await files.upload(actor, { fields: checked.value as FileUploadFields, name: file.name, bytes: file.bytes }, checkedSubject)
        return reply.code(201).header('location', `/v1/files/${stored.id}`).send(stored)
      },
    )
  })

  app.get(
    '/',
    {
      schema: {
        operationId: 'listFiles',
        tags,
        summary: "List a record's files",
        description:
          "The files of the record subjectType/subjectId that the caller may read, oldest first, for whoever may see the record (a published listing: anyone; a deal: its parties). Files that wait for a deal stage the caller's deals have not reached are counted in withheld, by kind and stage, without their names.",
        querystring: FileSubjectQuery,
        response: { 200: ref(FileList), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => files.list(request.actor, request.query.subjectType, request.query.subjectId),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getFile',
        tags,
        summary: 'Get a file: its name, type, size and checksum',
        description: 'The facts of one file, for whoever may read it (see listFiles); 403 while it waits for a deal stage the caller has not reached.',
        params: IdParams,
        response: { 200: ref(StoredFile), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => files.get(request.actor, request.params.id),
  )

  for (const which of ['file', 'thumbnail'] as const) {
    app.get(
      which === 'file' ? '/:id/content' : '/:id/thumbnail',
      {
        schema: {
          operationId: which === 'file' ? 'downloadFile' : 'getFileThumbnail',
          tags,
          summary: which === 'file' ? "Download a file's bytes" : "Get an image file's thumbnail",
          description:
            which === 'file'
              ? 'The file as it was uploaded, with its type, length, Content-Disposition (its name), its SHA-256 as ETag and Repr-Digest (RFC 9530); If-None-Match with that ETag answers 304. Range: bytes=a-b (one range; RFC 9110) answers 206 with those bytes, to resume a download or seek in a video; If-Range with a stale ETag, several ranges or a unit other than bytes get the whole file; a range past its end, or one that names no byte (bytes=5-2), a 416 with Content-Range: bytes */size. Images and PDFs are offered inline, the rest as attachments; a file is never served as HTML or script (Content-Security-Policy: sandbox). Who may: as getFile.'
              : 'A WebP thumbnail of an image file, at most 320 px on its longer side; 404 for a file that is no image. Who may: as getFile.',
          params: IdParams,
          ...(which === 'file'
            ? {
                headers: Type.Object({
                  range: Type.Optional(Type.String({ maxLength: 200, description: 'The bytes wanted: bytes=0-1023, bytes=1024- or bytes=-500 (one range)' })),
                  'if-range': Type.Optional(
                    Type.String({ maxLength: 200, description: 'The ETag of the copy the client holds part of: another version gets the whole file' }),
                  ),
                }),
              }
            : {}),
          response: {
            200: {
              description: which === 'file' ? 'The bytes of the file, of its contentType' : 'The thumbnail',
              headers: headersOf('ETag'),
              content:
                which === 'file'
                  ? Object.fromEntries(
                      Object.entries(acceptedTypes).map(([type, label]) => [type, { schema: Type.String({ format: 'binary', description: label }) }]),
                    )
                  : { 'image/webp': { schema: Type.String({ format: 'binary' }) } },
            },
            ...(which === 'file'
              ? {
                  206: {
                    description: 'The bytes a Range asked for, with Content-Range',
                    headers: headersOf('ETag', 'Content-Range'),
                    content: Object.fromEntries(Object.keys(acceptedTypes).map((type) => [type, { schema: Type.String({ format: 'binary' }) }])),
                  },
                }
              : {}),
            304: { description: 'Not modified: the ETag sent in If-None-Match is still current' },
            ...errorResponses(400, 401, 403, 404, 410, ...(which === 'file' ? [416 as const] : [])),
          },
        },
      },
      async (request, reply) => {
        const { file, stream, range } = await files.content(request.actor, request.params.id, which, (stored) =>
          requestedRange(request.headers.range, request.headers['if-range'], `"${stored.sha256}"`, stored.sizeBytes),
        )
        const etag = which === 'file' ? `"${file.sha256}"` : `"${file.sha256}.thumbnail"`
        // Access may be taken away (a listing withdrawn): a cache keeps a copy, but asks each time.
        reply.header('etag', etag).header('cache-control', 'private, no-cache').header('content-security-policy', "default-src 'none'; sandbox")
        const ifNoneMatch = request.headers['if-none-match']
        if (typeof ifNoneMatch === 'string' && (ifNoneMatch.trim() === '*' || listedTags(ifNoneMatch).includes(etag))) {
          stream.destroy()
          return reply.code(304).send()
        }
        if (which === 'thumbnail') return reply.type('image/webp').send(stream)
        const inline = file.contentType.startsWith('image/') || file.contentType === 'application/pdf'
        reply.header('accept-ranges', 'bytes')
        if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${file.sizeBytes}`)
        return reply
          .type(file.contentType.startsWith('text/') ? `${file.contentType}; charset=utf-8` : file.contentType)
          .header('content-length', String(range ? range.end - range.start + 1 : file.sizeBytes))
          .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', file.name))
          .header('repr-digest', `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`)
          .send(stream)
      },
    )
  }

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deleteFile',
        tags,
        summary: 'Remove a file',
        description:
          "Removes a file and its bytes, for those who may change its record (see uploadFile); a deal's or a task's file only the organisation that uploaded it (or the operator). Also allowed on a withdrawn listing or a closed demand, which otherwise keep their files until FILE_RETENTION_DAYS after they were retired.",
        security: bearerSecurity,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await files.remove(requireActor(request), request.params.id)
      return reply.code(204).send(null)
    },
  )
}

/** What @fastify/multipart throws, as this API's problems: a file over the limit is a 413, a malformed form a 400. */
function multipartError(error: unknown, maxBytes: number): unknown {
  if (error instanceof AppError) return error
  const code = (error as { code?: string }).code ?? ''
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes)
  if (code === 'FST_FILES_LIMIT') return badRequest('invalid_form', 'Send one file per upload')
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
    return badRequest('invalid_form', `The form has more parts than an upload takes (${[...formFields].join(', ')}, file)`)
  if (code === 'FST_PROTO_VIOLATION' || code === 'FST_INVALID_MULTIPART_CONTENT_TYPE')
    return badRequest('invalid_form', 'The multipart/form-data body is malformed')
  if (code.startsWith('FST_') || /multipart|boundary|unexpected end/i.test((error as Error).message ?? ''))
    return badRequest('invalid_form', 'The multipart/form-data body is malformed')
  return error
}
