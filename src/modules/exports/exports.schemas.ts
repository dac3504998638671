import { Type, type Static } from 'typebox'
import { ProvinceCode, listingKind, scienceFieldCode, sectorCode } from '../reference/reference.schemas.ts'
import { Uuid } from '../../http/common.schemas.ts'
import { Enum } from '../../http/fields.ts'
import { demandStatuses } from '../../db/schema/index.ts'
import { listingStatuses } from '../listings/listings.lifecycle.ts'

export const exportFormats = ['csv', 'ndjson'] as const
export type ExportFormat = (typeof exportFormats)[number]

const Format = Enum(exportFormats, {
  title: 'FileFormat',
  description: 'csv (default; UTF-8 with a byte order mark, the headers an import reads back) or ndjson (one JSON object per line)',
})
const Sector = sectorCode('A VSIC section, see /v1/reference/sectors')
const ScienceField = scienceFieldCode('An S&T field, see /v1/reference/science-fields')
const Province = { ...ProvinceCode, description: 'A 2025 or legacy code: both find the same records' }

export const ListingExportQuery = Type.Object(
  {
    format: Type.Optional(Format),
    status: Type.Optional(
      Enum(listingStatuses, {
        title: 'ListingStatus',
        description:
          'Default published (and not expired); expired for anyone; draft and withdrawn need an operator key, or owner= an organisation the key acts for',
      }),
    ),
    owner: Type.Optional({ ...Uuid, description: 'Only listings of this organisation; its anonymous listings only for those who act for it' }),
    kind: Type.Optional(listingKind('See /v1/reference/listing-kinds')),
    sector: Type.Optional(Sector),
    field: Type.Optional(ScienceField),
    province: Type.Optional(Province),
  },
  { additionalProperties: false },
)
export type ListingExportQuery = Static<typeof ListingExportQuery>

export const DemandExportQuery = Type.Object(
  {
    format: Type.Optional(Format),
    status: Type.Optional(
      Enum(demandStatuses, {
        title: 'DemandStatus',
        description: 'Default open; closed for anyone; draft needs an operator key, or owner= an organisation the key acts for',
      }),
    ),
    owner: Type.Optional({ ...Uuid, description: 'Only demands of this organisation' }),
    sector: Type.Optional(Sector),
    field: Type.Optional(ScienceField),
    province: Type.Optional(Province),
  },
  { additionalProperties: false },
)
export type DemandExportQuery = Static<typeof DemandExportQuery>
