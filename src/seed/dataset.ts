import type { demands, listings, organizations } from '../db/schema/index.ts'
import { vietnamDate } from '../lib/clock.ts'
import { currentProvinceCode } from '../core/places.ts'
import { agrifoodDemands } from './demands-agrifood.ts'
import { industryDemands } from './demands-industry.ts'
import { enterprises } from './enterprises.ts'
import { agricultureListings } from './listings-agriculture.ts'
import { digitalHealthListings } from './listings-digital-health.ts'
import { environmentListings } from './listings-environment.ts'
import { foodListings } from './listings-food.ts'
import { mechanicsListings } from './listings-mechanics.ts'
import { centres, connectionPoints, dosts, institutes, operator, universities } from './organizations.ts'
import { demoId, type DemoDemand, type DemoListing, type DemoOrganization } from './types.ts'

// The whole demo data set, and its rows as of a given instant: dates are relative to the clock so
// the demo stays fresh (published within the last year, valid for one or two years more).

export const demoOrganizations: DemoOrganization[] = [operator, ...dosts, ...centres, ...institutes, ...universities, ...connectionPoints, ...enterprises]
export const demoListings: DemoListing[] = [...agricultureListings, ...foodListings, ...environmentListings, ...mechanicsListings, ...digitalHealthListings]
export const demoDemands: DemoDemand[] = [...agrifoodDemands, ...industryDemands]

export const demoIds = {
  organizations: demoOrganizations.map((organization) => demoId('organization', organization.key)),
  listings: demoListings.map((listing) => demoId('listing', listing.key)),
  demands: demoDemands.map((demand) => demoId('demand', demand.key)),
}

export const demoOperatorId = demoId('organization', operator.key)

const day = 86_400_000
const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * day)
const dateIn = (now: Date, days: number) => vietnamDate(new Date(now.getTime() + days * day))

/** The 2025 unit of a filed code; the data set only uses known codes (a test checks), so a miss is a bug. */
function resolve(code: string): string {
  const current = currentProvinceCode(code)
  if (!current) throw new Error(`demo data: unknown province code ${code}`)
  return current
}

const organizationId = (key: string) => {
  if (!demoOrganizations.some((organization) => organization.key === key)) throw new Error(`demo data: unknown organisation ${key}`)
  return demoId('organization', key)
}

export function organizationRows(now: Date): (typeof organizations.$inferInsert)[] {
  // Registered on the exchange before anything they published.
  const registered = daysBefore(now, 400)
  return demoOrganizations.map(({ key, parent, provinceCode, contacts, ...fields }) => ({
    ...fields,
    id: demoId('organization', key),
    parentId: parent ? organizationId(parent) : null,
    provinceCode: provinceCode ?? null,
    currentProvinceCode: provinceCode ? resolve(provinceCode) : null,
    contacts: contacts ?? [],
    createdAt: registered,
    updatedAt: registered,
  }))
}

export function listingRows(now: Date): (typeof listings.$inferInsert)[] {
  return demoListings.map((listing) => {
    const at = daysBefore(now, listing.daysAgo)
    const publishedAt = listing.status === 'draft' ? null : at
    const withdrawnAt = listing.withdrawn ? daysBefore(now, listing.withdrawn.daysAgo) : null
    return {
      id: demoId('listing', listing.key),
      ownerId: organizationId(listing.owner),
      status: listing.status,
      kind: listing.kind,
      titleVi: listing.titleVi,
      titleEn: listing.titleEn ?? null,
      descriptionVi: listing.descriptionVi,
      descriptionEn: listing.descriptionEn ?? null,
      trl: listing.trl ?? null,
      iprStatus: listing.iprStatus,
      iprNumbers: listing.iprNumbers ?? [],
      transferForms: listing.transferForms,
      transferMethods: listing.transferMethods,
      priceType: typeof listing.price === 'number' ? 'amount' : listing.price,
      priceVnd: typeof listing.price === 'number' ? listing.price : null,
      sectors: listing.sectors,
      fields: listing.fields,
      keywords: listing.keywords,
      provinceCodes: listing.provinces,
      currentProvinceCodes: [...new Set(listing.provinces.map(resolve))],
      media: listing.media ?? [],
      validUntil: listing.validDays === undefined ? null : dateIn(now, listing.validDays),
      publishedAt,
      withdrawnAt,
      withdrawReason: listing.withdrawn?.reason ?? null,
      // Drafted a few days before publication; last touched by its latest transition.
      createdAt: publishedAt ? daysBefore(publishedAt, 3) : at,
      updatedAt: withdrawnAt ?? at,
    }
  })
}

export function demandRows(now: Date): (typeof demands.$inferInsert)[] {
  return demoDemands.map((demand) => {
    const at = daysBefore(now, demand.daysAgo)
    const openedAt = demand.status === 'draft' ? null : at
    const closedAt = demand.closed ? daysBefore(now, demand.closed.daysAgo) : null
    return {
      id: demoId('demand', demand.key),
      ownerId: organizationId(demand.owner),
      status: demand.status,
      titleVi: demand.titleVi,
      titleEn: demand.titleEn ?? null,
      problemVi: demand.problemVi,
      problemEn: demand.problemEn ?? null,
      desiredOutcomeVi: demand.desiredOutcomeVi ?? null,
      desiredOutcomeEn: demand.desiredOutcomeEn ?? null,
      sectors: demand.sectors,
      fields: demand.fields,
      keywords: demand.keywords,
      minTrl: demand.minTrl ?? null,
      budgetMinVnd: demand.budget?.[0] ?? null,
      budgetMaxVnd: demand.budget?.[1] ?? null,
      deadline: demand.deadlineDays === undefined ? null : dateIn(now, demand.deadlineDays),
      provinceCode: demand.provinceCode ?? null,
      currentProvinceCode: demand.provinceCode ? resolve(demand.provinceCode) : null,
      openedAt,
      closedAt,
      closeReason: demand.closed?.reason ?? null,
      closeNote: demand.closed?.note ?? null,
      createdAt: openedAt ? daysBefore(openedAt, 2) : at,
      updatedAt: closedAt ?? at,
    }
  })
}
