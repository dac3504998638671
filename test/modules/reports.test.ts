import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import type { Db } from '../../src/db/client.ts'
import * as schema from '../../src/db/schema/index.ts'
import { compactActivity } from '../../src/jobs/maintenance.ts'
import { splitPeriods } from '../../src/modules/reports/reports.repo.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createOperator, createOrganization } from '../helpers/factories.ts'
import { insertListing } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'

// Activity reports over HTTP, on facts placed in time: two Nam Định centres (one later merged into
// the other) and a Hồ Chí Minh City institute, across 2016-2020 and 2021-2025. The facts go straight
// into the database; what is under test is how the report counts, groups and compares them.

type Figures = Record<string, number> & { dealsByState: Record<string, number> }
type Report = {
  periods: Array<{ key: string; from: string; to: string }>
  groups: Array<{ key: string; label: string; values: Figures[]; total: Figures }>
  groupCount: number
  totals: { values: Figures[]; total: Figures }
  comparison: null | {
    first: string
    second: string
    totals: Record<string, { first: number; second: number; difference: number; ratio: number | null }>
    groups: Array<{ key: string }>
  }
}

const { app, db } = await buildTestApp(t)
const centre = await createOrganization(db, {
  kind: 'transfer_centre',
  name: 'Trung tâm Ứng dụng KH&CN Nam Định',
  provinceCode: '36',
  currentProvinceCode: '37',
})
const merged = await createOrganization(db, {
  kind: 'transfer_centre',
  name: 'Trung tâm Thông tin & Thống kê Nam Định',
  provinceCode: '36',
  currentProvinceCode: '37',
})
const institute = await createOrganization(db, { kind: 'research_institute', name: 'Viện Sinh học Nhiệt đới', provinceCode: '79', currentProvinceCode: '79' })
const seeker = await createOrganization(db, { name: 'Công ty Cổ phần Nông sản Hải Hậu', provinceCode: '36', currentProvinceCode: '37' })

const at = (instant: string) => new Date(instant)
async function published(db: Db, ownerId: string, instants: string[]) {
  for (const instant of instants) await insertListing(db, { ownerId, publishedAt: at(instant) })
}
await published(db, centre.id, ['2018-03-01T02:00:00Z', '2018-09-01T02:00:00Z', '2022-01-10T02:00:00Z', '2022-05-10T02:00:00Z', '2023-02-10T02:00:00Z'])
await published(db, merged.id, ['2019-04-01T02:00:00Z', '2023-04-01T02:00:00Z', '2024-04-01T02:00:00Z'])
// 00:30 on 1 January 2021 in Vietnam: still 2020 in UTC. It counts in 2021.
await published(db, institute.id, ['2020-12-31T17:30:00Z'])
await insertListing(db, { ownerId: centre.id, status: 'draft' })
await db.insert(schema.demands).values({
  ownerId: seeker.id,
  titleVi: 'Cần công nghệ bảo quản gạo',
  problemVi: 'Gạo bị mốc khi lưu kho.',
  status: 'open',
  openedAt: at('2017-06-01T02:00:00Z'),
})

const [listing] = await db
  .insert(schema.listings)
  .values({
    ownerId: centre.id,
    kind: 'technology',
    titleVi: 'Máy sấy',
    descriptionVi: 'Máy sấy.',
    status: 'published',
    publishedAt: at('2016-02-01T02:00:00Z'),
  })
  .returning()
const deal = (providerId: string, created: string, values: Partial<typeof schema.deals.$inferInsert>): typeof schema.deals.$inferInsert => ({
  listingId: listing!.id,
  providerId,
  seekerId: seeker.id,
  origin: 'interest',
  initiatedBy: 'seeker',
  state: 'interest_expressed',
  reachedState: 'interest_expressed',
  message: 'Quan tâm',
  stateChangedAt: at(created),
  createdAt: at(created),
  updatedAt: at(created),
  ...values,
})
await db
  .insert(schema.deals)
  .values([
    deal(merged.id, '2019-01-05T02:00:00Z', { state: 'completed', reachedState: 'completed', completedOn: '2019-11-20', transferValueVnd: 200_000_000 }),
    deal(centre.id, '2022-02-01T02:00:00Z', { state: 'completed', reachedState: 'completed', completedOn: '2022-06-01', transferValueVnd: 500_000_000 }),
    deal(centre.id, '2023-03-01T02:00:00Z', { state: 'cancelled', closeReason: 'no_agreement' }),
  ])
const [task] = await db
  .insert(schema.tasks)
  .values({
    title: 'Nhiệm vụ chuỗi lúa gạo',
    objectives: 'Nâng cao giá trị',
    leadId: centre.id,
    startsOn: '2021-03-01',
    endsOn: '2022-12-31',
    status: 'in_progress',
    statusChangedAt: at('2021-03-01T00:00:00Z'),
    approvedAt: at('2021-02-01T00:00:00Z'),
  })
  .returning()
await db.insert(schema.taskFunding).values([
  { taskId: task!.id, position: 0, source: 'provincial', amountVnd: 700_000_000 },
  { taskId: task!.id, position: 1, source: 'enterprise', amountVnd: 300_000_000 },
])
await db.insert(schema.tasks).values({
  title: 'Đề xuất chưa duyệt',
  objectives: 'Chưa duyệt',
  leadId: centre.id,
  startsOn: '2021-05-01',
  endsOn: '2021-12-31',
  statusChangedAt: at('2021-04-01T00:00:00Z'),
})
await db
  .update(schema.organizations)
  .set({ mergedIntoId: centre.id, mergedAt: at('2024-06-01T00:00:00Z') })
  .where(eq(schema.organizations.id, merged.id))

const twoPeriods = 'ranges=2016-01-01..2020-12-31,2021-01-01..2025-12-31'
async function report(query: string): Promise<Report> {
  const response = await app.inject({ method: 'GET', url: `/v1/reports/activity?${query}` })
  if (response.statusCode !== 200) throw new Error(`report failed: ${response.statusCode} ${response.body}`)
  return response.json() as Report
}
const byKey = (result: Report, key: string) => result.groups.find((group) => group.key === key)

t.test('2016-2020 against 2021-2025 for the whole exchange', async (t) => {
  const result = await report(twoPeriods)
  t.same(
    result.periods.map((period) => period.key),
    ['2016-01-01..2020-12-31', '2021-01-01..2025-12-31'],
  )
  const [first, second] = result.totals.values
  t.match(first, { listingsPublished: 4, demandsOpened: 1, dealsStarted: 1, completedTransfers: 1, transferValueVnd: 200_000_000, tasksStarted: 0 })
  t.match(second, {
    listingsPublished: 6,
    dealsStarted: 2,
    completedTransfers: 1,
    transferValueVnd: 500_000_000,
    tasksStarted: 1,
    taskFundingVnd: 1_000_000_000,
    tasksCompleted: 0,
  })
  t.same(second!.dealsByState, { completed: 1, cancelled: 1 }, 'deals started in the period, by their state now')
  t.same(result.comparison!.totals.listingsPublished, { first: 4, second: 6, difference: 2, ratio: 1.5 })
  t.same(result.comparison!.totals.tasksStarted, { first: 0, second: 1, difference: 1, ratio: null }, 'no ratio from nothing')
  t.equal(result.totals.total.listingsPublished, 10, 'drafts are never counted')
})

t.test("a merged centre's history counts under its successor only when asked", async (t) => {
  const apart = await report(`${twoPeriods}&groupBy=organization`)
  t.same(byKey(apart, merged.id)!.total.listingsPublished, 3)
  t.same(
    byKey(apart, centre.id)!.values.map((figures) => figures.listingsPublished),
    [3, 3],
  )
  const together = await report(`${twoPeriods}&groupBy=organization&successor=true`)
  t.notOk(byKey(together, merged.id), 'the merged centre is no group of its own')
  t.same(
    byKey(together, centre.id)!.values.map((figures) => figures.listingsPublished),
    [4, 5],
  )
  t.same(
    byKey(together, centre.id)!.values.map((figures) => figures.transferValueVnd),
    [200_000_000, 500_000_000],
  )
  t.same(
    together.groups.map((group) => group.key),
    [centre.id, institute.id, seeker.id],
    'ranked by the metric (listingsPublished)',
  )
  t.same(
    (await report(`${twoPeriods}&groupBy=organization&successor=true&organizationId=${centre.id}`)).groups.map((group) => group.key),
    [centre.id],
  )
})

t.test('by province (2025 or legacy) and by region', async (t) => {
  const current = await report('groupBy=province&period=all&from=2016-01-01&to=2025-12-31')
  t.same(
    current.groups.map((group) => [group.key, group.label, group.total.listingsPublished]),
    [
      ['37', 'Ninh Bình', 9],
      ['79', 'Hồ Chí Minh', 1],
    ],
  )
  const legacy = await report('groupBy=legacyProvince&period=all&from=2016-01-01&to=2025-12-31')
  t.same(
    legacy.groups.map((group) => [group.key, group.label]),
    [
      ['36', 'Tỉnh Nam Định'],
      ['79', 'Thành phố Hồ Chí Minh'],
    ],
  )
  const regions = await report('groupBy=region&period=all&from=2016-01-01&to=2025-12-31&metric=demandsOpened')
  t.same(
    regions.groups.map((group) => [group.key, group.label]),
    [
      ['3', 'Đồng bằng sông Hồng'],
      ['7', 'Đông Nam Bộ'],
    ],
  )
  t.same(
    (await report('groupBy=province&period=all&provinceCode=36')).groups.map((group) => group.key),
    ['37'],
    'a legacy code filters by its 2025 unit',
  )
})

t.test('calendar periods are Vietnamese dates, clipped to from and to', async (t) => {
  const years = await report('period=year&from=2020-12-01&to=2021-06-30')
  t.same(years.periods, [
    { key: '2020', from: '2020-12-01', to: '2020-12-31' },
    { key: '2021', from: '2021-01-01', to: '2021-06-30' },
  ])
  t.same(
    years.totals.values.map((figures) => figures.listingsPublished),
    [0, 1],
    '00:30 on 1 January in Vietnam is 2021',
  )
  const quarters = await report('period=quarter&from=2022-01-01&to=2022-12-31')
  t.same(
    quarters.periods.map((period) => period.key),
    ['2022-Q1', '2022-Q2', '2022-Q3', '2022-Q4'],
  )
  t.same(
    quarters.totals.values.map((figures) => figures.listingsPublished),
    [1, 1, 0, 0],
  )
  const months = await report('period=month&from=2018-02-15&to=2018-04-10')
  t.same(
    months.periods.map((period) => [period.key, period.from, period.to]),
    [
      ['2018-02', '2018-02-15', '2018-02-28'],
      ['2018-03', '2018-03-01', '2018-03-31'],
      ['2018-04', '2018-04-01', '2018-04-10'],
    ],
  )
  t.equal(months.comparison, null, 'three periods: no comparison')
})

t.test('CSV and SVG', async (t) => {
  const csv = await app.inject({ method: 'GET', url: `/v1/reports/activity?${twoPeriods}&groupBy=organization&format=csv` })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /^text\/csv/)
  t.equal(csv.headers['content-language'], 'vi')
  t.ok(csv.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'a UTF-8 byte order mark, so Excel keeps the diacritics')
  const lines = csv.body
    .replace(/^\ufeff/, '')
    .trim()
    .split('\r\n')
  t.match(lines[0], /^Mã nhóm,Nhóm,Kỳ,Từ ngày,Đến ngày,"Công nghệ, sản phẩm được chào bán",.*,Giao dịch: hoàn thành,/)
  t.notMatch(lines[0], /undefined/, 'every column has its title')
  t.equal(lines[0]!.split(',').length, lines[1]!.split(',').length + 1, 'as many titles as cells (one title holds a quoted comma)')
  t.equal(lines.length, 1 + 4 * 2, 'a line per group and period')
  const english = await app.inject({
    method: 'GET',
    url: `/v1/reports/activity?${twoPeriods}&groupBy=organization&format=csv`,
    headers: { 'accept-language': 'en' },
  })
  t.equal(english.headers['content-language'], 'en')
  t.match(english.body, /^\ufeffGroup key,Group,Period,From,To,Technologies and products offered,.*,Deals: interest expressed,/)
  t.equal(english.body.split('\r\n')[1], lines[1], 'the same figures, keys and dates')

  // The same table as an Excel workbook: read back with the library that wrote it.
  const xlsx = await app.inject({ method: 'GET', url: `/v1/reports/activity?${twoPeriods}&groupBy=organization&format=xlsx` })
  t.equal(xlsx.statusCode, 200)
  t.equal(xlsx.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  t.match(xlsx.headers['content-disposition'], /filename="activity\.xlsx"/)
  const { default: ExcelJS } = await import('exceljs')
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  const sheet = workbook.getWorksheet('Hoạt động')!
  t.equal(sheet.rowCount, 1 + 4 * 2, 'a row per group and period under the header')
  const cells = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1)
  t.same(
    cells(1),
    lines[0]!.match(/("[^"]*"|[^,]+)/g)!.map((cell) => cell.replaceAll('"', '')),
    'the CSV’s titles',
  )
  const line = lines.findIndex((text) => text.startsWith(`${merged.id},`))
  t.same(cells(line + 1).map(String), lines[line]!.split(','), 'the CSV’s cells')
  t.equal(typeof cells(line + 1)[5], 'number', 'figures are numbers, not text')
  t.ok(lines.some((line) => line.startsWith(`${merged.id},Trung tâm Thông tin & Thống kê Nam Định,2016-01-01..2020-12-31,2016-01-01,2020-12-31,1,`)))

  const svg = await app.inject({ method: 'GET', url: `/v1/reports/activity?${twoPeriods}&groupBy=organization&format=svg&metric=transferValueVnd` })
  t.equal(svg.statusCode, 200)
  t.match(svg.headers['content-type'], /^image\/svg\+xml/)
  t.match(svg.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  t.match(svg.body, /Trung tâm Thông tin &amp; Thống kê/, 'names escaped')
  t.notMatch(svg.body, /<script/i)
  t.equal((svg.body.match(/<rect x=/g) ?? []).length, 4 * 2 + 2, 'a bar per group and period, and a legend swatch per period')
  t.match(svg.body, /<title>Trung tâm Ứng dụng KH&amp;CN Nam Định, 2021–2025: 500\.000\.000<\/title>/)
  t.equal(svg.headers['cross-origin-resource-policy'], 'cross-origin', 'embeddable by a portal on another origin')

  t.notMatch(svg.body, /…/, 'no name is cut short')
  t.match(svg.body, />1\.<\/text>/, 'long names: the clusters are numbered, the key names them whole')

  const years = await app.inject({ method: 'GET', url: '/v1/reports/activity?period=year&from=2018-01-01&to=2022-12-31&format=svg' })
  t.equal((years.body.match(/<polyline /g) ?? []).length, 1, 'a time series: one line of the totals')
  t.equal((years.body.match(/<circle /g) ?? []).length, 5, 'a point per year')
  t.match(years.body, /<title>2022: 2<\/title>/)

  // Ten years by organisation: a line per organisation, each with every year (none dropped past the eighth).
  const decade = await app.inject({
    method: 'GET',
    url: '/v1/reports/activity?period=year&from=2016-01-01&to=2025-12-31&groupBy=organization&format=svg&metric=listingsPublished',
  })
  const pointCounts = [...decade.body.matchAll(/<polyline points="([^"]+)"/g)].map((match) => match[1]!.split(' ').length)
  t.ok(pointCounts.length >= 2, 'a line per organisation')
  t.same(new Set(pointCounts), new Set([10]), 'every line has all ten years')
  t.match(decade.body, />2025<\/text>/, 'the last year is on the axis')
  t.match(decade.body, /Trung tâm Thông tin &amp; Thống kê Nam Định/, 'the key names each organisation whole')
  t.notMatch(decade.body, /…/)
})

t.test('bad reports are refused with a problem', async (t) => {
  const refused = async (query: string, code: string) => assertProblem(t, await app.inject({ method: 'GET', url: `/v1/reports/activity?${query}` }), 400, code)
  await refused('ranges=2016-01-01..2020-12-31,2020-06-01..2025-12-31', 'invalid_range')
  await refused('ranges=2021-02-30..2021-03-31', 'invalid_range')
  await refused('ranges=2021-03-01..2021-02-01', 'invalid_range')
  await refused('from=2022-01-01&to=2021-01-01', 'invalid_range')
  await refused('period=month&from=1990-01-01&to=2025-12-31', 'too_many_periods')
  await refused('groupBy=province&provinceCode=98', 'unknown_province')
  await refused('groupBy=district', 'validation_failed')
  await refused('format=pdf', 'validation_failed')
})

// The roll-up and the records count the same facts in two places (the triggers of migration 0016
// and reports.repo's facts). Every month that holds a fact is asked for twice: whole, from the
// roll-up's month rows, and cut in two ranges, from the records; every such year too: whole, from
// its year row, and cut mid-month, from month rows and records.
t.test('a month or a year reads the same from the roll-up as from the records', async (t) => {
  const result = await db.execute<{ month: string }>(
    sql`select to_char(starts_on, 'YYYY-MM') as month from activity_rollup where unit = 'month' group by starts_on having sum(n) <> 0 order by 1`,
  )
  const months = result.rows.map((row) => row.month)
  t.ok(months.length >= 15, `the fixture's facts fall in ${months.length} months`)
  const figures = (groups: Report['groups']) =>
    Object.fromEntries(groups.map((group) => [group.key, group.total]).sort(([a], [b]) => String(a).localeCompare(String(b))))
  for (const year of new Set(months.map((month) => month.slice(0, 4)))) {
    const whole = await report(`groupBy=organization&period=all&from=${year}-01-01&to=${year}-12-31`)
    const cut = await report(`groupBy=organization&ranges=${year}-01-01..${year}-06-14,${year}-06-15..${year}-12-31`)
    t.same(figures(cut.groups), figures(whole.groups), year)
  }
  for (const month of months) {
    const [year, number] = month.split('-').map(Number) as [number, number]
    const last = `${month}-${String(new Date(Date.UTC(year, number, 0)).getUTCDate()).padStart(2, '0')}`
    const whole = await report(`groupBy=organization&period=all&from=${month}-01&to=${last}`)
    const cut = await report(`groupBy=organization&ranges=${month}-01..${month}-14,${month}-15..${last}`)
    t.same(figures(cut.groups), figures(whole.groups), month)
  }
})

t.test('periods split into whole years, whole months and the days left over', async (t) => {
  t.same(splitPeriods([{ from: '2016-01-01', to: '2020-12-31' }]), { years: [{ from: '2016-01-01', until: '2021-01-01' }], months: [], days: [] })
  t.same(splitPeriods([{ from: '2016-03-15', to: '2018-02-10' }]), {
    years: [{ from: '2017-01-01', until: '2018-01-01' }],
    months: [
      { from: '2016-04-01', until: '2017-01-01' },
      { from: '2018-01-01', until: '2018-02-01' },
    ],
    days: [
      { from: '2016-03-15', until: '2016-04-01' },
      { from: '2018-02-01', until: '2018-02-11' },
    ],
  })
  t.same(splitPeriods([{ from: '2024-02-03', to: '2024-02-27' }]), { years: [], months: [], days: [{ from: '2024-02-03', until: '2024-02-28' }] })
  t.same(
    splitPeriods([
      { from: '2021-01-01', to: '2021-12-31' },
      { from: '2020-12-01', to: '2020-12-31' },
    ]),
    { years: [{ from: '2021-01-01', until: '2022-01-01' }], months: [{ from: '2020-12-01', until: '2021-01-01' }], days: [] },
    'in order of time',
  )
  t.same(
    splitPeriods([
      { from: '2022-01-01', to: '2022-12-31' },
      { from: '2023-01-01', to: '2023-12-31' },
    ]).years,
    [{ from: '2022-01-01', until: '2024-01-01' }],
    'spans that meet are joined',
  )
})

t.test('the roll-up follows every change to the facts as a rebuild from the records counts them', async (t) => {
  const lab = await createOrganization(db, {
    kind: 'research_institute',
    name: 'Phòng thí nghiệm Vi sinh Thái Bình',
    provinceCode: '34',
    currentProvinceCode: '33',
  })
  const [moved, removed] = await db
    .insert(schema.listings)
    .values([
      {
        ownerId: lab.id,
        kind: 'technology',
        titleVi: 'Chế phẩm vi sinh',
        descriptionVi: 'Chế phẩm.',
        status: 'published',
        publishedAt: at('2021-07-10T02:00:00Z'),
      },
      { ownerId: lab.id, kind: 'technology', titleVi: 'Men ủ phân', descriptionVi: 'Men.', status: 'published', publishedAt: at('2021-07-11T02:00:00Z') },
    ])
    .returning()
  await db
    .update(schema.listings)
    .set({ publishedAt: at('2021-09-10T02:00:00Z') })
    .where(eq(schema.listings.id, moved!.id))
  await db.delete(schema.listings).where(eq(schema.listings.id, removed!.id))
  const [need] = await db
    .insert(schema.demands)
    .values({ ownerId: lab.id, titleVi: 'Cần máy ủ', problemVi: 'Ủ phân chậm.', status: 'open', openedAt: at('2021-08-01T02:00:00Z') })
    .returning()
  const [match] = await db
    .insert(schema.matches)
    .values({
      demandId: need!.id,
      listingId: moved!.id,
      origin: 'computed',
      score: 0.5,
      explanation: {},
      computedAt: at('2021-09-11T02:00:00Z'),
      createdAt: at('2021-09-11T02:00:00Z'),
    })
    .returning()
  await db.update(schema.matches).set({ score: 0.9 }).where(eq(schema.matches.id, match!.id))
  const [started, dropped] = await db
    .insert(schema.deals)
    .values([deal(lab.id, '2021-10-01T02:00:00Z', { seekerId: institute.id }), deal(lab.id, '2021-10-02T02:00:00Z', { seekerId: merged.id })])
    .returning()
  await db
    .update(schema.deals)
    .set({ state: 'completed', reachedState: 'completed', completedOn: '2022-01-15', transferValueVnd: 90_000_000 })
    .where(eq(schema.deals.id, started!.id))
  await db.update(schema.deals).set({ transferValueVnd: 95_000_000 }).where(eq(schema.deals.id, started!.id))
  await db.delete(schema.deals).where(eq(schema.deals.id, dropped!.id))
  const task = (title: string) => ({
    title,
    objectives: 'Thử',
    leadId: lab.id,
    startsOn: '2022-02-01',
    endsOn: '2022-12-31',
    status: 'approved' as const,
    statusChangedAt: at('2022-01-01T00:00:00Z'),
    approvedAt: at('2022-01-01T00:00:00Z'),
  })
  const [kept, gone] = await db
    .insert(schema.tasks)
    .values([task('Giữ lại'), task('Bỏ đi')])
    .returning()
  await db.insert(schema.taskFunding).values([
    { taskId: kept!.id, position: 0, source: 'state', amountVnd: 400_000_000 },
    { taskId: kept!.id, position: 1, source: 'other', amountVnd: 50_000_000 },
    { taskId: gone!.id, position: 0, source: 'state', amountVnd: 80_000_000 },
  ])
  await db.update(schema.taskFunding).set({ amountVnd: 60_000_000 }).where(eq(schema.taskFunding.position, 1))
  await db.update(schema.tasks).set({ status: 'completed', completedOn: '2022-11-30' }).where(eq(schema.tasks.id, kept!.id))
  await db.delete(schema.tasks).where(eq(schema.tasks.id, gone!.id))
  // Events: held by the lab, with participants that come and go; one moved to another year, one removed.
  const guests = await Promise.all(['Công ty Giống lúa Thái Bình', 'HTX Vũ Thư', 'Công ty Phân bón Sông Gianh'].map((name) => createOrganization(db, { name })))
  const [fair, cancelled] = await db
    .insert(schema.exchangeEvents)
    .values([
      {
        organizerId: lab.id,
        kind: 'fair',
        title: 'Chợ công nghệ Thái Bình',
        startsOn: '2021-10-05',
        endsOn: '2021-10-06',
        place: 'TP Thái Bình',
        provinceCode: '34',
        currentProvinceCode: '33',
      },
      {
        organizerId: lab.id,
        kind: 'workshop',
        title: 'Hội thảo vi sinh',
        startsOn: '2021-11-05',
        endsOn: '2021-11-05',
        place: 'TP Thái Bình',
        provinceCode: '34',
        currentProvinceCode: '33',
      },
    ])
    .returning()
  await db
    .insert(schema.exchangeEventOrganizations)
    .values([
      ...guests.map((guest) => ({ eventId: fair!.id, organizationId: guest.id, role: 'participant' })),
      { eventId: cancelled!.id, organizationId: guests[0]!.id, role: 'participant' },
    ])
  await db.delete(schema.exchangeEventOrganizations).where(eq(schema.exchangeEventOrganizations.organizationId, guests[2]!.id))
  await db.update(schema.exchangeEventOrganizations).set({ role: 'organizer' }).where(eq(schema.exchangeEventOrganizations.organizationId, guests[1]!.id))
  await db.update(schema.exchangeEvents).set({ startsOn: '2022-10-05', endsOn: '2022-10-06' }).where(eq(schema.exchangeEvents.id, fair!.id))
  await db.delete(schema.exchangeEvents).where(eq(schema.exchangeEvents.id, cancelled!.id))

  // What the roll-up says per key, however many rows the triggers appended for it.
  const rollup = async () =>
    (
      await db.execute<{ unit: string; starts_on: string; organization_id: string; metric: string; n: string; amount: string }>(sql`
        select unit, starts_on::text, organization_id::text, metric, sum(n)::text as n, sum(amount)::text as amount from activity_rollup
        group by 1, 2, 3, 4 having sum(n) <> 0 or sum(amount) <> 0 order by 1, 2, 3, 4`)
    ).rows
  const rows = async () => Number((await db.execute<{ n: string }>(sql`select count(*)::text as n from activity_rollup`)).rows[0]!.n)
  const figures = await rollup()
  const appended = await rows()
  t.ok(appended > figures.length, `the triggers appended rows (${appended} for ${figures.length} keys)`)
  await compactActivity(db)
  t.same(await rollup(), figures, 'compacting changes no figure')
  t.equal(await rows(), figures.length, 'and leaves one row per key, none that nets to zero')
  await db.execute(sql`select tx_activity_rebuild()`)
  t.same(await rollup(), figures, 'the triggers kept what a rebuild counts')

  const year = (await report(`organizationId=${lab.id}&period=year&from=2021-01-01&to=2022-12-31`)).totals.values
  t.same(
    year.map((figures) => [
      figures.listingsPublished,
      figures.demandsOpened,
      figures.matchesProposed,
      figures.dealsStarted,
      figures.completedTransfers,
      figures.transferValueVnd,
      figures.tasksStarted,
      figures.taskFundingVnd,
      figures.tasksCompleted,
      figures.eventsHeld,
      figures.eventParticipants,
    ]),
    [
      [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 1, 95_000_000, 1, 460_000_000, 1, 1, 1],
    ],
  )
  // The same events counted from the records (days a period cuts through) as from the roll-up.
  const days = (await report(`organizationId=${lab.id}&ranges=2022-09-15..2022-09-30,2022-10-02..2022-10-20`)).totals.values
  t.same(
    days.map((figures) => [figures.eventsHeld, figures.eventParticipants]),
    [
      [0, 0],
      [1, 1],
    ],
    'an event and its participants, counted from the records',
  )
  t.same(year[0]!.dealsByState, { completed: 1 }, 'a deal counts in the state it is in now')
})

// Two writers for one organisation and the same months: with one counter row per key they would
// wait on each other's rows until commit and, taking them in opposite orders, deadlock. The
// triggers append instead, so on PostgreSQL neither waits (a lock timeout would fail the test).
// Embedded PGlite runs one transaction at a time, so there the second simply follows the first.
t.test('writers for the same organisation and months never wait on the roll-up', async (t) => {
  const { pool, mode } = app.database
  const busy = await createOrganization(db, { kind: 'enterprise', name: 'Công ty Cơ khí Hải Hậu', provinceCode: '36', currentProvinceCode: '37' })
  const publish = (client: { query: (text: string, values: unknown[]) => Promise<unknown> }, instant: string) =>
    client.query(
      `insert into listings (owner_id, kind, title_vi, description_vi, status, published_at) values ($1, 'technology', 'Máy gặt', 'Máy gặt đập.', 'published', $2)`,
      [busy.id, instant],
    )
  const first = await pool.connect()
  const second = await pool.connect()
  t.teardown(() => {
    first.release()
    second.release()
  })
  const march = '2024-03-10T02:00:00Z'
  const may = '2024-05-10T02:00:00Z'
  if (mode === 'postgres') {
    for (const client of [first, second]) await client.query("begin; set local lock_timeout = '2s'")
    await publish(first, march)
    await publish(second, may)
    await publish(second, march)
    await publish(first, may)
    await first.query('commit')
    await second.query('commit')
  } else {
    await first.query('begin')
    await publish(first, march)
    await publish(first, may)
    const following = (async () => {
      await second.query('begin')
      await publish(second, may)
      await publish(second, march)
      await second.query('commit')
    })()
    await first.query('commit')
    await following
  }
  const months = (await report(`organizationId=${busy.id}&period=month&from=2024-03-01&to=2024-05-31`)).totals.values.map(
    (figures) => figures.listingsPublished,
  )
  t.same(months, [2, 0, 2], 'both writers counted')
})

t.test("a dated merge: the old centre's facts before the day it took effect count for it, those from that day on for its successor", async (t) => {
  const operator = await createOperator(db)
  const old = await createOrganization(db, { kind: 'transfer_centre', name: 'Trung tâm Ứng dụng KH&CN Hà Nam', provinceCode: '35', currentProvinceCode: '37' })
  const successor = await createOrganization(db, {
    kind: 'transfer_centre',
    name: 'Trung tâm Ứng dụng KH&CN Ninh Bình',
    provinceCode: '37',
    currentProvinceCode: '37',
  })
  // Around 15 February 2023 (Vietnam): the 14th and the 15th straddle the day, in the same month.
  await published(db, old.id, ['2022-05-10T02:00:00Z', '2023-02-14T10:00:00Z', '2023-02-14T18:00:00Z', '2023-08-01T02:00:00Z'])
  await db
    .insert(schema.deals)
    .values(deal(old.id, '2023-01-05T02:00:00Z', { state: 'completed', reachedState: 'completed', completedOn: '2023-03-01', transferValueVnd: 70_000_000 }))
  await published(db, successor.id, ['2023-06-01T02:00:00Z'])

  const future = await app.inject({
    method: 'POST',
    url: `/v1/organizations/${old.id}/merge`,
    headers: operator.auth,
    payload: { intoOrganizationId: successor.id, effectiveOn: '2099-01-01' },
  })
  assertProblem(t, future, 422, 'invalid_effective_date')
  const merge = await app.inject({
    method: 'POST',
    url: `/v1/organizations/${old.id}/merge`,
    headers: operator.auth,
    payload: { intoOrganizationId: successor.id, effectiveOn: '2023-02-15', reason: 'Hợp nhất tỉnh' },
  })
  t.equal(merge.statusCode, 200, merge.body)
  t.equal(merge.json().mergeEffectiveOn, '2023-02-15')

  const pair = `groupBy=organization&organizationId=`
  const listings = async (query: string, id: string) => (await report(`${query}&${pair}${id}`)).totals.values.map((figures) => figures.listingsPublished)
  // 18:00 UTC on the 14th is 01:00 on the 15th in Vietnam: from the day the merge took effect.
  t.same(await listings('period=year&from=2022-01-01&to=2023-12-31', old.id), [1, 1], 'before the day: the old centre')
  t.same(await listings('period=year&from=2022-01-01&to=2023-12-31', successor.id), [0, 3], 'from the day: the successor, with its own')
  t.same(await listings('period=month&from=2023-02-01&to=2023-02-28', old.id), [1], 'a month the day cuts through')
  t.same(await listings('period=month&from=2023-02-01&to=2023-02-28', successor.id), [1])
  t.same(await listings('ranges=2023-02-10..2023-02-20', successor.id), [1], 'a range the day cuts through')
  const transfers = await report(`period=year&from=2023-01-01&to=2023-12-31&${pair}${successor.id}`)
  t.match(transfers.totals.values[0], { completedTransfers: 1, transferValueVnd: 70_000_000 })
  const whole = await report(`period=year&from=2022-01-01&to=2023-12-31&successor=true&${pair}${successor.id}`)
  t.same(
    whole.totals.values.map((figures) => figures.listingsPublished),
    [1, 4],
    'successor=true: the whole history under the successor',
  )
  // The same from the roll-up as from the records: a rebuild changes nothing.
  const before = await report(`period=month&from=2022-01-01&to=2023-12-31&groupBy=organization`)
  await db.execute(sql`select tx_activity_rebuild()`)
  t.same(await report(`period=month&from=2022-01-01&to=2023-12-31&groupBy=organization`), before)
})

t.test('by sector and by S&T field: each fact under every code of its technology, the totals counting it once', async (t) => {
  const lab = await createOrganization(db, { kind: 'research_institute', name: 'Viện Nghiên cứu Rau quả', provinceCode: '01', currentProvinceCode: '01' })
  await insertListing(db, { ownerId: lab.id, sectors: ['A'], fields: ['4'], publishedAt: at('2024-03-01T02:00:00Z') })
  const twoSectors = await insertListing(db, { ownerId: lab.id, sectors: ['A', 'C'], fields: [], publishedAt: at('2024-05-01T02:00:00Z') })
  await insertListing(db, { ownerId: lab.id, sectors: [], fields: [], publishedAt: at('2024-07-01T02:00:00Z') })
  await db.insert(schema.deals).values(
    deal(lab.id, '2024-06-01T02:00:00Z', {
      listingId: twoSectors,
      state: 'completed',
      reachedState: 'completed',
      completedOn: '2024-08-01',
      transferValueVnd: 90_000_000,
    }),
  )
  await db.insert(schema.tasks).values({
    title: 'Bảo quản rau sau thu hoạch',
    objectives: 'Giảm tổn thất sau thu hoạch',
    status: 'in_progress',
    leadId: lab.id,
    startsOn: '2024-09-01',
    endsOn: '2025-08-31',
    approvedAt: at('2024-08-15T00:00:00Z'),
    statusChangedAt: at('2024-08-15T00:00:00Z'),
  })
  const year = `period=year&from=2024-01-01&to=2024-12-31&organizationId=${lab.id}`
  const bySector = await report(`${year}&groupBy=sector`)
  const figures = (result: Report, key: string) => {
    const group = byKey(result, key)
    return group
      ? [group.total.listingsPublished, group.total.dealsStarted, group.total.completedTransfers, group.total.transferValueVnd, group.total.tasksStarted]
      : undefined
  }
  t.same(figures(bySector, 'A'), [2, 1, 1, 90_000_000, 0], 'agriculture: both listings, and the deal on the one in two sectors')
  t.same(figures(bySector, 'C'), [1, 1, 1, 90_000_000, 0], 'manufacturing: the one in two sectors, and its deal')
  t.same(figures(bySector, 'none'), [1, 0, 0, 0, 1], 'unclassified: the listing without sectors, and the task')
  t.equal(byKey(bySector, 'A')!.label, 'Nông nghiệp, lâm nghiệp và thủy sản')
  const ofProvince = await report(`period=year&from=2024-01-01&to=2024-12-31&provinceCode=01&groupBy=sector`)
  t.same(figures(ofProvince, 'A'), [2, 1, 1, 90_000_000, 0], "a province's: its organisations'")
  const elsewhere = await report(`period=year&from=2024-01-01&to=2024-12-31&provinceCode=79&groupBy=sector`)
  t.notOk(figures(elsewhere, 'C'), "another province's has none of them")
  t.match(
    bySector.totals.total,
    { listingsPublished: 3, dealsStarted: 1, completedTransfers: 1, transferValueVnd: 90_000_000, tasksStarted: 1 },
    'each fact once',
  )

  const byField = await report(`${year}&groupBy=field`)
  t.same(figures(byField, '4'), [1, 0, 0, 0, 0])
  t.same(figures(byField, 'none'), [2, 1, 1, 90_000_000, 1])
  t.equal(byKey(byField, '4')!.label, 'Khoa học nông nghiệp')
  const english = await app.inject({ method: 'GET', url: `/v1/reports/activity?${year}&groupBy=field`, headers: { 'accept-language': 'en' } })
  t.equal(byKey(english.json() as Report, 'none')!.label, 'Unclassified')

  const chart = await app.inject({ method: 'GET', url: `/v1/reports/activity?${year}&groupBy=sector&format=svg` })
  t.equal(chart.statusCode, 200)
  t.match(chart.body, 'theo ngành kinh tế')
})
