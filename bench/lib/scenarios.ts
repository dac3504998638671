import type pg from 'pg'
import { anchorOf } from './dates.ts'
import type { BenchKey } from './keys.ts'
import { listingBody } from './listings.ts'
import { drawCurrentCode, drawLegacyCode } from './places.ts'
import type { Random } from './random.ts'
import { domains } from './vocabulary/index.ts'

// The scenarios: each is a list of request variants drawn from the data; autocannon picks one at
// random per request, and pgbench runs the SQL of the same variants.

export type BenchRequest = { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string }

export type Scenario = {
  name: string
  description: string
  /** Writes rows (a committed transaction per request). */
  writes: boolean
  /** The status a successful request answers with. */
  expectedStatus: number
  variants: BenchRequest[]
}

export const scenarioNames = ['search', 'search-no-facets', 'get-listing', 'create-listing', 'recompute-matches', 'demand-matches', 'report-compare', 'report-organizations'] as const

const bearer = (key: BenchKey) => ({ authorization: `Bearer ${key.key}` })

/** Ids of `table` rows matching `where`, a repeatable sample spread over the table. */
async function sampleIds(client: pg.ClientBase, table: 'listings' | 'demands', where: string, count: number): Promise<string[]> {
  const { rows: stats } = await client.query<{ estimate: number }>(`select greatest(reltuples, 1)::float8 as estimate from pg_class where relname = $1`, [table])
  const percent = Math.min(100, (100 * 40 * count) / stats[0]!.estimate)
  const { rows } = await client.query<{ id: string }>(
    `select id from ${table} tablesample system (${percent}) repeatable (7) where ${where} order by md5(id::text) limit ${count}`,
  )
  if (rows.length === 0) throw new Error(`No ${table} rows match ${where}; generate data first (npm run bench:generate)`)
  return rows.map((row) => row.id)
}

/**
 * Demands whose matches were computed (by recompute-matches, in this run's capture or an earlier
 * run), so that reading them returns real suggestions; [] before matching exists or ran.
 */
async function computedDemandIds(client: pg.ClientBase, count: number): Promise<string[]> {
  const { rows: table } = await client.query<{ exists: boolean }>(`select to_regclass('public.match_runs') is not null as exists`)
  if (!table[0]!.exists) return []
  const { rows } = await client.query<{ id: string }>(
    `select subject_id::text as id from match_runs where subject_type = 'demand' order by md5(subject_id::text) limit ${count}`,
  )
  return rows.map((row) => row.id)
}

function searchPath(random: Random): string {
  const domain = random.weighted(domains.map((each) => [each, each.weight] as const))
  const province = random.chance(0.25) ? drawLegacyCode(random) : drawCurrentCode(random)
  const query = new URLSearchParams({ q: random.pick(domain.searchPhrases), province, trlMin: String(random.int(3, 7)) })
  return `/v1/listings?${query.toString()}`
}

export async function buildScenarios(client: pg.ClientBase, keys: BenchKey[], random: Random, count: number, today: string): Promise<Scenario[]> {
  const key = (label: string) => keys.find((each) => each.label === label) ?? fail(`No "${label}" key in bench/.results/keys.json`)
  const operator = key('operator')
  const editor = key('enterprise-editor')
  const searches = Array.from({ length: count }, () => searchPath(random))
  const listingIds = await sampleIds(client, 'listings', `status = 'published'`, count)
  const demandIds = await sampleIds(client, 'demands', `status = 'open' and (deadline is null or deadline >= '${today}')`, count)
  const computed = await computedDemandIds(client, count)
  const anchor = anchorOf(today)
  const owner = { id: editor.organizationId, currentProvinceCode: '01' }
  const json = { 'content-type': 'application/json' }
  return [
    {
      name: 'search',
      description: 'GET /v1/listings?q=<2–3 words>&province=<code>&trlMin=<n> (facets on, the default)',
      writes: false,
      expectedStatus: 200,
      variants: searches.map((path) => ({ method: 'GET', path, headers: {} })),
    },
    {
      name: 'search-no-facets',
      description: 'the same searches with facets=false',
      writes: false,
      expectedStatus: 200,
      variants: searches.map((path) => ({ method: 'GET', path: `${path}&facets=false`, headers: {} })),
    },
    {
      name: 'get-listing',
      description: 'GET /v1/listings/{id}, anonymous, random published listings',
      writes: false,
      expectedStatus: 200,
      variants: listingIds.map((id) => ({ method: 'GET', path: `/v1/listings/${id}`, headers: {} })),
    },
    {
      name: 'create-listing',
      description: "POST /v1/listings with an enterprise editor's key, realistic bodies",
      writes: true,
      expectedStatus: 201,
      variants: Array.from({ length: count }, () => {
        const domain = random.weighted(domains.map((each) => [each, each.weight] as const))
        const body = JSON.stringify(listingBody(random, anchor, { ...owner, domain }))
        return { method: 'POST', path: '/v1/listings', headers: { ...bearer(editor), ...json }, body }
      }),
    },
    {
      name: 'recompute-matches',
      description: "POST /v1/demands/{id}/matches/recompute with the operator's key, open demands",
      writes: true,
      expectedStatus: 200,
      variants: demandIds.map((id) => ({ method: 'POST', path: `/v1/demands/${id}/matches/recompute`, headers: bearer(operator) })),
    },
    {
      name: 'demand-matches',
      description: "GET /v1/demands/{id}/matches with the operator's key, demands whose matches were computed",
      writes: false,
      expectedStatus: 200,
      variants: (computed.length > 0 ? computed : demandIds).map((id) => ({ method: 'GET', path: `/v1/demands/${id}/matches`, headers: bearer(operator) })),
    },
    {
      name: 'report-compare',
      description: 'GET /v1/reports/activity comparing 2016-2020 with 2021-2025, by no group, province (2025 or legacy) or region, each metric ranking',
      writes: false,
      expectedStatus: 200,
      variants: Array.from({ length: count }, () => {
        const query = new URLSearchParams({
          ranges: '2016-01-01..2020-12-31,2021-01-01..2025-12-31',
          groupBy: random.pick(['none', 'province', 'legacyProvince', 'region']),
          metric: random.pick(['listingsPublished', 'demandsOpened', 'completedTransfers']),
        })
        return { method: 'GET', path: `/v1/reports/activity?${query.toString()}`, headers: {} }
      }),
    },
    {
      name: 'report-organizations',
      description: 'GET /v1/reports/activity by organisation and year since 2016 (top 100), with successor on or off',
      writes: false,
      expectedStatus: 200,
      variants: Array.from({ length: count }, () => {
        const query = new URLSearchParams({ groupBy: 'organization', period: 'year', from: '2016-01-01', successor: String(random.chance(0.5)), limit: '100' })
        return { method: 'GET', path: `/v1/reports/activity?${query.toString()}`, headers: {} }
      }),
    },
  ]
}

function fail(message: string): never {
  throw new Error(message)
}
