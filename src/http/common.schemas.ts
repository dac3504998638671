import { Type, type Static, type TSchema } from 'typebox'
import { Nullable, Timestamp } from './fields.ts'

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

/** A state of a process (deals, tasks) as its process document lists it. */
export const ProcessState = Type.Object({ name: Type.String(), terminal: Type.Boolean(), description: Type.String() }, { title: 'ProcessState' })

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
  410: problem('The resource existed but its content is gone'),
  412: problem('If-Match names a stale version'),
  413: problem('The body is larger than allowed'),
  415: problem("The body's media type, or an uploaded file's type, is not one this operation takes"),
  416: problem('The Range asked for lies outside the file (Content-Range gives its size)'),
  422: problem('The request is well-formed but breaks a rule'),
  429: problem('Too many requests'),
  503: problem('The database or the file store is unreachable for a moment'),
} as const

export type ErrorStatus = keyof typeof errors
export const errorResponses = <S extends ErrorStatus>(...statuses: S[]) =>
  Object.fromEntries(statuses.map((status) => [status, errors[status]])) as Pick<typeof errors, S>

/** The response headers a client reads, as the document declares them. */
export const responseHeaders = {
  'X-Request-Id': {
    type: 'string',
    description: 'The id of this request in the logs (the X-Request-Id you sent, if well-formed); quote it when reporting a problem',
  },
  'RateLimit-Limit': { type: 'integer', minimum: 0, description: 'Requests allowed per window' },
  'RateLimit-Remaining': { type: 'integer', minimum: 0, description: 'Requests left in this window' },
  'RateLimit-Reset': { type: 'integer', minimum: 0, description: 'Seconds until this window ends' },
  'Retry-After': { type: 'integer', minimum: 0, description: 'Seconds to wait before trying again' },
  'Idempotent-Replayed': {
    type: 'string',
    enum: ['true'],
    description: 'Present when this is the stored answer to an earlier request with the same Idempotency-Key, not a new write',
  },
  ETag: { type: 'string', description: 'The version of the resource returned; send it back in If-Match to update it safely' },
  Location: { type: 'string', description: 'The path of the resource created' },
  'Content-Range': { type: 'string', description: 'Which bytes of the file these are, and its size: bytes 0-1023/52000' },
  'Content-Language': {
    type: 'string',
    enum: ['vi', 'en'],
    description:
      "The language of this answer's own texts (a problem's title and details, a report's labels), chosen by Accept-Language: vi unless you prefer en",
  },
} as const
export type ResponseHeader = keyof typeof responseHeaders

/**
 * A response body that comes with headers a client reads (ETag, Location), declared beside it;
 * the serializer ignores `headers`, @fastify/swagger moves them to the response's headers.
 */
export const withHeaders = <T extends TSchema>(schema: T, ...names: ResponseHeader[]) => Type.Unsafe<Static<T>>({ ...schema, headers: headersOf(...names) })

/** The declarations of these response headers, for a response's `headers`. */
export const headersOf = (...names: ResponseHeader[]) => Object.fromEntries(names.map((name) => [name, responseHeaders[name]]))

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

/**
 * A oneOf of titled members with a discriminator on `property`, so a generated client narrows the
 * union by it (the event feed by `type`, a history by `transition`). Each member lists the values
 * of `property` it stands for; the titles become the members' component names. `T` is the type
 * the handler builds, looser than the union.
 */
export const DiscriminatedUnion = <T>(options: {
  $id: string
  description: string
  property: string
  members: Array<{ schema: TSchema & { title?: string }; values: readonly string[] }>
}) =>
  Type.Unsafe<T>({
    $id: options.$id,
    description: options.description,
    oneOf: options.members.map((member) => member.schema),
    discriminator: {
      propertyName: options.property,
      mapping: Object.fromEntries(options.members.flatMap(({ schema, values }) => values.map((value) => [value, `#/components/schemas/${schema.title}`]))),
    },
  })

/** One member of a process history's union (deals, tasks): the entries of some transitions, and what they record. */
export const HistoryEntryMember = (parts: {
  title: string
  description: string
  transition: TSchema
  state: TSchema
  role: TSchema
  payload: Record<string, TSchema>
}) =>
  Type.Object(
    {
      id: Type.Integer(),
      transition: parts.transition,
      fromState: Nullable(parts.state),
      toState: parts.state,
      actorRole: parts.role,
      actorOrganizationId: Nullable(Uuid),
      payload: Type.Object(parts.payload, { description: 'What the move recorded' }),
      occurredAt: Timestamp,
    },
    { title: parts.title, description: parts.description },
  )

/** An entry of a process history as the view builds it; its schema says which payload comes with which transition. */
export type HistoryEntry<State extends string, Role extends string> = {
  id: number
  transition: string
  fromState: State | null
  toState: State
  actorRole: Role
  actorOrganizationId: string | null
  payload: Record<string, unknown>
  occurredAt: string
}

/**
 * A route serializer that writes the answer as built. For answers whose schema is a oneOf (the
 * event feed, a deal's history): fast-json-stringify would test every item against each member
 * to pick one, with Ajv, and the items are built from typed views already. The contract check in
 * the tests holds these answers to their schemas.
 */
export const serializeAsBuilt = () => (data: unknown) => JSON.stringify(data)
// Note: use ref() in responses only. Request schemas (body, query, params, headers) are checked by
// TypeBox's compiler, which does not resolve $ref: write them inline.
