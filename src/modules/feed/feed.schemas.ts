import { Type, type Static, type TSchema } from 'typebox'
import { Cursor, DiscriminatedUnion, Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, Timestamp } from '../../http/fields.ts'
import { feedEventTypes, isTombstone, type CatalogueEventType } from '../../core/catalogue-events.ts'
import { Demand } from '../demands/demands.schemas.ts'
import { Listing } from '../listings/listings.schemas.ts'
import { Organization, SplitRule } from '../organizations/organizations.schemas.ts'
import { SuccessStory } from '../success-stories/success-stories.schemas.ts'
import { demandCloseReason } from '../reference/reference.schemas.ts'

// The public event feed (GET /v1/events): the catalogue's changes in commit order, for mirrors.

// Ids are a bigint identity: sent as a decimal string, so no client rounds one past 2^53.
const EventId = Type.String({
  pattern: '^[1-9][0-9]{0,18}$',
  description: 'The event id, a decimal number as a string; unique, but the feed is ordered by commit, not by id',
})
const GlobalId = Type.String({ description: 'The global id of the record (see Provenance)' })

type Subject = 'listing' | 'demand' | 'organization' | 'success_story'
export type CatalogueEventMember = { title: string; subject: Subject; types: CatalogueEventType[]; data: TSchema; description: string }

// One member per shape of `data`: the record as a keyless GET shows it, or a tombstone.
export const catalogueEventMembers: CatalogueEventMember[] = [
  {
    title: 'ListingChangedEvent',
    subject: 'listing',
    types: ['listing.published', 'listing.updated'],
    data: ref(Listing),
    description: 'A listing became public or changed while public: data is the Listing (an anonymous one without its owner)',
  },
  {
    title: 'ListingRemovedEvent',
    subject: 'listing',
    types: ['listing.withdrawn', 'listing.unpublished', 'listing.archived'],
    data: Type.Object({ id: Uuid, globalId: GlobalId }, { title: 'ListingTombstone' }),
    description: 'A listing left the public catalogue: a mirror deletes it',
  },
  {
    title: 'DemandChangedEvent',
    subject: 'demand',
    types: ['demand.opened', 'demand.updated'],
    data: ref(Demand),
    description: 'A demand was opened or changed while open: data is the Demand',
  },
  {
    title: 'DemandClosedEvent',
    subject: 'demand',
    types: ['demand.closed'],
    data: Type.Object({ id: Uuid, globalId: GlobalId, reason: demandCloseReason() }, { title: 'DemandTombstone' }),
    description: 'A demand was closed: a mirror deletes it',
  },
  {
    title: 'OrganizationChangedEvent',
    subject: 'organization',
    types: ['organization.created', 'organization.updated'],
    data: ref(Organization),
    description: 'An organisation was registered or changed: data is the Organization',
  },
  {
    title: 'OrganizationMergedEvent',
    subject: 'organization',
    types: ['organization.merged'],
    data: Type.Object(
      { id: Uuid, globalId: GlobalId, successorId: { ...Uuid, description: 'The organisation it was merged into' } },
      { title: 'OrganizationTombstone' },
    ),
    description: 'An organisation was merged into its successor: a mirror deletes it and points its records to the successor',
  },
  {
    title: 'OrganizationSplitEvent',
    subject: 'organization',
    types: ['organization.split'],
    data: Type.Object(
      {
        id: Uuid,
        globalId: GlobalId,
        successorId: { ...Uuid, description: 'The default successor (the last rule), also its mergedIntoId' },
        successors: Type.Array(ref(SplitRule), { description: "The rules, in order, that gave each of the organisation's records its steward" }),
      },
      { title: 'OrganizationSplitTombstone' },
    ),
    description:
      'An organisation was split between successors: a mirror deletes it and gives each of its listings and demands the steward of the first rule the record meets',
  },
  {
    title: 'SuccessStoryPublishedEvent',
    subject: 'success_story',
    types: ['success_story.published'],
    data: ref(SuccessStory),
    description: 'Both parties of a completed transfer approved its success story: data is the SuccessStory',
  },
  {
    title: 'SuccessStoryRetractedEvent',
    subject: 'success_story',
    types: ['success_story.retracted'],
    data: Type.Object({ id: Uuid, globalId: GlobalId }, { title: 'SuccessStoryTombstone' }),
    description: 'A published success story was retracted: a mirror deletes it',
  },
]

/** A catalogue member's event types; named when several, as the webhook messages share it. */
export const catalogueEventType = ({ title, types }: { title: string; types: readonly string[] }) =>
  Enum(types, { ...(types.length > 1 ? { title: `${title}Type` } : {}), description: 'The event type' })

/** success_story -> SuccessStory */
const pascalCase = (name: string) => name.replace(/(^|_)([a-z])/g, (_, __: string, letter: string) => letter.toUpperCase())

const eventSchema = ({ title, subject, types, data, description }: CatalogueEventMember) =>
  Type.Object(
    {
      id: EventId,
      type: catalogueEventType({ title, types }),
      occurredAt: Timestamp,
      subject: Type.Object(
        { type: Enum([subject]), id: { ...Uuid, description: `The id of the ${subject}` } },
        { title: `${pascalCase(subject)}EventSubject`, description: 'The record the event is about' },
      ),
      tombstone: Type.Boolean({ const: isTombstone(types[0]!), description: 'True when the record leaves the public catalogue: a mirror deletes it' }),
      data,
    },
    { title, description },
  )

/** An event as the service builds it; the document below says which data comes with which type. */
export type FeedEvent = {
  id: string
  type: string
  occurredAt: string
  subject: { type: Subject; id: string }
  tombstone: boolean
  data: Record<string, unknown>
}

// oneOf with a discriminator, so a generated client narrows `data` by `type`. The feed route
// serializes with JSON.stringify (see feed.routes.ts): the events are built from typed views.
export const FeedEvent = DiscriminatedUnion<FeedEvent>({
  $id: 'FeedEvent',
  description: 'One change to the public catalogue',
  property: 'type',
  members: catalogueEventMembers.map((member) => ({ schema: eventSchema(member), values: member.types })),
})

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
