import { Type, type Static } from 'typebox'
import { demandCloseReason } from '../reference/reference.schemas.ts'
import { Cursor, Limit, Uuid } from '../../http/common.schemas.ts'
import { Enum, Nullable, ShortText, Timestamp, Url } from '../../http/fields.ts'
import { ref } from '../../http/common.schemas.ts'
import { DemandCreate } from '../demands/demands.schemas.ts'
import { ListingCreate } from '../listings/listings.schemas.ts'

// Request schemas are inline TypeBox (no ref()): the validator does not resolve $ref.

/** A source's id: a slug, the first part of the global id of each of its records. */
export const SourceId = Type.String({
  minLength: 2,
  maxLength: 63,
  pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
  description: "A short slug (a-z, 0-9, -) naming the exchange or portal, e.g. techport-hanoi; the first part of its records' global ids",
})

/**
 * A record's id at its source, as the last path segment: visible ASCII without a slash, and not
 * `.` or `..` (which proxies and clients may resolve away). A colon is allowed: a global id
 * splits at its first two colons only.
 */
export const ExternalId = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^(?!\\.{1,2}$)[\\x21-\\x2e\\x30-\\x7e]+$',
  description: "The record's id at its source: 1-200 visible ASCII characters, no slash (percent-encode others' ids if they have any)",
})

export const SourceCreate = Type.Object(
  {
    id: SourceId,
    name: ShortText({ description: 'The name of the exchange or portal' }),
    organizationId: { ...Uuid, description: "The organisation that runs it: its admin and editor keys write the source's records" },
    homepage: Type.Optional(Nullable({ ...Url, description: 'Its public web address' })),
  },
  { additionalProperties: false },
)
export type SourceCreate = Static<typeof SourceCreate>

export const Source = Type.Object(
  {
    id: Type.String({ description: 'The slug: the first part of the global id of each of its records' }),
    name: Type.String(),
    organizationId: { ...Uuid, description: 'The organisation that runs the source: its admin and editor keys write its records' },
    homepage: Nullable(Type.String()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Source', description: 'Another exchange or portal whose records this exchange mirrors (federation)' },
)
export type Source = Static<typeof Source>

export const SourcePage = Type.Object({ items: Type.Array(ref(Source)), nextCursor: Nullable(Type.String()) }, { $id: 'SourcePage' })
export type SourcePage = Static<typeof SourcePage>

export const SourceListQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false })
export type SourceListQuery = Static<typeof SourceListQuery>

export const SourceParams = Type.Object({ source: SourceId })
export const SourceRecordParams = Type.Object({ source: SourceId, externalId: ExternalId })

export const sourceListingStatuses = ['draft', 'published', 'withdrawn'] as const

/** The listing as its source has it: every field (an omitted one takes its default), and its status. */
export const SourceListingPut = Type.Object(
  {
    ...ListingCreate.properties,
    ownerId: Type.Optional({
      ...Uuid,
      description:
        "The organisation the listing is for: default the source's organisation; else one its keys act for (a member that delegated to it; any organisation for the operator). Fixed once the listing exists",
    }),
    status: Enum(sourceListingStatuses, {
      title: 'SourceListingStatus',
      description: 'draft, published or withdrawn, as at the source. Withdrawn is final; a draft is published first',
    }),
    withdrawReason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        pattern: '\\S',
        description: 'Why the listing is withdrawn, when status becomes withdrawn (default: withdrawn at the source)',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'The whole listing (PUT replaces it): an omitted optional field takes its default (null, [], none, negotiable, false), as on createListing. The rules on price and IPR numbers apply.',
  },
)
export type SourceListingPut = Static<typeof SourceListingPut>

export const sourceDemandStatuses = ['draft', 'open', 'closed'] as const

/** The demand as its source has it: every field (an omitted one takes its default), and its status. */
export const SourceDemandPut = Type.Object(
  {
    ...DemandCreate.properties,
    ownerId: Type.Optional({
      ...Uuid,
      description:
        "The enterprise filing the demand: default the source's organisation (if it is an enterprise); else a member enterprise its keys act for (any for the operator). Fixed once the demand exists",
    }),
    status: Enum(sourceDemandStatuses, {
      title: 'DemandStatus',
      description: 'draft, open or closed, as at the source. Closed is final; a draft is opened first',
    }),
    closeReason: Type.Optional(demandCloseReason('Why the demand closed, when status becomes closed (required then); see /v1/reference/demand-close-reasons')),
    closeNote: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'With the close reason; required when it is `other`' })),
  },
  {
    additionalProperties: false,
    description:
      'The whole demand (PUT replaces it): an omitted optional field takes its default (null or []), as on createDemand. The budget range must not be empty.',
  },
)
export type SourceDemandPut = Static<typeof SourceDemandPut>

export const sourceSchemas = [Source, SourcePage]
