import { Type, type Static } from 'typebox'
import { ProvinceCode, organizationKind, sectorCode } from '../reference/reference.schemas.ts'
import { Cursor, Limit, Provenance, Uuid, ref } from '../../http/common.schemas.ts'
import { CodeList, DateOnly, Email, FilterValues, LongText, Nullable, Phone, ShortText, Timestamp, Url } from '../../http/fields.ts'

export const OrganizationKind = organizationKind('See /v1/reference/organization-kinds')

export const Contact = Type.Object(
  {
    name: ShortText(),
    position: Type.Optional(ShortText()),
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
  },
  { additionalProperties: false, title: 'Contact', description: 'A contact person' },
)

const Sectors = CodeList(
  sectorCode(),
  "The VSIC sections the organisation works in, see /v1/reference/sectors; a connection point's scope is matched against them",
)

const DelegationScope = Type.Object(
  {
    provinceCodes: Type.Array(ProvinceCode, {
      maxItems: 34,
      uniqueItems: true,
      description: 'Members located in these provinces (legacy codes are resolved to their 2025 units); empty: any province',
    }),
    sectors: CodeList(sectorCode(), 'Members working in one of these VSIC sections; empty: any sector'),
  },
  {
    additionalProperties: false,
    title: 'DelegationScope',
    description:
      'Connection points only, set by the operator: where the connection point may propose delegations and onboard members. Null (the default): nowhere, until the operator declares it. Checked when a delegation is proposed; narrowing it does not end delegations already made',
  },
)

export const SplitRule = Type.Object(
  {
    organizationId: { ...Uuid, description: 'The successor this rule names' },
    provinceCodes: Type.Array(Type.String(), { description: '2025 units; empty: any province' }),
    sectors: Type.Array(Type.String(), { description: 'VSIC sections; empty: any sector' }),
  },
  { $id: 'SplitRule', description: 'One rule of a split: the successor of the records located in one of provinceCodes and classified under one of sectors' },
)

/** A listing's or demand's steward: who manages it after its owner was split. */
export const StewardId = Nullable({
  ...Uuid,
  description:
    'Set after the owner was split (see Organization.splitInto): the successor that manages this record now, retiring only. Null otherwise, and when the owner is hidden from this caller',
})

const TaxCode = Type.String({ pattern: '^[0-9]{10}(-[0-9]{3})?$', description: 'Vietnamese tax code (MST): 10 digits, or 10-3 for a branch' })

const editable = {
  name: ShortText({ description: 'Name in Vietnamese' }),
  nameEn: Nullable(ShortText()),
  shortName: Nullable(Type.String({ minLength: 1, maxLength: 60 })),
  parentId: Nullable({ ...Uuid, description: 'The parent organisation, e.g. the DOST a centre belongs to' }),
  provinceCode: Nullable(ProvinceCode),
  address: Nullable(ShortText()),
  website: Nullable(Url),
  email: Nullable(Email),
  phone: Nullable(Phone),
  taxCode: Nullable(TaxCode),
  description: Nullable(LongText()),
  contacts: Type.Array(Contact, { maxItems: 20 }),
  sectors: Sectors,
  delegationScope: Nullable(DelegationScope),
}

export const OrganizationCreate = Type.Object(
  {
    kind: OrganizationKind,
    name: editable.name,
    nameEn: Type.Optional(editable.nameEn),
    shortName: Type.Optional(editable.shortName),
    parentId: Type.Optional(editable.parentId),
    provinceCode: Type.Optional(editable.provinceCode),
    address: Type.Optional(editable.address),
    website: Type.Optional(editable.website),
    email: Type.Optional(editable.email),
    phone: Type.Optional(editable.phone),
    taxCode: Type.Optional(editable.taxCode),
    description: Type.Optional(editable.description),
    contacts: Type.Optional(editable.contacts),
    sectors: Type.Optional(editable.sectors),
    delegationScope: Type.Optional(editable.delegationScope),
  },
  { additionalProperties: false },
)
export type OrganizationCreate = Static<typeof OrganizationCreate>

export const OrganizationUpdate = Type.Partial(Type.Omit(OrganizationCreate, ['kind']), {
  additionalProperties: false,
  minProperties: 1,
  description: 'Fields to change; null clears an optional field. The kind cannot change.',
})
export type OrganizationUpdate = Static<typeof OrganizationUpdate>

export const Organization = Type.Object(
  {
    id: Uuid,
    kind: OrganizationKind,
    name: Type.String(),
    nameEn: Nullable(Type.String()),
    shortName: Nullable(Type.String()),
    parentId: Nullable(Uuid),
    provinceCode: Nullable(Type.String({ description: 'As filed; may be a legacy code' })),
    currentProvinceCode: Nullable(Type.String({ description: 'The 2025 unit the province code resolves to' })),
    address: Nullable(Type.String()),
    website: Nullable(Type.String()),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    taxCode: Nullable(Type.String()),
    description: Nullable(Type.String()),
    contacts: Type.Array(Contact),
    sectors: Type.Array(Type.String(), { description: 'VSIC sections' }),
    delegationScope: Nullable(
      Type.Object(
        { provinceCodes: Type.Array(Type.String(), { description: '2025 units' }), sectors: Type.Array(Type.String()) },
        {
          title: 'ConnectionPointScope',
          description: "A connection point's scope for delegations, as the operator declared it (empty list: no restriction); null: none declared",
        },
      ),
    ),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    mergedIntoId: Nullable({
      ...Uuid,
      description: 'The organisation this one was merged into; a merged organisation is read-only and its records stay attributed to it',
    }),
    mergedAt: Nullable(Timestamp),
    mergeEffectiveOn: Nullable({
      ...DateOnly,
      description:
        "The day (Vietnam) the merge took effect, which may be before mergedAt: reports count the organisation's facts from that day on for its successor",
    }),
    splitInto: Nullable(
      Type.Array(ref(SplitRule), {
        description:
          'Set when the organisation was split: the rules, in order, that gave each of its listings and demands the successor that manages it (its stewardId). The last rule is the default successor, also named in mergedIntoId; mergedAt and mergeEffectiveOn date the split',
      }),
    ),
    provenance: ref(Provenance),
    version: Type.Integer({ description: 'Increases with every change; the ETag carries it' }),
  },
  { $id: 'Organization' },
)
export type Organization = Static<typeof Organization>

export const OrganizationListQuery = Type.Object(
  {
    kind: Type.Optional(FilterValues(OrganizationKind, 'Kinds of organisation')),
    province: Type.Optional(FilterValues(ProvinceCode, 'Provinces, by 2025 or legacy code: both find the same organisations')),
    parentId: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Part of the name, with or without diacritics' })),
    merged: Type.Optional(Type.Boolean({ description: 'true: only organisations merged into another; false: only the others. Default: all' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type OrganizationListQuery = Static<typeof OrganizationListQuery>

export const OrganizationMerge = Type.Object(
  {
    intoOrganizationId: { ...Uuid, description: 'The successor; it must not be merged itself (merge into the final successor)' },
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Why, for the audit trail' })),
    effectiveOn: Type.Optional({
      ...DateOnly,
      description:
        "The day (Vietnam) the merge took effect (default today; never after today): the 2025 mergers are recorded with 2025-07-01. Reports count the organisation's facts before it for the organisation, and from it on for the successor",
    }),
  },
  { additionalProperties: false },
)
export type OrganizationMerge = Static<typeof OrganizationMerge>

const SplitRuleInput = Type.Object(
  {
    organizationId: { ...Uuid, description: 'The successor: an organisation that is neither this one nor merged or split itself' },
    provinceCodes: Type.Optional(
      Type.Array(ProvinceCode, {
        maxItems: 34,
        uniqueItems: true,
        description:
          "Records located in one of these provinces (legacy codes are resolved to their 2025 units; a listing's any province); empty or absent: any",
      }),
    ),
    sectors: Type.Optional(CodeList(sectorCode(), 'Records classified under one of these VSIC sections; empty or absent: any')),
  },
  { additionalProperties: false, title: 'SplitRuleInput' },
)

export const OrganizationSplit = Type.Object(
  {
    successors: Type.Array(SplitRuleInput, {
      minItems: 2,
      maxItems: 20,
      description:
        'The rules, tried in order for each listing and demand: the first whose conditions the record meets names its successor. Only the last rule has no condition (the default successor, which also takes the tasks and events the organisation led). At least two successors',
    }),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Why, for the audit trail' })),
    effectiveOn: Type.Optional({
      ...DateOnly,
      description:
        "The day (Vietnam) the split took effect (default today; never after today). Reports count the organisation's facts before it for the organisation, and from it on for each record's successor",
    }),
  },
  { additionalProperties: false },
)
export type OrganizationSplit = Static<typeof OrganizationSplit>

export const OrganizationPage = Type.Object({ items: Type.Array(ref(Organization)), nextCursor: Nullable(Type.String()) }, { $id: 'OrganizationPage' })

/** How another record names an organisation: enough to show it, with its id to read the rest. */
export const OrganizationSummary = Type.Object({ id: Uuid, name: Type.String(), kind: organizationKind() }, { $id: 'OrganizationSummary' })

export const organizationSchemas = [SplitRule, Organization, OrganizationPage, OrganizationSummary]
