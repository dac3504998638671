import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, RangeNotSatisfiableError, RetryLaterError, type FieldError } from '../lib/problem.ts'
import { mapPgError } from '../lib/pg-errors.ts'
import { DatabaseUnavailableError, isDatabaseUnreachable } from '../lib/db-unavailable.ts'
import { trackRouteMethods } from './methods.ts'
import { chooseLanguage, declareLanguage } from './language.ts'
import { problemText } from './problem-text.ts'

type ValidationIssue = { instancePath?: string; message?: string; params?: Record<string, unknown>; keyword?: string }

const contextPointer: Record<string, string> = { body: '#', querystring: '#/query', params: '#/params', headers: '#/headers' }

function fieldErrors(issues: ValidationIssue[], context: string | undefined): FieldError[] {
  const base = contextPointer[context ?? 'body'] ?? '#'
  const seen = new Set<string>()
  const result: FieldError[] = []
  for (const issue of issues) {
    // TypeBox reports an unknown property twice: once as "schema is false" on the property itself.
    if (issue.keyword === 'boolean') continue
    const pointer = `${base}${issue.instancePath ?? ''}`
    const detail = issue.message ?? 'is invalid'
    const extra = issue.params?.additionalProperties
    if (issue.keyword === 'additionalProperties' && Array.isArray(extra)) {
      for (const name of extra) add(`${pointer}/${name}`, 'is not a known field')
      continue
    }
    if (issue.keyword === 'required' && Array.isArray(issue.params?.requiredProperties)) {
      for (const name of issue.params.requiredProperties as string[]) add(`${pointer}/${name}`, 'is required')
      continue
    }
    // An enum names what it takes, so a client need not look the vocabulary up to fix its request.
    const allowed = issue.params?.allowedValues
    if (issue.keyword === 'enum' && Array.isArray(allowed)) {
      add(pointer, `must be one of ${allowed.join(', ')}`)
      continue
    }
    add(pointer, detail)
  }
  if (result.length === 0) add(base, 'does not match the schema')
  return result

  function add(pointer: string, detail: string) {
    const key = `${pointer} ${detail}`
    if (seen.has(key)) return
    seen.add(key)
    result.push({ pointer, detail })
  }
}

/** Turns anything thrown into an RFC 9457 problem; 5xx responses never carry internals. */
export function toAppError(error: FastifyError & { validation?: ValidationIssue[]; validationContext?: string }): AppError {
  if (error instanceof AppError) return error
  if (error.validation) {
    const errors = fieldErrors(error.validation, error.validationContext)
    // The Idempotency-Key header keeps the code it has always had (src/http/idempotency.ts).
    if (errors.every((field) => field.pointer === '#/headers/idempotency-key')) {
      return new AppError(400, 'invalid_idempotency_key', 'Bad request', 'Idempotency-Key must be 1-255 visible ASCII characters, such as a UUID', { errors })
    }
    return new AppError(400, 'validation_failed', 'Validation failed', 'The request does not match the schema; see errors', { errors })
  }
  if (isDatabaseUnreachable(error)) return new DatabaseUnavailableError()
  const mapped = mapPgError(error)
  if (mapped) return mapped
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'body_too_large', 'Payload too large', 'The request body is larger than the server accepts')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'unsupported_media_type', 'Unsupported media type', 'Send the body as application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'empty_body', 'Bad request', 'The body is empty but application/json was declared')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError(400, 'malformed_json', 'Bad request', 'The body is not valid JSON')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(400, 'invalid_content_length', 'Bad request', 'The body length does not match Content-Length')
    case 'FST_ERR_BAD_URL':
      return new AppError(400, 'malformed_url', 'Bad request', 'The URL path is not valid percent-encoded UTF-8')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // Fastify says 414, but the URL is not too long: one path segment is longer than any id.
      return new AppError(400, 'path_segment_too_long', 'Bad request', 'A path segment is longer than any id this API uses')
  }
  // A SyntaxError from our own code (say JSON.parse of a stored value) is a bug: it stays an opaque 500
  // below; malformed request bodies were mapped above by Fastify's code.
  const status = error.statusCode ?? 500
  // The rate limiter throws AppErrors; this catches a 429 from anywhere else in the same shape.
  if (status === 429) return new AppError(429, 'rate_limited', 'Too many requests', 'Too many requests; wait for the time in Retry-After')
  if (status >= 400 && status < 500) return new AppError(status, 'bad_request', 'Bad request', error.message)
  return new AppError(500, 'internal_error', 'Internal server error', 'Something went wrong on our side; quote the requestId when reporting it')
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  if (error instanceof RetryLaterError) reply.header('retry-after', String(error.retryAfterSeconds))
  if (error instanceof RangeNotSatisfiableError) reply.header('content-range', `bytes */${error.size}`)
  const text = problemText(error, chooseLanguage(request))
  // A message without its Vietnamese is a gap in src/http/problem-text.vi.ts: the suite fails on one.
  if (text.untranslated) request.log.warn({ code: error.code, untranslated: text.untranslated }, 'problem text has no translation')
  declareLanguage(reply, text.language)
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send({
      type: `/problems/${error.code.replaceAll('_', '-')}`,
      title: text.title,
      status: error.status,
      ...(text.detail ? { detail: text.detail } : {}),
      instance: request.url.split('?')[0],
      code: error.code,
      requestId: request.id,
      ...error.extensions,
      ...(text.errors ? { errors: text.errors } : {}),
    })
}

/**
 * For Fastify's `frameworkErrors` option: the router refuses a malformed or over-long path before
 * any route, hook or error handler runs, and would answer with its own JSON shape. This gives those
 * the same problem document (and X-Request-Id, since no onSend hook runs) as every other error.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id)
  return sendProblem(request, reply, toAppError(error))
}

/**
 * For Fastify's `clientErrorHandler`: Node's HTTP parser refuses a request before Fastify sees it
 * (headers or URL over the 16 KB limit, bytes that are not HTTP) and Fastify would answer with its
 * own JSON. This writes the same problem document as every other error, on the raw socket.
 */
export function clientErrors(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const [status, code, title, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'headers_too_large',
          'Request Header Fields Too Large',
          'The request line and headers are larger than the server accepts (16 KB): shorten the URL or the headers',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'Request Timeout', 'The request took too long to arrive']
        : [400, 'malformed_request', 'Bad Request', 'The request is not valid HTTP/1.1']
  const requestId = randomUUID()
  const body = JSON.stringify({ type: `/problems/${code.replaceAll('_', '-')}`, title, status, detail, code, requestId })
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  )
}

export function registerErrorHandling(app: FastifyInstance) {
  const methodsOf = trackRouteMethods(app)
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toAppError(error)
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused')
    return sendProblem(request, reply, problem)
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    // A path that exists under other methods: 405, saying which (the Allow header).
    const allowed = methodsOf(path)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendProblem(
        request,
        reply,
        new AppError(405, 'method_not_allowed', 'Method not allowed', `${request.method} is not allowed on ${path}: use ${allowed.join(', ')}`),
      )
    }
    return sendProblem(request, reply, new AppError(404, 'route_not_found', 'Not found', `No route ${request.method} ${path}`))
  })
}
