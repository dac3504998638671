import { provenanceOf } from '../../lib/provenance.ts'
import type { OrganizationRow } from './organizations.repo.ts'
import type { Organization } from './organizations.schemas.ts'

/** The organisation's own fields, without its provenance (which needs this exchange's id). */
export function organizationFields(row: OrganizationRow): Omit<Organization, 'provenance'> {
  return {
    id: row.id,
    kind: row.kind as Organization['kind'],
    name: row.name,
    nameEn: row.nameEn,
    shortName: row.shortName,
    parentId: row.parentId,
    provinceCode: row.provinceCode,
    currentProvinceCode: row.currentProvinceCode,
    address: row.address,
    website: row.website,
    email: row.email,
    phone: row.phone,
    taxCode: row.taxCode,
    description: row.description,
    contacts: row.contacts,
    sectors: row.sectors,
    delegationScope: row.delegationScope,
    mergedIntoId: row.mergedIntoId,
    mergedAt: row.mergedAt?.toISOString() ?? null,
    mergeEffectiveOn: row.mergeEffectiveOn,
    splitInto: row.splitInto,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

/** The organisation as the API shows it; `exchangeId` (config EXCHANGE_ID) names this exchange in its provenance. */
export const toOrganization = (row: OrganizationRow, exchangeId: string): Organization => ({
  ...organizationFields(row),
  provenance: provenanceOf(row, 'organization', exchangeId),
})
