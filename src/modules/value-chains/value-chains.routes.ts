import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import { ValueChain, ValueChainCreate, ValueChainGaps, ValueChainListQuery, ValueChainPage, ValueChainUpdate } from './value-chains.schemas.ts'

const tags = ['value-chains']

/** Value chains around provinces' key products (/v1/value-chains), and their gap analysis. */
export const valueChainRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const chains = app.services.valueChains

  app.post(
    '/',
    {
      schema: {
        operationId: 'createValueChain',
        tags,
        summary: "Describe a value chain around a province's key product",
        description:
          "The chain's stages in order (inputs, production, harvest_preservation, processing, packaging_branding, distribution; any may be left out, none repeated), each with the technologies (listings) and organisations that serve it and the keywords its gap analysis searches for. " +
          "Kept by the key's organisation (or ownerId, one that delegated to it). Linked listings must not be drafts (unless the owner's) and organisations not merged: 422 invalid_value_chain, each offending field named. Writing keys. Idempotency-Key supported.",
        security: bearerSecurity,
        body: ValueChainCreate,
        response: { 201: withHeaders(ref(ValueChain), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const chain = await chains.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/value-chains/${chain.id}`).header('etag', etagOf(chain.version)).send(chain)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listValueChains',
        tags,
        summary: 'List value chains',
        description: 'Value chains, most recently changed first; provinceCode (a legacy code means its 2025 unit) and ownerId narrow it. Public.',
        querystring: ValueChainListQuery,
        response: { 200: ref(ValueChainPage), ...errorResponses(400, 401) },
      },
    },
    async (request) => chains.list(request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getValueChain',
        tags,
        summary: 'Get a value chain',
        description:
          'The chain with its stages in order, each with its listings (and whether each is available now: published and not expired) and organisations. Public.',
        params: IdParams,
        response: { 200: withHeaders(ref(ValueChain), 'ETag'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const chain = await chains.get(request.params.id)
      return reply.header('etag', etagOf(chain.version)).send(chain)
    },
  )

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateValueChain',
        tags,
        summary: 'Change a value chain',
        description:
          "Changes the given fields; stages, when given, replace the chain's stages as a whole. The owner's (and its delegates') writing keys, or the operator. Send If-Match with the ETag you read (412 when stale).",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: ValueChainUpdate,
        response: { 200: withHeaders(ref(ValueChain), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const chain = await chains.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(chain.version)).send(chain)
    },
  )

  app.get(
    '/:id/gaps',
    {
      schema: {
        operationId: 'getValueChainGaps',
        tags,
        summary: "A value chain's gaps: stages with no available technology",
        description:
          "The stages none of whose linked listings is published and unexpired, in chain order. For each, the published listings anywhere in the country that best match its keywords (not yet linked, best 5, flagged when in the chain's province) and the open demands asking for the same (best 5). Public.",
        params: IdParams,
        response: { 200: ref(ValueChainGaps), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => chains.gaps(request.params.id),
  )
}
