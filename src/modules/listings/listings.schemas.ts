import { Type, type Static } from 'typebox'
import { Cursor, Limit, Provenance, Uuid, ref } from '../../http/common.schemas.ts'
import { DuplicateSimilarity, SearchInterpretation } from '../retrieval/retrieval.schemas.ts'
import { CodeList, DateOnly, Enum, FilterValues, Keywords, LongText, Nullable, ShortText, Timestamp, Url, Vnd } from '../../http/fields.ts'
import { confidentialFields } from '../../core/disclosure.ts'
import { Contact, StewardId } from '../organizations/organizations.schemas.ts'
import {
  ProvinceCode,
  iprStatus,
  listingKind,
  organizationKind,
  priceType,
  scienceFieldCode,
  sectorCode,
  transferForm,
  transferMethod,
} from '../reference/reference.schemas.ts'
import { regions } from '../../core/places.ts'
import { listingStatuses } from './listings.lifecycle.ts'

// Request schemas are inline TypeBox (no ref()): the validator does not resolve $ref.

export const ListingKind = listingKind('See /v1/reference/listing-kinds')
export const ListingStatus = Enum(listingStatuses, {
  title: 'ListingStatus',
  description:
    'draft, published, withdrawn or archived as stored; expired = published and past validUntil (Vietnam time); archived = expired for LISTING_ARCHIVE_AFTER_DAYS and put away',
})
const IprStatus = iprStatus('See /v1/reference/ipr-statuses')
const PriceType = priceType('See /v1/reference/price-types')
const Trl = Type.Integer({ minimum: 1, maximum: 9, description: 'Technology readiness level, see /v1/reference/trl-levels' })
const Sector = sectorCode('A VSIC section, see /v1/reference/sectors')
const ScienceField = scienceFieldCode('An S&T field, see /v1/reference/science-fields')

// What a media link points at; a listing-only vocabulary, so it lives here rather than in reference.
export const mediaKinds = ['image', 'video', 'document', 'website'] as const

const MediaLink = Type.Object(
  { url: Url, kind: Enum(mediaKinds, { title: 'MediaKind' }), title: Type.Optional(ShortText()) },
  { additionalProperties: false, title: 'MediaLink', description: 'A link to a picture, video, brochure or web page about the listing' },
)

const Disclosure = Type.Object(
  {
    contacts: Type.Boolean({ description: 'true: everyone sees the contacts' }),
    iprNumbers: Type.Boolean({ description: 'true: everyone sees the IPR numbers' }),
  },
  {
    additionalProperties: false,
    title: 'Disclosure',
    description:
      "Which confidential fields the owner makes public. Default both false: only those who act for the owner (its keys, its delegates', the operator's, its successor's after a merge) see them, and a seeker once its deal on the listing got far enough: contacts when the deal is accepted, IPR numbers when it is agreed (see redacted).",
  },
)

const Anonymous = Type.Boolean({
  description:
    "true: the owner's id and name are hidden (its kind stays) from all but those who act for the owner, until a seeker's deal on the listing is accepted. Default false",
})

const editable = {
  kind: ListingKind,
  titleVi: ShortText({ description: 'Title in Vietnamese' }),
  titleEn: Nullable(ShortText({ description: 'Title in English' })),
  descriptionVi: LongText('Description in Vietnamese'),
  descriptionEn: Nullable(LongText('Description in English')),
  trl: Nullable(Trl),
  iprStatus: iprStatus('See /v1/reference/ipr-statuses; a new listing that leaves it out has none'),
  iprNumbers: Type.Array(Type.String({ minLength: 1, maxLength: 60 }), {
    maxItems: 20,
    uniqueItems: true,
    description: 'Patent or utility solution numbers (granted) or application numbers (pending); only with those statuses',
  }),
  transferForms: CodeList(transferForm(), 'Forms of transfer offered, see /v1/reference/transfer-forms'),
  transferMethods: CodeList(transferMethod(), 'Methods of transfer offered, see /v1/reference/transfer-methods'),
  priceType: priceType('See /v1/reference/price-types; a new listing that leaves it out is negotiable'),
  priceVnd: Nullable({
    ...Vnd,
    description:
      'The price in VND: required when priceType is amount, forbidden when negotiable; optional when on_request (the asking price, shown only to those who act for the owner and to a seeker once its deal is accepted)',
  }),
  sectors: CodeList(sectorCode(), 'VSIC sections the listing serves'),
  fields: CodeList(scienceFieldCode(), 'S&T fields of the listing'),
  keywords: Keywords,
  provinceCodes: Type.Array(ProvinceCode, {
    maxItems: 63,
    uniqueItems: true,
    description: 'Where the listing applies: 2025 or legacy codes; a legacy code is kept as filed and also resolved to its 2025 unit',
  }),
  media: Type.Array(MediaLink, { maxItems: 20 }),
  contacts: Type.Array(Contact, { maxItems: 10, description: 'Who to talk to about the listing; confidential unless disclosure.contacts' }),
  disclosure: Disclosure,
  anonymous: Anonymous,
  validUntil: Nullable({ ...DateOnly, description: 'Last day (Vietnam time) the offer stands; a published listing expires after it' }),
}

export const ListingCreate = Type.Object(
  {
    kind: editable.kind,
    titleVi: editable.titleVi,
    titleEn: Type.Optional(editable.titleEn),
    descriptionVi: editable.descriptionVi,
    descriptionEn: Type.Optional(editable.descriptionEn),
    trl: Type.Optional(editable.trl),
    iprStatus: Type.Optional(editable.iprStatus),
    iprNumbers: Type.Optional(editable.iprNumbers),
    transferForms: Type.Optional(editable.transferForms),
    transferMethods: Type.Optional(editable.transferMethods),
    priceType: Type.Optional(editable.priceType),
    priceVnd: Type.Optional(editable.priceVnd),
    sectors: Type.Optional(editable.sectors),
    fields: Type.Optional(editable.fields),
    keywords: Type.Optional(editable.keywords),
    provinceCodes: Type.Optional(editable.provinceCodes),
    media: Type.Optional(editable.media),
    contacts: Type.Optional(editable.contacts),
    disclosure: Type.Optional(editable.disclosure),
    anonymous: Type.Optional(editable.anonymous),
    validUntil: Type.Optional(editable.validUntil),
    ownerId: Type.Optional({
      ...Uuid,
      description: "The organisation the listing is for: default the caller's own; a connection point or DOST names a member that delegated to it",
    }),
  },
  { additionalProperties: false },
)
export type ListingCreate = Static<typeof ListingCreate>

export const ListingUpdate = Type.Partial(Type.Omit(ListingCreate, ['ownerId']), {
  additionalProperties: false,
  minProperties: 1,
  description: 'Fields to change; null clears an optional field, [] empties a list. The rules on price and IPR numbers apply to the listing as it will be.',
})
export type ListingUpdate = Static<typeof ListingUpdate>

export const ListingWithdraw = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S', description: 'Why the listing is withdrawn; shown with it' }) },
  { additionalProperties: false },
)
export type ListingWithdraw = Static<typeof ListingWithdraw>

export const ListingRenew = Type.Object(
  {
    validUntil: Type.Optional({
      ...DateOnly,
      description: 'The new last day (Vietnam time): after the current validUntil, not before today. Default: a year after the later of the two',
    }),
  },
  { additionalProperties: false },
)
export type ListingRenew = Static<typeof ListingRenew>

export const ListingUnpublish = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: 1000,
      pattern: '\\S',
      description: 'Why the operator takes the listing down; the owner sees it on the listing',
    }),
  },
  { additionalProperties: false },
)
export type ListingUnpublish = Static<typeof ListingUnpublish>

export const ListingOwner = Type.Object(
  {
    id: Nullable({ ...Uuid, description: 'null when the listing is anonymous and hidden from this caller (see redacted)' }),
    name: Nullable(Type.String({ description: 'null when the listing is anonymous and hidden from this caller (see redacted)' })),
    kind: organizationKind('Always shown, even for an anonymous listing: "a university"'),
  },
  { $id: 'ListingOwner', description: 'The organisation that offers the listing' },
)

export const Listing = Type.Object(
  {
    id: Uuid,
    status: ListingStatus,
    owner: ref(ListingOwner),
    stewardId: StewardId,
    kind: ListingKind,
    titleVi: Type.String(),
    titleEn: Nullable(Type.String()),
    descriptionVi: Type.String(),
    descriptionEn: Nullable(Type.String()),
    trl: Nullable(Trl),
    iprStatus: IprStatus,
    iprNumbers: Nullable(Type.Array(Type.String(), { description: 'null when confidential and the caller does not act for the owner (see redacted)' })),
    transferForms: Type.Array(Type.String()),
    transferMethods: Type.Array(Type.String()),
    priceType: PriceType,
    priceVnd: Nullable({ ...Vnd, description: 'null when there is none, or when it is on request and hidden from this caller (see redacted)' }),
    sectors: Type.Array(Type.String()),
    fields: Type.Array(Type.String()),
    keywords: Type.Array(Type.String()),
    provinceCodes: Type.Array(Type.String(), { description: 'As filed; may hold legacy codes' }),
    currentProvinceCodes: Type.Array(Type.String(), { description: 'The 2025 units the province codes resolve to' }),
    media: Type.Array(MediaLink),
    validUntil: Nullable(DateOnly),
    publishedAt: Nullable(Timestamp),
    withdrawnAt: Nullable(Timestamp),
    withdrawReason: Nullable(Type.String()),
    moderationReason: Nullable(
      Type.String({ description: 'Why the operator sent the listing back to draft (unpublishListing); cleared when it is published again' }),
    ),
    moderatedAt: Nullable(
      Type.String({ format: 'date-time', description: 'When the operator last sent the listing back to draft; cleared when it is published again' }),
    ),
    archivedAt: Nullable(
      Type.String({
        format: 'date-time',
        description: 'When the sweep archived the listing, LISTING_ARCHIVE_AFTER_DAYS after validUntil; cleared when a new validUntil brings it back',
      }),
    ),
    contacts: Nullable(Type.Array(Contact, { description: 'null when confidential and the caller does not act for the owner (see redacted)' })),
    disclosure: Disclosure,
    anonymous: Anonymous,
    provenance: ref(Provenance),
    redacted: Type.Array(Enum(confidentialFields, { title: 'ConfidentialField' }), {
      description:
        "The confidential fields hidden from this caller (returned as null; the owner keeps its kind); empty when it sees everything. A seeker's deal reveals owner, contacts and priceVnd once accepted, iprNumbers once agreed",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer({ description: 'Increases with every change; the ETag carries it' }),
  },
  { $id: 'Listing', description: 'A supply listing: a technology, product, equipment, know-how or service offered for transfer' },
)
export type Listing = Static<typeof Listing>

export const PossibleDuplicate = Type.Object(
  {
    id: Uuid,
    title: Type.String({ description: "The other listing's Vietnamese title" }),
    similarity: DuplicateSimilarity,
    descriptionSimilarity: Nullable(
      Type.Number({ minimum: 0, maximum: 1, description: "The weighted share of this listing's whole text (title, keywords, description) the other holds" }),
    ),
    provenance: Type.Optional(ref(Provenance)),
  },
  { $id: 'PossibleDuplicate', description: 'An existing listing that may be the same offer: a warning, not a refusal' },
)
export type PossibleDuplicate = Static<typeof PossibleDuplicate>

// allOf: a generated client's type extends Listing rather than copying its fields.
export const ListingWithDuplicates = Type.Intersect(
  [
    ref(Listing),
    Type.Object({
      possibleDuplicates: Type.Array(ref(PossibleDuplicate), {
        maxItems: 5,
        description:
          "Up to 5 listings that may be the same offer, closest first: published listings, and the owner's own drafts, holding most of this one's title and text (see PossibleDuplicate). Empty when none",
      }),
    }),
  ],
  { $id: 'ListingWithDuplicates', description: 'A listing just written, with the existing listings it may duplicate' },
)
export type ListingWithDuplicates = Static<typeof ListingWithDuplicates>

export const ListingSummary = Type.Object(
  {
    id: Uuid,
    status: ListingStatus,
    kind: ListingKind,
    titleVi: Type.String(),
    titleEn: Nullable(Type.String()),
    trl: Nullable(Trl),
    priceType: PriceType,
    priceVnd: Nullable({ ...Vnd, description: 'null when there is none, or when it is on request and the caller does not act for the owner (see redacted)' }),
    sectors: Type.Array(Type.String()),
    fields: Type.Array(Type.String()),
    provinceCodes: Type.Array(Type.String()),
    currentProvinceCodes: Type.Array(Type.String()),
    owner: ref(ListingOwner),
    publishedAt: Nullable(Timestamp),
    validUntil: Nullable(DateOnly),
    provenance: ref(Provenance),
    redacted: Type.Array(Enum(confidentialFields, { title: 'ConfidentialField' }), {
      description:
        'The fields hidden from this caller (returned as null): owner (its id and name; the kind stays) of an anonymous listing, priceVnd on request. Empty for those who act for the owner. A summary never shows what a deal revealed: the full listing (getListing) and the deal do',
    }),
    score: Type.Optional(
      Type.Number({
        description:
          "Relevance to q, only when q is given: the listing's BM25F score as a share of the score of a listing holding every word of q (0 to about 1; higher is better)",
      }),
    ),
  },
  { $id: 'ListingSummary', description: 'A listing as it appears in search results and matches' },
)
export type ListingSummary = Static<typeof ListingSummary>

export const ListingFacetCount = Type.Object({ code: Type.String(), count: Type.Integer() }, { $id: 'ListingFacetCount' })

export const ListingFacets = Type.Object(
  {
    kind: Type.Array(ref(ListingFacetCount), { description: 'By kind, most frequent first' }),
    province: Type.Array(ref(ListingFacetCount), { description: 'By 2025 province code, most frequent first' }),
    trl: Type.Array(ref(ListingFacetCount), { description: 'By TRL, level 1 to 9 (listings without a TRL are not counted)' }),
    exhaustive: Type.Boolean({
      description:
        'true: every count is exact over all the listings the filters match. false: there were too many matches to count within the time a page may take, and the counts cover only the newest `counted` of them (without q), or the 400 best candidates (with q), so each is a lower bound (at least that many)',
    }),
    counted: Type.Optional(Type.Integer({ minimum: 0, description: 'When exhaustive is false: how many matches (the newest) the counts cover' })),
  },
  {
    $id: 'ListingFacets',
    description:
      'Counts over every listing the filters match, not only this page. Without q they are exact (kept by the database as listings change) for any status, kind and TRL range with at most one of province, region, sector and field; with a price range, an owner, or two of province, region, sector and field they cover the newest 200 matches (see exhaustive), unless fewer than 1,500 listings match its most selective province, region, sector or field filter, which are all counted. With q they are counted over the matches the text search found (it ranks at most 400 candidates)',
  },
)
export type ListingFacets = Static<typeof ListingFacets>

export const ListingPage = Type.Object(
  {
    items: Type.Array(ref(ListingSummary)),
    nextCursor: Nullable(Type.String()),
    facets: Type.Optional(ref(ListingFacets)),
    interpretation: Type.Optional(ref(SearchInterpretation)),
  },
  { $id: 'ListingPage' },
)
export type ListingPage = Static<typeof ListingPage>

export const listingSorts = ['relevance', 'newest'] as const

// A new schema rather than { ...Vnd }: a spread copy loses TypeBox's hidden kind, and with it the
// string-to-number conversion of query parameters.
const VndFilter = (description: string) => Type.Integer({ minimum: 0, maximum: 1e15, description })

export const ListingSearchQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'Words to find, with or without diacritics; one typo per word is tolerated' }),
    ),
    kind: Type.Optional(FilterValues(ListingKind, 'Kinds of listing')),
    sector: Type.Optional(FilterValues(Sector, 'VSIC sections the listing is filed under')),
    field: Type.Optional(FilterValues(ScienceField, 'S&T fields the listing is filed under')),
    province: Type.Optional(FilterValues(ProvinceCode, 'Provinces the listing serves, by 2025 or legacy code: both find the same listings')),
    region: Type.Optional(Type.Integer({ minimum: 1, maximum: regions.length, description: 'A geographic region, see /v1/reference/regions' })),
    trlMin: Type.Optional(Trl),
    trlMax: Type.Optional(Trl),
    priceMin: Type.Optional(
      VndFilter('Lowest price in VND; a price filter keeps only listings with priceType amount (a price on request is never searched on)'),
    ),
    priceMax: Type.Optional(VndFilter('Highest price in VND')),
    owner: Type.Optional({ ...Uuid, description: 'Only listings of this organisation; its anonymous listings only for those who act for it' }),
    status: Type.Optional(
      Enum(listingStatuses, {
        title: 'ListingStatus',
        description:
          'Default published (and not expired). Anyone may ask for expired; draft, withdrawn and archived need an operator key, or owner= your own organisation',
      }),
    ),
    sort: Type.Optional(Enum(listingSorts, { title: 'SearchSort', description: 'relevance (default when q is given; needs q) or newest (default otherwise)' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    facets: Type.Optional(Type.Boolean({ description: 'Include facet counts (default true)' })),
  },
  { additionalProperties: false },
)
export type ListingSearchQuery = Static<typeof ListingSearchQuery>

export const listingSchemas = [ListingOwner, Listing, PossibleDuplicate, ListingWithDuplicates, ListingSummary, ListingFacetCount, ListingFacets, ListingPage]
