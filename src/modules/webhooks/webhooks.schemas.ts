import { Type, type Static } from 'typebox'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { CodeList, Enum, Nullable, Timestamp, Url } from '../../http/fields.ts'
import { dealTransitions } from '../deals/deals.process.ts'
import { delegationEventTypes } from '../delegations/delegations.process.ts'
import { catalogueEventTypes } from '../../core/catalogue-events.ts'
import { importCompletedEvent } from '../imports/imports.runner.ts'
import { renewalDueEvent } from '../listings/listings.renewal.ts'
import { taskTransitions } from '../tasks/tasks.process.ts'

// Request schemas are inline TypeBox (no ref()): the validator does not resolve $ref.

/** Events about the webhooks themselves: a test message, and the notice that one was disabled. */
export const webhookOwnEvents = ['webhook.ping', 'webhook.subscription_disabled'] as const

/** Every event type a subscription may ask for: what deals, matching, tasks, delegations and the catalogue write, and webhook.*. */
export const webhookEventTypes: readonly string[] = [
  ...new Set([
    'deal.started',
    ...dealTransitions.map((transition) => transition.event),
    'deal.interest_reminder',
    'deal.offer_reminder',
    'deal.message_posted',
    'match.suggested',
    'match.proposed',
    'match.shortlisted',
    'match.dismissed',
    ...Object.keys(catalogueEventTypes),
    renewalDueEvent,
    importCompletedEvent,
    'task.proposed',
    'task.updated',
    ...taskTransitions.map((transition) => transition.event),
    'task.partner_invited',
    'task.partner_accepted',
    'task.partner_declined',
    ...delegationEventTypes,
    'success_story.drafted',
    'success_story.approved',
    ...webhookOwnEvents,
  ]),
]

export const webhookStatuses = ['active', 'disabled'] as const
export const deliveryStatuses = ['pending', 'succeeded', 'failed'] as const

const EventTypes = CodeList(
  Enum(webhookEventTypes, { title: 'WebhookEventType' }),
  'Event types to deliver; empty (the default): every event addressed to the organisation',
  60,
)
const WebhookUrl = {
  ...Url,
  description:
    'Where to POST: http or https. Hosts resolving to anything but public unicast addresses (private, loopback, link-local, reserved, documentation) are refused',
}
const Description = Type.String({ minLength: 1, maxLength: 300, description: 'A note to recognise the webhook by' })

export const WebhookCreate = Type.Object(
  {
    organizationId: Type.Optional({ ...Uuid, description: "Whose events; default: the caller's own organisation (or one that delegated to it)" }),
    url: WebhookUrl,
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
)
export type WebhookCreate = Static<typeof WebhookCreate>

export const WebhookUpdate = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Nullable(Description)),
    status: Type.Optional(Enum(webhookStatuses, { title: 'WebhookStatus', description: 'active re-enables a disabled webhook; disabled pauses it' })),
  },
  { additionalProperties: false, minProperties: 1, description: 'Fields to change; null clears the description' },
)
export type WebhookUpdate = Static<typeof WebhookUpdate>

export const WebhookListQuery = Type.Object(
  {
    organizationId: Type.Optional({ ...Uuid, description: "Whose webhooks; default: the caller's own organisation" }),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type WebhookListQuery = Static<typeof WebhookListQuery>

export const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(Enum(deliveryStatuses, { title: 'DeliveryStatus', description: 'Only deliveries in this status' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type DeliveryListQuery = Static<typeof DeliveryListQuery>

export const DeliveryParams = Type.Object({ id: Uuid, deliveryId: Uuid })

export const Webhook = Type.Object(
  {
    id: Uuid,
    organizationId: Uuid,
    url: Type.String(),
    eventTypes: Type.Array(Type.String(), { description: 'Empty: every event addressed to the organisation' }),
    description: Nullable(Type.String()),
    status: Enum(webhookStatuses, { title: 'WebhookStatus', description: 'active, or disabled (by its owner, or after a delivery failed every retry)' }),
    disabledAt: Nullable(Timestamp),
    disabledReason: Nullable(Type.String()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer({ description: 'Also the ETag' }),
  },
  { $id: 'Webhook', description: "An organisation's subscription to its events: where they are POSTed, signed with its secret" },
)
export type Webhook = Static<typeof Webhook>

export const WebhookWithSecret = Type.Object(
  {
    webhook: ref(Webhook),
    secret: Type.String({ description: 'The signing secret (whsec_...), shown this once: keep it to verify webhook-signature' }),
  },
  { $id: 'WebhookWithSecret' },
)
export type WebhookWithSecret = Static<typeof WebhookWithSecret>

export const WebhookPage = Type.Object({ items: Type.Array(ref(Webhook)), nextCursor: Nullable(Type.String()) }, { $id: 'WebhookPage' })
export type WebhookPage = Static<typeof WebhookPage>

export const WebhookAttempt = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1 }),
    attemptedAt: Timestamp,
    durationMs: Type.Integer({ minimum: 0 }),
    statusCode: Nullable(Type.Integer({ description: "The receiver's status; null when it gave none" })),
    error: Nullable(Type.String({ description: 'Why the attempt failed (timeout, refused address, connection error, HTTP status); null on success' })),
    responseBody: Nullable(Type.String({ description: 'The first 2 KB of the answer' })),
  },
  { $id: 'WebhookAttempt' },
)
export type WebhookAttempt = Static<typeof WebhookAttempt>

export const WebhookDelivery = Type.Object(
  {
    id: Uuid,
    webhookId: Uuid,
    eventId: Type.Integer({ description: 'The event (outbox) id' }),
    eventType: Type.String(),
    messageId: Type.String({ description: 'The webhook-id header: evt_<eventId>, the same on every attempt' }),
    status: Enum(deliveryStatuses, {
      title: 'DeliveryStatus',
      description: 'pending (an attempt is queued), succeeded, or failed (retries exhausted, or the webhook disabled)',
    }),
    attempts: Type.Integer({ minimum: 0 }),
    nextAttemptAt: Nullable({ ...Timestamp, description: 'When the next attempt is due, while pending' }),
    lastAttemptAt: Nullable(Timestamp),
    lastStatusCode: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    createdAt: Timestamp,
    attemptLog: Type.Array(ref(WebhookAttempt), { description: 'Every attempt, oldest first' }),
  },
  { $id: 'WebhookDelivery', description: 'One event for one webhook, with its attempts' },
)
export type WebhookDelivery = Static<typeof WebhookDelivery>

export const WebhookDeliveryPage = Type.Object({ items: Type.Array(ref(WebhookDelivery)), nextCursor: Nullable(Type.String()) }, { $id: 'WebhookDeliveryPage' })
export type WebhookDeliveryPage = Static<typeof WebhookDeliveryPage>

export const webhookSchemas = [Webhook, WebhookWithSecret, WebhookPage, WebhookAttempt, WebhookDelivery, WebhookDeliveryPage]
