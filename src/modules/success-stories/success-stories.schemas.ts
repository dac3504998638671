import { Type, type Static } from 'typebox'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, FilterValues, LongText, Nullable, ShortText, Timestamp } from '../../http/fields.ts'
import { OrganizationSummary } from '../organizations/organizations.schemas.ts'
import { ProvinceCode, sectorCode } from '../reference/reference.schemas.ts'

// Request schemas are inline TypeBox (no ref()); responses use ref().

export const storyStatuses = ['draft', 'published', 'retracted'] as const

const Figure = Type.Object(
  {
    label: ShortText({ description: 'What was measured, e.g. "Hao hụt sau thu hoạch"' }),
    value: Type.Number({ minimum: -1e15, maximum: 1e15 }),
    unit: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 40, description: 'e.g. %, tấn/năm, triệu đồng' }))),
  },
  { title: 'StoryFigure', additionalProperties: false },
)
const Quote = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 2000 }),
    by: ShortText({ description: 'Who said it, and their role' }),
  },
  { title: 'StoryQuote', additionalProperties: false },
)

const editable = {
  title: ShortText(),
  problem: LongText('The problem the seeker had'),
  technology: LongText('The technology transferred, and how'),
  results: LongText('What changed, in words'),
  figures: Type.Array(Figure, { maxItems: 20, description: 'The results in figures' }),
  quotes: Type.Array(Quote, { maxItems: 10, description: 'What the people involved say' }),
}

export const SuccessStoryCreate = Type.Object(
  {
    dealId: { ...Uuid, description: 'The completed deal the story tells' },
    title: editable.title,
    problem: editable.problem,
    technology: editable.technology,
    results: editable.results,
    figures: Type.Optional(editable.figures),
    quotes: Type.Optional(editable.quotes),
  },
  { additionalProperties: false },
)
export type SuccessStoryCreate = Static<typeof SuccessStoryCreate>

export const SuccessStoryUpdate = Type.Object(
  {
    title: Type.Optional(editable.title),
    problem: Type.Optional(editable.problem),
    technology: Type.Optional(editable.technology),
    results: Type.Optional(editable.results),
    figures: Type.Optional(editable.figures),
    quotes: Type.Optional(editable.quotes),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type SuccessStoryUpdate = Static<typeof SuccessStoryUpdate>

export const SuccessStory = Type.Object(
  {
    id: Uuid,
    dealId: Uuid,
    listingId: Uuid,
    provider: ref(OrganizationSummary),
    seeker: ref(OrganizationSummary),
    title: Type.String(),
    problem: Type.String(),
    technology: Type.String(),
    results: Type.String(),
    figures: Type.Array(Figure),
    quotes: Type.Array(Quote),
    sectors: Type.Array(Type.String(), { description: "The listing's VSIC sections" }),
    provinceCode: Nullable({ ...ProvinceCode, description: "The seeker's province (2025 unit): where the technology went to work" }),
    year: Type.Integer({ description: 'The year the transfer completed' }),
    status: Enum(storyStatuses, {
      title: 'SuccessStoryStatus',
      description: 'draft: seen by the parties, until both approve; published: public; retracted: taken back by a party',
    }),
    approvals: Type.Object(
      { provider: Nullable(Timestamp), seeker: Nullable(Timestamp) },
      { title: 'SuccessStoryApprovals', description: 'When each party approved this text; an edit clears both' },
    ),
    photosUrl: Type.String({ description: 'Its photos and other files: GET /v1/files?subjectType=success_story&subjectId=<id>' }),
    publishedAt: Nullable(Timestamp),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer(),
  },
  { $id: 'SuccessStory', additionalProperties: false },
)
export type SuccessStory = Static<typeof SuccessStory>

export const SuccessStoryPage = Type.Object(
  { items: Type.Array(ref(SuccessStory)), nextCursor: Nullable(Type.String()) },
  { $id: 'SuccessStoryPage', additionalProperties: false },
)
export type SuccessStoryPage = Static<typeof SuccessStoryPage>

export const SuccessStoryQuery = Type.Object(
  {
    province: Type.Optional(FilterValues(ProvinceCode, "The seeker's province, by 2025 or legacy code")),
    sector: Type.Optional(FilterValues(sectorCode(), "The listing's VSIC sections")),
    year: Type.Optional(Type.Integer({ minimum: 1990, maximum: 2100, description: 'The year the transfer completed' })),
    organization: Type.Optional({ ...Uuid, description: 'Stories where this organisation was the provider or the seeker' }),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type SuccessStoryQuery = Static<typeof SuccessStoryQuery>

export const successStorySchemas = [SuccessStory, SuccessStoryPage]
