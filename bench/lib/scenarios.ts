import type pg from 'pg'
import { anchorOf } from './dates.ts'
import type { BenchKey } from './keys.ts'
import { listingBody } from './listings.ts'
import { drawCurrentCode, drawLegacyCode } from './places.ts'
import type { Random } from './random.ts'
import { domains } from './vocabulary/index.ts'
import { listingKinds, organizationKinds, scienceFields, sectors } from '../../src/modules/reference/vocabularies.ts'
import { regions } from '../../src/core/places.ts'

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

export const scenarioNames = [
  'browse-listings',
  'browse-demands',
  'browse-listings-multi',
  'browse-demands-multi',
  'browse-organizations',
  'search',
  'search-no-facets',
  'search-sentence',
  'search-demands',
  'get-listing',
  'create-listing',
  'recompute-matches',
  'demand-matches',
  'report-compare',
  'report-organizations',
] as const

const bearer = (key: BenchKey) => ({ authorization: `Bearer ${key.key}` })

/** Ids of `table` rows matching `where`, a repeatable sample spread over the table. */
async function sampleIds(client: pg.ClientBase, table: 'listings' | 'demands', where: string, count: number): Promise<string[]> {
  const { rows: stats } = await client.query<{ estimate: number }>(`select greatest(reltuples, 1)::float8 as estimate from pg_class where relname = $1`, [
    table,
  ])
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

/** A demand-like sentence of up to 200 characters: three phrases of one domain among everyday words. */
function sentencePath(random: Random, resource: 'listings' | 'demands'): string {
  const domain = random.weighted(domains.map((each) => [each, each.weight] as const))
  const [a, b, c] = [random.pick(domain.searchPhrases), random.pick(domain.searchPhrases), random.pick(domain.searchPhrases)]
  const sentence = `Công ty chúng tôi đang cần ${a} để giải quyết khó khăn về ${b}, mong được tư vấn giải pháp ${c} phù hợp với quy mô hợp tác xã`
  return `/v1/${resource}?${new URLSearchParams({ q: sentence.slice(0, 200).replace(/\s+\S*$/, '') }).toString()}`
}

/** Random owners of rows of `table`, weighted as the rows are (a few owners file most). */
async function sampleOwners(client: pg.ClientBase, table: 'listings' | 'demands', count: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `select owner_id::text as id from ${table} tablesample system (1) repeatable (11) order by md5(id::text) limit ${count}`,
  )
  return rows.map((row) => row.id)
}

/**
 * Newest-first browsing without q, facets on (the default): the filter mixes a portal's browsing
 * page sends, each mix equally likely; values drawn like the data (provinces skewed, a quarter legacy).
 */
function browseListingsPath(random: Random, owners: string[]): string {
  const province = () => (random.chance(0.25) ? drawLegacyCode(random) : drawCurrentCode(random))
  const kind = () => random.pick(listingKinds).code
  const mixes: Array<() => Record<string, string>> = [
    () => ({}),
    () => ({ kind: kind() }),
    () => ({ province: province() }),
    () => ({ kind: kind(), province: province() }),
    () => ({ region: String(random.pick(regions).id) }),
    () => ({ sector: random.pick(sectors).code }),
    () => ({ field: random.pick(scienceFields).code, trlMin: String(random.int(5, 8)) }),
    () => ({ trlMin: String(random.int(3, 7)), trlMax: '9', kind: kind() }),
    () => ({ priceMax: String(random.pick([50, 200, 1000]) * 1_000_000) }),
    () => ({ owner: random.pick(owners) }),
    () => ({ province: province(), sector: random.pick(sectors).code }),
  ]
  return `/v1/listings?${new URLSearchParams(random.pick(mixes)()).toString()}`
}

function browseDemandsPath(random: Random): string {
  const province = () => (random.chance(0.25) ? drawLegacyCode(random) : drawCurrentCode(random))
  const mixes: Array<() => Record<string, string>> = [
    () => ({}),
    () => ({ province: province() }),
    () => ({ region: String(random.pick(regions).id) }),
    () => ({ sector: random.pick(sectors).code }),
    () => ({ field: random.pick(scienceFields).code }),
    () => ({ minTrl: String(random.int(3, 9)) }),
    () => ({ sector: random.pick(sectors).code, province: province() }),
    () => ({ budgetMin: String(random.pick([100, 500, 2000]) * 1_000_000) }),
    () => ({ status: 'closed' }),
  ]
  return `/v1/demands?${new URLSearchParams(random.pick(mixes)()).toString()}`
}

/** Two or three different values of one filter, each drawn as `draw` draws it. */
function several(random: Random, name: string, draw: () => string, count = 2): Array<[string, string]> {
  const values = new Set<string>()
  while (values.size < count) values.add(draw())
  return [...values].map((value) => [name, value])
}

/** Browsing with filters that take several values (kind=a&kind=b): any of a filter's values matches. */
function browseListingsMultiPath(random: Random): string {
  const province = () => (random.chance(0.25) ? drawLegacyCode(random) : drawCurrentCode(random))
  const kind = () => random.pick(listingKinds).code
  const sector = () => random.pick(sectors).code
  const mixes: Array<() => Array<[string, string]>> = [
    () => several(random, 'kind', kind),
    () => several(random, 'province', province, 3),
    () => several(random, 'sector', sector),
    () => [...several(random, 'kind', kind), ...several(random, 'province', province)],
    () => [...several(random, 'sector', sector), ['province', province()]],
    () => [...several(random, 'field', () => random.pick(scienceFields).code, 3), ['trlMin', String(random.int(5, 8))]],
  ]
  return `/v1/listings?${new URLSearchParams(random.pick(mixes)()).toString()}`
}

function browseDemandsMultiPath(random: Random): string {
  const province = () => (random.chance(0.25) ? drawLegacyCode(random) : drawCurrentCode(random))
  const sector = () => random.pick(sectors).code
  const mixes: Array<() => Array<[string, string]>> = [
    () => several(random, 'province', province, 3),
    () => several(random, 'sector', sector),
    () => [...several(random, 'sector', sector), ['province', province()]],
    () => [...several(random, 'province', province), ['minTrl', String(random.int(3, 9))]],
  ]
  return `/v1/demands?${new URLSearchParams(random.pick(mixes)()).toString()}`
}

function browseOrganizationsPath(random: Random, parents: string[]): string {
  const mixes: Array<() => Record<string, string>> = [
    () => ({}),
    () => ({ kind: random.pick(organizationKinds).code }),
    () => ({ province: drawCurrentCode(random) }),
    () => ({ kind: random.pick(organizationKinds).code, province: drawCurrentCode(random) }),
    () => ({ parentId: random.pick(parents) }),
    () => ({ merged: 'false' }),
  ]
  return `/v1/organizations?${new URLSearchParams(random.pick(mixes)()).toString()}`
}

export async function buildScenarios(client: pg.ClientBase, keys: BenchKey[], random: Random, count: number, today: string): Promise<Scenario[]> {
  const key = (label: string) => keys.find((each) => each.label === label) ?? fail(`No "${label}" key in bench/.results/keys.json`)
  const operator = key('operator')
  const editor = key('enterprise-editor')
  const searches = Array.from({ length: count }, () => searchPath(random))
  const listingIds = await sampleIds(client, 'listings', `status = 'published'`, count)
  const demandIds = await sampleIds(client, 'demands', `status = 'open' and (deadline is null or deadline >= '${today}')`, count)
  const computed = await computedDemandIds(client, count)
  const owners = await sampleOwners(client, 'listings', count)
  const { rows: parentRows } = await client.query<{ id: string }>(
    `select distinct parent_id::text as id from organizations where parent_id is not null order by 1 limit 200`,
  )
  const parents = parentRows.map((row) => row.id)
  const anchor = anchorOf(today)
  const owner = { id: editor.organizationId, currentProvinceCode: '01' }
  const json = { 'content-type': 'application/json' }
  return [
    {
      name: 'browse-listings',
      description:
        'GET /v1/listings without q, newest first, facets on: no filter, kind, province, kind+province, region, sector, field+trlMin, kind+TRL range, priceMax, owner, province+sector',
      writes: false,
      expectedStatus: 200,
      variants: Array.from({ length: count }, () => ({ method: 'GET', path: browseListingsPath(random, owners), headers: {} })),
    },
    {
      name: 'browse-demands',
      description: 'GET /v1/demands without q, newest first, facets on: no filter, province, region, sector, field, minTrl, sector+province, budgetMin, closed',
      writes: false,
      expectedStatus: 200,
      variants: Array.from({ length: count }, () => ({ method: 'GET', path: browseDemandsPath(random), headers: {} })),
    },
    {
      name: 'browse-organizations',
      description: 'GET /v1/organizations without q, by name: no filter, kind, province, kind+province, parentId, merged=false',
      writes: false,
      expectedStatus: 200,
      variants: Array.from({ length: count }, () => ({ method: 'GET', path: browseOrganizationsPath(random, parents), headers: {} })),
    },
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
      name: 'search-sentence',
      description: 'GET /v1/listings?q=<a demand-like sentence of up to 200 characters> (facets on)',
      writes: false,
      expectedStatus: 200,
      variants: Array.from({ length: count }, () => ({ method: 'GET', path: sentencePath(random, 'listings'), headers: {} })),
    },
    {
      name: 'search-demands',
      description: 'GET /v1/demands?q=<2–3 words> (facets on)',
      writes: false,
      expectedStatus: 200,
      variants: searches.map((path) => ({ method: 'GET', path: path.replace('/v1/listings?', '/v1/demands?').replace(/&trlMin=\d+/, ''), headers: {} })),
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
    // Last, so the seeded draws of the scenarios above stay what they were.
    {
      name: 'browse-listings-multi',
      description:
        'GET /v1/listings without q, filters given several times: 2 kinds, 3 provinces, 2 sectors, 2 kinds+2 provinces, 2 sectors+province, 3 fields+trlMin',
      writes: false,
      expectedStatus: 200,
      variants: Array.from({ length: count }, () => ({ method: 'GET', path: browseListingsMultiPath(random), headers: {} })),
    },
    {
      name: 'browse-demands-multi',
      description: 'GET /v1/demands without q, filters given several times: 3 provinces, 2 sectors, 2 sectors+province, 2 provinces+minTrl',
      writes: false,
      expectedStatus: 200,
      variants: Array.from({ length: count }, () => ({ method: 'GET', path: browseDemandsMultiPath(random), headers: {} })),
    },
  ]
}

function fail(message: string): never {
  throw new Error(message)
}
