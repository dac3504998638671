import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { insertListing } from '../helpers/listings.ts'

// GET /v1/listings: text search, filters, visibility by status, sort orders, cursors and facets.

const { app, db, clock } = await buildTestApp(t)
// Signed with the app's own key: these cursors are genuine, only their values are wrong.
const encodeCursor = app.services.cursors.encode
const operator = await createOperator(db)
const institute = await createMember(db, { kind: 'research_institute', name: 'Viện Cây lương thực' })
const company = await createMember(db, { kind: 'enterprise', name: 'Công ty Cơ khí Nông nghiệp' })
const stranger = await createMember(db)
const A = institute.organization.id
const B = company.organization.id

// Published, valid on the test clock's day (2026-03-02), in this order of publication.
const rice = await insertListing(db, {
  ownerId: A,
  kind: 'technology',
  titleVi: 'Quy trình sản xuất lúa gạo hữu cơ',
  descriptionVi: 'Canh tác lúa không dùng phân bón hóa học.',
  trl: 7,
  sectors: ['A'],
  fields: ['4'],
  provinceCodes: ['36'],
  priceType: 'amount',
  priceVnd: 250_000_000,
  validUntil: '2026-12-31',
})
const dryer = await insertListing(db, {
  ownerId: B,
  kind: 'equipment',
  titleVi: 'Máy sấy nông sản bằng năng lượng mặt trời',
  descriptionVi: 'Sấy cà phê, hạt điều, thóc.',
  trl: 9,
  sectors: ['C'],
  fields: ['2'],
  provinceCodes: ['37', '01'],
  priceType: 'amount',
  priceVnd: 80_000_000,
})
const microbe = await insertListing(db, {
  ownerId: A,
  kind: 'product',
  titleVi: 'Chế phẩm vi sinh xử lý rơm rạ',
  descriptionVi: 'Phân hủy rơm rạ sau thu hoạch ngay trên đồng ruộng.',
  trl: 6,
  sectors: ['A'],
  fields: ['4'],
  provinceCodes: ['74'],
  priceType: 'negotiable',
})
const software = await insertListing(db, {
  ownerId: B,
  kind: 'technology',
  titleVi: 'Phần mềm quản lý trang trại thông minh',
  descriptionVi: 'Theo dõi cây trồng, vật nuôi và chi phí.',
  trl: 8,
  sectors: ['J'],
  fields: ['2'],
  provinceCodes: ['01'],
  priceType: 'on_request',
  validUntil: '2026-06-30',
})
const shrimp = await insertListing(db, {
  ownerId: B,
  kind: 'know_how',
  titleVi: 'Bí quyết nuôi tôm thẻ chân trắng mật độ cao',
  descriptionVi: 'Kỹ thuật nuôi tôm trong ao lót bạt.',
  trl: null,
  sectors: ['A'],
  fields: ['4'],
  provinceCodes: ['96'],
  keywords: ['thủy sản'],
})
// Not in the default view.
const expired = await insertListing(db, { ownerId: A, titleVi: 'Giống lúa chịu mặn', validUntil: '2026-01-31', provinceCodes: ['94'], trl: 5 })
const draftA = await insertListing(db, { ownerId: A, status: 'draft', titleVi: 'Bản nháp: lúa gạo hữu cơ vùng cao' })
const draftB = await insertListing(db, { ownerId: B, status: 'draft', titleVi: 'Bản nháp của công ty' })
const withdrawn = await insertListing(db, {
  ownerId: A,
  status: 'withdrawn',
  titleVi: 'Lúa gạo hữu cơ đã rút',
  withdrawnAt: clock.now(),
  withdrawReason: 'Rút',
})

type Page = {
  items: Array<{ id: string; status: string; score?: number } & Record<string, unknown>>
  nextCursor: string | null
  facets?: { kind?: Array<{ code: string; count: number }>; exhaustive?: boolean } & Record<string, unknown>
}

async function search(query: string, headers: Record<string, string> = {}) {
  const response = await app.inject({ method: 'GET', url: `/v1/listings?${query.replaceAll(' ', '%20')}`, headers })
  return { response, page: response.json() as Page }
}
async function ids(query: string, headers: Record<string, string> = {}) {
  const { response, page } = await search(query, headers)
  if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`)
  return page.items.map((item) => item.id)
}
const sorted = (list: string[]) => [...list].sort()

t.test('by default: published and not expired, newest first, compact items', async (t) => {
  const { response, page } = await search('')
  t.equal(response.statusCode, 200)
  t.same(
    page.items.map((item) => item.id),
    [shrimp, software, microbe, dryer, rice],
  )
  t.equal(page.nextCursor, null)
  const item = page.items.find((entry) => entry.id === rice)!
  t.same(item, {
    id: rice,
    status: 'published',
    kind: 'technology',
    titleVi: 'Quy trình sản xuất lúa gạo hữu cơ',
    titleEn: null,
    trl: 7,
    priceType: 'amount',
    priceVnd: 250_000_000,
    sectors: ['A'],
    fields: ['4'],
    provinceCodes: ['36'],
    currentProvinceCodes: ['37'],
    owner: { id: A, name: 'Viện Cây lương thực', kind: 'research_institute' },
    publishedAt: item.publishedAt,
    validUntil: '2026-12-31',
    provenance: { source: 'tech-exchange', externalId: null, globalId: `tech-exchange:listing:${rice}` },
    redacted: [],
  })
  t.notOk('score' in item, 'no score without q')
})

t.test('q: without diacritics, any case, one typo per word', async (t) => {
  for (const q of ['lua gao huu co', 'LÚA GẠO HỮU CƠ', 'lua gao huu coo', 'san xuat lua gaoo', 'quy trinh san xuat']) {
    const { response, page } = await search(`q=${encodeURIComponent(q)}`)
    t.equal(response.statusCode, 200)
    t.equal(page.items[0]?.id, rice, `"${q}" finds the rice process first`)
    t.type(page.items[0]?.score, 'number')
    const scores = page.items.map((item) => item.score!)
    t.same(
      scores,
      [...scores].sort((a, b) => b - a),
      'by relevance',
    )
    t.notOk(
      page.items.some((item) => [draftA, withdrawn, expired].includes(item.id)),
      'drafts, withdrawn and expired stay out',
    )
  }
  // Every word counts and none is required: the listing holding them all comes first.
  t.equal((await ids('q=tom the chan trang'))[0], shrimp)
  t.equal((await ids('q=thuy san'))[0], shrimp, 'keywords are searched')
  t.same(await ids(`q=${encodeURIComponent('ao lót bạt')}`), [shrimp], 'the description is searched')
  t.same(await ids('q=xyzzy%20quantum'), [])
  const operators = await search(`q=${encodeURIComponent("lua & gao | !(huu) 'co' %_")}`)
  t.equal(operators.response.statusCode, 200, 'query syntax in q is just text')
  const newest = await search('q=san&sort=newest')
  t.equal(newest.response.statusCode, 200)
  t.ok(
    newest.page.items.every((item) => typeof item.score === 'number'),
    'a score whenever q is given',
  )
  const newestIds = newest.page.items.map((item) => item.id)
  t.ok(newestIds.length >= 2)
  t.same(
    newestIds,
    (await ids('')).filter((id) => newestIds.includes(id)),
    'sort=newest orders matches by publication',
  )
  t.equal((await ids('q=may say nong san'))[0], dryer)
})

t.test('filters', async (t) => {
  t.same(await ids('kind=equipment'), [dryer])
  t.same(sorted(await ids('sector=A')), sorted([rice, microbe, shrimp]))
  t.same(sorted(await ids('field=2')), sorted([dryer, software]))
  t.same(sorted(await ids('kind=technology&sector=A')), [rice])
  t.same(sorted(await ids(`owner=${B}`)), sorted([dryer, software, shrimp]))
  t.same(sorted(await ids('trlMin=7')), sorted([rice, dryer, software]))
  t.same(sorted(await ids('trlMax=7')), sorted([rice, microbe]))
  t.same(sorted(await ids('trlMin=7&trlMax=8')), sorted([rice, software]))
  t.same(sorted(await ids('priceMin=0')), sorted([rice, dryer]), 'a price range keeps only listings with an amount')
  t.same(await ids('priceMin=100000000'), [rice])
  t.same(await ids('priceMax=100000000'), [dryer])
  t.same(await ids('priceMin=80000000&priceMax=80000000'), [dryer], 'bounds are inclusive')
})

t.test('provinces: a legacy code and its successor find the same listings; regions', async (t) => {
  const ninhBinh = sorted([rice, dryer])
  t.same(sorted(await ids('province=36')), ninhBinh, 'filed 36 Nam Định, found by 36')
  t.same(sorted(await ids('province=37')), ninhBinh, 'and by 37 Ninh Bình')
  t.same(sorted(await ids('province=35')), ninhBinh, 'and by 35 Hà Nam, merged into the same unit')
  t.same(sorted(await ids('province=79')), [microbe], 'filed 74 Bình Dương, found by 79 Hồ Chí Minh')
  t.same(sorted(await ids('province=74')), [microbe])
  t.same(sorted(await ids('province=01')), sorted([dryer, software]))
  t.same(sorted(await ids('region=3')), sorted([rice, dryer, software]), 'Red River Delta')
  t.same(sorted(await ids('region=7')), [microbe], 'South East')
  t.same(sorted(await ids('region=8')), [shrimp], 'Mekong Delta')
  t.same(await ids('region=6'), [], 'Central Highlands')
  t.same(sorted(await ids('region=3&province=01')), sorted([dryer, software]), 'both apply')
})

t.test('bad queries are 400 with a pointer', async (t) => {
  const cases = [
    { query: 'province=99', pointer: '#/query/province/0', code: 'unknown_province' },
    { query: 'province=Hanoi', pointer: '#/query/province/0' },
    { query: 'region=9', pointer: '#/query/region' },
    { query: 'trlMin=0', pointer: '#/query/trlMin' },
    { query: 'trlMin=8&trlMax=7', pointer: '#/query/trlMin' },
    { query: 'priceMin=10&priceMax=5', pointer: '#/query/priceMin' },
    { query: 'priceMin=-1', pointer: '#/query/priceMin' },
    { query: 'kind=software', pointer: '#/query/kind/0' },
    { query: 'sector=Z', pointer: '#/query/sector/0' },
    { query: 'owner=me', pointer: '#/query/owner' },
    { query: 'status=retired', pointer: '#/query/status' },
    { query: 'sort=relevance', pointer: '#/query/sort' },
    { query: 'sort=oldest', pointer: '#/query/sort' },
    { query: 'limit=101', pointer: '#/query/limit' },
    { query: `q=${'x'.repeat(201)}`, pointer: '#/query/q' },
    { query: 'q=%20%20', pointer: '#/query/q' },
    { query: 'facets=maybe', pointer: '#/query/facets' },
    { query: 'provice=36', pointer: '#/query/provice' },
  ]
  for (const { query, pointer, code } of cases) {
    const { response, page } = await search(query)
    t.equal(response.statusCode, 400, query)
    const problem = page as unknown as { code: string; errors: Array<{ pointer: string }> }
    t.ok(
      problem.errors.some((error) => error.pointer === pointer),
      `${query}: ${pointer} in ${JSON.stringify(problem.errors)}`,
    )
    if (code) t.equal(problem.code, code)
  }
})

t.test('status: anyone sees expired; drafts and withdrawn only for the owner (owner=) and the operator', async (t) => {
  const expiredPage = await search('status=expired')
  t.same(
    expiredPage.page.items.map((item) => [item.id, item.status]),
    [[expired, 'expired']],
  )
  t.same(await ids('status=published', stranger.auth), await ids(''), 'published is the default')

  t.equal((await search('status=draft')).response.statusCode, 401, 'anonymous')
  t.equal((await search('status=draft', stranger.auth)).response.statusCode, 403, 'another organisation')
  t.equal((await search(`status=draft&owner=${A}`, stranger.auth)).response.statusCode, 403, "someone else's drafts")
  t.equal((await search('status=withdrawn', institute.auth)).response.statusCode, 403, 'the owner must say owner=')
  t.equal((await search(`status=draft&owner=${B}`, institute.auth)).response.statusCode, 403)

  t.same(await ids(`status=draft&owner=${A}`, institute.auth), [draftA])
  t.same(await ids(`status=withdrawn&owner=${A}`, institute.auth), [withdrawn])
  t.same(await ids(`status=expired&owner=${A}`, institute.auth), [expired])
  t.same(sorted(await ids('status=draft', operator.auth)), sorted([draftA, draftB]), 'the operator sees every draft')
  t.same(await ids('status=withdrawn', operator.auth), [withdrawn])
  const drafts = await search(`status=draft&owner=${A}&q=lua gao huu co`, institute.auth)
  t.same(
    drafts.page.items.map((item) => item.id),
    [draftA],
    'search works on drafts too',
  )
})

t.test('expiry follows the clock', async (t) => {
  clock.set('2026-07-01T03:00:00Z')
  t.teardown(() => clock.set('2026-03-02T03:00:00Z'))
  t.same(await ids(''), [shrimp, microbe, dryer, rice], 'software was valid until 30 June')
  t.same(sorted(await ids('status=expired')), sorted([software, expired]))
})

t.test('facets count the whole filtered set', async (t) => {
  const { page } = await search('limit=1')
  t.equal(page.items.length, 1)
  t.same(page.facets, {
    kind: [
      { code: 'technology', count: 2 },
      { code: 'equipment', count: 1 },
      { code: 'know_how', count: 1 },
      { code: 'product', count: 1 },
    ],
    province: [
      { code: '01', count: 2 },
      { code: '37', count: 2 },
      { code: '79', count: 1 },
      { code: '96', count: 1 },
    ],
    trl: [
      { code: '6', count: 1 },
      { code: '7', count: 1 },
      { code: '8', count: 1 },
      { code: '9', count: 1 },
    ],
    exhaustive: true,
  })
  const second = await search(`limit=1&cursor=${page.nextCursor}`)
  t.same(second.page.facets, page.facets, 'the cursor does not change them')

  const filtered = await search('sector=A&trlMin=6')
  t.same(filtered.page.facets, {
    kind: [
      { code: 'product', count: 1 },
      { code: 'technology', count: 1 },
    ],
    province: [
      { code: '37', count: 1 },
      { code: '79', count: 1 },
    ],
    trl: [
      { code: '6', count: 1 },
      { code: '7', count: 1 },
    ],
    exhaustive: true,
  })
  const text = await search('q=lua gao huu co')
  // With q the counts cover the results (all on this one page here), not the whole catalogue.
  t.equal(text.page.items.length, new Set(text.page.items.map((item) => item.id)).size)
  t.equal(
    text.page.facets!.kind!.reduce((sum, entry) => sum + entry.count, 0),
    text.page.items.length,
  )
  t.same(text.page.facets!.exhaustive, true)
  const none = await search('q=xyzzy')
  t.same(none.page.facets, { kind: [], province: [], trl: [], exhaustive: true })
  const off = await search('facets=false')
  t.notOk('facets' in off.page, 'facets=false leaves them out')
})

t.test('cursors page through every result once, in both sort orders', async (t) => {
  // Identical titles tie on relevance, so the id tie-break and the exact rank in the cursor matter.
  for (let index = 0; index < 7; index++) {
    await insertListing(db, {
      ownerId: B,
      kind: 'equipment',
      titleVi: 'Máy gặt đập lúa liên hợp',
      descriptionVi: index % 2 ? 'Gặt lúa nhanh.' : 'Máy gặt cho ruộng lúa nhỏ.',
    })
  }
  // Drafts sort by creation time instead, to the microsecond.
  for (let index = 0; index < 3; index++) await insertListing(db, { ownerId: A, status: 'draft', titleVi: 'Bản nháp máy gặt lúa' })
  const cases: Array<[string, Record<string, string>]> = [
    ['', {}],
    ['q=lua', {}],
    ['q=may gat lua&sort=relevance', {}],
    ['q=lua&sort=newest', {}],
    ['sector=A', {}],
    ['status=draft', operator.auth],
    [`status=draft&owner=${A}&q=lua`, institute.auth],
  ]
  for (const [query, headers] of cases) {
    const all = await ids(`${query}&limit=100`, headers)
    t.ok(all.length >= 3, `${query}: ${all.length} results`)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const { response, page }: { response: { statusCode: number }; page: Page } = await search(`${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers)
      t.equal(response.statusCode, 200)
      t.ok(page.items.length <= 2)
      seen.push(...page.items.map((item) => item.id))
      cursor = page.nextCursor
      pages += 1
    } while (cursor && pages < 50)
    t.same(seen, all, `${query}: pages of 2 give the same list as one page, without repeats`)
    t.equal(new Set(seen).size, seen.length)
  }
})

t.test('a bad cursor is a 400', async (t) => {
  const { page } = await search('limit=1')
  const newestCursor = page.nextCursor!
  const cases = [
    'bm9wZQ',
    'not base64 at all!',
    encodeCursor('newest', ['2026-01-01T00:00:00.000000Z', 'not-a-uuid']),
    encodeCursor('newest', ['yesterday', rice]),
    encodeCursor('relevance', ['NaN', rice]),
    encodeCursor('newest', [1, rice]),
  ]
  for (const cursor of cases) {
    const { response, page: problem } = await search(`cursor=${encodeURIComponent(cursor)}`)
    t.equal(response.statusCode, 400, cursor)
    t.equal((problem as unknown as { code: string }).code, 'invalid_cursor')
  }
  const otherSort = await search(`q=lua&cursor=${newestCursor}`)
  t.equal(otherSort.response.statusCode, 400, 'a newest cursor does not fit a relevance sort')
})

t.test('a filter given several times matches any of its values; different filters all apply', async (t) => {
  // Other tests add listings, so each answer is held to the union of the single-value answers.
  const all = (query: string) => ids(`${query}&limit=100`)
  const union = async (...queries: string[]) => sorted([...new Set((await Promise.all(queries.map(all))).flat())])
  const cases: Array<[string, string[], string[]]> = [
    ['kind=equipment&kind=know_how', ['kind=equipment', 'kind=know_how'], [dryer, shrimp]],
    ['province=74&province=96', ['province=74', 'province=96'], [microbe, shrimp]],
    ['province=01&province=74', ['province=01', 'province=74'], [dryer, software, microbe]],
    ['sector=C&sector=J', ['sector=C', 'sector=J'], [dryer, software]],
    ['sector=A&sector=J&kind=technology', ['sector=A&kind=technology', 'sector=J&kind=technology'], [rice, software]],
    ['sector=A&province=36&province=96', ['sector=A&province=36', 'sector=A&province=96'], [rice, shrimp]],
  ]
  for (const [query, singles, named] of cases) {
    const found = await all(query)
    t.same(sorted(found), await union(...singles), `${query} finds what ${singles.join(' or ')} find`)
    t.equal(new Set(found).size, found.length, `${query}: a listing that holds two of the values is found once`)
    t.ok(
      named.every((id) => found.includes(id)),
      `${query}: the listings named are among them`,
    )
  }
  t.notOk((await all('sector=A&sector=J&kind=technology')).includes(shrimp), 'kind, a second filter, narrows them')
  t.same(await all('kind=equipment&kind=equipment'), await all('kind=equipment'), 'a value given twice is the value once')
  const text = await ids('q=lua&kind=technology&kind=product')
  t.ok(text.includes(rice), 'a text search takes several values too')
  t.notOk(text.includes(dryer), 'and leaves out the kinds not named')

  const { page } = await search('kind=equipment&kind=know_how')
  t.same(sorted((page.facets?.kind ?? []).map((facet) => facet.code)), ['equipment', 'know_how'], 'facets count the matches of every value')

  const bad = await search('province=01&province=99&province=xx')
  t.equal(bad.response.statusCode, 400)
  t.same(
    (bad.page as unknown as { errors: Array<{ pointer: string }> }).errors.map((error) => error.pointer),
    ['#/query/province/2'],
    'the value that breaks the pattern is named by its place',
  )
  const unknown = await search('province=01&province=99')
  t.same((unknown.page as unknown as { code: string; errors: Array<{ pointer: string }> }).errors, [
    { pointer: '#/query/province/1', detail: 'không phải mã tỉnh đã biết' },
  ])
  const many = await search(Array.from({ length: 11 }, () => 'sector=A').join('&'))
  t.equal(many.response.statusCode, 400, 'at most 10 values')
})
