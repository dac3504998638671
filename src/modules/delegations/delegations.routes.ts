import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, bearerSecurity, errorResponses, ref } from '../../http/common.schemas.ts'
import { Delegation, DelegationCreate, DelegationEnd, DelegationListQuery, DelegationPage } from './delegations.schemas.ts'

const tags = ['delegations']

export const delegationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const delegations = app.services.delegations

  app.post(
    '/',
    {
      schema: {
        operationId: 'createDelegation',
        tags,
        summary: 'Start acting for a member organisation',
        description:
          "An admin key of a connection point or authority (DOST) starts acting for a member: an enterprise, transfer centre, research institute or university. From then on the agent's admin and editor keys create and manage the member's listings and demands, and its reader keys see the member's drafts. An authority takes members of its own province only. The operator links any agent and member with agentOrganizationId. An active delegation for the same pair is a 409.",
        security: bearerSecurity,
        body: DelegationCreate,
        response: { 201: ref(Delegation), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const delegation = await delegations.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/delegations/${delegation.id}`).send(delegation)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listDelegations',
        tags,
        summary: 'List delegations',
        description: "Delegations the caller's organisation is agent or member of (any of its keys), newest first; the operator sees all. Filter by agent, member and active.",
        security: bearerSecurity,
        querystring: DelegationListQuery,
        response: { 200: ref(DelegationPage), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => delegations.list(requireActor(request), request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getDelegation',
        tags,
        summary: 'Get a delegation',
        description: "One delegation, to its agent's and member's keys and the operator; to others it does not exist (404).",
        security: bearerSecurity,
        params: IdParams,
        response: { 200: ref(Delegation), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => delegations.get(requireActor(request), request.params.id),
  )

  app.post(
    '/:id/end',
    {
      schema: {
        operationId: 'endDelegation',
        tags,
        summary: 'End a delegation',
        description:
          "The member's admin key, the agent's admin key or the operator ends a delegation; from then on the agent can no longer see or change the member's unpublished records. The delegation stays on record as ended; ending it again is a 409.",
        security: bearerSecurity,
        params: IdParams,
        body: DelegationEnd,
        response: { 200: ref(Delegation), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => delegations.end(requireActor(request), request.params.id, request.body),
  )
}
