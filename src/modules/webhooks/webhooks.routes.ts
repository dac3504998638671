import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireActor } from '../../http/auth.ts'
import { IdParams, IfMatchHeaders, bearerSecurity, errorResponses, ref, withHeaders } from '../../http/common.schemas.ts'
import { etagOf, expectedVersion } from '../../lib/etag.ts'
import {
  DeliveryListQuery,
  DeliveryParams,
  Webhook,
  WebhookCreate,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookListQuery,
  WebhookPage,
  WebhookUpdate,
  WebhookWithSecret,
} from './webhooks.schemas.ts'

const tags = ['webhooks']
const managers = "The organisation's admin keys, its delegates' admin keys, or the operator; others get 404."
// The two POSTs that answer with a secret take no Idempotency-Key: a replay would need it stored with the response.
const noReplay = { idempotent: false }
const signing =
  'Each delivery is a POST of {"type", "timestamp", "data"} signed per Standard Webhooks: headers webhook-id (evt_<eventId>, the same on every attempt), webhook-timestamp (Unix seconds) and webhook-signature (v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" keyed with the base64 after "whsec_").'

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const webhooks = app.services.webhooks

  app.post(
    '/',
    {
      config: noReplay,
      schema: {
        operationId: 'createWebhook',
        tags,
        summary: 'Subscribe to events',
        description: `Registers a URL to receive the events addressed to an organisation (default: the caller's own; organizationId for one that delegated to it, or any for the operator), optionally only some eventTypes (empty: all). The URL must be http(s) and resolve to public unicast addresses only: private, loopback, link-local, unique-local, multicast, reserved and documentation addresses, and IPv6 addresses carrying such an IPv4 address (mapped, NAT64, 6to4, Teredo), are a 422 (unless the server allows them). Admin keys and the operator. The response carries the signing secret this once. ${signing}`,
        security: bearerSecurity,
        body: WebhookCreate,
        response: { 201: withHeaders(ref(WebhookWithSecret), 'ETag', 'Location'), ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(requireActor(request), request.body)
      return reply.code(201).header('location', `/v1/webhooks/${created.webhook.id}`).header('etag', etagOf(created.webhook.version)).send(created)
    },
  )

  app.get(
    '/',
    {
      schema: {
        operationId: 'listWebhooks',
        tags,
        summary: 'List webhooks',
        description:
          "An organisation's webhooks (default: the caller's own), newest first, without their secrets. Admin keys of the organisation or of its delegates, and the operator.",
        security: bearerSecurity,
        querystring: WebhookListQuery,
        response: { 200: ref(WebhookPage), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => webhooks.list(requireActor(request), request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getWebhook',
        tags,
        summary: 'Get a webhook',
        description: `One webhook, with its ETag and, when disabled, why. ${managers}`,
        security: bearerSecurity,
        params: IdParams,
        response: { 200: withHeaders(ref(Webhook), 'ETag'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const webhook = await webhooks.get(requireActor(request), request.params.id)
      return reply.header('etag', etagOf(webhook.version)).send(webhook)
    },
  )

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateWebhook',
        tags,
        summary: 'Update a webhook',
        description: `Changes its URL (checked as on creation), event types or description; status "active" re-enables a disabled webhook (events of the time it was disabled are not sent; redeliver what you need), "disabled" pauses it. Send If-Match with the ETag you read (412 if it changed). ${managers}`,
        security: bearerSecurity,
        params: IdParams,
        headers: IfMatchHeaders,
        body: WebhookUpdate,
        response: { 200: withHeaders(ref(Webhook), 'ETag'), ...errorResponses(400, 401, 403, 404, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const webhook = await webhooks.update(requireActor(request), request.params.id, request.body, expectedVersion(request.headers['if-match']))
      return reply.header('etag', etagOf(webhook.version)).send(webhook)
    },
  )

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deleteWebhook',
        tags,
        summary: 'Delete a webhook',
        description: `Removes the webhook with its delivery log; attempts still queued stop. ${managers}`,
        security: bearerSecurity,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(requireActor(request), request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/:id/secret',
    {
      config: noReplay,
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: "Rotate a webhook's secret",
        description: `A new signing secret, shown this once; every attempt from now on is signed with it, and the old one stops at once. ${managers} No Idempotency-Key: a replay would need the secret stored.`,
        security: bearerSecurity,
        params: IdParams,
        response: { 200: withHeaders(ref(WebhookWithSecret), 'ETag'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const rotated = await webhooks.rotateSecret(requireActor(request), request.params.id)
      return reply.header('etag', etagOf(rotated.webhook.version)).send(rotated)
    },
  )

  app.get(
    '/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: "A webhook's delivery log",
        description: `Deliveries newest first, each with every attempt: when, the status code, how long it took, and the error (timeout, refused address, connection error, HTTP status) and first bytes of the answer. Filter by status. ${managers}`,
        security: bearerSecurity,
        params: IdParams,
        querystring: DeliveryListQuery,
        response: { 200: ref(WebhookDeliveryPage), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.deliveries(requireActor(request), request.params.id, request.query),
  )

  app.post(
    '/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        operationId: 'redeliverWebhookDelivery',
        tags,
        summary: 'Redeliver an event',
        description: `Sends a succeeded or failed delivery again, with a fresh cycle of retries; same webhook-id, so a receiver that already has it can drop it. A delivery still being attempted, or a disabled webhook, is a 409. ${managers}`,
        security: bearerSecurity,
        params: DeliveryParams,
        response: { 202: ref(WebhookDelivery), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.redeliver(requireActor(request), request.params.id, request.params.deliveryId)),
  )

  app.post(
    '/:id/ping',
    {
      schema: {
        operationId: 'pingWebhook',
        tags,
        summary: 'Send a test event',
        description: `Queues a webhook.ping event to this webhook alone, signed like any other: a way to check the receiver and its signature verification. Follow it in the delivery log. A disabled webhook is a 409. ${managers}`,
        security: bearerSecurity,
        params: IdParams,
        response: { 202: ref(WebhookDelivery), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send(await webhooks.ping(requireActor(request), request.params.id)),
  )
}
