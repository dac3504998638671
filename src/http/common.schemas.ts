import { Type, type Static, type TSchema } from 'typebox'

/**
 * A `$ref` to a shared schema (registered with app.addSchema, so it becomes an OpenAPI component)
 * that still gives the handler the schema's static type.
 */
export const ref = <T extends TSchema & { $id?: string }>(schema: T) => {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id))
}

export const FieldError = Type.Object(
  {
    pointer: Type.String({ description: 'JSON pointer to the offending value: #/title in the body, or #/query/limit, #/params/id, #/headers/if-match' }),
    detail: Type.String(),
  },
  { $id: 'FieldError' },
)

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI reference naming the kind of problem: /problems/<code>' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String({ description: 'The request path' })),
    code: Type.String({ description: 'Stable machine-readable code, e.g. validation_failed, not_found' }),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(ref(FieldError))),
    allowed: Type.Optional(Type.Array(Type.String(), { description: 'Transitions allowed from the current state' })),
  },
  { $id: 'Problem', description: 'An RFC 9457 problem detail, served as application/problem+json' },
)

export const Provenance = Type.Object(
  {
    source: Type.String({
      description:
        "The exchange or portal that owns the record: this exchange's own id (EXCHANGE_ID, default tech-exchange) for its own records, else a registered source (GET /v1/sources/{source})",
    }),
    externalId: Type.Union([Type.String(), Type.Null()], {
      description:
        "The record's id at its source. For this exchange's own records: the owner's own reference given in an import, or null; hidden (null) with the owner of an anonymous listing",
    }),
    globalId: Type.String({
      description:
        "Names the record across exchanges: `<source>:<kind>:<externalId>` for a record another source owns, `<exchange id>:<kind>:<uuid>` for this exchange's own; kind is listing, demand or organization. Split at the first two colons",
      examples: ['tech-exchange:listing:0f8e7c1a-3b2d-4c5e-9f60-7a8b9c0d1e2f', 'techport-hanoi:listing:HN-2025-0042'],
    }),
  },
  { $id: 'Provenance', description: 'Where the record comes from (federation): its source, its id there and its global id' },
)

export const commonSchemas = [FieldError, Problem, Provenance]

// Errors are sent as application/problem+json (src/http/errors.ts), so the spec says so; Fastify
// picks the serializer by the reply's content type.
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref(Problem) } } })

/** Response entries for errors, so every status a route can return is in the spec. */
export const errors = {
  400: problem('The request is malformed or fails validation'),
  401: problem('No valid API key was given'),
  403: problem('The key may not do this'),
  404: problem('No such resource, or not visible to you'),
  409: problem('The request conflicts with the current state'),
  412: problem('If-Match names a stale version'),
  413: problem('The body is larger than allowed'),
  415: problem('The body is not application/json'),
  422: problem('The request is well-formed but breaks a rule'),
  429: problem('Too many requests'),
  503: problem('The database is unreachable for a moment'),
} as const

export type ErrorStatus = keyof typeof errors
export const errorResponses = <S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries(statuses.map((status) => [status, errors[status]])) as Pick<typeof errors, S>

export const Uuid = Type.String({ format: 'uuid', description: 'A UUID' })
export const IdParams = Type.Object({ id: Uuid })

export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size (1-100, default 20)' })
// Room for a sort value of 300 characters (an organisation's name), as UTF-8, base64, and the signature.
export const Cursor = Type.String({ maxLength: 2048, description: 'The nextCursor of the previous page: opaque, signed by the server' })

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 64, description: 'ETag of the version you read; 412 if it changed since' })),
})

export const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 255,
  // Visible ASCII: what a header carries safely, and what the server stores (400 invalid_idempotency_key otherwise).
  pattern: '^[!-~]+$',
  description:
    'A unique key (a UUID) per intended operation: a retry with the same key and the same request gets the first successful response again (header Idempotent-Replayed: true) instead of repeating the work, whatever happened to the first (the write and its stored answer commit together, or neither does). Kept 24 hours; the same key with another request is a 422 idempotency_key_reused; a retry while the first is still running waits up to 3 seconds, then gets a 409 idempotency_in_progress with Retry-After.',
})

export const bearerSecurity = [{ apiKey: [] }]
// Note: use ref() in responses only. Request schemas (body, query, params, headers) are checked by
// TypeBox's compiler, which does not resolve $ref: write them inline.
