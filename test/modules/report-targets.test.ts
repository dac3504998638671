import { eq } from 'drizzle-orm'
import t from 'tap'
import { createApiKey } from '../../src/core/keys.ts'
import { organizations, reportTargets } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { insertListing } from '../helpers/listings.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// Plan against actual: who sets a centre's or a province's targets, and how the plan report sets
// them beside the activity report's figures.

type Plan = {
  scopeType: string
  scopeId: string
  label: string
  years: Array<{ year: number; lines: Array<{ metric: string; target: number; actual: number; attainment: number | null }>; setBy: string | null }>
}

const { app, db } = await buildTestApp(t)
const inProvince = async (member: Awaited<ReturnType<typeof createMember>>, code: string) => {
  await db.update(organizations).set({ provinceCode: code, currentProvinceCode: code }).where(eq(organizations.id, member.organization.id))
  return member
}
const centre = await inProvince(await createMember(db, { kind: 'transfer_centre', name: 'Trung tâm Ứng dụng KH&CN TP. Hồ Chí Minh' }), '79')
const hanoiCentre = await inProvince(await createMember(db, { kind: 'transfer_centre', name: 'Trung tâm Ứng dụng KH&CN Hà Nội' }), '01')
const dost = await inProvince(await createMember(db, { kind: 'authority', name: 'Sở KH&CN TP. Hồ Chí Minh', role: 'editor' }), '79')
const dostReader = await createApiKey(db, { organizationId: dost.organization.id, role: 'reader' })
const operator = await createOperator(db)
const enterprise = await inProvince(await createMember(db, { name: 'Công ty TNHH Cơ khí Thủ Đức' }), '79')

for (const instant of ['2024-03-01T02:00:00Z', '2024-09-01T02:00:00Z', '2025-01-10T02:00:00Z', '2025-05-10T02:00:00Z', '2025-11-10T02:00:00Z'])
  await insertListing(db, { ownerId: centre.organization.id, publishedAt: new Date(instant) })
await insertListing(db, { ownerId: hanoiCentre.organization.id, publishedAt: new Date('2025-06-01T02:00:00Z') })

const centreUrl = `/v1/reports/targets/organization/${centre.organization.id}`
const put = (url: string, auth: Record<string, string> | undefined, targets: Record<string, unknown>) =>
  app.inject({ method: 'PUT', url, ...(auth ? { headers: auth } : {}), payload: { targets } })

t.test("a province's DOST sets a centre's targets, and the plan sets them beside what it did", async (t) => {
  const set = await put(`${centreUrl}/2025`, dost.auth, { listingsPublished: 4, dealsStarted: 0 })
  t.equal(set.statusCode, 200, set.body)
  t.match((set.json() as Plan).years, [
    {
      year: 2025,
      lines: [
        { metric: 'listingsPublished', target: 4, actual: 3, attainment: 0.75 },
        { metric: 'dealsStarted', target: 0, actual: 0, attainment: null },
      ],
      setBy: dost.organization.id,
      updatedAt: String,
    },
  ])

  const plan = await app.inject({ method: 'GET', url: `${centreUrl}?from=2023&to=2025` })
  t.equal(plan.statusCode, 200, plan.body)
  const body = plan.json() as Plan
  t.match(body, { scopeType: 'organization', scopeId: centre.organization.id, label: 'Trung tâm Ứng dụng KH&CN TP. Hồ Chí Minh' })
  t.same(
    body.years.map((year) => [year.year, year.lines.length]),
    [
      [2023, 0],
      [2024, 0],
      [2025, 2],
    ],
    'every year of the range, those without targets too',
  )

  // A PUT replaces the year's plan: dealsStarted, left out, has no target afterwards.
  const again = await put(`${centreUrl}/2025`, dost.auth, { listingsPublished: 5 })
  t.same(
    (again.json() as Plan).years[0]!.lines.map((line) => [line.metric, line.target]),
    [['listingsPublished', 5]],
  )
  const trail = await auditTrailOf(db, `organization/${centre.organization.id}/2025`)
  t.equal(trail.length, 2)
  t.match(trail[1], {
    operation: 'report_target.set',
    targetType: 'report_target',
    actingOrganizationId: dost.organization.id,
    owningOrganizationId: centre.organization.id,
    changes: { listingsPublished: { before: 4, after: 5 }, dealsStarted: { before: 0, after: null } },
  })
  t.notOk('eventsHeld' in (trail[1]!.changes as object), 'figures that had no target and still have none are no change')
})

t.test("a province's plan counts its organisations; a legacy code names the unit it became", async (t) => {
  const set = await put('/v1/reports/targets/province/79/2025', dost.auth, { listingsPublished: 10 })
  t.equal(set.statusCode, 200, set.body)
  t.match(set.json(), { scopeType: 'province', scopeId: '79', years: [{ lines: [{ metric: 'listingsPublished', target: 10, actual: 3, attainment: 0.3 }] }] })

  const byOperator = await put('/v1/reports/targets/province/01/2025', operator.auth, { listingsPublished: 2 })
  t.equal(byOperator.statusCode, 200, byOperator.body)
  t.match(byOperator.json(), { scopeId: '01', years: [{ lines: [{ target: 2, actual: 1, attainment: 0.5 }] }] })

  // 36 (Nam Định) became part of 37 (Ninh Bình) in 2025.
  const legacy = await app.inject({ method: 'GET', url: '/v1/reports/targets/province/36?from=2025&to=2025' })
  t.equal(legacy.statusCode, 200, legacy.body)
  t.equal((legacy.json() as Plan).scopeId, '37')
})

t.test('who may set targets: the operator, and a DOST within its province', async (t) => {
  const before = await db.select().from(reportTargets)
  assertProblem(t, await put('/v1/reports/targets/province/01/2026', dost.auth, { listingsPublished: 1 }), 403, 'forbidden')
  assertProblem(t, await put(`/v1/reports/targets/organization/${hanoiCentre.organization.id}/2026`, dost.auth, { listingsPublished: 1 }), 403, 'forbidden')
  assertProblem(t, await put(`${centreUrl}/2026`, { authorization: `Bearer ${dostReader.key}` }, { listingsPublished: 1 }), 403, 'forbidden')
  assertProblem(t, await put(`${centreUrl}/2026`, centre.auth, { listingsPublished: 1 }), 403, 'forbidden')
  assertProblem(t, await put(`${centreUrl}/2026`, enterprise.auth, { listingsPublished: 1 }), 403, 'forbidden')
  assertProblem(t, await put(`${centreUrl}/2026`, undefined, { listingsPublished: 1 }), 401, 'unauthorized')
  t.same(await db.select().from(reportTargets), before, 'nothing written')
})

t.test('bad input is refused, and nothing is written', async (t) => {
  const before = await db.select().from(reportTargets)
  const unknownFigure = assertProblem(t, await put(`${centreUrl}/2026`, operator.auth, { listingsPublished: 1, visitors: 3 }), 400, 'validation_failed')
  t.ok(
    pointers(unknownFigure).some((pointer) => pointer.includes('visitors')),
    'names the unknown figure',
  )
  assertProblem(t, await put(`${centreUrl}/2026`, operator.auth, { listingsPublished: -1 }), 400, 'validation_failed')
  assertProblem(t, await put(`${centreUrl}/2026`, operator.auth, { listingsPublished: 1.5 }), 400, 'validation_failed')
  assertProblem(t, await put(`${centreUrl}/1999`, operator.auth, { listingsPublished: 1 }), 400, 'validation_failed')
  assertProblem(t, await put(`/v1/reports/targets/region/7/2026`, operator.auth, { listingsPublished: 1 }), 400, 'validation_failed')
  assertProblem(t, await put(`/v1/reports/targets/organization/not-a-uuid/2026`, operator.auth, { listingsPublished: 1 }), 400, 'validation_failed')
  assertProblem(t, await put(`/v1/reports/targets/province/${'0'.repeat(40)}/2026`, operator.auth, { listingsPublished: 1 }), 400, 'validation_failed')
  assertProblem(t, await put(`/v1/reports/targets/organization/${crypto.randomUUID()}/2026`, operator.auth, { listingsPublished: 1 }), 404, 'not_found')
  assertProblem(t, await put(`/v1/reports/targets/province/99/2026`, operator.auth, { listingsPublished: 1 }), 404, 'not_found')
  assertProblem(t, await app.inject({ method: 'GET', url: `${centreUrl}?from=2025&to=2024` }), 400, 'invalid_range')
  assertProblem(t, await app.inject({ method: 'GET', url: `${centreUrl}?from=2000&to=2040` }), 400, 'invalid_range')
  t.same(await db.select().from(reportTargets), before, 'nothing written')
})

t.test('the plan as CSV, in the language asked for', async (t) => {
  const vi = await app.inject({ method: 'GET', url: `${centreUrl}?from=2025&to=2025&format=csv` })
  t.equal(vi.statusCode, 200)
  t.match(vi.headers['content-type'], /^text\/csv/)
  t.equal(vi.headers['content-language'], 'vi')
  const [header, row] = vi.body.split('\r\n')
  t.ok(header!.startsWith('\ufeffNăm,'), 'a byte order mark, then Vietnamese titles')
  t.match(row, /^2025,listingsPublished,.+,5,3,0\.6$/)
  const en = await app.inject({ method: 'GET', url: `${centreUrl}?from=2025&to=2025&format=csv`, headers: { 'accept-language': 'en' } })
  t.ok(en.body.startsWith('\ufeffYear,Figure key,Figure,Target,Actual,Attainment'))
})
