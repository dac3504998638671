import { Type, type Static } from 'typebox'
import { ProvinceCode, demandCloseReason, scienceFieldCode, sectorCode } from '../reference/reference.schemas.ts'
import { Cursor, Limit, Provenance, Uuid, ref } from '../../http/common.schemas.ts'
import { DuplicateSimilarity, SearchInterpretation } from '../retrieval/retrieval.schemas.ts'
import { CodeList, DateOnly, Enum, FilterValues, Keywords, LongText, Nullable, ShortText, Timestamp, Vnd } from '../../http/fields.ts'
import { OrganizationKind, StewardId } from '../organizations/organizations.schemas.ts'
import { demandStatuses } from '../../db/schema/index.ts'

export const DemandStatus = Enum(demandStatuses, { title: 'DemandStatus', description: 'draft (only its owner sees it) -> open -> closed' })
const Sector = sectorCode('A VSIC 2018 section; see /v1/reference/sectors')
const ScienceField = scienceFieldCode('A level-1 S&T field; see /v1/reference/science-fields')
const CloseReason = demandCloseReason('Why a demand closed; see /v1/reference/demand-close-reasons')
const Trl = Type.Integer({ minimum: 1, maximum: 9, description: 'Technology readiness level, 1-9' })

const Anonymous = Type.Boolean({
  description:
    "true: the owner's id and name are hidden (its kind stays) from all but those who act for the owner, until a provider's deal on the demand is accepted. Default false",
})

/** What a demand may hide from a caller: an anonymous demand's owner. */
const DemandRedacted = Type.Array(Enum(['owner'] as const, { title: 'DemandConfidentialField' }), {
  description: "The fields hidden from this caller (returned as null; the owner keeps its kind): an anonymous demand's owner. Empty for those who act for it",
})

const editable = {
  titleVi: ShortText({ description: 'Title in Vietnamese' }),
  titleEn: Nullable(ShortText()),
  problemVi: LongText('The problem to solve, in Vietnamese'),
  problemEn: Nullable(LongText()),
  desiredOutcomeVi: Nullable(LongText('What a solution should achieve, in Vietnamese')),
  desiredOutcomeEn: Nullable(LongText()),
  sectors: CodeList(sectorCode(), 'Economic sectors (VSIC sections) the demand belongs to'),
  fields: CodeList(scienceFieldCode(), 'S&T fields a solution may come from'),
  keywords: Keywords,
  minTrl: Nullable(Type.Integer({ ...Trl, description: 'The lowest readiness level a solution may have' })),
  budgetMinVnd: Nullable(Vnd),
  budgetMaxVnd: Nullable(Vnd),
  deadline: Nullable(Type.String({ ...DateOnly, description: 'The last day (in Vietnam) offers are wanted' })),
  neededBy: Nullable(
    Type.String({
      ...DateOnly,
      description: 'When the enterprise needs the solution in use (in Vietnam): a planning date, separate from the deadline for offers',
    }),
  ),
  provinceCode: Nullable(ProvinceCode),
  anonymous: Anonymous,
}

export const DemandCreate = Type.Object(
  {
    titleVi: editable.titleVi,
    titleEn: Type.Optional(editable.titleEn),
    problemVi: editable.problemVi,
    problemEn: Type.Optional(editable.problemEn),
    desiredOutcomeVi: Type.Optional(editable.desiredOutcomeVi),
    desiredOutcomeEn: Type.Optional(editable.desiredOutcomeEn),
    sectors: Type.Optional(editable.sectors),
    fields: Type.Optional(editable.fields),
    keywords: Type.Optional(editable.keywords),
    minTrl: Type.Optional(editable.minTrl),
    budgetMinVnd: Type.Optional(editable.budgetMinVnd),
    budgetMaxVnd: Type.Optional(editable.budgetMaxVnd),
    deadline: Type.Optional(editable.deadline),
    neededBy: Type.Optional(editable.neededBy),
    provinceCode: Type.Optional(editable.provinceCode),
    anonymous: Type.Optional(editable.anonymous),
    ownerId: Type.Optional({
      ...Uuid,
      description:
        "The enterprise filing the demand: default the caller's own organisation; a connection point or DOST names a member enterprise that delegated to it",
    }),
  },
  { additionalProperties: false },
)
export type DemandCreate = Static<typeof DemandCreate>

export const DemandUpdate = Type.Partial(Type.Omit(DemandCreate, ['ownerId']), {
  additionalProperties: false,
  minProperties: 1,
  description: 'Fields to change; null clears an optional field. Status changes through /open and /close.',
})
export type DemandUpdate = Static<typeof DemandUpdate>

export const DemandClose = Type.Object(
  {
    reason: CloseReason,
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Required when the reason is `other`' })),
  },
  { additionalProperties: false },
)
export type DemandClose = Static<typeof DemandClose>

/** Who filed the demand: enough to show it without fetching the organisation. */
const DemandOwner = Type.Object(
  {
    id: Nullable({ ...Uuid, description: 'null when the demand is anonymous and hidden from this caller (see redacted)' }),
    name: Nullable(Type.String({ description: 'null when the demand is anonymous and hidden from this caller (see redacted)' })),
    kind: OrganizationKind,
  },
  { title: 'DemandOwner', description: 'The organisation that filed the demand' },
)

export const DemandSummary = Type.Object(
  {
    id: Uuid,
    status: DemandStatus,
    titleVi: Type.String(),
    titleEn: Nullable(Type.String()),
    sectors: Type.Array(Sector),
    fields: Type.Array(ScienceField),
    minTrl: Nullable(Trl),
    budgetMinVnd: Nullable(Vnd),
    budgetMaxVnd: Nullable(Vnd),
    deadline: Nullable(DateOnly),
    provinceCode: Nullable(Type.String({ description: 'As filed; may be a legacy code' })),
    currentProvinceCode: Nullable(Type.String({ description: 'The 2025 unit the province code resolves to' })),
    owner: DemandOwner,
    anonymous: Anonymous,
    redacted: DemandRedacted,
    openedAt: Nullable(Timestamp),
    provenance: ref(Provenance),
    score: Type.Optional(
      Type.Number({
        description:
          "Relevance to q, only when q is given: the demand's BM25F score as a share of the score of a demand holding every word of q (0 to about 1; higher is closer)",
      }),
    ),
  },
  { $id: 'DemandSummary', description: 'A demand as listed in search results' },
)
export type DemandSummary = Static<typeof DemandSummary>

export const Demand = Type.Object(
  {
    id: Uuid,
    status: DemandStatus,
    owner: DemandOwner,
    stewardId: StewardId,
    titleVi: Type.String(),
    titleEn: Nullable(Type.String()),
    problemVi: Type.String(),
    problemEn: Nullable(Type.String()),
    desiredOutcomeVi: Nullable(Type.String()),
    desiredOutcomeEn: Nullable(Type.String()),
    sectors: Type.Array(Sector),
    fields: Type.Array(ScienceField),
    keywords: Type.Array(Type.String()),
    minTrl: Nullable(Trl),
    budgetMinVnd: Nullable(Vnd),
    budgetMaxVnd: Nullable(Vnd),
    deadline: Nullable(DateOnly),
    neededBy: Nullable(DateOnly),
    deadlinePassed: Type.Boolean({ description: 'True when the deadline is before today in Vietnam' }),
    provinceCode: Nullable(Type.String({ description: 'As filed; may be a legacy code' })),
    currentProvinceCode: Nullable(Type.String({ description: 'The 2025 unit the province code resolves to' })),
    openedAt: Nullable(Timestamp),
    closedAt: Nullable(Timestamp),
    closeReason: Nullable(CloseReason),
    closeNote: Nullable(Type.String()),
    anonymous: Anonymous,
    redacted: DemandRedacted,
    provenance: ref(Provenance),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer({ description: 'Increases with every change; the ETag carries it' }),
  },
  { $id: 'Demand', description: 'A technology demand filed by an enterprise' },
)
export type Demand = Static<typeof Demand>

export const DemandSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'Words to find, with or without diacritics; tolerates a typo' })),
    sector: Type.Optional(FilterValues(Sector, 'VSIC sections the demand is filed under')),
    field: Type.Optional(FilterValues(ScienceField, 'S&T fields the demand is filed under')),
    province: Type.Optional(FilterValues(ProvinceCode, "The demand's province, by 2025 or legacy code: both find the same demands")),
    region: Type.Optional(Type.Integer({ minimum: 1, maximum: 8, description: 'A geographic region, 1-8; see /v1/reference/regions' })),
    minTrl: Type.Optional(
      Type.Integer({
        ...Trl,
        description: 'The TRL a solution has: finds demands it could satisfy, those whose minTrl is at most this value or that set no minimum',
      }),
    ),
    budgetMin: Type.Optional(
      Type.Integer({
        ...Vnd,
        description:
          'With budgetMax, a range: finds demands whose budget range overlaps it (a missing bound of a demand is open-ended; demands with no budget are left out)',
      }),
    ),
    budgetMax: Type.Optional(Type.Integer({ ...Vnd, description: 'See budgetMin' })),
    owner: Type.Optional(Type.String({ ...Uuid, description: 'Only demands of this organisation; its anonymous demands only for those who act for it' })),
    status: Type.Optional(
      Enum(demandStatuses, { title: 'DemandStatus', description: 'open (default) or closed; draft needs owner=<your organisation> or an operator key' }),
    ),
    sort: Type.Optional(
      Enum(['relevance', 'newest'] as const, {
        title: 'SearchSort',
        description: 'relevance (the default when q is given; needs q) or newest (most recently opened; drafts: created)',
      }),
    ),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    facets: Type.Optional(Type.Boolean({ description: 'Include counts by province, sector and minTrl over all matches (default true)' })),
  },
  { additionalProperties: false },
)
export type DemandSearchQuery = Static<typeof DemandSearchQuery>

const FacetCounts = Type.Array(Type.Object({ code: Type.String(), count: Type.Integer() }, { title: 'DemandFacetCount' }))

export const DemandPage = Type.Object(
  {
    items: Type.Array(ref(DemandSummary)),
    nextCursor: Nullable(Type.String()),
    facets: Type.Optional(
      Type.Object(
        {
          province: FacetCounts,
          sector: FacetCounts,
          minTrl: FacetCounts,
          exhaustive: Type.Boolean({
            description:
              'true: every count is exact over all the demands the filters match. false: there were too many matches to count within the time a page may take, and the counts cover only the newest `counted` of them (without q), or the 400 best candidates (with q), so each is a lower bound (at least that many)',
          }),
          counted: Type.Optional(Type.Integer({ minimum: 0, description: 'When exhaustive is false: how many matches (the newest) the counts cover' })),
        },
        {
          description:
            'Counts over every demand matching the filters (not only this page); province is the 2025 unit. Without q they are exact (kept by the database as demands change) for any status and minTrl with at most one of province, region, sector and field; with an owner, a budget, or two of province, region, sector and field they cover the newest 200 matches (see exhaustive), unless fewer than 600 demands match its most selective province, region, sector or field filter, which are all counted. With q they are counted over the matches the text search found (it ranks at most 400 candidates)',
        },
      ),
    ),
    interpretation: Type.Optional(ref(SearchInterpretation)),
  },
  { $id: 'DemandPage' },
)
export type DemandPage = Static<typeof DemandPage>

export const PossibleDemandDuplicate = Type.Object(
  {
    id: Uuid,
    title: Type.String({ description: "The other demand's Vietnamese title" }),
    similarity: DuplicateSimilarity,
  },
  { $id: 'PossibleDemandDuplicate', description: "An open demand (or one of the owner's drafts) that may be the same need: a warning, not a refusal" },
)

// allOf: a generated client's type extends Demand rather than copying its fields.
export const DemandWithDuplicates = Type.Intersect(
  [
    ref(Demand),
    Type.Object({
      possibleDuplicates: Type.Array(ref(PossibleDemandDuplicate), {
        maxItems: 5,
        description: "Up to 5 demands that may be the same need, closest first: open demands of anyone and the owner's own drafts. Empty when none",
      }),
    }),
  ],
  { $id: 'DemandWithDuplicates', description: 'A demand just filed, with the existing demands it may duplicate' },
)

export const demandSchemas = [DemandSummary, Demand, DemandPage, PossibleDemandDuplicate, DemandWithDuplicates]
