import { Type, type Static } from 'typebox'
import { Cursor, Uuid, ref } from '../../http/common.schemas.ts'
import { Timestamp } from '../../http/fields.ts'
import { feedEventTypes } from '../../core/catalogue-events.ts'

// The public event feed (GET /v1/events): the catalogue's changes in commit order, for mirrors.

export const FeedEvent = Type.Object(
  {
    // Ids are a bigint identity: sent as a decimal string, so no client rounds one past 2^53.
    id: Type.String({
      pattern: '^[1-9][0-9]{0,18}$',
      description: 'The event id, a decimal number as a string; unique, but the feed is ordered by commit, not by id',
    }),
    type: Type.String({ description: `The event type: ${feedEventTypes.join(', ')}` }),
    occurredAt: Timestamp,
    subject: Type.Object(
      {
        type: Type.Union([Type.Literal('listing'), Type.Literal('demand'), Type.Literal('organization')]),
        id: { ...Uuid, description: 'The id of the listing, demand or organisation' },
      },
      { description: 'The record the event is about' },
    ),
    tombstone: Type.Boolean({ description: 'True when the record leaves the public catalogue (withdrawn, unpublished, closed, merged): a mirror deletes it' }),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'The record after the change as GET shows it to a caller without a key (a Listing, Demand or Organization; an anonymous listing without its owner). A tombstone carries only `id` and `globalId`, with `reason` (demand.closed) or `successorId` (organization.merged).',
    }),
  },
  { $id: 'FeedEvent', description: 'One change to the public catalogue' },
)
export type FeedEvent = Static<typeof FeedEvent>

export const FeedEventQuery = Type.Object(
  {
    after: Type.Optional({ ...Cursor, description: 'The nextCursor of the previous page; absent: from the beginning' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Events per page (1-1000, default 100)' })),
    types: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: `Only these event types, comma-separated (types=listing.published,listing.withdrawn); one of ${feedEventTypes.join(', ')}`,
      }),
    ),
  },
  { additionalProperties: false },
)
export type FeedEventQuery = Static<typeof FeedEventQuery>

export const FeedEventPage = Type.Object(
  {
    items: Type.Array(ref(FeedEvent)),
    nextCursor: Type.String({
      description: 'Where the next page starts: after the last item, or the cursor given when the page is empty. Never null: keep polling with it.',
    }),
  },
  { $id: 'FeedEventPage' },
)
export type FeedEventPage = Static<typeof FeedEventPage>

export const eventSchemas = [FeedEvent, FeedEventPage]
