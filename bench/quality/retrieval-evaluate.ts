import type { FastifyInstance } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { Bm25Index } from './bm25.ts'
import { EvaluationError, type Auth } from './load.ts'
import { linearGain, mean, ndcgAt, precisionAt, recallAt } from './metrics.ts'
import {
  demandFullText,
  demandSentence,
  listingText,
  loadRetrievalSet as readRetrievalSet,
  type RetrievalDemand,
  type RetrievalSet,
} from './retrieval-fixture.ts'
import { inBatches, loadRetrievalSet, pairKey, type RetrievalLoaded } from './retrieval-load.ts'

// Scores every way the exchange can find listings for a demand against the graded set: the stored
// matches (after a recompute), listing search with the demand's title or its full sentence as q,
// and a BM25 baseline computed here over the same listings for the same query forms. Only the
// public API is used for the systems under test, so the harness works whatever the core inside.

export const systems = ['matches', 'search-title', 'search-sentence', 'bm25-full', 'bm25-title', 'bm25-sentence'] as const
export type System = (typeof systems)[number]

export type DemandRun = {
  /** Fixture keys of the returned listings, best first; an id not in the set is "?<id>". */
  ranked: string[]
  ndcgAt10: number
  precisionAt5: number
  recallAt10: number | null
  ownListingLeaks: number
  /** With a catalogue around the set: the same figures over the condensed list (see below). */
  condensed?: { ndcgAt10: number; precisionAt5: number; recallAt10: number | null; foreignInTop10: number }
}

export type SystemSummary = {
  system: System
  ndcgAt10: number
  precisionAt5: number
  recallAt10: number
  emptyResults: number
  ownListingLeaks: number
  /** Mean time per demand, in milliseconds, under the run's concurrency (for the API systems: its requests). */
  milliseconds: number
  /** With a catalogue around the set: the figures over condensed lists, and the mean count of catalogue listings in the top 10. */
  condensed?: { ndcgAt10: number; precisionAt5: number; recallAt10: number; foreignInTop10: number }
}

export type PairScores = { truePairs: number; flaggedPairs: number; correct: number; recall: number; precision: number }

export type RetrievalReport = {
  demands: number
  listings: number
  judged: number
  pooledGrades: number
  summary: SystemSummary[]
  duplicates: { listings: PairScores; demands: PairScores | null }
  perDemand: Record<string, Partial<Record<System, DemandRun>>>
  loadSeconds: number
  evaluateSeconds: number
}

type Page = { items?: unknown; nextCursor?: unknown }
type Item = { listingId?: unknown; listing?: { id?: unknown }; id?: unknown }

async function getJson(app: FastifyInstance, auth: Auth, url: string, what: string): Promise<Page> {
  const response = await app.inject({ method: 'GET', url, headers: auth })
  if (response.statusCode !== 200) throw new EvaluationError(`GET ${url} (${what}) answered ${response.statusCode}: ${response.body.slice(0, 300)}`)
  const body = response.json() as Page
  if (!Array.isArray(body.items)) throw new EvaluationError(`GET ${url} (${what}) answered 200 without an items array`)
  return body
}

/** The demand's stored matches after a recompute, best first, every page. */
export async function fetchMatches(app: FastifyInstance, auth: Auth, demandId: string, what: string): Promise<string[]> {
  const recompute = await app.inject({ method: 'POST', url: `/v1/demands/${demandId}/matches/recompute`, headers: auth })
  if (recompute.statusCode !== 200)
    throw new EvaluationError(`POST /v1/demands/${demandId}/matches/recompute (${what}) answered ${recompute.statusCode}: ${recompute.body.slice(0, 300)}`)
  const ids: string[] = []
  let url = `/v1/demands/${demandId}/matches`
  for (let page = 0; page < 20; page++) {
    const body = await getJson(app, auth, url, what)
    for (const item of body.items as Item[]) {
      const id = item.listingId ?? item.listing?.id
      if (typeof id !== 'string') throw new EvaluationError(`${what}: a match without listingId`)
      ids.push(id)
    }
    if (typeof body.nextCursor !== 'string' || body.nextCursor === '') break
    url = `/v1/demands/${demandId}/matches?cursor=${encodeURIComponent(body.nextCursor)}`
  }
  return ids
}

/** The first `depth` (default 10) published listings listing search returns for q. */
export async function searchListings(app: FastifyInstance, auth: Auth, q: string, what: string, depth = 10): Promise<string[]> {
  const query = new URLSearchParams({ q, limit: String(depth), facets: 'false' })
  const body = await getJson(app, auth, `/v1/listings?${query}`, what)
  return (body.items as Item[]).map((item) => {
    if (typeof item.id !== 'string') throw new EvaluationError(`${what}: a search result without id`)
    return item.id
  })
}

const isForeign = (key: string) => key.startsWith('?')

// Loaded into a catalogue (bench:generate's 1M listings), a system's top 10 holds listings nobody
// graded, some of them relevant: counting them as 0 would blame the system for the missing grades.
// The condensed list (Sakai, "Alternatives to Bpref", SIGIR 2007) drops them and scores what is
// left, so it asks the question the catalogue is there for: do the set's relevant listings still
// come back, in the right order, when a million others compete for the candidate budget? A system
// must then return deeper lists (MATCH_TOP_N, the search depth), or the condensed list is short.
export function scoreRun(ranked: string[], grades: Record<string, number>, own: ReadonlySet<string>, condense = false): DemandRun {
  const figures = (list: string[]) => ({
    ndcgAt10: ndcgAt(10, list, grades, linearGain),
    precisionAt5: precisionAt(5, list, grades, 2),
    recallAt10: recallAt(10, list, grades, 3),
  })
  const run: DemandRun = { ranked, ...figures(ranked), ownListingLeaks: ranked.filter((key) => own.has(key)).length }
  if (condense) run.condensed = { ...figures(ranked.filter((key) => !isForeign(key))), foreignInTop10: ranked.slice(0, 10).filter(isForeign).length }
  return run
}

function pairScores(groups: readonly string[][], flagged: ReadonlySet<string>): PairScores {
  const truth = new Set<string>()
  for (const group of groups) for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++) truth.add(pairKey(group[i]!, group[j]!))
  const correct = [...flagged].filter((pair) => truth.has(pair)).length
  return {
    truePairs: truth.size,
    flaggedPairs: flagged.size,
    correct,
    recall: truth.size === 0 ? 0 : correct / truth.size,
    precision: flagged.size === 0 ? 0 : correct / flagged.size,
  }
}

/**
 * Loads the set into the app's database and scores every system. Build the app with rate limits
 * off. The database is fresh, or with `catalogue` holds a catalogue the set is added to: then each
 * run is also scored condensed, and search is asked for `searchDepth` results (default 10).
 */
export async function evaluateRetrieval(
  app: FastifyInstance,
  db: Db,
  options: { concurrency?: number; set?: RetrievalSet; catalogue?: boolean; searchDepth?: number } = {},
): Promise<RetrievalReport> {
  const set = options.set ?? readRetrievalSet()
  const concurrency = options.concurrency ?? 8
  const condense = options.catalogue ?? false
  const depth = options.searchDepth ?? 10
  const started = performance.now()
  const loaded: RetrievalLoaded = await loadRetrievalSet(app, db, set, concurrency)
  const loadSeconds = (performance.now() - started) / 1000

  const keyOf = (id: string) => loaded.listingKeys.get(id) ?? `?${id}`
  const bm25 = new Bm25Index(set.listings.map((listing) => ({ id: listing.key, text: listingText(listing) })))
  const listingsOf = new Map<string, Set<string>>()
  for (const listing of set.listings) (listingsOf.get(listing.owner) ?? listingsOf.set(listing.owner, new Set()).get(listing.owner)!).add(listing.key)

  const perDemand: RetrievalReport['perDemand'] = {}
  const spent = new Map<System, number>()
  const timed = async <T>(system: System, work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now()
    try {
      return await work()
    } finally {
      spent.set(system, (spent.get(system) ?? 0) + performance.now() - start)
    }
  }
  await inBatches(set.demands, concurrency, async (demand: RetrievalDemand) => {
    const id = loaded.demandIds.get(demand.key)!
    const grades = set.qrels[demand.key] ?? {}
    const own = new Set(demand.ownListings)
    const ownerListings = listingsOf.get(demand.owner) ?? new Set<string>()
    const runs: Partial<Record<System, DemandRun>> = {}
    runs.matches = scoreRun((await timed('matches', () => fetchMatches(app, loaded.operator, id, demand.key))).map(keyOf), grades, own, condense)
    const title = await timed('search-title', () => searchListings(app, loaded.operator, demand.titleVi.slice(0, 200), demand.key, depth))
    runs['search-title'] = scoreRun(title.map(keyOf), grades, own, condense)
    const sentence = await timed('search-sentence', () => searchListings(app, loaded.operator, demandSentence(demand), demand.key, depth))
    runs['search-sentence'] = scoreRun(sentence.map(keyOf), grades, own, condense)
    // BM25 leaves out the owner's own listings, as matching must: it stands in for the matcher too.
    const bm25Run = (system: System, query: string) =>
      timed(system, () =>
        scoreRun(
          bm25.search(query, 10, ownerListings).map((hit) => hit.id),
          grades,
          own,
        ),
      )
    runs['bm25-full'] = await bm25Run('bm25-full', demandFullText(demand))
    runs['bm25-title'] = await bm25Run('bm25-title', demand.titleVi)
    runs['bm25-sentence'] = await bm25Run('bm25-sentence', demandSentence(demand))
    perDemand[demand.key] = runs
  })

  const rows = Object.values(perDemand)
  const summary = systems.map((system): SystemSummary => {
    const runs = rows.map((row) => row[system]!)
    return {
      system,
      ndcgAt10: mean(runs.map((run) => run.ndcgAt10)),
      precisionAt5: mean(runs.map((run) => run.precisionAt5)),
      recallAt10: mean(runs.map((run) => run.recallAt10)),
      emptyResults: runs.filter((run) => run.ranked.length === 0).length,
      ownListingLeaks: runs.reduce((sum, run) => sum + run.ownListingLeaks, 0),
      milliseconds: (spent.get(system) ?? 0) / Math.max(1, runs.length),
      ...(condense && runs.every((run) => run.condensed)
        ? {
            condensed: {
              ndcgAt10: mean(runs.map((run) => run.condensed!.ndcgAt10)),
              precisionAt5: mean(runs.map((run) => run.condensed!.precisionAt5)),
              recallAt10: mean(runs.map((run) => run.condensed!.recallAt10)),
              foreignInTop10: mean(runs.map((run) => run.condensed!.foreignInTop10)),
            },
          }
        : {}),
    }
  })
  return {
    demands: set.demands.length,
    listings: set.listings.length,
    judged: Object.values(set.qrels).reduce((sum, judged) => sum + Object.keys(judged).length, 0),
    pooledGrades: set.pooledGrades,
    summary,
    duplicates: {
      listings: pairScores(set.duplicates.listings, loaded.flaggedListingPairs),
      demands: loaded.flaggedDemandPairs ? pairScores(set.duplicates.demands, loaded.flaggedDemandPairs) : null,
    },
    perDemand,
    loadSeconds,
    evaluateSeconds: (performance.now() - started) / 1000 - loadSeconds,
  }
}
