import { OrganizationSummary } from '../organizations/organizations.schemas.ts'
import { Type, type Static } from 'typebox'
import { ProvinceCode } from '../reference/reference.schemas.ts'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { DateOnly, Enum, LongText, Nullable, ShortText, Timestamp } from '../../http/fields.ts'
import { dealStates } from '../deals/deals.process.ts'

// Request schemas are inline TypeBox (no ref()); responses use ref().

export const eventKinds = ['workshop', 'fair', 'demo_day', 'connection_session'] as const

/** How long after an event deals may still say they started there (follow-ups of a fair). */
export const followUpDays = 30

const Ids = (description: string) => Type.Array(Uuid, { maxItems: 200, uniqueItems: true, description })

const editable = {
  kind: Enum(eventKinds, {
    title: 'ExchangeEventKind',
    description: 'workshop (hội thảo), fair (chợ công nghệ, Techmart), demo_day (trình diễn), connection_session (kết nối cung cầu)',
  }),
  title: ShortText(),
  description: Nullable(LongText()),
  startsOn: DateOnly,
  endsOn: { ...DateOnly, description: 'The last day; not before startsOn' },
  place: ShortText({ description: 'Where: the venue and its address' }),
  provinceCode: ProvinceCode,
  coOrganizerIds: Ids('Organisations organising it with the main organiser'),
  participantIds: Ids('Organisations taking part: exhibitors, visitors, speakers'),
  listingIds: Ids('Listings showcased: published ones'),
}

export const ExchangeEventCreate = Type.Object(
  {
    organizerId: Type.Optional({ ...Uuid, description: "The main organiser, if not the key's own organisation (one that delegated to it)" }),
    kind: editable.kind,
    title: editable.title,
    description: Type.Optional(editable.description),
    startsOn: editable.startsOn,
    endsOn: editable.endsOn,
    place: editable.place,
    provinceCode: editable.provinceCode,
    coOrganizerIds: Type.Optional(editable.coOrganizerIds),
    participantIds: Type.Optional(editable.participantIds),
    listingIds: Type.Optional(editable.listingIds),
  },
  { additionalProperties: false },
)
export type ExchangeEventCreate = Static<typeof ExchangeEventCreate>

export const ExchangeEventUpdate = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 })
export type ExchangeEventUpdate = Static<typeof ExchangeEventUpdate>

export const ExchangeEventListQuery = Type.Object(
  {
    provinceCode: Type.Optional({ ...ProvinceCode, description: 'Events in this province (a legacy code means the 2025 unit it became)' }),
    kind: Type.Optional(Enum(eventKinds, { title: 'ExchangeEventKind' })),
    from: Type.Optional({ ...DateOnly, description: 'Events ending on or after this day' }),
    to: Type.Optional({ ...DateOnly, description: 'Events starting on or before this day' }),
    organizationId: Type.Optional({ ...Uuid, description: 'Events this organisation organises or takes part in' }),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type ExchangeEventListQuery = Static<typeof ExchangeEventListQuery>

// Responses

export const ExchangeEvent = Type.Object(
  {
    id: Uuid,
    kind: Enum(eventKinds, { title: 'ExchangeEventKind' }),
    title: Type.String(),
    description: Nullable(Type.String()),
    startsOn: DateOnly,
    endsOn: DateOnly,
    place: Type.String(),
    provinceCode: Type.String(),
    currentProvinceCode: Type.String(),
    organizer: ref(OrganizationSummary),
    coOrganizers: Type.Array(ref(OrganizationSummary)),
    participants: Type.Array(ref(OrganizationSummary)),
    listings: Type.Array(Type.Object({ id: Uuid, titleVi: Type.String(), status: Type.String() })),
    outcomes: Type.Object(
      {
        dealsStarted: Type.Integer({ description: 'Deals started at the event (startDeal with its eventId)' }),
        dealsByState: Type.Record(Type.String(), Type.Integer(), {
          description: `Those deals by their state now (${dealStates.map((state) => state.name).join(', ')})`,
        }),
        completedTransfers: Type.Integer(),
        transferValueVnd: Type.Integer(),
      },
      { description: 'What came of it' },
    ),
    version: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'ExchangeEvent' },
)
export type ExchangeEvent = Static<typeof ExchangeEvent>

export const ExchangeEventPage = Type.Object({ items: Type.Array(ref(ExchangeEvent)), nextCursor: Nullable(Type.String()) }, { $id: 'ExchangeEventPage' })

export const exchangeEventSchemas = [ExchangeEvent, ExchangeEventPage]
