import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify'
import { errors, headersOf } from './common.schemas.ts'
import { declareStorableText, nameComponents } from './openapi-components.ts'
import { attachExamples } from './openapi-examples.ts'
import { rateLimitExemptRoutes } from './rate-limit.ts'
import { docsContentSecurityPolicy } from './security.ts'

export const apiDescription = `The open REST API behind Vietnam's technology supply-demand exchanges:
organisations, supply listings (technologies, products, equipment, know-how, services), demand
requests, and the reference data they use (provinces of 2025 and the 63 legacy units, TRL, transfer
forms and methods under Law 07/2017/QH14).

**Authentication.** Public reads need no key. Every write needs \`Authorization: Bearer <key>\`; the
key belongs to one organisation and acts for it. Keys are managed under \`/v1/api-keys\`.

**Conventions.** JSON bodies are camelCase. Unknown body fields and unknown query parameters are
refused (400, each named by a JSON pointer), and query numbers and booleans are written as such
(\`limit=10\`, \`facets=false\`; not \`limit=true\`). A filter that takes several values is
repeated (\`kind=technology&kind=equipment\`, OpenAPI's form style, which generated clients write):
any of its values matches, and different filters all apply. Text may not hold NUL (each
string's pattern says so) or an unpaired surrogate. A wrong code of a vocabulary is a 400 that names
the codes it may be. Errors are RFC 9457
\`application/problem+json\` with a stable \`code\`, the \`requestId\` and, for validation, \`errors\`
with JSON pointers. A problem's \`title\` and \`detail\` (and each error's \`detail\`) are in Vietnamese
unless \`Accept-Language\` prefers English (\`en\`); \`Content-Language\` says which, and the \`code\`
stays the same in both. Single resources carry an \`ETag\` (their version and a digest of what you
were shown); send it back in \`If-Match\` to update safely (412 when stale), or in \`If-None-Match\`
to get 304 while it is unchanged; other GET answers carry a weak one. Lists use opaque, signed cursors: pass \`nextCursor\` back as \`cursor\` (an edited one is a 400 \`invalid_cursor\`).

**Outages.** While the database is unreachable (say the embedded one is restarting), a request that
needs it gets 503 \`database_unavailable\` with \`Retry-After\`; a write answered so may or may not
have been applied, so retry it with the same \`Idempotency-Key\`.

**Limits.** Requests are rate limited per key, or per client address without one; responses carry
\`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\`, and a 429 carries \`Retry-After\`.
Repeated failed key checks from one address get its keyed requests refused for a while.`

const tooManyRequests = { ...errors[429], description: 'A rate limit was reached; wait for Retry-After seconds' }
const databaseUnavailable = {
  ...errors[503],
  description: 'The database (or, for files, the file store) is unreachable for a moment; retry after Retry-After seconds',
}

type ResponseEntry = { headers?: Record<string, unknown>; type?: string; description?: string }

const notModified: ResponseEntry = { type: 'null', description: 'Not modified: If-None-Match names the ETag this answer would carry; no body' }
const ifNoneMatch = {
  type: 'string',
  maxLength: 1024,
  description: 'ETags of answers you hold (comma-separated, or *): when one is what this answer would carry, the answer is 304 without a body',
}

/**
 * The statuses and headers the shared machinery adds to every operation, whatever its handler
 * does: each (but the probes) is rate limited, so it may answer 429 and carries RateLimit-*; each
 * may need the database (if only to check a key), so it may answer 503; every response carries
 * X-Request-Id; an operation that takes Idempotency-Key may replay its answer
 * (Idempotent-Replayed) or ask a concurrent retry to wait (409 with Retry-After); any may be
 * refused for text that cannot be stored (400); a write may be sent a body, which is parsed (413,
 * 415) even where none is taken; and a GET answers with an
 * ETag, and 304 when If-None-Match names it (src/http/conditional.ts).
 */
function withSharedResponses(schema: FastifySchema, url: string, method: string): FastifySchema {
  if (!schema?.response || (schema as { hide?: boolean }).hide) return schema
  const limited = !rateLimitExemptRoutes.has(url)
  const requestHeaders = schema.headers as { properties?: Record<string, unknown> } | undefined
  const idempotent = Boolean(requestHeaders?.properties?.['idempotency-key'])
  const read = method === 'GET'
  const statuses: Record<string, ResponseEntry> = {
    // Text that cannot be stored (NUL, lone surrogates) is refused in any path or query (src/http/text-guard.ts).
    400: errors[400] as ResponseEntry,
    // A body sent to a write that takes none is still parsed first: too large, or not JSON.
    ...(read ? {} : { 413: errors[413] as ResponseEntry, 415: errors[415] as ResponseEntry }),
    ...(schema.response as Record<string, ResponseEntry>),
    ...(read ? { 304: notModified } : {}),
    ...(limited ? { 429: tooManyRequests as ResponseEntry, 503: databaseUnavailable as ResponseEntry } : {}),
  }
  const response = Object.fromEntries(
    Object.entries(statuses).map(([status, entry]) => {
      const headers = {
        ...headersOf('X-Request-Id'),
        ...(read && (status === '200' || status === '304') ? headersOf('ETag') : {}),
        ...(limited ? headersOf('RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset') : {}),
        ...(status === '429' || status === '503' || (idempotent && status === '409') ? headersOf('Retry-After') : {}),
        ...(idempotent && /^2/.test(status) ? headersOf('Idempotent-Replayed') : {}),
        ...(Number(status) >= 400 ? headersOf('Content-Language') : {}),
        ...entry.headers,
      }
      return [status, { ...entry, headers }]
    }),
  )
  // If-None-Match is read by the hook, not validated per route: it is declared here, for the document.
  const headers = read ? { ...requestHeaders, type: 'object', properties: { ...requestHeaders?.properties, 'if-none-match': ifNoneMatch } } : schema.headers
  return { ...schema, headers, response }
}

export async function registerOpenApi(app: FastifyInstance, options: { serverUrl?: string }) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tech-exchange API',
        version: '1.0.0',
        description: apiDescription,
        license: { name: 'MIT', identifier: 'MIT' },
        contact: { name: 'tech-exchange maintainers', url: 'https://github.com/tech-exchange/tech-exchange' },
      },
      servers: [{ url: options.serverUrl ?? 'http://localhost:3000', description: 'This server' }],
      tags: [
        { name: 'reference', description: 'Read-only reference data: provinces, regions, TRL, kinds, transfer forms and methods, fields, sectors' },
        { name: 'organizations', description: 'Transfer centres, institutes, universities, enterprises, connection points, authorities' },
        { name: 'listings', description: 'Supply: technologies and products offered for transfer' },
        { name: 'demands', description: 'Demand: technology needs of enterprises' },
        { name: 'api-keys', description: "API keys: create, list, rotate and revoke an organisation's keys" },
        { name: 'delegations', description: "Connection points and DOSTs acting for member organisations, with the member's consent" },
        { name: 'matching', description: 'Suggested matches of demands and listings, with explanations; brokers propose, demand owners curate' },
        {
          name: 'deals',
          description: 'Deals from expression of interest through offers and agreement to a completed transfer; the process is data (GET /v1/deal-process)',
        },
        {
          name: 'tasks',
          description:
            'Joint tasks (nhiệm vụ): a lead and its partners, funding, linked records and outputs, from proposal to completion; the process is data (GET /v1/task-process)',
        },
        { name: 'value-chains', description: "Value chains around provinces' key products, stage by stage, and their gap analysis" },
        { name: 'thesaurus', description: 'The search thesaurus: synonyms and symptom -> solution expansions applied to queries, kept by the operator' },
        {
          name: 'exchange-events',
          description: 'Workshops, technology fairs and connection sessions: organisers, participants, showcased listings and the deals started there',
        },
        {
          name: 'success-stories',
          description:
            'Success stories (mô hình thành công) of completed transfers: drafted by either party, published when both approve, listed by province, sector and year',
        },
        { name: 'reports', description: 'Activity reports by organisation, province or region and period, as JSON, CSV or an SVG chart' },
        { name: 'sources', description: 'Federation: the other exchanges and portals whose records this exchange mirrors, and their upserts by external id' },
        {
          name: 'webhooks',
          description: "Signed webhooks: subscribe to an organisation's events, read the delivery log, redeliver (Standard Webhooks signatures)",
        },
        {
          name: 'files',
          description:
            'Attachments of listings, demands, deals, tasks and events: dossiers, photos, contracts, milestone evidence; typed by their bytes, with checksums and thumbnails, read under the same rules as their record',
        },
        {
          name: 'imports',
          description:
            'Bulk import of listings, demands and organisations from CSV or NDJSON, with progress and per-row errors; exports of listings and demands',
        },
        { name: 'audit', description: 'The audit trail: who changed what, and when' },
        {
          name: 'events',
          description: "The public event feed: the catalogue's changes in commit order, with tombstones for removals, to mirror it by polling",
        },
        { name: 'health', description: 'Liveness and readiness probes' },
      ],
      // What the exchange sends to a subscriber's URL (OpenAPI 3.1 webhooks): one request shape, its
      // body a union by event type (src/modules/webhooks/webhooks.messages.ts).
      webhooks: {
        event: {
          post: {
            operationId: 'receiveWebhookEvent',
            tags: ['webhooks'],
            summary: 'An event, delivered to a webhook subscription',
            description:
              'Sent to the URL of each active webhook whose eventTypes take the event, signed as Standard Webhooks specifies (docs/integration.md shows how to verify). At least once: drop repeats by webhook-id. Answer 2xx within the timeout; anything else is retried.',
            parameters: [
              {
                in: 'header',
                name: 'webhook-id',
                required: true,
                schema: { type: 'string' },
                description: 'evt_<event id>: the same on every attempt; drop repeats by it',
              },
              { in: 'header', name: 'webhook-timestamp', required: true, schema: { type: 'string' }, description: 'Unix seconds of this attempt' },
              {
                in: 'header',
                name: 'webhook-signature',
                required: true,
                schema: { type: 'string' },
                description: 'v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">, space-separated during a secret rotation',
              },
            ],
            requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookMessage' } } } },
            responses: { '2XX': { description: 'Received; any other answer (or none in time) is retried' } },
          },
        },
      },
      // Reads are public but accept a key (a bad one is a 401); writes override this with bearerSecurity.
      security: [{}, { apiKey: [] }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer txk_...' },
        },
      },
    },
    // A collection's root is registered as '/' under its prefix and answers with or without the
    // slash; document it without one (/v1/listings), as clients and linters expect.
    transform: ({ schema, url, route }) => ({
      schema: withSharedResponses(schema, url, String(route.method)),
      url: url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url,
    }),
    // Name components after the schemas' $id instead of def-0, def-1, ...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
    // Bodies, shared enums and inline responses become named components too, strings say they
    // refuse NUL, and operations get the examples the test suite recorded.
    transformObject: (documentObject) =>
      attachExamples(
        declareStorableText(nameComponents(('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as never)),
      ),
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true },
    staticCSP: docsContentSecurityPolicy,
    // Without PUBLIC_BASE_URL the served document names the address it was fetched from, so "Try it
    // out" calls this server whatever its port or name (behind a proxy, with TRUST_PROXY set, the
    // address the client used).
    ...(options.serverUrl
      ? {}
      : {
          transformSpecification: (document: Record<string, unknown>, request: FastifyRequest) => ({
            ...document,
            servers: [{ url: `${request.protocol}://${request.host}`, description: 'This server' }],
          }),
        }),
  })
}
