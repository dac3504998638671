import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyListQuery, ApiKeyPage, ApiKeyRotate, CurrentApiKey } from './api-keys.schemas.ts'

const tags = ['api-keys']
// The two POSTs that answer with a new secret take no Idempotency-Key: a replay would need the
// secret stored in the clear for 24 hours, and only its hash is ever stored.
const noReplay = { idempotent: false }
const secretOnce =
  'The response carries the secret (`txk_...`) this once: only its hash is stored, so it cannot be shown again. A lost key cannot be recovered, only replaced.'

export const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const keys = app.services.apiKeys

  app.post(
    '/',
    {
      config: noReplay,
      schema: {
        operationId: 'createApiKey',
        tags,
        summary: 'Create an API key',
        description: `Creates a key for an organisation (default: the caller's own). An admin key creates admin, editor and reader keys for its own organisation; the operator creates keys for any organisation, and is the only one to create operator keys, which belong to the exchange operator organisation only. An unknown organisation is a 422; a merged one a 409. ${secretOnce} No Idempotency-Key: a replay would need the secret stored.`,
        security: bearerSecurity,
        body: ApiKeyCreate,
        response: { 201: withHeaders(ref(ApiKeyCreated), 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const created = await keys.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/api-keys/${created.apiKey.id}`).send(created)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listApiKeys',
        tags,
        summary: 'List API keys',
        description:
          "An organisation's keys (default: the caller's own), newest first, without their secrets: prefix, role, label, when created and last used, expiry, status. Revoked keys only with includeRevoked=true. Admin keys list their own organisation's keys; the operator any organisation's.",
        security: bearerSecurity,
        querystring: ApiKeyListQuery,
        response: { 200: ref(ApiKeyPage), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => keys.list(requireActor(request), request.query),
  )

  app.get(
    '/current',
    {
      schema: {
        operationId: 'getCurrentApiKey',
        tags,
        summary: 'The calling key',
        description: 'Who am I: the key that signs this request (any valid key) and the organisation it acts for, with its role.',
        security: bearerSecurity,
        response: { 200: ref(CurrentApiKey), ...errorResponses(401, 403) },
      },
    },
    async (request) => keys.current(requireActor(request)),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getApiKey',
        tags,
        summary: 'Get an API key',
        description:
          "One key, without its secret. Any key may read itself; admin keys read their organisation's keys, the operator any key. Other organisations' keys are 404.",
        security: bearerSecurity,
        params: IdParams,
        response: { 200: ref(ApiKey), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => keys.get(requireActor(request), request.params.id),
  )

  app.post(
    '/:id/revoke',
    {
      schema: {
        operationId: 'revokeApiKey',
        tags,
        summary: 'Revoke an API key',
        description:
          "Stops the key at once: its next request is a 401. Any key may revoke itself; admin keys revoke their organisation's keys (but not operator keys), the operator any key. Revoking a revoked key is a 409.",
        security: bearerSecurity,
        params: IdParams,
        response: { 200: ref(ApiKey), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => keys.revoke(requireActor(request), request.params.id),
  )

  app.post(
    '/:id/rotate',
    {
      config: noReplay,
      schema: {
        operationId: 'rotateApiKey',
        tags,
        summary: 'Rotate an API key',
        description: `Creates a successor with the same organisation, role and label, and lets the old key work for overlapSeconds more (default one day; never past its own earlier expiry), so clients can switch without downtime; send {} for the defaults. A revoked, expired or already rotated key is a 409. Admin keys rotate their organisation's keys (but not operator keys), the operator any key. ${secretOnce} No Idempotency-Key: a replay would need the secret stored.`,
        security: bearerSecurity,
        params: IdParams,
        body: ApiKeyRotate,
        response: { 201: withHeaders(ref(ApiKeyCreated), 'Location'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const created = await keys.rotate(requireActor(request), request.params.id, request.body)
      return reply.code(201).header('location', `/v1/api-keys/${created.apiKey.id}`).send(created)
    },
  )
}
