import { Type, type Static } from 'typebox'
import { Uuid } from '../../http/common.schemas.ts'
import { Enum } from '../../http/fields.ts'
import { demandStatuses } from '../../db/schema/index.ts'
import { listingStatuses } from '../listings/listings.lifecycle.ts'
import { ProvinceCode } from '../reference/reference.schemas.ts'
import { codesOf, listingKinds, scienceFields, sectors } from '../reference/vocabularies.ts'

export const exportFormats = ['csv', 'ndjson'] as const
export type ExportFormat = (typeof exportFormats)[number]

const Format = Enum(exportFormats, 'csv (default; UTF-8 with a byte order mark, the headers an import reads back) or ndjson (one JSON object per line)')
const Sector = Enum(codesOf(sectors), 'A VSIC section, see /v1/reference/sectors')
const ScienceField = Enum(codesOf(scienceFields), 'An S&T field, see /v1/reference/science-fields')
const Province = { ...ProvinceCode, description: 'A 2025 or legacy code: both find the same records' }

export const ListingExportQuery = Type.Object(
  {
    format: Type.Optional(Format),
    status: Type.Optional(
      Enum(
        listingStatuses,
        'Default published (and not expired); expired for anyone; draft and withdrawn need an operator key, or owner= an organisation the key acts for',
      ),
    ),
    owner: Type.Optional({ ...Uuid, description: 'Only listings of this organisation; its anonymous listings only for those who act for it' }),
    kind: Type.Optional(Enum(codesOf(listingKinds), 'See /v1/reference/listing-kinds')),
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
    status: Type.Optional(Enum(demandStatuses, 'Default open; closed for anyone; draft needs an operator key, or owner= an organisation the key acts for')),
    owner: Type.Optional({ ...Uuid, description: 'Only demands of this organisation' }),
    sector: Type.Optional(Sector),
    field: Type.Optional(ScienceField),
    province: Type.Optional(Province),
  },
  { additionalProperties: false },
)
export type DemandExportQuery = Static<typeof DemandExportQuery>
