import { Type, type TSchema } from 'typebox'
import { DiscriminatedUnion, Uuid, ref } from '../../http/common.schemas.ts'
import { DateOnly, Enum, Nullable, Timestamp } from '../../http/fields.ts'
import { catalogueEventTypes } from '../../core/catalogue-events.ts'
import { dealTransitions } from '../deals/deals.process.ts'
import { DealRole, DealState, dealHistoryMembers, dealMoveTransition } from '../deals/deals.schemas.ts'
import { Delegation } from '../delegations/delegations.schemas.ts'
import { delegationEventTypes } from '../delegations/delegations.process.ts'
import { catalogueEventMembers, catalogueEventType } from '../feed/feed.schemas.ts'
import { importCompletedEvent } from '../imports/imports.runner.ts'
import { renewalDueEvent } from '../listings/listings.renewal.ts'
import { ImportKind } from '../imports/imports.schemas.ts'
import { importStatuses } from '../imports/imports.schemas.ts'
import { dismissReasons, matchOrigins, matchStatuses } from '../matching/matching.schemas.ts'
import { partnerRoles, taskRoles, taskTransitions } from '../tasks/tasks.process.ts'
import { TaskState, taskHistoryMembers, taskMoveTransition } from '../tasks/tasks.schemas.ts'
import { webhookEventTypes } from './webhooks.schemas.ts'

// What a webhook delivers, by event type: Standard Webhooks' envelope ({ type, timestamp, data })
// as a oneOf discriminated by `type`, so a generated client narrows `data` without a type written
// by hand. The payloads are the ones the services record (src/core/outbox.ts); the deal and task
// moves reuse their history entries' payloads, the catalogue events the public feed's data.
// Declared in the OpenAPI document's `webhooks` section (src/http/openapi.ts).

type Member = { title: string; types: readonly string[]; data: TSchema; description: string; type?: TSchema }

const Respondent = Enum(['provider', 'seeker'] as const, { title: 'DealSide', description: 'The side that is to answer' })
const TaskRole = Enum(taskRoles, { title: 'TaskRole' })

/** The deal and task moves' events by transition, for the members below. */
const dealEventOf = (transition: string) => (transition === 'start' ? 'deal.started' : dealTransitions.find((each) => each.name === transition)!.event)
const taskEvents: Record<string, string> = {
  propose: 'task.proposed',
  update: 'task.updated',
  partner_accepted: 'task.partner_accepted',
  partner_declined: 'task.partner_declined',
  ...Object.fromEntries(taskTransitions.map((transition) => [transition.name, transition.event])),
}

/** The messages of a process's moves: one per history member, its payload inside the move. */
type MoveMember = { title: string; transitions: readonly string[]; payload: Record<string, TSchema>; description: string }

function moveMessages<M extends MoveMember>(process: {
  subject: string
  members: readonly M[]
  eventOf: (transition: string) => string
  transitionOf: (member: M) => TSchema
  ids: Record<string, TSchema>
  state: TSchema
  role: TSchema
}): Member[] {
  return process.members.map((member) => ({
    title: member.title.replace(/Entry$/, 'Message'),
    types: [...new Set(member.transitions.map(process.eventOf))],
    data: Type.Object(
      {
        ...process.ids,
        transition: process.transitionOf(member),
        fromState: Nullable(process.state),
        state: process.state,
        actorRole: process.role,
        ...member.payload,
      },
      { title: member.title.replace(/Entry$/, 'Data') },
    ),
    description: `${member.description} (${process.subject}.*)`,
  }))
}

const members: Member[] = [
  // Deals: every move's event carries the move and what it recorded (as in the deal's history).
  ...moveMessages({
    subject: 'deal',
    members: dealHistoryMembers,
    eventOf: dealEventOf,
    transitionOf: dealMoveTransition,
    ids: { dealId: Uuid, listingId: Uuid },
    state: DealState,
    role: DealRole,
  }),
  {
    title: 'DealInterestReminderMessage',
    types: ['deal.interest_reminder'],
    data: Type.Object({ dealId: Uuid, listingId: Uuid, respondBy: Nullable(Timestamp), respondent: Respondent }, { title: 'DealInterestReminderData' }),
    description: 'An interest waits for an answer and its time runs out soon',
  },
  {
    title: 'DealOfferReminderMessage',
    types: ['deal.offer_reminder'],
    data: Type.Object({ dealId: Uuid, offerId: Uuid, validUntil: Timestamp, respondent: Respondent }, { title: 'DealOfferReminderData' }),
    description: 'An open offer waits for an answer and lapses soon',
  },
  {
    title: 'DealMessagePostedMessage',
    types: ['deal.message_posted'],
    data: Type.Object(
      {
        dealId: Uuid,
        messageId: Uuid,
        authorOrganizationId: Nullable({ ...Uuid, description: "null while the author's party is anonymous to the other party" }),
        authorRole: DealRole,
      },
      { title: 'DealMessagePostedData' },
    ),
    description: 'A message was written on a deal (read it with GET /v1/deals/{id}/messages)',
  },
  {
    title: 'ListingRenewalDueMessage',
    types: [renewalDueEvent],
    data: Type.Object(
      {
        listingId: Uuid,
        validUntil: { ...DateOnly, description: 'The last day (Vietnam time) the listing stands, as it is now' },
        daysLeft: Type.Integer({ minimum: 0, description: 'Days from today (Vietnam time) to validUntil' }),
      },
      { title: 'ListingRenewalDueData' },
    ),
    description:
      'A published listing of yours drops out of search after validUntil: renew it (POST /v1/listings/{id}/renew, or PATCH validUntil). Sent LISTING_RENEWAL_REMINDER_DAYS before, once per validUntil, to the owner only',
  },
  {
    title: 'SuccessStoryDraftMessage',
    types: ['success_story.drafted', 'success_story.approved'],
    data: Type.Object(
      {
        storyId: Uuid,
        dealId: Uuid,
        draftedBy: Type.Optional({
          ...Enum(['provider', 'seeker'] as const, { title: 'DealSide' }),
          description: 'success_story.drafted: the side that drafted it',
        }),
        approvedBy: Type.Optional({
          ...Enum(['provider', 'seeker'] as const, { title: 'DealSide' }),
          description: 'success_story.approved: the side that approved it',
        }),
      },
      { title: 'SuccessStoryDraftData' },
    ),
    description:
      'A success story of your transfer was drafted, or one side approved it: read it (GET /v1/success-stories/{id}) and approve it in turn. To both parties',
  },
  // Matches.
  {
    title: 'MatchMessage',
    types: ['match.suggested', 'match.proposed', 'match.shortlisted', 'match.dismissed'],
    data: Type.Object(
      {
        matchId: Uuid,
        demandId: Uuid,
        listingId: Uuid,
        status: Enum(matchStatuses, { title: 'MatchStatus' }),
        origin: Enum(matchOrigins, { title: 'MatchOrigin' }),
        score: Type.Number({ minimum: 0, maximum: 1 }),
        proposedById: Type.Optional({ ...Uuid, description: 'match.proposed: the broker that proposed it' }),
        reason: Type.Optional({ ...Enum(dismissReasons, { title: 'DismissReason' }), description: 'match.dismissed: why' }),
      },
      { title: 'MatchData' },
    ),
    description: 'A match was suggested by the matcher, proposed by a broker, shortlisted or dismissed by the demand owner',
  },
  // The catalogue: the record as the public feed serves it, or a tombstone; a draft's creation too.
  ...catalogueEventMembers.map((member) => {
    const drafts = [
      ...(member.types.includes('listing.updated') ? ['listing.created'] : []),
      ...(member.types.includes('demand.updated') ? ['demand.created'] : []),
    ]
    return {
      title: member.title.replace(/Event$/, 'Message'),
      types: [...member.types, ...drafts],
      // The feed's own type vocabulary where the types are the same.
      ...(drafts.length === 0 ? { type: catalogueEventType(member) } : {}),
      data: member.data,
      description: member.description,
    }
  }),
  {
    title: 'ImportCompletedMessage',
    types: [importCompletedEvent],
    data: Type.Object(
      {
        id: Uuid,
        kind: ImportKind,
        status: Enum(importStatuses, { title: 'ImportStatus' }),
        error: Nullable(Type.String()),
        totalRows: Type.Integer(),
        rowsDone: Type.Integer(),
        rowsCreated: Type.Integer(),
        rowsUpdated: Type.Integer(),
        rowsFailed: Type.Integer(),
      },
      { title: 'ImportCompletedData' },
    ),
    description: 'An import ended, completed or failed (GET /v1/imports/{id} for the rest)',
  },
  // Tasks: every move's event carries the move and what it recorded (as in the task's history).
  ...moveMessages({
    subject: 'task',
    members: taskHistoryMembers,
    eventOf: (transition) => taskEvents[transition]!,
    transitionOf: taskMoveTransition,
    ids: { taskId: Uuid },
    state: TaskState,
    role: TaskRole,
  }),
  {
    title: 'TaskPartnerInvitedMessage',
    types: ['task.partner_invited'],
    data: Type.Object(
      {
        taskId: Uuid,
        title: Type.String(),
        state: TaskState,
        organizationId: Uuid,
        role: Enum(partnerRoles, { title: 'TaskPartnerRole' }),
        contribution: Nullable(Type.String()),
      },
      { title: 'TaskPartnerInvitedData' },
    ),
    description: 'An organisation was invited into a joint task; it accepts or declines',
  },
  {
    title: 'DelegationMessage',
    types: delegationEventTypes,
    data: ref(Delegation),
    description: 'A delegation was proposed, accepted, declined, recorded or ended: data is the Delegation',
  },
  {
    title: 'WebhookPingMessage',
    types: ['webhook.ping'],
    data: Type.Object({ webhookId: Uuid, message: Type.String() }, { title: 'WebhookPingData' }),
    description: 'A test message (POST /v1/webhooks/{id}/ping)',
  },
  {
    title: 'WebhookDisabledMessage',
    types: ['webhook.subscription_disabled'],
    data: Type.Object(
      {
        webhookId: Uuid,
        url: Type.String(),
        reason: Type.String(),
        disabledAt: Timestamp,
        lastDeliveryId: Uuid,
        eventId: Type.Integer(),
      },
      { title: 'WebhookDisabledData' },
    ),
    description: 'A webhook was disabled after its deliveries kept failing; sent to the other webhooks of the organisation',
  },
]

const messageSchema = ({ title, types, data, description, type }: Member) =>
  Type.Object(
    {
      type: type ?? Enum(types, 'The event type'),
      timestamp: { ...Timestamp, description: 'When the event happened' },
      data,
    },
    { title, description },
  )

/** A webhook message as the dispatcher sends it. */
export type WebhookMessage = { type: string; timestamp: string; data: Record<string, unknown> }

export const WebhookMessage = DiscriminatedUnion<WebhookMessage>({
  $id: 'WebhookMessage',
  description: 'The body of a webhook request: Standard Webhooks envelope, data by type',
  property: 'type',
  members: members.map((member) => ({ schema: messageSchema(member), values: member.types })),
})

// Every event type a subscription may ask for has its message, once: a new one without fails here, at start-up.
const covered = members.flatMap((member) => member.types)
const missing = webhookEventTypes.filter((type) => !covered.includes(type))
if (missing.length > 0 || covered.length !== new Set(covered).size || covered.some((type) => !webhookEventTypes.includes(type))) {
  throw new Error(`WebhookMessage: each event type needs exactly one member (missing: ${missing.join(', ') || 'none'})`)
}
// The catalogue's types are all delivered as well as fed.
if (Object.keys(catalogueEventTypes).some((type) => !covered.includes(type))) throw new Error('WebhookMessage: a catalogue event type has no member')
