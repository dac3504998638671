import { existsSync, readFileSync } from 'node:fs'
import type { DemandCreate } from '../../src/modules/demands/demands.schemas.ts'
import type { ListingCreate } from '../../src/modules/listings/listings.schemas.ts'

// The retrieval evaluation set of test/fixtures/retrieval-eval (see its README): records keyed O01,
// L0001, D001 that the harness turns into API requests, the grades (qrels.json, plus the pooled
// second pass in qrels-pooled.json) and the near-duplicate groups.

export const retrievalDirectory = new URL('../../test/fixtures/retrieval-eval/', import.meta.url)

export type RetrievalOrganization = { key: string; kind: string; name: string; provinceCode: string }

export type RetrievalListing = {
  key: string
  domain: string
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
  need: string | null
  role: string
  variant: string
  titleNoise?: string
}

export type RetrievalDemand = {
  key: string
  domain: string
  need: string
  owner: string
  titleVi: string
  problemVi: string
  desiredOutcomeVi: string
  keywords: string[]
  sectors: NonNullable<DemandCreate['sectors']>
  fields: NonNullable<DemandCreate['fields']>
  minTrl?: number
  budgetMinVnd: number
  budgetMaxVnd: number
  provinceCode: string
  /** Listings of the demand's own owner that would fit it: never to be proposed, never graded. */
  ownListings: string[]
  titleNoise?: string
  twinOf?: string
}

export type Qrels = Record<string, Record<string, number>>

export type RetrievalSet = {
  organizations: RetrievalOrganization[]
  listings: RetrievalListing[]
  demands: RetrievalDemand[]
  /** Blind grades merged with the pooled ones: demand key -> listing key -> 3, 2 or 1. */
  qrels: Qrels
  /** How many of those grades came from the pooled pass. */
  pooledGrades: number
  duplicates: { listings: string[][]; demands: string[][] }
}

const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, retrievalDirectory), 'utf8')) as T

export function loadRetrievalSet(): RetrievalSet {
  const qrels = read<Qrels>('qrels.json')
  let pooledGrades = 0
  if (existsSync(new URL('qrels-pooled.json', retrievalDirectory))) {
    // Pooled grades include 0 (judged, not relevant): they are recorded, and only grades > 0 count.
    for (const [demand, judged] of Object.entries(read<Qrels>('qrels-pooled.json'))) {
      for (const [listing, grade] of Object.entries(judged)) {
        if (qrels[demand]?.[listing] !== undefined) throw new Error(`qrels-pooled.json grades ${demand}/${listing} again`)
        pooledGrades++
        if (grade > 0) (qrels[demand] ??= {})[listing] = grade
      }
    }
  }
  return {
    organizations: read('organizations.json'),
    listings: read('listings.json'),
    demands: read('demands.json'),
    qrels,
    pooledGrades,
    duplicates: read('duplicates.json'),
  }
}

/** The createListing body of a listing of the set, filed for `ownerId`. */
export function retrievalListingBody(listing: RetrievalListing, ownerId: string): ListingCreate {
  const { key: _k, domain: _d, owner: _o, need: _n, role: _r, variant: _v, titleNoise: _t, ...fields } = listing
  return { ...fields, ownerId }
}

/** The createDemand body of a demand of the set, filed for `ownerId`. */
export function retrievalDemandBody(demand: RetrievalDemand, ownerId: string): DemandCreate {
  const { key: _k, domain: _d, need: _n, owner: _o, ownListings: _own, titleNoise: _t, twinOf: _tw, ...fields } = demand
  return { ...fields, ownerId }
}

/** The full sentence an enterprise would type: title, problem and desired outcome, cut at a word to fit `max` characters. */
export function demandSentence(demand: Pick<RetrievalDemand, 'titleVi' | 'problemVi' | 'desiredOutcomeVi'>, max = 200): string {
  const full = [demand.titleVi, demand.problemVi, demand.desiredOutcomeVi].join(' ').replace(/\s+/g, ' ').trim()
  if (full.length <= max) return full
  const cut = full.slice(0, max + 1)
  const space = cut.lastIndexOf(' ')
  return (space > 0 ? cut.slice(0, space) : full.slice(0, max)).trim()
}

/** Everything the demand says, for the BM25 stand-in of matching. */
export const demandFullText = (demand: RetrievalDemand) => [demand.titleVi, demand.problemVi, demand.desiredOutcomeVi, ...demand.keywords].join(' ')

export const listingText = (listing: Pick<RetrievalListing, 'titleVi' | 'descriptionVi' | 'keywords'>) =>
  [listing.titleVi, listing.descriptionVi, ...listing.keywords].join(' ')
