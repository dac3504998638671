import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import { Demand, DemandClose, DemandCreate, DemandPage, DemandSearchQuery, DemandUpdate, DemandWithDuplicates } from './demands.schemas.ts'

const tags = ['demands']

export const demandRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const demands = app.services.demands

  app.post(
    '/',
    {
      schema: {
        operationId: 'createDemand',
        tags,
        summary: 'File a demand request',
        description:
          "Files a technology demand as a draft owned by the key's organisation, or by `ownerId`: a member enterprise that delegated to the caller's connection point or DOST (the owner must be an enterprise; a merged one files nothing new: 409 organization_merged); open it with POST /v1/demands/{id}/open. " +
          "Admin or editor keys of the enterprise or of its delegate, and the operator. budgetMinVnd must not exceed budgetMaxVnd; a legacy province code is kept as filed and resolved to its 2025 unit. The answer lists possibleDuplicates: up to 5 open demands (or the owner's own drafts) that may be the same need, a warning only.",
        security: bearerSecurity,
        body: DemandCreate,
        response: { 201: withHeaders(ref(DemandWithDuplicates), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const demand = await demands.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/demands/${demand.id}`).header('etag', etagOf(demand.version)).send(demand)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'searchDemands',
        tags,
        summary: 'Search demand requests',
        description:
          'Open demands by default (status=closed for closed ones; drafts only with owner=<the owner> by a key of the owner or its delegate, or an operator key). ' +
          '`q` ignores diacritics and tolerates a typo. `province` accepts a legacy code or its 2025 unit and finds the same demands; `region` covers the units of a region. ' +
          '`minTrl` is the TRL a solution has: it finds the demands that solution could satisfy (minTrl at most that value, or none set). ' +
          '`budgetMin`/`budgetMax` find demands whose budget range overlaps. Sorted by relevance when q is given, else by newest; facets count all matches. Public.',
        querystring: DemandSearchQuery,
        response: { 200: ref(DemandPage), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => demands.search(request.actor, request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getDemand',
        tags,
        summary: 'Get a demand request',
        description:
          "One demand, with its ETag. Open and closed demands are public; a draft only to its owner's keys, its delegates' keys and the operator (404 to anyone else).",
        params: IdParams,
        response: { 200: withHeaders(ref(Demand), 'ETag'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const demand = await demands.get(request.actor, request.params.id)
      return reply.header('etag', etagOf(demand.version)).send(demand)
    },
  )

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateDemand',
        tags,
        summary: 'Update a demand request',
        description:
          'Changes the given fields (null clears an optional one) of a draft or open demand; a closed one cannot change (409). ' +
          "The owner's or its delegates' admin or editor keys, or the operator. Send If-Match with the ETag you read to avoid overwriting someone else's change (412).",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: DemandUpdate,
        response: { 200: withHeaders(ref(Demand), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const demand = await demands.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(demand.version)).send(demand)
    },
  )

  app.post(
    '/:id/open',
    {
      schema: {
        operationId: 'openDemand',
        tags,
        summary: 'Open a demand request',
        description:
          "draft -> open: the demand becomes public. Refused with 422 when its deadline has passed, 409 (with `allowed`) when it is not a draft. The owner's or its delegates' admin or editor keys, or the operator.",
        security: bearerSecurity,
        params: IdParams,
        response: { 200: withHeaders(ref(Demand), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const demand = await demands.open(requireActor(request), request.params.id)
      return reply.header('etag', etagOf(demand.version)).send(demand)
    },
  )

  app.post(
    '/:id/close',
    {
      schema: {
        operationId: 'closeDemand',
        tags,
        summary: 'Close a demand request',
        description:
          "open -> closed, with a reason from /v1/reference/demand-close-reasons and an optional note (required for `other`). 409 (with `allowed`) when it is not open. The owner's or its delegates' admin or editor keys, or the operator.",
        security: bearerSecurity,
        params: IdParams,
        body: DemandClose,
        response: { 200: withHeaders(ref(Demand), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const demand = await demands.close(requireActor(request), request.params.id, request.body)
      return reply.header('etag', etagOf(demand.version)).send(demand)
    },
  )
}
