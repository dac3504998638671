import { readFileSync } from 'node:fs'
import type { DemandCreate } from '../../src/modules/demands/demands.schemas.ts'
import type { ListingCreate } from '../../src/modules/listings/listings.schemas.ts'

// The labelled matching set of test/fixtures/match-eval: records keyed O01, L001, D01, which the
// evaluation turns into API requests. Only `key`, `domain`, `owner`, `relevant` and `ownListings`
// are not request fields.

export const fixtureDirectory = new URL('../../test/fixtures/match-eval/', import.meta.url)

export const domains = ['agriculture', 'food', 'environment', 'energy', 'mechanics', 'it', 'health'] as const
export type Domain = (typeof domains)[number]

export type FixtureOrganization = { key: string; kind: string; name: string; provinceCode: string }

export type FixtureListing = {
  key: string
  domain: Domain
  owner: string
  kind: ListingCreate['kind']
  titleVi: string
  descriptionVi: string
  keywords: string[]
  sectors: NonNullable<ListingCreate['sectors']>
  fields: NonNullable<ListingCreate['fields']>
  trl: number
  priceType: NonNullable<ListingCreate['priceType']>
  priceVnd?: number
  provinceCodes: string[]
}

/** 2: the listing solves the demand's problem; 1: related and partly useful. Ungraded listings count as 0. */
export type Grade = 1 | 2

export type FixtureDemand = {
  key: string
  domain: Domain
  owner: string
  titleVi: string
  problemVi: string
  desiredOutcomeVi?: string
  keywords: string[]
  sectors: NonNullable<DemandCreate['sectors']>
  fields: NonNullable<DemandCreate['fields']>
  minTrl?: number
  budgetMinVnd?: number
  budgetMaxVnd?: number
  provinceCode?: string
  relevant: Record<string, Grade>
  /** Listings of the demand's own owner that would fit it: a match must never propose them. */
  ownListings?: string[]
}

export type Fixture = { organizations: FixtureOrganization[]; listings: FixtureListing[]; demands: FixtureDemand[] }

const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, fixtureDirectory), 'utf8')) as T

export function loadFixture(): Fixture {
  return {
    organizations: read<FixtureOrganization[]>('organizations.json'),
    listings: read<FixtureListing[]>('listings.json'),
    demands: read<FixtureDemand[]>('demands.json'),
  }
}

/** The createListing body of a fixture listing, filed for `ownerId`. */
export function listingBody(listing: FixtureListing, ownerId: string): ListingCreate {
  const { key: _key, domain: _domain, owner: _owner, ...fields } = listing
  return { ...fields, ownerId }
}

/** The createDemand body of a fixture demand, filed for `ownerId`. */
export function demandBody(demand: FixtureDemand, ownerId: string): DemandCreate {
  const { key: _key, domain: _domain, owner: _owner, relevant: _relevant, ownListings: _own, ...fields } = demand
  return { ...fields, ownerId }
}
