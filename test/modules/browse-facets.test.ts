import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { listings } from '../../src/db/schema/index.ts'
import { maintainFacetCounts } from '../../src/jobs/maintenance.ts'
import { vietnamDate } from '../../src/lib/clock.ts'
import { demandFacets } from '../../src/modules/demands/demands.search.ts'
import { countFacets, searchListings, type ListingFilter } from '../../src/modules/listings/listings.search.ts'
import { gatherBelow, planBrowse, planOfCount } from '../../src/modules/listings/listings.browse.ts'
import { countedBrowseFacets } from '../../src/modules/listings/listings.facets.ts'
import { countedDemandBrowseFacets } from '../../src/modules/demands/demands.facets.ts'
import { demandPlanOfCount, planDemandBrowse } from '../../src/modules/demands/demands.browse.ts'
import { currentCodesInRegion, provinces } from '../../src/core/places.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { createListingViaApi, insertListing } from '../helpers/listings.ts'

// Browsing without q: pages in index order, and facets read from the trigger-kept counts (or capped)
// compared with counting every match (the search path's countFacets / demandFacets) after every
// kind of write: publish, withdraw, update of kind, provinces and TRL, expiry by the calendar.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const institute = await createMember(db, { kind: 'research_institute' })
const company = await createMember(db, { kind: 'enterprise' })
const A = institute.organization.id
const B = company.organization.id

const kinds = ['technology', 'equipment', 'product', 'know_how', 'service']
const places = [['01'], ['79'], ['01', '79'], ['37'], ['96'], ['48', '01'], []]
const sectorSets = [['A'], ['C'], ['A', 'J'], ['E']]
for (let i = 0; i < 40; i++) {
  await insertListing(db, {
    ownerId: i % 3 === 0 ? B : A,
    kind: kinds[i % kinds.length]!,
    trl: i % 4 === 0 ? null : 3 + (i % 7),
    provinceCodes: places[i % places.length]!,
    sectors: sectorSets[i % sectorSets.length]!,
    fields: [String(1 + (i % 6))],
    priceType: i % 2 === 0 ? 'amount' : 'negotiable',
    priceVnd: i % 2 === 0 ? 10_000_000 * (i + 1) : null,
    // Some expire on the test clock's calendar (2026-03-02), some later, some never.
    validUntil: i % 5 === 0 ? '2026-02-01' : i % 5 === 1 ? '2026-03-10' : null,
    anonymous: i % 7 === 0,
  })
}
await insertListing(db, { ownerId: A, status: 'draft', kind: 'service', provinceCodes: ['01'] })
await insertListing(db, { ownerId: B, status: 'withdrawn', kind: 'product', provinceCodes: ['79'], withdrawnAt: clock.now(), withdrawReason: 'Rút' })

type Facets = { kind: unknown[]; province: unknown[]; trl: unknown[]; exhaustive: boolean; counted?: number }
type Page = { items: Array<{ id: string }>; nextCursor: string | null; facets: Facets }

async function browse(query: string, headers: Record<string, string> = {}): Promise<Page> {
  const response = await app.inject({ method: 'GET', url: `/v1/listings?${query}`, headers })
  if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`)
  return response.json() as Page
}

/** The filter the search path would build for this query (no q), for the oracle. */
function oracleFilter(query: string): ListingFilter {
  const params = new URLSearchParams(query)
  const number = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined)
  const provinceSets: string[][] = []
  if (params.has('province')) provinceSets.push(params.getAll('province'))
  if (params.has('region')) provinceSets.push(currentCodesInRegion(Number(params.get('region'))))
  return {
    status: (params.get('status') ?? 'published') as ListingFilter['status'],
    today: vietnamDate(clock.now()),
    kinds: params.has('kind') ? params.getAll('kind') : undefined,
    sectors: params.has('sector') ? params.getAll('sector') : undefined,
    fields: params.has('field') ? params.getAll('field') : undefined,
    provinceSets,
    trlMin: number('trlMin'),
    trlMax: number('trlMax'),
    priceMin: number('priceMin'),
    priceMax: number('priceMax'),
    ownerId: params.get('owner') ?? undefined,
  }
}

const mixes = [
  '',
  'kind=technology',
  'province=01',
  'province=79&kind=equipment',
  'region=3',
  'region=7&trlMin=5',
  'sector=A',
  'field=2&trlMin=4&trlMax=7',
  'trlMax=6',
  'status=expired',
  'status=expired&province=01',
  'province=01&sector=A',
  'priceMax=200000000',
  `owner=${A}`,
  // Filters with several values: any of a filter's values matches, every filter applies.
  'kind=technology&kind=equipment',
  'province=01&province=79',
  'province=01&province=79&kind=equipment&kind=product',
  'sector=A&sector=C&trlMin=3',
  'field=2&field=1&province=01',
  'status=expired&sector=A&sector=C',
]

async function checkAll(t: Test, when: string) {
  const operatorHeaders = operator.auth
  for (const query of mixes) {
    const page = await browse(`${query}&limit=100`, query.startsWith('owner=') ? operatorHeaders : {})
    const { kind, province, trl } = await countFacets(db, oracleFilter(query))
    const expected = { kind, province, trl }
    t.same(
      { kind: page.facets.kind, province: page.facets.province, trl: page.facets.trl },
      expected,
      `${when}: facets of "${query}" equal a count of every match`,
    )
    t.equal(page.facets.exhaustive, true, `${when}: "${query}" is counted exhaustively`)
    const rows = await searchListings(db, oracleFilter(query), { limit: 100 })
    t.same(
      page.items.map((item) => item.id),
      rows.map((row) => row.id),
      `${when}: "${query}" lists the same listings in the same order`,
    )
  }
}

t.test('facets equal a full count for every filter mix, through every kind of write', async (t) => {
  await checkAll(t, 'as inserted')

  const draft = await createListingViaApi(app, institute.auth, { kind: 'equipment', trl: 8, provinceCodes: ['79'] })
  const publish = await app.inject({ method: 'POST', url: `/v1/listings/${draft.id}/publish`, headers: institute.auth })
  t.equal(publish.statusCode, 200)
  await checkAll(t, 'after a publish')

  const patch = await app.inject({
    method: 'PATCH',
    url: `/v1/listings/${draft.id}`,
    headers: institute.auth,
    payload: { kind: 'technology', trl: 4, provinceCodes: ['01', '96'], sectors: ['A'] },
  })
  t.equal(patch.statusCode, 200, patch.body)
  await checkAll(t, 'after an update of kind, provinces and TRL')

  const withdraw = await app.inject({
    method: 'POST',
    url: `/v1/listings/${draft.id}/withdraw`,
    headers: institute.auth,
    payload: { reason: 'Đã chuyển giao' },
  })
  t.equal(withdraw.statusCode, 200, withdraw.body)
  await checkAll(t, 'after a withdrawal')

  // The calendar moves past 2026-03-10: those listings expire with no write at all.
  clock.advanceDays(10)
  await checkAll(t, 'after expiry, before the maintenance job')
  t.ok((await maintainFacetCounts(db, clock)) > 0, 'the job marks the listings that expired')
  await checkAll(t, 'after the maintenance job')
  t.equal(await maintainFacetCounts(db, clock), 0, 'a second run has nothing to do')

  // A new validUntil brings an expired listing back; reads are right before the job catches up.
  const [back] = await db
    .select({ id: listings.id })
    .from(listings)
    .where(sql`${listings.countedExpired}`)
    .limit(1)
  await db
    .update(listings)
    .set({ validUntil: '2027-01-01' })
    .where(sql`${listings.id} = ${back!.id}`)
  await checkAll(t, 'after an expired listing got a later validUntil')
  await maintainFacetCounts(db, clock)
  await checkAll(t, 'after the job again')

  // Rebuilding from the records changes no count: the triggers kept them exact.
  const sums = async () =>
    (
      await db.execute(
        sql`select status, dim, kind, trl, province, sum(n)::int as n from listing_facet_counts group by 1, 2, 3, 4, 5 having sum(n) <> 0 order by 1, 2, 3, 4, 5`,
      )
    ).rows
  const before = await sums()
  await db.execute(sql`select tx_facet_counts_compact()`)
  t.same(await sums(), before, 'compaction keeps every sum')
  await db.execute(sql`select tx_facet_counts_rebuild()`)
  t.same(await sums(), before, 'a rebuild from the records finds the same counts')
})

t.test("counted facets' total is the number of matches, and the plan taken from it is planBrowse's", async (t) => {
  let answered = 0
  for (const query of mixes) {
    const params = new URLSearchParams(query)
    const filter = {
      ...oracleFilter(query),
      provinces: params.has('province') ? params.getAll('province') : undefined,
      region: params.has('region') ? Number(params.get('region')) : undefined,
    }
    const counted = await countedBrowseFacets(db, filter)
    if (!counted) continue
    answered += 1
    const matches = await searchListings(db, oracleFilter(query), { limit: 1000 })
    t.equal(counted.total, matches.length, `"${query}": the total is every match`)
    t.equal(planOfCount(filter, counted.total).gather, (await planBrowse(db, filter)).gather, `"${query}": the same plan`)
    // A count past the threshold reads in index order, below it gathers (when there is a filter to gather by).
    t.equal(planOfCount(filter, gatherBelow).gather, false, `"${query}": ordered read from ${gatherBelow} matches`)
  }
  t.ok(answered >= 8, `the counts table answered ${answered} of the mixes`)
})

t.test('past the cap, the counts cover the newest matches and say so', async (t) => {
  await db.insert(listings).values(
    Array.from({ length: 230 }, (_, i) => ({
      ownerId: B,
      status: 'published' as const,
      kind: 'equipment',
      titleVi: `Thiết bị số ${i}`,
      descriptionVi: 'Thiết bị thử nghiệm.',
      trl: 7,
      priceType: 'amount',
      priceVnd: 5_000_000,
      publishedAt: new Date(Date.UTC(2026, 1, 1) + i * 60_000),
      provinceCodes: ['01'],
      currentProvinceCodes: ['01'],
    })),
  )
  const page = await browse('priceMax=6000000')
  t.equal(page.facets.exhaustive, false)
  t.equal(page.facets.counted, 200)
  t.same(page.facets.kind, [{ code: 'equipment', count: 200 }], 'each count is a lower bound: the newest 200 of 230')
  const exact = await browse('kind=equipment&province=01')
  t.equal(exact.facets.exhaustive, true, 'a mix the counts table answers stays exact however many match')
  t.same(exact.facets.kind, (await countFacets(db, oracleFilter('kind=equipment&province=01'))).kind)

  // Pages still follow each other: every matching listing exactly once, newest first.
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const next: Page = await browse(`priceMax=6000000&limit=50${cursor ? `&cursor=${cursor}` : ''}`)
    seen.push(...next.items.map((item) => item.id))
    cursor = next.nextCursor
  } while (cursor)
  const all = await searchListings(db, oracleFilter('priceMax=6000000'), { limit: 1000 })
  t.same(
    seen,
    all.map((row) => row.id),
    'cursor pages give the same list as one query, in order, without repeats',
  )
})

t.test('the regions written into SQL agree with the reference data', async (t) => {
  const result = await db.execute<{ code: string; regions: string[] }>(
    sql`select code, tx_regions_of_province(code) as regions from unnest(${sql.raw(`array[${provinces.map((p) => `'${p.code}'`).join(',')}]`)}) as code`,
  )
  for (const province of provinces) {
    const row = result.rows.find((each) => each.code === province.code)
    t.same(row?.regions.map(Number), province.regionIds, province.code)
  }
})

t.test('demand facets equal a full count, from the counts table and counted (owner, two filters)', async (t) => {
  const bodies = Array.from({ length: 12 }, (_, i) => ({
    titleVi: `Nhu cầu số ${i}`,
    problemVi: 'Cần giải pháp.',
    sectors: i % 2 === 0 ? ['A'] : ['C', 'A'],
    fields: [String(1 + (i % 3))],
    minTrl: i % 3 === 0 ? undefined : 4 + (i % 4),
    provinceCode: ['01', '79', '96', '33'][i % 4],
  }))
  for (const body of bodies) {
    const created = await app.inject({ method: 'POST', url: '/v1/demands', headers: company.auth, payload: body })
    t.equal(created.statusCode, 201, created.body)
    const id = (created.json() as { id: string }).id
    const opened = await app.inject({ method: 'POST', url: `/v1/demands/${id}/open`, headers: company.auth })
    t.equal(opened.statusCode, 200, opened.body)
  }
  const queries = ['', 'province=01', 'region=3', 'sector=C', 'field=2', 'minTrl=5', 'sector=A&province=79', `owner=${B}`]
  // Several values of a filter: any of them matches.
  queries.push('province=01&province=79', 'sector=A&sector=C', 'field=2&field=1&minTrl=5', 'sector=C&sector=A&province=01&province=79')
  let answered = 0
  for (const query of queries) {
    const response = await app.inject({ method: 'GET', url: `/v1/demands?${query}&limit=100` })
    t.equal(response.statusCode, 200, response.body)
    const page = response.json() as { items: unknown[]; facets: { province: unknown; sector: unknown; minTrl: unknown; exhaustive: boolean } }
    const params = new URLSearchParams(query)
    const filter = {
      status: 'open' as const,
      ownerId: params.get('owner') ?? undefined,
      sectors: params.has('sector') ? params.getAll('sector') : undefined,
      fields: params.has('field') ? params.getAll('field') : undefined,
      currentProvinceCodes: params.has('province') ? params.getAll('province') : undefined,
      regionProvinceCodes: params.has('region') ? currentCodesInRegion(Number(params.get('region'))) : undefined,
      region: params.has('region') ? Number(params.get('region')) : undefined,
      trl: params.has('minTrl') ? Number(params.get('minTrl')) : undefined,
    }
    const expected = await demandFacets(db, filter)
    const { province, sector, minTrl, exhaustive } = page.facets
    t.same({ province, sector, minTrl, exhaustive }, expected, `demands "${query}": exact, and said to be`)
    const counted = await countedDemandBrowseFacets(db, filter)
    if (counted) {
      answered += 1
      t.equal(counted.total, page.items.length, `demands "${query}": the counted total is every match`)
      t.equal(demandPlanOfCount(filter, counted.total).gather, (await planDemandBrowse(db, filter)).gather, `demands "${query}": the same plan`)
    }
  }
  t.ok(answered >= 5, `the counts table answered ${answered} of the demand queries`)
})
