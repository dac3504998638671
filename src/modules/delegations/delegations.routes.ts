import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { Delegation, DelegationClose, DelegationCreate, DelegationListQuery, DelegationPage } from './delegations.schemas.ts'

const tags = ['delegations']

const events = 'Both sides receive the event (and their webhooks that take it).'

export const delegationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const delegations = app.services.delegations

  app.post(
    '/',
    {
      schema: {
        operationId: 'createDelegation',
        tags,
        summary: 'Propose to act for a member organisation',
        description:
          "An admin key of a connection point or authority (DOST) proposes to act for a member: an enterprise, transfer centre, research institute or university. The delegation starts `proposed` and grants nothing until the member's admin key accepts it (POST /v1/delegations/{id}/accept); unanswered, it expires after DELEGATION_PROPOSAL_DAYS (default 14). Once active, the agent's admin and editor keys create and manage the member's listings and demands, and its reader keys see the member's drafts. " +
          'A DOST proposes only to members in its own province (422 outside_province); a connection point only within the scope the operator declared for it, by province and sector (organisation field delegationScope; 422 outside_scope, and without a declared scope every proposal is outside it). ' +
          "The operator names the agent (agentOrganizationId) and is not bound by province or scope; with a `basis` it records the delegation as active at once, without the member's acceptance, and the basis stays on the delegation and in the audit trail. An open (proposed or active) delegation for the same pair is a 409. Emits delegation.proposed, or delegation.recorded. " +
          events,
        security: bearerSecurity,
        body: DelegationCreate,
        response: { 201: withHeaders(ref(Delegation), 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
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
        description:
          "Delegations the caller's organisation is agent or member of (any of its keys), proposals included, newest first; the operator sees all. A member finds here what agents ask of it (status=proposed) and who acts for it (status=active). Filter by agent, member, status and active.",
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
        description:
          "One delegation, to its agent's and member's keys and the operator; to others it does not exist (404). A proposal past its expiresAt reads as expired.",
        security: bearerSecurity,
        params: IdParams,
        response: { 200: ref(Delegation), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => delegations.get(requireActor(request), request.params.id),
  )

  app.post(
    '/:id/accept',
    {
      schema: {
        operationId: 'acceptDelegation',
        tags,
        summary: 'Accept a proposed delegation (the member)',
        description:
          "The member's admin key accepts the agent's proposal: proposed -> active, and from now on the agent acts for the member. Only the member's admin keys (403 for the agent's keys, the member's editors and readers, and the operator, which records with a basis instead). 409 delegation_ended once the proposal expired, was declined or withdrawn; 409 invalid_transition when already active. Emits delegation.accepted. " +
          events,
        security: bearerSecurity,
        params: IdParams,
        response: { 200: ref(Delegation), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => delegations.accept(requireActor(request), request.params.id),
  )

  app.post(
    '/:id/decline',
    {
      schema: {
        operationId: 'declineDelegation',
        tags,
        summary: 'Decline a proposed delegation (the member)',
        description:
          "The member's admin key turns the agent's proposal down, with an optional reason: proposed -> declined. The agent may propose again later. Only the member's admin keys; 409 as for accepting. Emits delegation.declined. " +
          events,
        security: bearerSecurity,
        params: IdParams,
        body: DelegationClose,
        response: { 200: ref(Delegation), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => delegations.decline(requireActor(request), request.params.id, request.body),
  )

  app.post(
    '/:id/end',
    {
      schema: {
        operationId: 'endDelegation',
        tags,
        summary: 'End a delegation, or withdraw a proposal',
        description:
          "The member's admin key, the agent's admin key or the operator ends an active delegation (active -> ended): from then on the agent can no longer see or change the member's unpublished records. A member that an agent onboarded ends it the same way once it has its own admin key. On a proposal, the agent's admin key or the operator withdraws it (proposed -> withdrawn); the member declines instead (409 invalid_transition, allowed: accept, decline). The delegation stays on record; ending a closed one is a 409 delegation_ended. Emits delegation.ended or delegation.withdrawn. " +
          events,
        security: bearerSecurity,
        params: IdParams,
        body: DelegationClose,
        response: { 200: ref(Delegation), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => delegations.end(requireActor(request), request.params.id, request.body),
  )
}
