import type { FastifyInstance } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { Bm25Index } from './bm25.ts'
import { loadFixture, type Domain, type FixtureDemand } from './fixture.ts'
import { EvaluationError, loadFixtureIntoApp, type Auth } from './load.ts'
import { mean, ndcgAt, precisionAt } from './metrics.ts'

export { EvaluationError } from './load.ts'

/** One suggestion as the report shows it: `key` is null for a listing that is not in the fixture. */
export type RankedListing = { key: string | null; titleVi: string; score: number; grade: number }

export type DemandReport = {
  key: string
  domain: Domain
  titleVi: string
  precisionAt5: number
  ndcgAt10: number
  /** How many matches the endpoint returned. */
  returned: number
  top5: RankedListing[]
  /** Own listings of the demand's owner among the returned matches (must be 0). */
  ownListingLeaks: number
}

export type Report = {
  demands: number
  listings: number
  precisionAt5: number
  ndcgAt10: number
  perDemand: DemandReport[]
  ownListingLeaks: number
  /**
   * Plain BM25 (bm25.ts) over the same listings with the demand's whole text, its owner's listings
   * left out: the bar the matcher must clear on this set too, not only on the retrieval set.
   */
  bm25: { precisionAt5: number; ndcgAt10: number }
}

type MatchItem = { listing?: { id?: unknown; titleVi?: unknown }; score?: unknown }

/**
 * The demand's ranked matches, best first, from `POST /v1/demands/{id}/matches/recompute`. Any answer
 * but a 200 with an `items` array is an EvaluationError that says what came back.
 */
export async function fetchRankedMatches(app: FastifyInstance, auth: Auth, demandId: string, demandKey: string) {
  const url = `/v1/demands/${demandId}/matches/recompute`
  const response = await app.inject({ method: 'POST', url, headers: auth })
  if (response.statusCode === 404) {
    throw new EvaluationError(
      `POST ${url} (demand ${demandKey}) answered 404: the matches endpoint is missing (is matching built and registered?), or the demand is not visible. ${response.body.slice(0, 300)}`,
    )
  }
  if (response.statusCode !== 200) {
    throw new EvaluationError(`POST ${url} (demand ${demandKey}) answered ${response.statusCode}: ${response.body.slice(0, 500)}`)
  }
  const body = response.json() as { items?: unknown }
  if (!Array.isArray(body.items)) throw new EvaluationError(`POST ${url} (demand ${demandKey}) answered 200 without an items array`)
  return (body.items as MatchItem[]).map((item, position) => {
    if (typeof item.listing?.id !== 'string') throw new EvaluationError(`demand ${demandKey}: match at position ${position + 1} has no listing.id`)
    return { listingId: item.listing.id, titleVi: String(item.listing.titleVi ?? ''), score: Number(item.score ?? Number.NaN) }
  })
}

function demandReport(demand: FixtureDemand, ranked: RankedListing[]): DemandReport {
  const rankedKeys = ranked.map((item) => item.key ?? '')
  const own = new Set(demand.ownListings ?? [])
  return {
    key: demand.key,
    domain: demand.domain,
    titleVi: demand.titleVi,
    precisionAt5: precisionAt(5, rankedKeys, demand.relevant),
    ndcgAt10: ndcgAt(10, rankedKeys, demand.relevant),
    returned: ranked.length,
    top5: ranked.slice(0, 5),
    ownListingLeaks: rankedKeys.filter((key) => own.has(key)).length,
  }
}

/**
 * Loads the labelled set into the app's (fresh, migrated) database and scores the matcher's ranking
 * of every demand against the grades. Build the app with rate limits off.
 */
export async function evaluateMatching(app: FastifyInstance, db: Db): Promise<Report> {
  const fixture = loadFixture()
  const loaded = await loadFixtureIntoApp(app, db, fixture)

  const bm25 = new Bm25Index(
    fixture.listings.map((listing) => ({ id: listing.key, text: [listing.titleVi, listing.descriptionVi, ...listing.keywords].join(' ') })),
  )
  const bm25Rows: { precisionAt5: number; ndcgAt10: number }[] = []
  const perDemand: DemandReport[] = []
  for (const demand of fixture.demands) {
    const ownerListings = new Set(fixture.listings.filter((listing) => listing.owner === demand.owner).map((listing) => listing.key))
    const text = [demand.titleVi, demand.problemVi, demand.desiredOutcomeVi ?? '', ...demand.keywords].join(' ')
    const baseline = bm25.search(text, 10, ownerListings).map((hit) => hit.id)
    bm25Rows.push({ precisionAt5: precisionAt(5, baseline, demand.relevant), ndcgAt10: ndcgAt(10, baseline, demand.relevant) })
    const matches = await fetchRankedMatches(app, loaded.operator, loaded.demandIds.get(demand.key)!, demand.key)
    const ranked = matches.map(({ listingId, titleVi, score }) => {
      const key = loaded.listingKeys.get(listingId) ?? null
      return { key, titleVi, score, grade: key ? (demand.relevant[key] ?? 0) : 0 }
    })
    perDemand.push(demandReport(demand, ranked))
  }

  return {
    demands: fixture.demands.length,
    listings: fixture.listings.length,
    precisionAt5: mean(perDemand.map((row) => row.precisionAt5)),
    ndcgAt10: mean(perDemand.map((row) => row.ndcgAt10)),
    perDemand,
    ownListingLeaks: perDemand.reduce((sum, row) => sum + row.ownListingLeaks, 0),
    bm25: { precisionAt5: mean(bm25Rows.map((row) => row.precisionAt5)), ndcgAt10: mean(bm25Rows.map((row) => row.ndcgAt10)) },
  }
}
