import { Type } from 'typebox'
import { Enum } from '../../http/fields.ts'
import {
  codesOf,
  demandCloseReasons,
  iprStatuses,
  listingKinds,
  organizationKinds,
  priceTypes,
  scienceFields,
  sectors,
  transferForms,
  transferMethods,
} from './vocabularies.ts'

export const Term = Type.Object(
  {
    code: Type.String(),
    labelVi: Type.String(),
    labelEn: Type.String(),
    description: Type.Optional(Type.String()),
  },
  { $id: 'Term', description: 'A code of a controlled vocabulary with its Vietnamese and English labels' },
)

export const ProvinceCode = Type.String({
  pattern: '^[0-9]{2}$',
  description: 'A two-digit province code: one of the 34 units of 2025 or one of the 63 legacy units',
})

export const Province = Type.Object(
  {
    code: Type.String(),
    name: Type.String(),
    nameEn: Type.String(),
    fullName: Type.String(),
    fullNameEn: Type.String(),
    kind: Type.Union([Type.Literal('city'), Type.Literal('province')]),
    northern: Type.Boolean({ description: 'One of the 15 units covering the 25 former northern provinces' }),
    regionIds: Type.Array(Type.Integer(), { description: 'Geographic regions of the legacy units it absorbed' }),
    legacyCodes: Type.Array(Type.String(), { description: 'Codes of the legacy units merged into it' }),
  },
  { $id: 'Province', description: 'A province-level unit in force since 1 July 2025 (Resolution 202/2025/QH15)' },
)

export const LegacyProvince = Type.Object(
  {
    code: Type.String(),
    fullName: Type.String(),
    regionId: Type.Integer(),
    currentCode: Type.String({ description: 'The 2025 unit it became part of' }),
    currentName: Type.String(),
  },
  { $id: 'LegacyProvince', description: 'One of the 63 province-level units before 1 July 2025' },
)

export const Region = Type.Object(
  { id: Type.Integer(), labelVi: Type.String(), labelEn: Type.String() },
  { $id: 'Region', description: 'A geographic region (the 8 regions of the legacy units)' },
)

export const referenceSchemas = [Term, Province, LegacyProvince, Region]

/**
 * The reference vocabularies as schemas, each one named component in the OpenAPI document
 * (src/http/openapi-components.ts); a field adds its own description.
 */
const vocabulary =
  <C extends string>(codes: readonly C[], title: string) =>
  (description?: string) =>
    Enum(codes, { title, description })

export const organizationKind = vocabulary(codesOf(organizationKinds), 'OrganizationKind')
export const listingKind = vocabulary(codesOf(listingKinds), 'ListingKind')
export const sectorCode = vocabulary(codesOf(sectors), 'Sector')
export const scienceFieldCode = vocabulary(codesOf(scienceFields), 'ScienceField')
export const priceType = vocabulary(codesOf(priceTypes), 'PriceType')
export const iprStatus = vocabulary(codesOf(iprStatuses), 'IprStatus')
export const transferForm = vocabulary(codesOf(transferForms), 'TransferForm')
export const transferMethod = vocabulary(codesOf(transferMethods), 'TransferMethod')
export const demandCloseReason = vocabulary(codesOf(demandCloseReasons), 'DemandCloseReason')
