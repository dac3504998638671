import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import { ExchangeEvent, ExchangeEventCreate, ExchangeEventListQuery, ExchangeEventPage, ExchangeEventUpdate } from './exchange-events.schemas.ts'

const tags = ['exchange-events']

/** Workshops, technology fairs and connection sessions (/v1/exchange-events). */
export const exchangeEventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const events = app.services.exchangeEvents

  app.post(
    '/',
    {
      schema: {
        operationId: 'createExchangeEvent',
        tags,
        summary: 'Announce a workshop, technology fair or connection session',
        description:
          "When and where, organised by the key's organisation (or organizerId, one that delegated to it) with co-organisers, its participants and the published listings it showcases. Deals started there name it (startDeal's eventId), and its outcomes count them. " +
          'Organisations must exist and not be merged, listings must be published: 422 invalid_event, each offending field named. Writing keys. Idempotency-Key supported.',
        security: bearerSecurity,
        body: ExchangeEventCreate,
        response: { 201: withHeaders(ref(ExchangeEvent), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const event = await events.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/exchange-events/${event.id}`).header('etag', etagOf(event.version)).send(event)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listExchangeEvents',
        tags,
        summary: 'List events',
        description:
          'Events, latest first; provinceCode (a legacy code means its 2025 unit), kind, from/to (days) and organizationId (organiser or participant) narrow it. Public.',
        querystring: ExchangeEventListQuery,
        response: { 200: ref(ExchangeEventPage), ...errorResponses(400, 401) },
      },
    },
    async (request) => events.list(request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getExchangeEvent',
        tags,
        summary: 'Get an event and its outcomes',
        description:
          'The event with its organisers, participants, showcased listings and outcomes: the deals started there, by state, and the transfers completed with their value. Public.',
        params: IdParams,
        response: { 200: withHeaders(ref(ExchangeEvent), 'ETag'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const event = await events.get(request.params.id)
      return reply.header('etag', etagOf(event.version)).send(event)
    },
  )

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateExchangeEvent',
        tags,
        summary: 'Change an event',
        description:
          "Changes the given fields; each list given (co-organisers, participants, listings) replaces the one before. The main organiser's (and its delegates') writing keys, or the operator. Send If-Match with the ETag you read (412 when stale).",
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: ExchangeEventUpdate,
        response: { 200: withHeaders(ref(ExchangeEvent), 'ETag'), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const event = await events.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(event.version)).send(event)
    },
  )
}
