import { OrganizationSummary } from '../organizations/organizations.schemas.ts'
import { Type, type Static } from 'typebox'
import { ProvinceCode } from '../reference/reference.schemas.ts'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, Keywords, LongText, Nullable, ShortText, Timestamp } from '../../http/fields.ts'

// Request schemas are inline TypeBox (no ref()); responses use ref().

/** The stages of a value chain, in their order along the chain. */
export const stageKinds = [
  { code: 'inputs', labelVi: 'Đầu vào, giống', labelEn: 'Inputs and breeding' },
  { code: 'production', labelVi: 'Sản xuất, nuôi trồng', labelEn: 'Production' },
  { code: 'harvest_preservation', labelVi: 'Thu hoạch, bảo quản', labelEn: 'Harvest and preservation' },
  { code: 'processing', labelVi: 'Chế biến', labelEn: 'Processing' },
  { code: 'packaging_branding', labelVi: 'Bao bì, thương hiệu', labelEn: 'Packaging and branding' },
  { code: 'distribution', labelVi: 'Phân phối, tiêu thụ', labelEn: 'Distribution' },
] as const
export const stageKindCodes = stageKinds.map((kind) => kind.code)

const StageInput = Type.Object(
  {
    kind: Enum(stageKindCodes, {
      title: 'ValueChainStageKind',
      description:
        'The stage; stages are given in the order of the chain: inputs, production, harvest_preservation, processing, packaging_branding, distribution (any may be left out)',
    }),
    title: Type.Optional(ShortText({ description: "What happens at this stage for this product; default the stage's Vietnamese label" })),
    description: Type.Optional(LongText()),
    keywords: Type.Optional({
      ...Keywords,
      description:
        'What the gap analysis looks for in the national catalogue when no linked technology is available (e.g. "sấy lúa", "xay xát gạo"); default the title',
    }),
    listingIds: Type.Optional(
      Type.Array(Uuid, { maxItems: 50, uniqueItems: true, description: "Technologies serving the stage: listings that are not drafts, or the owner's drafts" }),
    ),
    organizationIds: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true, description: 'Organisations working at the stage' })),
  },
  { additionalProperties: false, title: 'ValueChainStageInput' },
)

const editable = {
  title: ShortText({ description: 'The name of the chain' }),
  keyProduct: ShortText({ description: "The province's key product (e.g. Lúa gạo, Dê núi, Hải sản)" }),
  description: Nullable(LongText()),
  provinceCode: ProvinceCode,
  stages: Type.Array(StageInput, {
    minItems: 1,
    maxItems: stageKinds.length,
    description: 'The stages, in the order of the chain, each kind once; replaced as a whole on update',
  }),
}

export const ValueChainCreate = Type.Object(
  {
    ownerId: Type.Optional({ ...Uuid, description: "Who keeps the chain, if not the key's own organisation (one that delegated to it)" }),
    title: editable.title,
    keyProduct: editable.keyProduct,
    description: Type.Optional(editable.description),
    provinceCode: editable.provinceCode,
    stages: editable.stages,
  },
  { additionalProperties: false },
)
export type ValueChainCreate = Static<typeof ValueChainCreate>

export const ValueChainUpdate = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 })
export type ValueChainUpdate = Static<typeof ValueChainUpdate>

export const ValueChainListQuery = Type.Object(
  {
    provinceCode: Type.Optional({ ...ProvinceCode, description: 'Chains of this province (a legacy code means the 2025 unit it became)' }),
    ownerId: Type.Optional(Uuid),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type ValueChainListQuery = Static<typeof ValueChainListQuery>

// Responses

export const ValueChainStage = Type.Object(
  {
    id: Uuid,
    position: Type.Integer({ description: 'Its place along the chain, from 1' }),
    kind: Enum(stageKindCodes, { title: 'ValueChainStageKind' }),
    title: Type.String(),
    description: Nullable(Type.String()),
    keywords: Type.Array(Type.String()),
    listings: Type.Array(
      Type.Object({
        id: Uuid,
        titleVi: Type.String(),
        status: Type.String(),
        available: Type.Boolean({ description: 'Published and not expired: a technology the stage can use now' }),
      }),
    ),
    organizations: Type.Array(ref(OrganizationSummary)),
  },
  { $id: 'ValueChainStage' },
)

export const ValueChain = Type.Object(
  {
    id: Uuid,
    owner: ref(OrganizationSummary),
    title: Type.String(),
    keyProduct: Type.String(),
    description: Nullable(Type.String()),
    provinceCode: Type.String(),
    currentProvinceCode: Type.String({ description: 'The 2025 unit of provinceCode' }),
    stages: Type.Array(ref(ValueChainStage)),
    version: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'ValueChain' },
)
export type ValueChain = Static<typeof ValueChain>

export const ValueChainPage = Type.Object({ items: Type.Array(ref(ValueChain)), nextCursor: Nullable(Type.String()) }, { $id: 'ValueChainPage' })
export type ValueChainPage = Static<typeof ValueChainPage>

const Candidate = {
  id: Uuid,
  titleVi: Type.String(),
  inProvince: Type.Boolean({ description: "In the chain's province (2025 units)" }),
  score: Type.Number({
    description:
      'Relevance to the stage keywords, from 0 to 1: the ranked score over the score of a record holding every keyword term (the same ranking as search); higher is closer',
  }),
}

export const ValueChainGaps = Type.Object(
  {
    chainId: Uuid,
    stageCount: Type.Integer(),
    gaps: Type.Array(
      Type.Object({
        stage: Type.Object({
          id: Uuid,
          position: Type.Integer(),
          kind: Enum(stageKindCodes, { title: 'ValueChainStageKind' }),
          title: Type.String(),
          keywords: Type.Array(Type.String()),
        }),
        listings: Type.Array(Type.Object({ ...Candidate, currentProvinceCodes: Type.Array(Type.String()) }), {
          description: 'Published, unexpired listings anywhere in the country matching the stage keywords (best 5), not yet linked to the chain',
        }),
        demands: Type.Array(Type.Object({ ...Candidate, currentProvinceCode: Nullable(Type.String()) }), {
          description: 'Open demands matching the stage keywords (best 5): enterprises that need the same technology',
        }),
      }),
      { description: 'The stages with no available technology (no linked listing that is published and unexpired), in chain order' },
    ),
  },
  { $id: 'ValueChainGaps' },
)
export type ValueChainGaps = Static<typeof ValueChainGaps>

export const valueChainSchemas = [ValueChainStage, ValueChain, ValueChainPage, ValueChainGaps]
