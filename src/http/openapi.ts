import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify'
import { errors } from './common.schemas.ts'
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
(\`limit=10\`, \`facets=false\`; not \`limit=true\`). Errors are RFC 9457
\`application/problem+json\` with a stable \`code\`, the \`requestId\` and, for validation, \`errors\`
with JSON pointers. Single resources carry an \`ETag\`; send it back in \`If-Match\` to update safely
(412 when stale). Lists use opaque, signed cursors: pass \`nextCursor\` back as \`cursor\` (an edited one is a 400 \`invalid_cursor\`).

**Outages.** While the database is unreachable (say the embedded one is restarting), a request that
needs it gets 503 \`database_unavailable\` with \`Retry-After\`; a write answered so may or may not
have been applied, so retry it with the same \`Idempotency-Key\`.

**Limits.** Requests are rate limited per key, or per client address without one; responses carry
\`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\`, and a 429 carries \`Retry-After\`.
Repeated failed key checks from one address get its keyed requests refused for a while.`

const seconds = (description: string) => ({ type: 'integer', minimum: 0, description })
const tooManyRequests = {
  ...errors[429],
  description: 'A rate limit was reached; wait for Retry-After seconds',
  headers: {
    'Retry-After': seconds('Seconds until the limit resets'),
    'RateLimit-Limit': seconds('Requests allowed per window (also on other responses)'),
    'RateLimit-Remaining': seconds('Requests left in this window (also on other responses)'),
    'RateLimit-Reset': seconds('Seconds until this window ends (also on other responses)'),
  },
}

const databaseUnavailable = {
  ...errors[503],
  description: 'The database is unreachable for a moment; retry after Retry-After seconds',
  headers: { 'Retry-After': seconds('Seconds to wait before retrying') },
}

/**
 * Every operation but the probes is rate limited (src/http/rate-limit.ts), so each may answer 429;
 * and each may need the database (if only to check a key), so each may answer 503.
 */
function withLimitsAndOutages(schema: FastifySchema, url: string): FastifySchema {
  if (!schema?.response || (schema as { hide?: boolean }).hide || rateLimitExemptRoutes.has(url)) return schema
  return { ...schema, response: { ...(schema.response as object), 429: tooManyRequests, 503: databaseUnavailable } }
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
        { name: 'reports', description: 'Activity reports by organisation, province or region and period, as JSON, CSV or an SVG chart' },
        { name: 'sources', description: 'Federation: the other exchanges and portals whose records this exchange mirrors, and their upserts by external id' },
        {
          name: 'webhooks',
          description: "Signed webhooks: subscribe to an organisation's events, read the delivery log, redeliver (Standard Webhooks signatures)",
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
    transform: ({ schema, url }) => ({ schema: withLimitsAndOutages(schema, url), url: url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url }),
    // Name components after the schemas' $id instead of def-0, def-1, ...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
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
