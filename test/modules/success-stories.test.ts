import { asc, eq } from 'drizzle-orm'
import t from 'tap'
import { outboxEvents } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { dealSetting, driveTo, startInterest } from '../helpers/deals.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { samplePng, uploadFile } from '../helpers/files.ts'
import { publishListing } from '../helpers/matching.ts'

// A completed transfer told in public: either party drafts the story, each side approves the text
// as it stands, the second approval publishes it (in the public feed and the reports' successful
// models); an edit clears the approvals; either party may retract it.

const { app, db, provider, seeker, listing } = await dealSetting(t, {}, { sectors: ['A', 'C'] })
const stranger = await createMember(db, { name: 'Công ty TNHH Sấy Thái Bình' })
const operator = await createOperator(db)
// Nam Định (36, a legacy unit), since 2025 part of Ninh Bình (37).
await app.inject({ method: 'PATCH', url: `/v1/organizations/${seeker.organization.id}`, headers: seeker.auth, payload: { provinceCode: '36' } })

const started = await startInterest(app, seeker.auth, listing.id)
const deal = await driveTo(app, { provider: provider.auth, seeker: seeker.auth }, started.id, 'completed')

type Story = {
  id: string
  status: string
  version: number
  approvals: { provider: string | null; seeker: string | null }
  provinceCode: string | null
  year: number
  sectors: string[]
  publishedAt: string | null
  photosUrl: string
}
const draftBody = {
  dealId: deal.id,
  title: 'Máy sấy tầng sôi giúp HTX Giao Thủy giảm hao hụt sau thu hoạch',
  problem: 'Lúa phơi sân bị hao hụt 8-10% mỗi vụ do mưa trái mùa.',
  technology: 'Máy sấy lúa tầng sôi 10 tấn/mẻ của Viện Cơ điện Nông nghiệp, chuyển giao kèm đào tạo.',
  results: 'Hao hụt giảm, giá bán lúa tăng nhờ chất lượng đồng đều.',
  figures: [
    { label: 'Hao hụt sau thu hoạch', value: 2.5, unit: '%' },
    { label: 'Lúa sấy mỗi vụ', value: 1200, unit: 'tấn' },
  ],
  quotes: [{ text: 'Vụ mùa này bà con không còn lo mưa.', by: 'Chủ nhiệm HTX Giao Thủy' }],
}
const read = (id: string, auth: Record<string, string> = {}) => app.inject({ method: 'GET', url: `/v1/success-stories/${id}`, headers: auth })
const approve = (id: string, auth: Record<string, string>, etag?: string) =>
  app.inject({ method: 'POST', url: `/v1/success-stories/${id}/approve`, headers: { ...auth, ...(etag ? { 'if-match': etag } : {}) } })
const publicIds = async (query = '') =>
  ((await app.inject({ method: 'GET', url: `/v1/success-stories${query}` })).json() as { items: Story[] }).items.map((story) => story.id)
const eventsOf = async (id: string) =>
  (await db.select().from(outboxEvents).where(eq(outboxEvents.subjectId, id)).orderBy(asc(outboxEvents.id))).map((event) => event.type)

let story: Story

t.test('either party drafts the story of a completed transfer; only the parties see the draft', async (t) => {
  const created = await app.inject({ method: 'POST', url: '/v1/success-stories', headers: seeker.auth, payload: draftBody })
  t.equal(created.statusCode, 201, created.body)
  story = created.json() as Story
  t.equal(created.headers.location, `/v1/success-stories/${story.id}`)
  t.match(story, {
    status: 'draft',
    approvals: { provider: null, seeker: null },
    provinceCode: '37',
    year: 2026,
    sectors: ['A', 'C'],
    publishedAt: null,
    provider: { id: provider.organization.id },
    seeker: { id: seeker.organization.id },
    figures: [{ label: 'Hao hụt sau thu hoạch', value: 2.5, unit: '%' }, { unit: 'tấn' }],
  })
  t.equal((await read(story.id, provider.auth)).statusCode, 200, 'the other party reads the draft')
  t.equal((await read(story.id, operator.auth)).statusCode, 200)
  t.equal((await read(story.id, stranger.auth)).statusCode, 404)
  t.equal((await read(story.id)).statusCode, 404)
  t.same(await publicIds(), [], 'not listed')
  t.same(await eventsOf(story.id), ['success_story.drafted'])
  t.same(
    (await auditTrailOf(db, story.id)).map((entry) => entry.operation),
    ['success_story.create'],
  )
})

t.test('what cannot be drafted', async (t) => {
  const again = await app.inject({ method: 'POST', url: '/v1/success-stories', headers: provider.auth, payload: draftBody })
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'story_exists')
  const open = await startInterest(app, seeker.auth, (await publishListing(app, provider.auth, { titleVi: 'Chế phẩm vi sinh' })).id)
  const unfinished = await app.inject({ method: 'POST', url: '/v1/success-stories', headers: seeker.auth, payload: { ...draftBody, dealId: open.id } })
  t.equal(unfinished.statusCode, 409)
  t.equal(unfinished.json().code, 'deal_not_completed')
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/success-stories', headers: stranger.auth, payload: draftBody })).statusCode,
    404,
    'a stranger cannot tell the deal exists',
  )
  const reader = await createApiKey(db, { organizationId: seeker.organization.id, role: 'reader' })
  const byReader = await app.inject({ method: 'POST', url: '/v1/success-stories', headers: { authorization: `Bearer ${reader.key}` }, payload: draftBody })
  t.equal(byReader.statusCode, 403)
  const byOperator = await app.inject({ method: 'POST', url: '/v1/success-stories', headers: operator.auth, payload: draftBody })
  t.equal(byOperator.statusCode, 403, 'the operator is no party: it does not tell their story')
})

t.test('both sides approve the same text; an edit clears the approvals; the second approval publishes', async (t) => {
  const photo = await uploadFile(
    app,
    seeker.auth,
    { subjectType: 'success_story', subjectId: story.id, kind: 'photo' },
    { filename: 'may-say.png', bytes: await samplePng(400, 300) },
  )
  t.equal(photo.statusCode, 201, photo.body)

  const first = await approve(story.id, provider.auth, `"${story.version}"`)
  t.equal(first.statusCode, 200, first.body)
  t.ok(first.json().approvals.provider)
  t.equal(first.json().status, 'draft', 'one side is not enough')

  const edited = await app.inject({
    method: 'PATCH',
    url: `/v1/success-stories/${story.id}`,
    headers: seeker.auth,
    payload: { results: 'Hao hụt giảm còn 2,5%.' },
  })
  t.equal(edited.statusCode, 200, edited.body)
  t.same(edited.json().approvals, { provider: null, seeker: null }, 'the new text needs both again')

  const stale = await approve(story.id, provider.auth, first.headers.etag as string)
  t.equal(stale.statusCode, 412, 'approving the text read before the edit')
  t.equal((await approve(story.id, stranger.auth)).statusCode, 404)

  t.equal((await approve(story.id, provider.auth, edited.headers.etag as string)).statusCode, 200)
  const published = await approve(story.id, seeker.auth)
  t.equal(published.statusCode, 200)
  story = published.json() as Story
  t.match(story, { status: 'published', publishedAt: String })
  t.equal((await read(story.id)).statusCode, 200, 'public now')
  t.same(await eventsOf(story.id), [
    'success_story.drafted',
    'success_story.approved',
    'success_story.approved',
    'success_story.approved',
    'success_story.published',
  ])

  const feed = (await app.inject({ method: 'GET', url: '/v1/events?types=success_story.published' })).json() as {
    items: Array<{ subject: { type: string; id: string }; data: { title: string } }>
  }
  t.match(feed.items, [{ subject: { type: 'success_story', id: story.id }, data: { title: draftBody.title } }], 'in the public feed')

  const photos = await app.inject({ method: 'GET', url: story.photosUrl })
  t.equal(photos.json().items.length, 1, 'its photos are public with it')
  const late = await uploadFile(
    app,
    seeker.auth,
    { subjectType: 'success_story', subjectId: story.id, kind: 'photo' },
    { filename: 'b.png', bytes: await samplePng(40, 30) },
  )
  t.equal(late.statusCode, 409, 'photos are added while it is a draft')
  const edit = await app.inject({ method: 'PATCH', url: `/v1/success-stories/${story.id}`, headers: seeker.auth, payload: { title: 'Khác' } })
  t.equal(edit.statusCode, 409, 'a published story is not edited')
})

t.test('the public list filters by province, sector, year and organisation', async (t) => {
  t.same(await publicIds(), [story.id])
  t.same(await publicIds('?province=37'), [story.id])
  t.same(await publicIds('?province=36'), [story.id], 'a legacy code means its 2025 unit')
  t.same(await publicIds('?province=01'), [])
  t.same(await publicIds('?sector=C'), [story.id])
  t.same(await publicIds('?sector=B'), [])
  t.same(await publicIds('?year=2026'), [story.id])
  t.same(await publicIds('?year=2025'), [])
  t.same(await publicIds(`?organization=${provider.organization.id}`), [story.id])
  t.same(await publicIds(`?organization=${stranger.organization.id}`), [])
  const bad = await app.inject({ method: 'GET', url: '/v1/success-stories?province=99' })
  t.equal(bad.statusCode, 400)
})

t.test('the activity report names it among its successful models', async (t) => {
  const report = (await app.inject({ method: 'GET', url: '/v1/reports/activity?from=2026-01-01&to=2026-12-31' })).json() as {
    successfulModels: Array<{ id: string; title: string; provider: string; seeker: string; year: number }>
  }
  t.match(report.successfulModels, [
    { id: story.id, title: draftBody.title, provider: 'Viện Cơ điện Nông nghiệp', seeker: 'HTX Nông nghiệp Giao Thủy', year: 2026 },
  ])
  const before = (await app.inject({ method: 'GET', url: '/v1/reports/activity?from=2020-01-01&to=2025-12-31' })).json()
  t.same(before.successfulModels, [], 'not in the years before it')
  const ofStranger = (await app.inject({ method: 'GET', url: `/v1/reports/activity?organizationId=${stranger.organization.id}` })).json()
  t.same(ofStranger.successfulModels, [], "not another organisation's")
})

t.test('the activity summary: two periods side by side, the chart and the successful models, as JSON and a printable page', async (t) => {
  const ranges = '2021-01-01..2025-12-31,2026-01-01..2026-12-31'
  const response = await app.inject({ method: 'GET', url: `/v1/reports/summary?organizationId=${provider.organization.id}&ranges=${ranges}` })
  t.equal(response.statusCode, 200, response.body)
  const summary = response.json()
  t.match(summary, {
    scope: { type: 'organization', id: provider.organization.id, label: 'Viện Cơ điện Nông nghiệp' },
    periods: [
      { from: '2021-01-01', to: '2025-12-31' },
      { from: '2026-01-01', to: '2026-12-31' },
    ],
    chart: { metric: 'completedTransfers', groupBy: 'none' },
    successfulModels: [{ id: story.id, title: draftBody.title }],
  })
  const transfers = summary.figures.find((figure: { metric: string }) => figure.metric === 'completedTransfers')
  t.same(transfers, { metric: 'completedTransfers', title: 'Chuyển giao công nghệ hoàn thành', first: 0, second: 1, difference: 1, ratio: null })
  t.equal(summary.figures.length, 12, 'every figure of the activity report')
  const chart = await app.inject({ method: 'GET', url: summary.chart.url })
  t.equal(chart.statusCode, 200, 'the chart URL draws')
  t.match(chart.headers['content-type'], /^image\/svg\+xml/)

  const page = await app.inject({ method: 'GET', url: summary.pageUrl })
  t.equal(page.statusCode, 200, page.body)
  t.match(page.headers['content-type'], /^text\/html; charset=utf-8/)
  t.match(page.headers['content-security-policy'], /default-src 'none'/, 'nothing to load, nothing to run')
  t.match(page.body, /^<!doctype html>\n<html lang="vi">/)
  t.match(page.body, 'Giai đoạn 2021–2025 và 2026')
  t.match(
    page.body,
    /<td>Chuyển giao công nghệ hoàn thành<\/td><td class="number">0<\/td><td class="number">1<\/td><td class="number">\+1<\/td><td class="number">—<\/td>/,
  )
  t.match(page.body, '<svg xmlns="http://www.w3.org/2000/svg"')
  t.match(page.body, draftBody.title)
  t.notMatch(page.body, /<script/i)

  const english = await app.inject({ method: 'GET', url: summary.pageUrl, headers: { 'accept-language': 'en' } })
  t.match(english.body, /<html lang="en">[\s\S]*Technology transfers completed/)
  t.equal(english.headers['content-language'], 'en')

  // A province: its organisations (36, Nam Định, is now part of 37), each a cluster of the chart.
  const province = (await app.inject({ method: 'GET', url: `/v1/reports/summary?provinceCode=36&ranges=${ranges}&metric=dealsStarted` })).json()
  t.match(province, { scope: { type: 'province', id: '37', label: 'Ninh Bình' }, chart: { metric: 'dealsStarted', groupBy: 'organization' } })
  t.match(province.successfulModels, [{ id: story.id }], "the seeker's province")
  const exchange = (await app.inject({ method: 'GET', url: `/v1/reports/summary?ranges=${ranges}` })).json()
  t.match(exchange, { scope: { type: 'exchange', id: null }, chart: { groupBy: 'region' } })
  t.same(
    exchange.periods.map((period: { key: string }) => period.key),
    ranges.split(','),
  )
})

t.test('the summary page escapes what organisations wrote; bad summaries are refused', async (t) => {
  const odd = await createMember(db, { kind: 'transfer_centre', name: 'Trung tâm <script>alert(1)</script> & "Cộng sự"' })
  const page = await app.inject({ method: 'GET', url: `/v1/reports/summary?organizationId=${odd.organization.id}&format=html` })
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, /<script/i)
  t.match(page.body, 'Trung tâm &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Cộng sự&quot;')
  t.match(page.body, 'Giai đoạn 2016–2020 và 2021–2025', "the seed workshop's two periods by default")
  const unknown = await app.inject({ method: 'GET', url: `/v1/reports/summary?organizationId=${crypto.randomUUID()}` })
  t.equal(unknown.statusCode, 404)
  const three = await app.inject({ method: 'GET', url: '/v1/reports/summary?ranges=2016-01-01..2017-12-31,2018-01-01..2019-12-31,2020-01-01..2021-12-31' })
  t.equal(three.statusCode, 400, 'two periods, no more')
  const overlapping = await app.inject({ method: 'GET', url: '/v1/reports/summary?ranges=2016-01-01..2020-12-31,2020-01-01..2025-12-31' })
  t.equal(overlapping.statusCode, 400)
  t.equal(overlapping.json().code, 'invalid_range')
  const province = await app.inject({ method: 'GET', url: '/v1/reports/summary?provinceCode=99' })
  t.equal(province.statusCode, 400)
})

t.test('a party retracts it: out of view, a tombstone in the feed, room for a new draft', async (t) => {
  const retracted = await app.inject({ method: 'POST', url: `/v1/success-stories/${story.id}/retract`, headers: provider.auth })
  t.equal(retracted.statusCode, 200, retracted.body)
  t.equal(retracted.json().status, 'retracted')
  t.equal((await read(story.id)).statusCode, 404)
  t.same(await publicIds(), [])
  t.equal((await eventsOf(story.id)).at(-1), 'success_story.retracted')
  const again = await app.inject({ method: 'POST', url: `/v1/success-stories/${story.id}/retract`, headers: provider.auth })
  t.equal(again.statusCode, 409)
  const redraft = await app.inject({ method: 'POST', url: '/v1/success-stories', headers: provider.auth, payload: draftBody })
  t.equal(redraft.statusCode, 201, 'a new draft may tell it again')
})
