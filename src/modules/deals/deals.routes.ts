import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, serializeAsBuilt, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import {
  Deal,
  DealHistory,
  DealListQuery,
  DealMessage,
  DealMessageCreate,
  DealMessagePage,
  DealPage,
  DealProcess,
  DealStart,
  DealTransitionRequest,
  PageQuery,
} from './deals.schemas.ts'

const tags = ['deals']

const parties =
  "A deal is seen by its parties: those who act for the provider (the listing's owner) or the seeker (their keys, their delegates' keys as brokers, their successor's after a merge) and the operator; 404 for anyone else."

/** Deals (/v1/deals) and the process they follow (/v1/deal-process). */
export const dealRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deals = app.services.deals
  const messages = app.services.dealMessages

  app.get(
    '/deal-process',
    {
      schema: {
        operationId: 'getDealProcess',
        tags,
        summary: 'The deal process as data',
        description:
          'The states, the transitions (from, to, who may fire each, guards, effects, and the JSON Schema of each input), the staged-disclosure rules and the timers: the very table the API enforces, so a client can render the buttons and forms of a deal. No key needed.',
        response: { 200: ref(DealProcess), ...errorResponses(401) },
      },
    },
    async () => deals.process(),
  )

  app.post(
    '/deals',
    {
      schema: {
        operationId: 'startDeal',
        tags,
        summary: 'Start a deal',
        description:
          'listingId alone: the seeker expresses interest in a published listing (seekerId names the seeker when a broker acts for it). listingId and demandId: the listing owner proposes its listing for an open demand; the demand owner is the seeker. matchId alone: the demand owner starts from its shortlisted match. ' +
          'The deal starts in interest_expressed; the other side answers within DEAL_RESPONSE_DAYS or it expires. One open deal per (listing, seeker): 409 deal_exists otherwise. Writing keys (admin, editor, operator). Idempotency-Key supported. Emits deal.started.',
        security: bearerSecurity,
        body: DealStart,
        response: { 201: withHeaders(ref(Deal), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const deal = await deals.start(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/deals/${deal.id}`).header('etag', etagOf(deal.version)).send(deal)
    },
  )

  app.get(
    '/deals',
    {
      schema: {
        operationId: 'listDeals',
        tags,
        summary: 'List deals',
        description:
          "The deals of the key's organisation (and of those it acts for: merged into it, delegated to it), or of organizationId, most recently changed first; side, state and listingId narrow it. The operator lists every deal. Each deal as getDeal shows it.",
        security: bearerSecurity,
        querystring: DealListQuery,
        response: { 200: ref(DealPage), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => deals.list(requireActor(request), request.query),
  )

  app.get(
    '/deals/:id',
    {
      schema: {
        operationId: 'getDeal',
        tags,
        summary: 'Get a deal',
        description:
          "The deal with its offers, milestones, the caller's roles and the transitions it may fire now (allowedTransitions), and the listing as far as the deal has disclosed it to the caller. " +
          parties,
        security: bearerSecurity,
        params: IdParams,
        response: { 200: withHeaders(ref(Deal), 'ETag'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const deal = await deals.get(requireActor(request), request.params.id)
      return reply.header('etag', etagOf(deal.version)).send(deal)
    },
  )

  app.post(
    '/deals/:id/transitions',
    {
      schema: {
        operationId: 'transitionDeal',
        tags,
        summary: 'Move a deal: fire a transition',
        description:
          'Fires one transition of GET /v1/deal-process with its input, e.g. {"transition": "accept_offer", "offerId": "..."}. Applied atomically under the deal\'s row lock against the state it finds: ' +
          "409 invalid_transition (with `allowed`, the transitions the caller may fire now) when the state does not allow it, 409 guard_<name> when a guard fails, 403 when the caller's role may not fire it, 400 when the input does not fit the transition, 422 for terms or dates that break a rule. " +
          "If-Match (the ETag) makes the move conditional (412 if the deal changed); Idempotency-Key makes a retry return the first answer. Writing keys of the parties (and their brokers); the operator settles disputes. Emits the transition's deal.* event.",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: DealTransitionRequest,
        response: { 200: withHeaders(ref(Deal), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body as DealTransitionRequest
      const deal = await deals.fire(requireActor(request), request.params.id, body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(deal.version)).send(deal)
    },
  )

  app.get(
    '/deals/:id/history',
    {
      schema: {
        operationId: 'listDealHistory',
        tags,
        summary: "A deal's history",
        description:
          'Every move of the deal, oldest first: the transition, from and to which state, who fired it (role and organisation; system for the timers), when, and its input. ' +
          parties,
        security: bearerSecurity,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: ref(DealHistory), ...errorResponses(400, 401, 403, 404) },
      },
      serializerCompiler: serializeAsBuilt,
    },
    async (request) => deals.history(requireActor(request), request.params.id, request.query),
  )

  app.get(
    '/deals/:id/messages',
    {
      schema: {
        operationId: 'listDealMessages',
        tags,
        summary: "A deal's messages",
        description: 'The messages on the deal, oldest first. ' + parties,
        security: bearerSecurity,
        params: IdParams,
        querystring: PageQuery,
        response: { 200: ref(DealMessagePage), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => messages.list(requireActor(request), request.params.id, request.query),
  )

  app.post(
    '/deals/:id/messages',
    {
      schema: {
        operationId: 'postDealMessage',
        tags,
        summary: 'Write a message on a deal',
        description:
          'A message to the other side, with links to attachments. Writing keys of the parties, their brokers and the operator; 409 once the deal has ended. Idempotency-Key supported. Emits deal.message_posted.',
        security: bearerSecurity,
        params: IdParams,
        body: DealMessageCreate,
        response: { 201: ref(DealMessage), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await messages.post(requireActor(request), request.params.id, request.body)),
  )
}
