import { count } from 'drizzle-orm'
import t from 'tap'
import * as schema from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOrganization } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { publishListing } from '../helpers/matching.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// Value chains over HTTP: a DOST describes the rice chain of its province stage by stage, links
// the technologies it has, and asks where the gaps are: the stages with no available technology,
// with matching listings elsewhere in the country and the open demands that need the same.

type Chain = {
  id: string
  version: number
  currentProvinceCode: string
  stages: Array<{ kind: string; position: number; title: string; listings: Array<{ id: string; available: boolean }>; organizations: Array<{ id: string }> }>
}
type Gaps = {
  stageCount: number
  gaps: Array<{
    stage: { kind: string; keywords: string[] }
    listings: Array<{ id: string; inProvince: boolean }>
    demands: Array<{ id: string; inProvince: boolean }>
  }>
}

const { app, db } = await buildTestApp(t)
const dost = await createMember(db, { kind: 'authority', name: 'Sở Khoa học và Công nghệ Nam Định', provinceCode: '36' })
const institute = await createMember(db, { kind: 'research_institute', name: 'Viện Cây lương thực và Cây thực phẩm' })
const cooperative = await createMember(db, { name: 'HTX Nông nghiệp Hải Hậu' })
const outsider = await createMember(db)

const seed = await publishListing(app, institute.auth, { titleVi: 'Giống lúa thuần chất lượng cao ĐS1', keywords: ['giống lúa'], provinceCodes: ['36'] })
const dryer = await publishListing(app, institute.auth, { titleVi: 'Máy sấy tầng sôi cho thóc', keywords: ['sấy thóc'], provinceCodes: ['01'] })
const withdrawn = await publishListing(app, institute.auth, { titleVi: 'Kho bảo quản thóc cũ', keywords: ['bảo quản thóc'], provinceCodes: ['36'] })
const withdrawal = await app.inject({
  method: 'POST',
  url: `/v1/listings/${withdrawn.id}/withdraw`,
  headers: institute.auth,
  payload: { reason: 'Ngừng cung cấp' },
})
if (withdrawal.statusCode !== 200) throw new Error(`withdraw failed: ${withdrawal.body}`)
const mill = await publishListing(app, institute.auth, { titleVi: 'Dây chuyền xay xát gạo đồ', keywords: ['xay xát'], provinceCodes: ['79'] })
const millDemand = await fileOpenDemand(app, cooperative.auth, { titleVi: 'Cần dây chuyền xay xát gạo', keywords: ['xay xát'], deadline: '2026-12-31' })
const draftOfOther = await createListingViaApi(app, outsider.auth, { titleVi: 'Bản nháp' })

const riceChain = (overrides: Record<string, unknown> = {}) => ({
  title: 'Chuỗi giá trị lúa gạo Nam Định',
  keyProduct: 'Lúa gạo',
  provinceCode: '36',
  stages: [
    { kind: 'inputs', title: 'Giống lúa chất lượng cao', keywords: ['giống lúa'], listingIds: [seed.id], organizationIds: [institute.organization.id] },
    { kind: 'harvest_preservation', keywords: ['sấy thóc', 'bảo quản thóc'], listingIds: [withdrawn.id] },
    { kind: 'processing', title: 'Xay xát, chế biến gạo', keywords: ['xay xát'], organizationIds: [cooperative.organization.id] },
    { kind: 'packaging_branding', title: 'Nhãn hiệu tập thể Gạo Hải Hậu', keywords: ['truy xuất nguồn gốc điện tử'] },
  ],
  ...overrides,
})

const create = (auth: Record<string, string>, body: object) => app.inject({ method: 'POST', url: '/v1/value-chains', headers: auth, payload: body })

async function rows() {
  const tables = {
    chains: schema.valueChains,
    stages: schema.valueChainStages,
    listings: schema.valueChainStageListings,
    organizations: schema.valueChainStageOrganizations,
    audit: schema.auditEvents,
  }
  const result = {} as Record<keyof typeof tables, number>
  for (const [name, table] of Object.entries(tables)) result[name as keyof typeof tables] = (await db.select({ n: count() }).from(table))[0]!.n
  return result
}

t.test('a chain is described stage by stage, and its gaps are the stages without an available technology', async (t) => {
  const response = await create(dost.auth, riceChain())
  t.equal(response.statusCode, 201, response.body)
  const chain = response.json() as Chain
  t.equal(chain.currentProvinceCode, '37', 'Nam Định (36) is part of Ninh Bình (37) since 2025')
  t.same(
    chain.stages.map((stage) => [stage.position, stage.kind, stage.title]),
    [
      [1, 'inputs', 'Giống lúa chất lượng cao'],
      [2, 'harvest_preservation', 'Thu hoạch, bảo quản'],
      [3, 'processing', 'Xay xát, chế biến gạo'],
      [4, 'packaging_branding', 'Nhãn hiệu tập thể Gạo Hải Hậu'],
    ],
    'in chain order; an untitled stage takes its label',
  )
  t.same(chain.stages[0]!.listings, [{ id: seed.id, titleVi: seed.titleVi, status: 'published', available: true }])
  t.same(
    chain.stages[1]!.listings.map((listing) => listing.available),
    [false],
    'a withdrawn listing is no available technology',
  )
  t.same((await app.inject({ method: 'GET', url: `/v1/value-chains/${chain.id}` })).json(), chain, 'public, as created')

  const gaps = (await app.inject({ method: 'GET', url: `/v1/value-chains/${chain.id}/gaps` })).json() as Gaps
  t.equal(gaps.stageCount, 4)
  t.same(
    gaps.gaps.map((gap) => gap.stage.kind),
    ['harvest_preservation', 'processing', 'packaging_branding'],
    'inputs has a technology; the others do not',
  )
  const [harvest, processing, packaging] = gaps.gaps
  t.same(
    harvest!.listings.map((listing) => [listing.id, listing.inProvince]),
    [[dryer.id, false]],
    'the dryer in Hà Nội, not the linked withdrawn store',
  )
  t.same(
    processing!.listings.map((listing) => listing.id),
    [mill.id],
    'the mill elsewhere in the country',
  )
  t.same(
    processing!.demands.map((demand) => [demand.id, demand.inProvince]),
    [[millDemand.id, true]],
    'and the cooperative that needs one',
  )
  t.same([packaging!.listings, packaging!.demands], [[], []], 'nothing anywhere for this stage')

  // Linking the dryer closes the harvest gap.
  const stages = riceChain().stages.map((stage) => (stage.kind === 'harvest_preservation' ? { ...stage, listingIds: [withdrawn.id, dryer.id] } : stage))
  const updated = await app.inject({
    method: 'PATCH',
    url: `/v1/value-chains/${chain.id}`,
    headers: { ...dost.auth, 'if-match': `"${chain.version}"` },
    payload: { stages },
  })
  t.equal(updated.statusCode, 200, updated.body)
  const after = (await app.inject({ method: 'GET', url: `/v1/value-chains/${chain.id}/gaps` })).json() as Gaps
  t.same(
    after.gaps.map((gap) => gap.stage.kind),
    ['processing', 'packaging_branding'],
  )
})

t.test('bad chains are refused whole, and only the owner changes a chain', async (t) => {
  const before = await rows()
  const outOfOrder = await create(dost.auth, riceChain({ stages: [{ kind: 'processing' }, { kind: 'inputs' }, { kind: 'inputs' }] }))
  t.same(pointers(assertProblem(t, outOfOrder, 422, 'invalid_value_chain')), ['#/stages/1/kind', '#/stages/2/kind'])
  const badLinks = await create(
    dost.auth,
    riceChain({ stages: [{ kind: 'inputs', listingIds: [draftOfOther.id], organizationIds: ['00000000-0000-4000-8000-000000000000'] }] }),
  )
  t.same(pointers(assertProblem(t, badLinks, 422, 'invalid_value_chain')), ['#/stages/0/listingIds/0', '#/stages/0/organizationIds/0'])
  const merged = await createOrganization(db, { mergedIntoId: cooperative.organization.id })
  assertProblem(t, await create(dost.auth, riceChain({ stages: [{ kind: 'inputs', organizationIds: [merged.id] }] })), 422, 'invalid_value_chain')
  assertProblem(t, await create(dost.auth, riceChain({ provinceCode: '99' })), 422, 'unknown_province')
  assertProblem(t, await create(dost.auth, riceChain({ stages: [] })), 400, 'validation_failed')
  assertProblem(t, await create(dost.auth, riceChain({ stages: [{ kind: 'marketing' }] })), 400, 'validation_failed')
  t.same(await rows(), before, 'nothing written')

  const chain = (await create(dost.auth, riceChain({ title: 'Chuỗi dê núi', keyProduct: 'Dê núi', stages: [{ kind: 'production' }] }))).json() as Chain
  assertProblem(
    t,
    await app.inject({ method: 'PATCH', url: `/v1/value-chains/${chain.id}`, headers: outsider.auth, payload: { title: 'Của tôi' } }),
    403,
    'forbidden',
  )
  assertProblem(
    t,
    await app.inject({ method: 'PATCH', url: `/v1/value-chains/${chain.id}`, headers: { ...dost.auth, 'if-match': '"9"' }, payload: { title: 'Cũ' } }),
    412,
    'precondition_failed',
  )
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/value-chains/00000000-0000-4000-8000-000000000000/gaps' }), 404, 'not_found')
})

t.test('chains are listed by province, legacy codes included', async (t) => {
  const list = async (query: string) => ((await app.inject({ method: 'GET', url: `/v1/value-chains${query}` })).json() as { items: Chain[] }).items
  const all = await list('')
  t.ok(all.length >= 2)
  t.same(
    (await list('?provinceCode=36')).map((chain) => chain.id),
    (await list('?provinceCode=37')).map((chain) => chain.id),
    'the legacy unit finds its 2025 unit',
  )
  t.same(await list('?provinceCode=01'), [])
  t.same((await list(`?ownerId=${dost.organization.id}&limit=1`)).length, 1)
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/value-chains?provinceCode=98' }), 400, 'unknown_province')
})
