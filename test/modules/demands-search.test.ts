import t from 'tap'
import { sql } from 'drizzle-orm'
import { demands } from '../../src/db/schema/index.ts'
import { placeConditions } from '../../src/modules/demands/demands.search.ts'
import { buildTestApp } from '../helpers/app.ts'
import { closeDemand, fileDemand, fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator } from '../helpers/factories.ts'

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const farm = await createMember(db, { kind: 'enterprise', name: 'Hợp tác xã Nông nghiệp Hải Hậu' })
const seafood = await createMember(db, { kind: 'enterprise', name: 'Công ty Cổ phần Thủy sản Cần Thơ' })
const software = await createMember(db, { kind: 'enterprise', name: 'Công ty TNHH Kho lạnh Sài Gòn' })

type Summary = { id: string; titleVi: string; status: string; score?: number; owner: { id: string; name: string; kind: string } }
type Page = {
  items: Summary[]
  nextCursor: string | null
  facets?: Record<'province' | 'sector' | 'minTrl', Array<{ code: string; count: number }>> & { exhaustive: boolean }
  interpretation?: { corrections: Array<{ from: string; to: string }> }
}

async function search(query: string, headers: Record<string, string> = {}) {
  const response = await app.inject({ method: 'GET', url: `/v1/demands?${query}`, headers })
  if (response.statusCode !== 200) throw new Error(`GET /v1/demands?${query}: ${response.statusCode} ${response.body}`)
  return response.json() as Page
}
const titles = (page: Page) => page.items.map((item) => item.titleVi).sort()

// The fixtures: opened an hour apart so "newest" has an order to check, and with a neutral body so
// only their titles and keywords decide what q finds.
const neutral = { titleEn: null, problemVi: 'Chi tiết xem hồ sơ kèm theo.', desiredOutcomeVi: null, keywords: [] }
const opened = async (auth: typeof farm.auth, overrides: Record<string, unknown>) => {
  clock.set(new Date(clock.now().getTime() + 3600_000))
  return fileOpenDemand(app, auth, { ...neutral, ...overrides })
}
const dryer = await opened(farm.auth, {
  titleVi: 'Cần máy sấy lúa công suất 10 tấn/mẻ',
  keywords: ['sau thu hoạch'],
  provinceCode: '36',
  sectors: ['A', 'C'],
  fields: ['4'],
  minTrl: 6,
  budgetMinVnd: 5e8,
  budgetMaxVnd: 2e9,
})
const wastewater = await opened(seafood.auth, {
  titleVi: 'Hệ thống xử lý nước thải chế biến thủy sản',
  keywords: ['nước thải'],
  provinceCode: '94',
  sectors: ['E', 'C'],
  fields: ['2'],
  minTrl: 7,
  budgetMinVnd: 1e9,
  budgetMaxVnd: 3e9,
})
const warehouse = await opened(software.auth, {
  titleVi: 'Phần mềm quản lý kho lạnh',
  provinceCode: '79',
  sectors: ['J', 'H'],
  fields: ['2'],
  minTrl: null,
  budgetMinVnd: null,
  budgetMaxVnd: null,
})
const seeds = await opened(farm.auth, {
  titleVi: 'Giống lúa chịu mặn cho vùng ven biển',
  provinceCode: '37',
  sectors: ['A'],
  fields: ['4'],
  minTrl: 4,
  budgetMinVnd: 3e9,
  budgetMaxVnd: null,
})
const coffee = await opened(seafood.auth, { titleVi: 'Máy sấy cà phê năng lượng mặt trời', provinceCode: '66' })
await closeDemand(app, seafood.auth, coffee.id, { reason: 'fulfilled' })
const draft = await fileDemand(app, farm.auth, { ...neutral, titleVi: 'Máy sấy lúa (bản nháp)' })

t.test('q ignores diacritics, tolerates a typo, and ranks', async (t) => {
  // Every word of q counts and none is required: the demand holding them all comes first.
  const plain = await search('q=may say lua')
  t.equal(plain.items[0]!.titleVi, 'Cần máy sấy lúa công suất 10 tấn/mẻ')
  t.notOk(
    plain.items.some((item) => [draft.id, coffee.id].includes(item.id)),
    'the draft and the closed dryer are not listed',
  )
  t.type(plain.items[0]!.score, 'number')
  t.ok(plain.items[0]!.score! > 0)
  const typo = await search('q=may sya lua')
  t.equal(typo.items[0]!.titleVi, 'Cần máy sấy lúa công suất 10 tấn/mẻ', 'one letter off still finds it first')
  t.same(typo.interpretation!.corrections, [], '"sya" has three letters: too short to correct, found by its other words')
  const accented = await search(`q=${encodeURIComponent('máy sấy lúa')}`)
  t.same(
    accented.items.map((item) => item.id),
    plain.items.map((item) => item.id),
  )
  const keyword = await search('q=nuoc thai')
  t.same(titles(keyword), ['Hệ thống xử lý nước thải chế biến thủy sản'])
  const nothing = await search('q=xyzzy quantum')
  t.same(nothing.items, [])
  t.same(nothing.facets, { province: [], sector: [], minTrl: [], exhaustive: true })

  const ranked = await search('q=lua')
  t.same(titles(ranked), ['Cần máy sấy lúa công suất 10 tấn/mẻ', 'Giống lúa chịu mặn cho vùng ven biển'])
  const rankedScores = ranked.items.map((item) => item.score!)
  t.same(
    rankedScores,
    [...rankedScores].sort((a, b) => b - a),
    'ordered by score, highest first',
  )
  const newest = await search('q=lua&sort=newest')
  t.same(
    newest.items.map((item) => item.id),
    [seeds.id, dryer.id],
    'sort=newest with q: most recently opened first',
  )
  t.ok(
    newest.items.every((item) => typeof item.score === 'number'),
    'a score whenever q is given',
  )
  const noQ = await search('')
  t.ok(
    noQ.items.every((item) => item.score === undefined),
    'no score without q',
  )
})

t.test('filters: sector, field, minTrl, budget overlap, owner', async (t) => {
  t.same(titles(await search('sector=A')), ['Cần máy sấy lúa công suất 10 tấn/mẻ', 'Giống lúa chịu mặn cho vùng ven biển'])
  t.same(titles(await search('sector=C&field=2')), ['Hệ thống xử lý nước thải chế biến thủy sản'])
  // A TRL 6 solution could serve demands asking for TRL 6 or less, or for no minimum.
  t.same(titles(await search('minTrl=6')), ['Cần máy sấy lúa công suất 10 tấn/mẻ', 'Giống lúa chịu mặn cho vùng ven biển', 'Phần mềm quản lý kho lạnh'])
  t.same(titles(await search('minTrl=3')), ['Phần mềm quản lý kho lạnh'])
  // Budgets: dryer 0.5-2 bn, wastewater 1-3 bn, seeds 3 bn and up, warehouse none.
  t.same(titles(await search('budgetMin=2500000000')), ['Giống lúa chịu mặn cho vùng ven biển', 'Hệ thống xử lý nước thải chế biến thủy sản'])
  t.same(titles(await search('budgetMax=800000000')), ['Cần máy sấy lúa công suất 10 tấn/mẻ'])
  t.same(
    titles(await search('budgetMin=2000000000&budgetMax=3000000000')),
    ['Cần máy sấy lúa công suất 10 tấn/mẻ', 'Giống lúa chịu mặn cho vùng ven biển', 'Hệ thống xử lý nước thải chế biến thủy sản'],
    'touching ends overlap',
  )
  t.same(titles(await search('budgetMin=2000000001&budgetMax=2999999999')), ['Hệ thống xử lý nước thải chế biến thủy sản'])
  t.same(titles(await search(`owner=${farm.organization.id}`)), ['Cần máy sấy lúa công suất 10 tấn/mẻ', 'Giống lúa chịu mặn cho vùng ven biển'])
  const item = (await search(`owner=${software.organization.id}`)).items[0]!
  t.same(item.owner, { id: software.organization.id, name: 'Công ty TNHH Kho lạnh Sài Gòn', kind: 'enterprise' })
  t.match(item, {
    id: warehouse.id,
    status: 'open',
    provinceCode: '79',
    currentProvinceCode: '79',
    sectors: ['J', 'H'],
    minTrl: null,
    openedAt: warehouse.openedAt,
  })
  t.notOk('problemVi' in item, 'a summary, not the whole demand')
})

t.test('province: a legacy code and its successor find the same demands; region', async (t) => {
  // 36 Nam Định became part of 37 Ninh Bình; 94 Sóc Trăng part of 92 Cần Thơ.
  const ninhBinh = ['Cần máy sấy lúa công suất 10 tấn/mẻ', 'Giống lúa chịu mặn cho vùng ven biển']
  t.same(titles(await search('province=36')), ninhBinh, 'legacy code finds demands filed under the new code too')
  t.same(titles(await search('province=37')), ninhBinh, 'new code finds demands filed under the legacy code')
  t.same(titles(await search('province=35')), ninhBinh, 'another legacy unit merged into the same one')
  t.same(
    (await search('province=92')).items.map((item) => item.id),
    [wastewater.id],
  )
  t.same(titles(await search('province=94')), ['Hệ thống xử lý nước thải chế biến thủy sản'])
  t.same(titles(await search('province=01')), [])
  t.same(titles(await search('region=3')), ninhBinh, 'Red River Delta')
  t.same(titles(await search('region=8')), ['Hệ thống xử lý nước thải chế biến thủy sản'], 'Mekong Delta')
  t.same(titles(await search('region=7')), ['Phần mềm quản lý kho lạnh'], 'South East')
  t.same(titles(await search('region=2')), [])

  const unknown = await app.inject({ method: 'GET', url: '/v1/demands?province=99' })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().code, 'unknown_province')
  t.same(unknown.json().errors, [{ pointer: '#/query/province/0', detail: 'không phải mã tỉnh đã biết' }])
})

t.test('status and visibility: open by default, closed on request, drafts for the owner and the operator', async (t) => {
  t.notOk(titles(await search('')).includes('Máy sấy lúa (bản nháp)'))
  t.same(titles(await search('status=closed')), ['Máy sấy cà phê năng lượng mặt trời'])
  t.same(titles(await search('status=closed', farm.auth)), ['Máy sấy cà phê năng lượng mặt trời'])
  const own = await search(`status=draft&owner=${farm.organization.id}`, farm.auth)
  t.same(
    own.items.map((item) => item.id),
    [draft.id],
  )
  const byOperator = await search('status=draft', operator.auth)
  t.same(
    byOperator.items.map((item) => item.id),
    [draft.id],
  )

  const refusals = [
    { query: 'status=draft', headers: {}, status: 401 },
    { query: `status=draft&owner=${farm.organization.id}`, headers: {}, status: 401 },
    { query: 'status=draft', headers: farm.auth, status: 403 },
    { query: `status=draft&owner=${farm.organization.id}`, headers: seafood.auth, status: 403 },
  ]
  for (const { query, headers, status } of refusals) {
    const response = await app.inject({ method: 'GET', url: `/v1/demands?${query}`, headers })
    t.equal(response.statusCode, status, query)
    t.match(response.json().detail, /Bản nháp chỉ chủ sở hữu/)
  }
})

t.test('facets count every match, not just the page', async (t) => {
  const page = await search('limit=1')
  t.equal(page.items.length, 1)
  t.same(page.facets, {
    province: [
      { code: '37', count: 2 },
      { code: '79', count: 1 },
      { code: '92', count: 1 },
    ],
    sector: [
      { code: 'A', count: 2 },
      { code: 'C', count: 2 },
      { code: 'E', count: 1 },
      { code: 'H', count: 1 },
      { code: 'J', count: 1 },
    ],
    minTrl: [
      { code: '4', count: 1 },
      { code: '6', count: 1 },
      { code: '7', count: 1 },
    ],
    exhaustive: true,
  })
  const filtered = await search('sector=A')
  t.same(filtered.facets!.province, [{ code: '37', count: 2 }], 'facets follow the filters')
  t.same(filtered.facets!.minTrl, [
    { code: '4', count: 1 },
    { code: '6', count: 1 },
  ])
  const none = await search('facets=false')
  t.notOk('facets' in none)
})

t.test('bad queries are 400s with pointers', async (t) => {
  const cases = [
    { query: 'region=9', pointer: '#/query/region' },
    { query: 'minTrl=0', pointer: '#/query/minTrl' },
    { query: 'sector=Z', pointer: '#/query/sector/0' },
    { query: 'status=deleted', pointer: '#/query/status' },
    { query: 'sort=oldest', pointer: '#/query/sort' },
    { query: 'sort=relevance', pointer: '#/query/sort' },
    { query: 'owner=42', pointer: '#/query/owner' },
    { query: 'limit=101', pointer: '#/query/limit' },
    { query: 'budgetMin=-5', pointer: '#/query/budgetMin' },
    { query: 'budgetMin=3&budgetMax=2', pointer: '#/query/budgetMin' },
    { query: 'q=', pointer: '#/query/q' },
    { query: 'q=%20%20', pointer: '#/query/q' },
    { query: 'province=Hà%20Nội', pointer: '#/query/province/0' },
    { query: 'provice=36', pointer: '#/query/provice' },
  ]
  for (const { query, pointer } of cases) {
    const response = await app.inject({ method: 'GET', url: `/v1/demands?${query}` })
    t.equal(response.statusCode, 400, query)
    t.ok(
      response.json().errors?.some((error: { pointer: string }) => error.pointer === pointer),
      `${query}: ${response.body}`,
    )
  }
})

t.test('cursor paging visits every match once, in either sort', async (t) => {
  // Twelve more open demands, several opened at the same instant so the id must break ties.
  for (let index = 0; index < 12; index++) {
    if (index % 3 === 0) clock.set(new Date(clock.now().getTime() + 60_000))
    await fileOpenDemand(app, software.auth, { ...neutral, titleVi: `Máy đóng gói tự động loại ${index}`, provinceCode: '79', minTrl: (index % 9) + 1 })
  }
  const openCount = (await db.select({ status: demands.status }).from(demands)).filter((row) => row.status === 'open').length

  async function walk(query: string) {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: Page = await search(`${query}&limit=4${cursor ? `&cursor=${cursor}` : ''}`)
      t.ok(page.items.length <= 4)
      seen.push(...page.items.map((item) => item.id))
      cursor = page.nextCursor
      pages += 1
    } while (cursor && pages < 50)
    return seen
  }
  const newest = await walk('sort=newest')
  t.equal(newest.length, openCount, 'every open demand')
  t.equal(new Set(newest).size, newest.length, 'none twice')
  const whole = await search('limit=100')
  t.same(
    newest,
    whole.items.map((item) => item.id),
    'pages put together equal the whole list',
  )

  const relevant = await walk('q=may')
  const everything = await search('q=may&limit=100')
  t.ok(everything.items.length > 4, 'enough matches for several pages')
  t.same(
    relevant,
    everything.items.map((item) => item.id),
    'relevance pages in score order, float ranks intact',
  )
  t.equal(new Set(relevant).size, relevant.length)
  const scores = everything.items.map((item) => item.score!)
  t.same(
    scores,
    [...scores].sort((a, b) => b - a),
  )

  const first = await search('sort=newest&limit=2')
  const wrongSort = await app.inject({ method: 'GET', url: `/v1/demands?q=may&cursor=${first.nextCursor}` })
  t.equal(wrongSort.statusCode, 400, 'a newest cursor cannot page a relevance search')
  t.equal(wrongSort.json().code, 'invalid_cursor')
  const forged = Buffer.from(JSON.stringify(['newest', 'yesterday', 'x'])).toString('base64url')
  for (const cursor of ['bm9wZQ', forged, 'not base64 at all!']) {
    const response = await app.inject({ method: 'GET', url: `/v1/demands?cursor=${encodeURIComponent(cursor)}` })
    t.equal(response.statusCode, 400, cursor)
    t.equal(response.json().code, 'invalid_cursor', cursor)
  }
})

t.test('a text search in a province or region is one GIN scan of terms and place', async (t) => {
  // The province condition must be written as the term indexes hold it (a one-element array), or
  // each candidate tier ANDs a bitmap of every demand of the province: at 200k demands, 29k rows.
  // Sequential scans are turned off so the plan shows which index the conditions can use at all.
  for (const filter of [{ currentProvinceCodes: ['79'] }, { currentProvinceCodes: ['79', '01'] }, { regionProvinceCodes: ['01', '79'] }]) {
    const where = sql`${demands.searchKeyIds} && '{1,2}'::int4[] and ${placeConditions(filter)}`
    const plan = await db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`)
      const result = await tx.execute<{ 'QUERY PLAN': string }>(sql`explain select ${demands.id} from ${demands} where ${where}`)
      return result.rows.map((row) => row['QUERY PLAN']).join('\n')
    })
    t.match(plan, /Bitmap Index Scan on demands_search_(key|body)_province_idx.*\n\s+Index Cond: .*ARRAY\[current_province_code\] && /, JSON.stringify(filter))
  }
})

t.test('a filter given several times matches any of its values; different filters all apply', async (t) => {
  // Other tests add demands, so each answer is held to the union of the single-value answers.
  const idsOf = async (query: string) => (await search(`${query}&limit=100`)).items.map((item) => item.id).sort()
  const union = async (...queries: string[]) => [...new Set((await Promise.all(queries.map(idsOf))).flat())].sort()
  const cases: Array<[string, string[], Array<{ id: string }>]> = [
    ['province=36&province=94', ['province=36', 'province=94'], [dryer, wastewater, seeds]],
    ['sector=J&sector=E', ['sector=J', 'sector=E'], [warehouse, wastewater]],
    ['sector=A&sector=J&province=79', ['sector=A&province=79', 'sector=J&province=79'], [warehouse]],
    ['field=2&field=4&minTrl=9', ['field=2&minTrl=9', 'field=4&minTrl=9'], []],
  ]
  for (const [query, singles, named] of cases) {
    const found = await idsOf(query)
    t.same(found, await union(...singles), `${query} finds what ${singles.join(' or ')} find`)
    t.ok(
      named.every((demand) => found.includes(demand.id)),
      `${query}: the demands named are among them`,
    )
  }
  t.notOk((await idsOf('sector=A&sector=J&province=79')).includes(dryer.id), 'province, a second filter, narrows them')
  t.same(await idsOf('field=2&field=2'), await idsOf('field=2'), 'a value given twice is the value once')
  const text = await search('q=may say&sector=A&sector=E')
  t.ok(
    text.items.every((item) => item.id !== coffee.id),
    'a text search takes several values too, and leaves out what none of them names',
  )
})
