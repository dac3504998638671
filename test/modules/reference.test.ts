import { readFileSync } from 'node:fs'
import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { assertProblem } from '../helpers/problem.ts'

const { app } = await buildTestApp(t)

type Term = { code: string; labelVi: string; labelEn: string; description?: string }
type Province = {
  code: string
  name: string
  nameEn: string
  fullName: string
  fullNameEn: string
  kind: string
  northern: boolean
  regionIds: number[]
  legacyCodes: string[]
}
type LegacyProvince = { code: string; fullName: string; regionId: number; currentCode: string; currentName: string }

// The source of truth, read independently of the module under test.
const legacyCsv = readFileSync(new URL('../../src/core/data/provinces-legacy-63.csv', import.meta.url), 'utf8')
  .trim()
  .split(/\r?\n/)
  .slice(1)
  .map((line) => line.split(','))
  .map(([code, fullName, regionId, , currentCode, currentName]) => ({ code, fullName, regionId: Number(regionId), currentCode, currentName }))

const get = async <T>(path: string) => {
  const response = await app.inject({ method: 'GET', url: `/v1/reference/${path}` })
  return { response, items: (response.json() as { items: T[] }).items }
}

t.test('the 34 provinces of 2025, each with the legacy units it absorbed', async (t) => {
  const { response, items } = await get<Province>('provinces')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['cache-control'], 'public, max-age=86400')
  t.equal(items.length, 34)
  t.equal(new Set(items.map((province) => province.code)).size, 34, 'codes are unique')
  t.equal(items.filter((province) => province.northern).length, 15, '15 units cover the former northern provinces')

  const ninhBinh = items.find((province) => province.code === '37')
  t.match(ninhBinh, { name: 'Ninh Bình', kind: 'province', legacyCodes: ['35', '36', '37'], regionIds: [3] })
  t.match(
    items.find((province) => province.code === '01'),
    { name: 'Hà Nội', nameEn: 'Hanoi', kind: 'city', legacyCodes: ['01'] },
  )

  for (const province of items) {
    const absorbed = legacyCsv.filter((legacy) => legacy.currentCode === province.code)
    t.same(
      province.legacyCodes,
      absorbed.map((legacy) => legacy.code),
      `${province.code} legacy codes`,
    )
    t.same(
      province.regionIds,
      [...new Set(absorbed.map((legacy) => legacy.regionId))].sort((a, b) => a - b),
      `${province.code} regions`,
    )
    t.ok(province.name && province.nameEn && province.fullName && province.fullNameEn, `${province.code} is named in both languages`)
  }
  const allLegacy = items.flatMap((province) => province.legacyCodes).sort()
  t.same(allLegacy, legacyCsv.map((legacy) => legacy.code).sort(), 'every legacy unit went to exactly one 2025 unit')
})

t.test('the 63 legacy provinces, each pointing to its 2025 unit', async (t) => {
  const { response, items } = await get<LegacyProvince>('legacy-provinces')
  t.equal(response.statusCode, 200)
  t.equal(response.headers['cache-control'], 'public, max-age=86400')
  t.equal(items.length, 63)
  t.same(items, legacyCsv, 'exactly the CSV')
  t.match(
    items.find((legacy) => legacy.code === '36'),
    { fullName: 'Tỉnh Nam Định', currentCode: '37', currentName: 'Ninh Bình' },
  )
  const current = new Map((await get<Province>('provinces')).items.map((province) => [province.code, province.name]))
  for (const legacy of items) t.equal(current.get(legacy.currentCode), legacy.currentName, `${legacy.code} -> ${legacy.currentCode}`)
})

t.test('the 8 regions', async (t) => {
  const { response, items } = await get<{ id: number; labelVi: string; labelEn: string }>('regions')
  t.equal(response.statusCode, 200)
  t.same(
    items.map((region) => region.id),
    [1, 2, 3, 4, 5, 6, 7, 8],
  )
  t.match(items[2], { labelVi: 'Đồng bằng sông Hồng', labelEn: 'Red River Delta' })
  t.same(new Set(legacyCsv.map((legacy) => legacy.regionId)), new Set(items.map((region) => region.id)), 'every region has legacy units')
})

t.test('every vocabulary is non-empty, with unique codes and both labels', async (t) => {
  const vocabularies = [
    'organization-kinds',
    'listing-kinds',
    'transfer-forms',
    'transfer-methods',
    'ipr-statuses',
    'price-types',
    'trl-levels',
    'science-fields',
    'sectors',
    'demand-close-reasons',
  ]
  for (const vocabulary of vocabularies) {
    const { response, items } = await get<Term>(vocabulary)
    t.equal(response.statusCode, 200, vocabulary)
    t.equal(response.headers['cache-control'], 'public, max-age=86400', `${vocabulary} is cacheable`)
    t.ok(items.length > 0, `${vocabulary} has terms`)
    t.equal(new Set(items.map((term) => term.code)).size, items.length, `${vocabulary} codes are unique`)
    for (const term of items) {
      t.ok(term.code && term.labelVi.trim() && term.labelEn.trim(), `${vocabulary}/${term.code} has vi and en labels`)
    }
  }
  const trl = await get<Term>('trl-levels')
  t.same(
    trl.items.map((term) => term.code),
    ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
  )
  const kinds = await get<Term>('organization-kinds')
  t.ok(kinds.items.some((term) => term.code === 'transfer_centre'))
})

t.test('only a successful answer is cacheable', async (t) => {
  const refused = await app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { authorization: 'Bearer not-a-key' } })
  assertProblem(t, refused, 401, 'unauthorized')
  t.not(refused.headers['cache-control'], 'public, max-age=86400', 'a 401 must not be cached by a shared proxy')
  const missing = await app.inject({ method: 'GET', url: '/v1/reference/planets' })
  assertProblem(t, missing, 404, 'route_not_found')
  t.not(missing.headers['cache-control'], 'public, max-age=86400')
})
