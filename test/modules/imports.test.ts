import fc from 'fast-check'
import t from 'tap'
import { isDeepStrictEqual } from 'node:util'
import { and, count, eq, inArray, like, sql } from 'drizzle-orm'
import { auditEvents, delegations, demands, importErrors, imports, listings, organizations, outboxEvents } from '../../src/db/schema/index.ts'
import { requestManyMatchesVia } from '../../src/core/match-requests.ts'
import { importColumns, importKinds, foldText } from '../../src/modules/imports/imports.columns.ts'
import { csvLine, restoreFormula } from '../../src/lib/csv.ts'
import { CsvParser, parseCsv } from '../../src/modules/imports/imports.csv.ts'
import { createImportRunner, queueImportVia } from '../../src/modules/imports/imports.runner.ts'
import { recordEventsVia } from '../../src/core/outbox.ts'
import { catalogueEventsVia } from '../../src/modules/feed/feed.catalog.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { createMember, createOperator, createOrganization } from '../helpers/factories.ts'
import { insertListing } from '../helpers/listings.ts'

// Bulk imports through the API: CSV with Vietnamese headers and NDJSON, rows checked as the create
// endpoints check them, refused rows reported by line while the valid ones are kept, re-runs that
// create nothing twice, progress, resuming, permissions and the refusals of bad uploads.

// Room for a file bigger than a JSON body (BODY_LIMIT_BYTES, 1 MB), and a limit a test can pass.
const maxBytes = 1536 * 1024
const { app, db, clock } = await buildTestApp(t, { IMPORT_MAX_BYTES: String(maxBytes) })
const member = await createMember(db, { name: 'Viện Cơ điện Nông nghiệp' })
const other = await createMember(db, { name: 'Công ty TNHH Sấy Thái Bình' })
const operator = await createOperator(db)

type Auth = { authorization: string }
type ImportBody = {
  id: string
  status: string
  totalRows: number
  rowsDone: number
  rowsCreated: number
  rowsUpdated: number
  rowsUnchanged: number
  rowsFailed: number
  errors: Array<{ line: number; errors: Array<{ pointer: string; detail: string }> }>
  warnings: Array<{ line: number; id: string; possibleDuplicates: Array<{ id: string }> }>
  warningCount: number
  columns: Array<{ header: string; field: string }>
  ignoredColumns: string[]
  provinceNames: Array<{ name: string; code: string; currentCode: string; rows: number }>
  startedAt: string | null
  finishedAt: string | null
}

const upload = (auth: Auth | undefined, kind: string, payload: string | Buffer, type: string | null = 'text/csv') =>
  app.inject({ method: 'POST', url: `/v1/imports?kind=${kind}`, headers: { ...auth, ...(type ? { 'content-type': type } : {}) }, payload })

const getImport = async (auth: Auth, id: string) => (await app.inject({ method: 'GET', url: `/v1/imports/${id}`, headers: auth })).json() as ImportBody

/** Uploads a file, runs the queued jobs, and returns the import as it ended. */
async function importFile(auth: Auth, kind: string, payload: string, type = 'text/csv'): Promise<ImportBody> {
  const response = await upload(auth, kind, payload, type)
  if (response.statusCode !== 202) throw new Error(`upload: ${response.statusCode} ${response.body}`)
  await app.jobs.runPending()
  return getImport(auth, (response.json() as ImportBody).id)
}

const listingsOf = (ownerId: string) => db.select().from(listings).where(eq(listings.ownerId, ownerId)).orderBy(listings.externalId)
const countOf = async (table: typeof listings | typeof demands, ownerId: string) =>
  (await db.select({ n: count() }).from(table).where(eq(table.ownerId, ownerId)))[0]!.n

// A file as a spreadsheet saves it: BOM, CRLF, Vietnamese headers in any case and with or without
// diacritics, a multi-line quoted description, a column the import does not know.
const listingCsv = [
  '\ufeffMã,Tiêu đề,Mô tả,LOẠI,linh vuc,Tỉnh/thành,TRL,Giá (VND),Loại giá,Trạng thái,Ghi chú',
  'MS-01,Máy sấy lúa tiết kiệm năng lượng,Máy sấy tầng sôi cho hợp tác xã,Công nghệ,A; C,01;36,7,"1.500.000.000",amount,published,ưu tiên',
  'MS-02,Quy trình ủ phân hữu cơ,"Ủ phân từ rơm rạ,',
  'dùng men vi sinh bản địa",technology,A,,5,,,draft,',
  'MS-03,Thiết bị lạ,Mô tả,spaceship,A,,12,,,,',
  'MS-04,Dịch vụ kiểm định,Kiểm định máy nông nghiệp,service,,,,,amount,,',
  'MS-05,Công nghệ nuôi tôm,Nuôi tôm tuần hoàn,technology,,99,,,,,',
  ',Bí quyết chế biến nước mắm,Chượp cá cơm ủ chum,know_how,C,,,,,,',
].join('\r\n')

t.test('a CSV with Vietnamese headers: valid rows imported, the others refused with their line numbers', async (t) => {
  const response = await upload(member.auth, 'listings', listingCsv)
  t.equal(response.statusCode, 202)
  const accepted = response.json() as ImportBody
  t.equal(response.headers.location, `/v1/imports/${accepted.id}`)
  t.match(accepted, { status: 'queued', totalRows: 6, rowsDone: 0, ignoredColumns: ['Ghi chú'] })
  t.same(accepted.columns.slice(0, 5), [
    { header: 'Mã', field: 'externalId' },
    { header: 'Tiêu đề', field: 'titleVi' },
    { header: 'Mô tả', field: 'descriptionVi' },
    { header: 'LOẠI', field: 'kind' },
    { header: 'linh vuc', field: 'sectors' },
  ])
  await app.jobs.runPending()
  const ended = await getImport(member.auth, accepted.id)
  t.match(ended, { status: 'completed', totalRows: 6, rowsDone: 6, rowsCreated: 3, rowsUpdated: 0, rowsUnchanged: 0, rowsFailed: 3 })
  t.ok(ended.startedAt && ended.finishedAt, 'started and finished')
  t.same(
    ended.errors.map((row) => row.line),
    [5, 6, 7],
    'line numbers count the header and the two-line description',
  )
  t.same(ended.errors[0]!.errors.map((error) => error.pointer).sort(), ['#/kind', '#/trl'])
  t.match(ended.errors[0]!.errors.find((error) => error.pointer === '#/kind')!.detail, /must be one of technology, product/)
  t.same(ended.errors[1]!.errors, [{ pointer: '#/priceVnd', detail: 'is required when priceType is amount' }], 'the listing rules of createListing')
  t.same(ended.errors[2]!.errors, [{ pointer: '#/provinceCodes/0', detail: 'is not a known province code' }])

  const rows = await listingsOf(member.organization.id)
  t.equal(rows.length, 3)
  const dryer = rows.find((row) => row.externalId === 'MS-01')!
  t.match(dryer, { status: 'published', kind: 'technology', priceVnd: 1_500_000_000, sectors: ['A', 'C'], provinceCodes: ['01', '36'], trl: 7, source: null })
  t.ok(dryer.publishedAt, 'published')
  t.equal(dryer.currentProvinceCodes.length, 2, 'legacy codes resolved to the 2025 units')
  const compost = rows.find((row) => row.externalId === 'MS-02')!
  t.equal(compost.descriptionVi, 'Ủ phân từ rơm rạ,\r\ndùng men vi sinh bản địa', 'a quoted cell keeps its line break and comma')
  t.equal(compost.status, 'draft')
  const sauce = rows.find((row) => row.externalId?.startsWith('auto:'))!
  t.match(sauce, { kind: 'know_how', titleVi: 'Bí quyết chế biến nước mắm', status: 'draft' }, 'a row without Mã is keyed by its content')

  const matching = await db.execute(sql`select count(*)::int as n from pgboss.job where name = 'matching.compute' and data->>'id' = ${dryer.id}`)
  t.equal((matching.rows[0] as { n: number }).n, 1, 'the published listing was queued for matching, once')
  const events = await db
    .select({ type: outboxEvents.type, subjectId: outboxEvents.subjectId })
    .from(outboxEvents)
    .where(
      inArray(
        outboxEvents.subjectId,
        rows.map((row) => row.id),
      ),
    )
  t.same(events.map((event) => event.type).sort(), ['listing.created', 'listing.created', 'listing.created', 'listing.published'])
  const [completed] = await db
    .select()
    .from(outboxEvents)
    .where(and(eq(outboxEvents.type, 'import.completed'), eq(outboxEvents.subjectId, accepted.id)))
  t.match(
    completed,
    { public: false, organizationIds: [member.organization.id], payload: { status: 'completed', rowsCreated: 3, rowsFailed: 3 } },
    'the owner hears of the end',
  )
  const audit = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.targetId, accepted.id), eq(auditEvents.operation, 'listing.import')))
  t.equal(audit.length, 1, 'one audit entry for the batch')
  t.same((audit[0]!.changes.created as { after: string[] }).after.sort(), rows.map((row) => row.id).sort())
  t.same((audit[0]!.changes.failed as { after: number[] }).after, [5, 6, 7])
})

t.test('running the same file again creates nothing twice; a changed row updates its listing', async (t) => {
  const before = await listingsOf(member.organization.id)
  const eventsBefore = (await db.select({ n: count() }).from(outboxEvents).where(like(outboxEvents.type, 'listing.%')))[0]!.n
  const again = await importFile(member.auth, 'listings', listingCsv)
  t.match(again, { status: 'completed', rowsCreated: 0, rowsUpdated: 0, rowsUnchanged: 3, rowsFailed: 3 })
  t.same(await listingsOf(member.organization.id), before, 'the same listings, same versions')
  t.equal((await db.select({ n: count() }).from(outboxEvents).where(like(outboxEvents.type, 'listing.%')))[0]!.n, eventsBefore, 'no event for unchanged rows')

  const edited = listingCsv
    .replace('Quy trình ủ phân hữu cơ', 'Quy trình ủ phân hữu cơ từ rơm')
    .replace('bản địa",technology,A,,5,,,draft', 'bản địa",technology,A,,5,,,published')
  const changed = await importFile(member.auth, 'listings', edited)
  t.match(changed, { rowsCreated: 0, rowsUpdated: 1, rowsUnchanged: 2, rowsFailed: 3 })
  t.equal(await countOf(listings, member.organization.id), 3, 'still three listings')
  const compost = (await listingsOf(member.organization.id)).find((row) => row.externalId === 'MS-02')!
  t.match(compost, { titleVi: 'Quy trình ủ phân hữu cơ từ rơm', status: 'published', version: 2 })
  const types = (await db.select({ type: outboxEvents.type }).from(outboxEvents).where(eq(outboxEvents.subjectId, compost.id))).map((row) => row.type)
  t.same(types.sort(), ['listing.created', 'listing.published', 'listing.updated'])

  // A file never sends a published listing back to draft, and a withdrawn one is final.
  const dryer = (await listingsOf(member.organization.id)).find((row) => row.externalId === 'MS-01')!
  await app.inject({ method: 'POST', url: `/v1/listings/${dryer.id}/withdraw`, headers: member.auth, payload: { reason: 'Đã chuyển giao' } })
  const draftAgain = edited.replace(',amount,published,ưu tiên', ',amount,draft,').replace('Máy sấy lúa tiết kiệm năng lượng', 'Máy sấy lúa mới')
  const refused = await importFile(member.auth, 'listings', draftAgain)
  t.match(refused.errors[0], {
    line: 2,
    errors: [{ pointer: '#/externalId', detail: `names listing ${dryer.id}, which was withdrawn and can no longer change` }],
  })
  t.equal((await listingsOf(member.organization.id)).find((row) => row.id === dryer.id)!.titleVi, 'Máy sấy lúa tiết kiệm năng lượng')
  const kept = await importFile(
    member.auth,
    'listings',
    `externalId,kind,titleVi,descriptionVi,status\nMS-02,technology,Quy trình ủ phân hữu cơ từ rơm,Mô tả mới,draft\n`,
  )
  t.match(kept, { rowsUpdated: 1 })
  t.equal((await listingsOf(member.organization.id)).find((row) => row.externalId === 'MS-02')!.status, 'published', 'still published')
})

t.test('NDJSON: one object per line, bad lines refused by line number', async (t) => {
  const owner = await createMember(db)
  const lines = [
    JSON.stringify({
      externalId: 'N-1',
      kind: 'product',
      titleVi: 'Phân bón vi sinh',
      descriptionVi: 'Phân bón từ phụ phẩm',
      status: 'published',
      sectors: ['A'],
      priceType: 'on_request',
      priceVnd: 90_000_000,
    }),
    '',
    '{"externalId": "N-2", "kind": "technology", ',
    '[1, 2]',
    JSON.stringify({ externalId: 'N-3', kind: 'technology', titleVi: 'Tiêu đề', descriptionVi: 'Mô tả', colour: 'blue', status: 'archived' }),
    JSON.stringify({ externalId: 'N-4', kind: 'technology', titleVi: 'Có ký tự \u0000', descriptionVi: 'Mô tả' }),
    JSON.stringify({
      kind: 'service',
      titleVi: 'Tư vấn chuyển đổi số',
      descriptionVi: 'Cho hợp tác xã',
      id: '00000000-0000-4000-8000-000000000000',
      owner: { name: 'bỏ qua' },
    }),
  ].join('\n')
  const ended = await importFile(owner.auth, 'listings', `${lines}\n`, 'application/x-ndjson')
  t.match(ended, { totalRows: 6, rowsCreated: 2, rowsFailed: 4 })
  t.same(
    ended.errors.map((row) => [row.line, row.errors.map((error) => error.pointer)]),
    [
      [3, ['#']],
      [4, ['#']],
      [5, ['#/status']],
      [6, ['#/titleVi']],
    ],
  )
  t.match(ended.errors[0]!.errors[0]!.detail, /not valid JSON/)
  const rows = await listingsOf(owner.organization.id)
  t.same(rows.map((row) => row.titleVi).sort(), ['Phân bón vi sinh', 'Tư vấn chuyển đổi số'], 'id and owner of an export are skipped')
  t.match(
    rows.find((row) => row.externalId === 'N-1'),
    { priceType: 'on_request', priceVnd: 90_000_000, status: 'published' },
  )

  const unknown = await importFile(
    owner.auth,
    'listings',
    `${JSON.stringify({ kind: 'technology', titleVi: 'X', descriptionVi: 'Y', colour: 'blue' })}\n`,
    'application/x-ndjson',
  )
  t.same(unknown.errors[0]!.errors, [{ pointer: '#/colour', detail: 'is not a known field' }])
})

t.test('near-duplicates of listings already on the exchange are warnings, not refusals', async (t) => {
  const owner = await createMember(db)
  await insertListing(db, { ownerId: other.organization.id, titleVi: 'Hệ thống tưới nhỏ giọt thông minh cho cây ăn quả', descriptionVi: 'Tưới tiết kiệm nước' })
  const csv =
    'kind,titleVi,descriptionVi\ntechnology,Hệ thống tưới nhỏ giọt thông minh cho cây ăn trái,Tưới tiết kiệm nước\ntechnology,Robot hái chè,Hái chè búp\n'
  const ended = await importFile(owner.auth, 'listings', csv)
  t.match(ended, { rowsCreated: 2, rowsFailed: 0, warningCount: 1 })
  t.equal(ended.warnings[0]!.line, 2)
  t.equal(ended.warnings[0]!.possibleDuplicates.length, 1)
})

t.test('progress is visible between batches, and an interrupted import resumes where it stopped', async (t) => {
  const owner = await createMember(db)
  // A runner of its own with batches of two rows, to stop it after the first as a crash would.
  const runner = createImportRunner({
    db,
    clock,
    recordEvents: recordEventsVia(app.jobs),
    catalogueEvents: catalogueEventsVia('tech-exchange').catalogueEvents,
    requestMatches: requestManyMatchesVia(app.jobs),
    queueImport: queueImportVia(app.jobs),
    exchangeId: 'tech-exchange',
    batchSize: 2,
  })
  const rows = Array.from({ length: 5 }, (_, index) => `R-${index + 1},technology,Công nghệ số ${index + 1},Mô tả ${index + 1}`)
  const csv = `externalId,kind,titleVi,descriptionVi\n${rows.join('\n')}\n`
  const accepted = (await upload(owner.auth, 'listings', csv)).json() as ImportBody
  await runner.run(accepted.id, { maxBatches: 1 })
  const midway = await getImport(owner.auth, accepted.id)
  t.match(midway, { status: 'running', totalRows: 5, rowsDone: 2, rowsCreated: 2, finishedAt: null })
  t.ok(midway.startedAt)
  t.equal(await countOf(listings, owner.organization.id), 2, 'the first batch is written')

  // The queued job runs it again from rowsDone.
  await app.jobs.runPending()
  t.match(await getImport(owner.auth, accepted.id), { status: 'completed', rowsDone: 5, rowsCreated: 5, rowsFailed: 0 })
  t.equal(await countOf(listings, owner.organization.id), 5, 'nothing written twice')

  // A crash that left rows_done in the middle: the rows before it are not read again.
  const second = (await upload(owner.auth, 'listings', csv.replaceAll('R-', 'S-'))).json() as ImportBody
  await db.update(imports).set({ status: 'running', rowsDone: 3 }).where(eq(imports.id, second.id))
  await app.jobs.runPending()
  t.match(await getImport(owner.auth, second.id), { status: 'completed', rowsDone: 5, rowsCreated: 2 })
  t.same(
    (await listingsOf(owner.organization.id)).filter((row) => row.externalId!.startsWith('S-')).map((row) => row.externalId),
    ['S-4', 'S-5'],
  )

  // Two runners of one import at once (pg-boss retrying a job that outlived its expiry) take turns.
  const third = (await upload(owner.auth, 'listings', csv.replaceAll('R-', 'T-'))).json() as ImportBody
  await Promise.all([runner.run(third.id), runner.run(third.id)])
  t.match(await getImport(owner.auth, third.id), { status: 'completed', rowsDone: 5, rowsCreated: 5 })
  t.equal((await listingsOf(owner.organization.id)).filter((row) => row.externalId!.startsWith('T-')).length, 5)
  await app.jobs.runPending()
})

t.test('a file larger than a JSON body (1 MB) is accepted and read in batches; IMPORT_MAX_BYTES bounds it (413)', async (t) => {
  const owner = await createMember(db)
  const description = 'Quy trình sản xuất chế phẩm sinh học từ phụ phẩm nông nghiệp, '.repeat(12)
  // One row in a hundred is valid; the others give the TRL in words, so most of the file is refused rows.
  const rows = Array.from(
    { length: 1200 },
    (_, index) => `B-${index},technology,Chế phẩm mẫu ${index},"${description}${index}",${index % 100 === 0 ? 6 : 'sáu'}`,
  )
  const csv = `externalId,kind,titleVi,descriptionVi,trl\n${rows.join('\n')}\n`
  t.ok(Buffer.byteLength(csv) > 1024 * 1024 && Buffer.byteLength(csv) < maxBytes, `${Buffer.byteLength(csv)} bytes`)
  const ended = await importFile(owner.auth, 'listings', csv)
  t.match(ended, { status: 'completed', totalRows: 1200, rowsDone: 1200, rowsCreated: 12, rowsFailed: 1188 })
  t.equal(ended.errors.length, 100, 'the first 100 refused rows')
  t.same(ended.errors[0], { line: 3, errors: [{ pointer: '#/trl', detail: 'must be integer or null' }] })
  t.equal(await countOf(listings, owner.organization.id), 12)
  // Batches start small and grow as long as they stay within their time budget, up to 500 rows.
  const batches = await db
    .select({ changes: auditEvents.changes })
    .from(auditEvents)
    .where(and(eq(auditEvents.targetId, ended.id), eq(auditEvents.operation, 'listing.import')))
    .orderBy(auditEvents.id)
  const sizes = batches.map((batch) => {
    const [first, last] = (batch.changes as { lines: { after: [number, number] } }).lines.after
    return last - first + 1
  })
  t.equal(sizes[0], 25, 'a first batch of 25 rows')
  t.ok(
    sizes.every((size, index) => size <= 500 && (index === 0 || size <= 2 * sizes[index - 1]!)),
    `then at most twice the last, at most 500: ${sizes.join(', ')}`,
  )
  t.equal(
    sizes.reduce((sum, size) => sum + size, 0),
    1200,
  )

  const tooBig = await upload(owner.auth, 'listings', csv + csv.slice(0, maxBytes - Buffer.byteLength(csv) + 10))
  t.equal(tooBig.statusCode, 413)
  t.equal((tooBig.json() as { code: string }).code, 'body_too_large')
})

t.test('demands: Vietnamese headers, open status, the rules of createDemand', async (t) => {
  const enterprise = await createMember(db)
  const csv = [
    'Mã;Tiêu đề;Vấn đề;Lĩnh vực;Ngân sách tối thiểu (VND);Ngân sách tối đa (VND);Hạn chót;Tỉnh/thành;Trạng thái',
    'D-1;Cần máy sấy lúa;Lúa bị ẩm sau thu hoạch;A;500.000.000;2.000.000.000;30/06/2026;36;Mở',
    'D-2;Cần dây chuyền đóng gói;Đóng gói thủ công chậm;C;3.000.000.000;1.000.000.000;;01;draft',
    'D-3;Cần xử lý nước thải;Nước thải chăn nuôi;E;;;01/01/2026;01;open',
  ].join('\n')
  const ended = await importFile(enterprise.auth, 'demands', csv)
  t.match(ended, { rowsCreated: 1, rowsFailed: 2 })
  t.same(
    ended.errors.map((row) => [row.line, row.errors[0]!.pointer]),
    [
      [3, '#/budgetMinVnd'],
      [4, '#/deadline'],
    ],
  )
  const [demand] = await db.select().from(demands).where(eq(demands.ownerId, enterprise.organization.id))
  t.match(demand, { externalId: 'D-1', status: 'open', deadline: '2026-06-30', budgetMinVnd: 500_000_000, provinceCode: '36' })
  t.ok(demand!.openedAt)
  const types = (await db.select({ type: outboxEvents.type }).from(outboxEvents).where(eq(outboxEvents.subjectId, demand!.id))).map((row) => row.type)
  t.same(types.sort(), ['demand.created', 'demand.opened'])
  t.match(await importFile(enterprise.auth, 'demands', csv), { rowsCreated: 0, rowsUnchanged: 1, rowsFailed: 2 }, 'a re-run changes nothing')

  // Only enterprises file demands; a connection point files for the members that delegated to it.
  const point = await createMember(db, { kind: 'connection_point' })
  await db
    .insert(delegations)
    .values({ agentOrganizationId: point.organization.id, memberOrganizationId: enterprise.organization.id, status: 'active', origin: 'onboarding' })
  const forMember = `titleVi,problemVi,ownerId\nCần máy gặt,Thiếu nhân công,${enterprise.organization.id}\nCần máy cấy,Thiếu nhân công,\nCần máy cày,Thiếu nhân công,${other.organization.id}\n`
  const filed = await importFile(point.auth, 'demands', forMember)
  t.match(filed, { rowsCreated: 1, rowsFailed: 2 })
  t.match(filed.errors[0], { line: 3, errors: [{ pointer: '#', detail: /Only enterprises file demand requests/ }] })
  t.match(filed.errors[1], { line: 4, errors: [{ pointer: '#/ownerId' }] })
  t.equal(await countOf(demands, enterprise.organization.id), 2)
})

t.test('organisations: the operator imports the registry; updates by Mã; what the database would refuse is a row error', async (t) => {
  const parent = await createOrganization(db, { kind: 'authority', name: 'Sở KH&CN Hà Nội' })
  await createOrganization(db, { kind: 'enterprise', name: 'Công ty có MST', taxCode: '0101234567' })
  const csv = [
    'Mã,Loại hình,Tên tổ chức,Mã số thuế,Đơn vị chủ quản,Tỉnh/thành,Thư điện tử',
    `ORG-1,Trung tâm ứng dụng và chuyển giao công nghệ,Trung tâm Ứng dụng KH&CN Hà Nội,,${parent.id},01,ttud@example.vn`,
    'ORG-2,enterprise,Công ty Cơ khí Đông Anh,0109999999,,01,',
    'ORG-3,enterprise,Công ty trùng MST,0101234567,,01,',
    'ORG-4,university,Trường Đại học mẫu,,00000000-0000-4000-8000-000000000000,01,',
    'ORG-5,enterprise,Công ty trùng MST trong tệp,0109999999,,01,',
  ].join('\n')
  const ended = await importFile(operator.auth, 'organizations', csv)
  t.match(ended, { rowsCreated: 2, rowsFailed: 3 })
  t.same(
    ended.errors.map((row) => [row.line, row.errors[0]!.pointer]),
    [
      [4, '#/taxCode'],
      [5, '#/parentId'],
      [6, '#/taxCode'],
    ],
  )
  const centre = (await db.select().from(organizations).where(eq(organizations.externalId, 'ORG-1')))[0]!
  t.match(centre, { kind: 'transfer_centre', parentId: parent.id, email: 'ttud@example.vn', currentProvinceCode: '01' })

  const renamed = csv
    .replace('Công ty Cơ khí Đông Anh', 'Công ty Cổ phần Cơ khí Đông Anh')
    .replace('ORG-1,Trung tâm ứng dụng và chuyển giao công nghệ', 'ORG-1,enterprise')
  const again = await importFile(operator.auth, 'organizations', renamed)
  t.match(again, { rowsCreated: 0, rowsUpdated: 1, rowsFailed: 4 })
  t.same(again.errors[0], { line: 2, errors: [{ pointer: '#/kind', detail: 'cannot change: the organisation is a transfer_centre' }] })
  t.equal((await db.select().from(organizations).where(eq(organizations.externalId, 'ORG-2')))[0]!.name, 'Công ty Cổ phần Cơ khí Đông Anh')
  t.equal((await db.select({ n: count() }).from(organizations).where(like(organizations.externalId, 'ORG-%')))[0]!.n, 2, 'no organisation twice')
  const types = await db.select({ type: outboxEvents.type }).from(outboxEvents).where(like(outboxEvents.type, 'organization.%'))
  t.same(types.map((row) => row.type).sort(), ['organization.created', 'organization.created', 'organization.updated'])
})

t.test('a province column takes names as a spreadsheet has them, legacy or 2025, with or without diacritics', async (t) => {
  const centre = await createMember(db, { kind: 'transfer_centre', name: 'Trung tâm Ứng dụng KH&CN Nam Định' })
  const listingFile = [
    'Mã,Tiêu đề,Mô tả,Loại,Tỉnh/thành',
    'TN-1,Máy sấy nông sản,Sấy lúa và ngô,technology,Nam Định; TP. Hồ Chí Minh; tinh thai binh; Hanoi; 46',
    'TN-2,Lò đốt trấu,Đốt trấu lấy nhiệt,technology,Nam Định City',
  ].join('\n')
  const listed = await importFile(centre.auth, 'listings', listingFile)
  t.match(listed, { rowsCreated: 1, rowsFailed: 1 })
  t.same(
    listed.errors[0]!.errors,
    [{ pointer: '#/provinceCodes/0', detail: 'is not a province code or name (see /v1/reference/provinces)' }],
    'a name it does not know is refused, by its position',
  )
  const [dryer] = await listingsOf(centre.organization.id)
  t.same(dryer!.provinceCodes, ['36', '79', '34', '01', '46'], 'legacy names keep their legacy codes, as codes would')
  t.same(dryer!.currentProvinceCodes, ['37', '79', '33', '01', '46'])
  t.same(
    listed.provinceNames,
    [
      { name: 'Nam Định', code: '36', currentCode: '37', rows: 1 },
      { name: 'TP. Hồ Chí Minh', code: '79', currentCode: '79', rows: 1 },
      { name: 'tinh thai binh', code: '34', currentCode: '33', rows: 1 },
      { name: 'Hanoi', code: '01', currentCode: '01', rows: 1 },
    ],
    'the import says which code each name was read as; a code (46) and a name it does not know are not listed',
  )
  const uploaded = await upload(
    centre.auth,
    'listings',
    `Mã,Tiêu đề,Mô tả,Loại,Tỉnh/thành\nTN-3,Máy A,Mô tả,technology,Nam Định\nTN-4,Máy B,Mô tả,technology,nam dinh; 36\n`,
  )
  t.equal(uploaded.statusCode, 202)
  t.same(
    uploaded.json().provinceNames,
    [
      { name: 'Nam Định', code: '36', currentCode: '37', rows: 1 },
      { name: 'nam dinh', code: '36', currentCode: '37', rows: 1 },
    ],
    'known at upload, before the job runs: each spelling once, with its rows',
  )

  const enterprise = await createMember(db, { name: 'Công ty TNHH Dệt Nam Định' })
  const demanded = await importFile(enterprise.auth, 'demands', 'Tiêu đề,Vấn đề,Tỉnh/thành\nCần máy nhuộm,Nhuộm vải tốn nước,Tỉnh Nam Định\n')
  t.match(demanded, { rowsCreated: 1, provinceNames: [{ name: 'Tỉnh Nam Định', code: '36', currentCode: '37', rows: 1 }] })
  t.match((await db.select().from(demands).where(eq(demands.ownerId, enterprise.organization.id)))[0], { provinceCode: '36', currentProvinceCode: '37' })

  const registered = await importFile(operator.auth, 'organizations', 'Loại hình,Tên tổ chức,Tỉnh/thành\nenterprise,Công ty Cơ khí Huế,Thành phố Huế\n')
  t.match(registered, { rowsCreated: 1 })
  t.match((await db.select().from(organizations).where(eq(organizations.name, 'Công ty Cơ khí Huế')))[0], { provinceCode: '46', currentProvinceCode: '46' })
})

t.test('who may import, and who may read an import', async (t) => {
  const csv = 'kind,titleVi,descriptionVi\ntechnology,Công nghệ A,Mô tả A\n'
  const reader = await createApiKey(db, { organizationId: member.organization.id, role: 'reader' })
  const readerAuth = { authorization: `Bearer ${reader.key}` }
  t.equal((await upload(undefined, 'listings', csv)).statusCode, 401)
  t.equal((await upload(readerAuth, 'listings', csv)).statusCode, 403)
  t.equal((await upload(member.auth, 'organizations', 'kind,name\nenterprise,A\n')).statusCode, 403, 'organisations: operator keys only')
  const merged = await createMember(db)
  await db.update(organizations).set({ mergedIntoId: member.organization.id }).where(eq(organizations.id, merged.organization.id))
  t.equal((await upload(merged.auth, 'listings', csv)).statusCode, 409, 'a merged organisation imports nothing')

  // An hour later than the imports before it: the list is newest first.
  clock.set('2026-03-02T04:00:00Z')
  const accepted = (await upload(member.auth, 'listings', csv)).json() as ImportBody
  const read = (auth: Auth | undefined, url = `/v1/imports/${accepted.id}`) => app.inject({ method: 'GET', url, headers: auth })
  t.equal((await read(readerAuth)).statusCode, 200, 'any key of the importing organisation')
  t.equal((await read(operator.auth)).statusCode, 200, 'the operator')
  t.equal((await read(other.auth)).statusCode, 404, 'another organisation cannot tell it exists')
  t.equal((await read(other.auth, `/v1/imports/${accepted.id}/errors`)).statusCode, 404)
  t.equal((await read(undefined)).statusCode, 401)
  const point = await createMember(db, { kind: 'connection_point' })
  t.equal((await read(point.auth)).statusCode, 404)
  await db
    .insert(delegations)
    .values({ agentOrganizationId: point.organization.id, memberOrganizationId: member.organization.id, status: 'active', origin: 'onboarding' })
  t.equal((await read(point.auth)).statusCode, 200, 'a delegate of the importing organisation')

  const mine = (await read(member.auth, '/v1/imports?limit=2')).json() as { items: ImportBody[]; nextCursor: string | null }
  t.equal(mine.items[0]!.id, accepted.id, 'newest first')
  t.ok(mine.nextCursor)
  const next = (await read(member.auth, `/v1/imports?limit=2&cursor=${mine.nextCursor}`)).json() as { items: ImportBody[] }
  t.notOk(
    next.items.some((item) => mine.items.some((seen) => seen.id === item.id)),
    'the next page goes on',
  )
  t.same(((await read(other.auth, '/v1/imports')).json() as { items: unknown[] }).items, [], "another organisation's list is its own")
  t.equal((await read(other.auth, `/v1/imports?organizationId=${member.organization.id}`)).statusCode, 403)
  t.equal((await read(point.auth, `/v1/imports?organizationId=${member.organization.id}`)).statusCode, 200)
  await app.jobs.runPending()
})

t.test("an import's refused rows, a page at a time", async (t) => {
  const rows = Array.from({ length: 5 }, (_, index) => `technology,,Mô tả ${index}`)
  const ended = await importFile(member.auth, 'listings', `kind,titleVi,descriptionVi\n${rows.join('\n')}\n`)
  t.equal(ended.rowsFailed, 5)
  const first = (await app.inject({ method: 'GET', url: `/v1/imports/${ended.id}/errors?limit=2`, headers: member.auth })).json() as {
    items: Array<{ line: number }>
    nextCursor: string
  }
  t.same(
    first.items.map((row) => row.line),
    [2, 3],
  )
  const second = (
    await app.inject({ method: 'GET', url: `/v1/imports/${ended.id}/errors?limit=10&cursor=${first.nextCursor}`, headers: member.auth })
  ).json() as { items: Array<{ line: number }>; nextCursor: string | null }
  t.same(
    second.items.map((row) => row.line),
    [4, 5, 6],
  )
  t.equal(second.nextCursor, null)
  const stored = await db.select({ n: count() }).from(importErrors).where(eq(importErrors.importId, ended.id))
  t.equal(stored[0]!.n, 5)
  t.equal((await app.inject({ method: 'GET', url: `/v1/imports/${ended.id}/errors?cursor=abc`, headers: member.auth })).statusCode, 400)
})

t.test('uploads that are not an importable file are refused, and nothing is queued', async (t) => {
  const [before] = await db.select({ n: count() }).from(imports)
  const problem = async (response: Awaited<ReturnType<typeof upload>>, status: number, code: string, label: string) => {
    t.equal(response.statusCode, status, label)
    t.match(response.headers['content-type'], /^application\/problem\+json/, `${label}: a problem document`)
    t.equal((response.json() as { code: string }).code, code, label)
  }
  const csv = 'kind,titleVi,descriptionVi\ntechnology,A,B\n'
  await problem(await upload(member.auth, 'listings', JSON.stringify({ kind: 'technology' }), 'application/json'), 415, 'unsupported_media_type', 'JSON')
  await problem(await upload(member.auth, 'listings', csv, 'text/plain'), 415, 'unsupported_media_type', 'text/plain')
  await problem(await upload(member.auth, 'listings', csv, 'multipart/form-data; boundary=x'), 415, 'unsupported_media_type', 'a form')
  await problem(await upload(member.auth, 'listings', csv, null), 415, 'unsupported_media_type', 'no content type')
  await problem(await upload(member.auth, 'listings', csv, 'text/csv; charset=windows-1258'), 415, 'unsupported_media_type', 'another charset')
  await problem(
    await upload(member.auth, 'listings', Buffer.from('kind,titleVi,descriptionVi\ntechnology,M\xe1y,B\n', 'latin1')),
    422,
    'invalid_encoding',
    'not UTF-8',
  )
  await problem(await upload(member.auth, 'listings', ''), 422, 'empty_file', 'empty')
  await problem(await upload(member.auth, 'listings', '\ufeff\r\n\r\n'), 422, 'empty_file', 'a BOM and blank lines')
  await problem(await upload(member.auth, 'listings', 'kind,titleVi,descriptionVi\r\n'), 422, 'empty_file', 'a header only')
  await problem(
    await upload(member.auth, 'listings', 'technology,Máy sấy,Sấy lúa nhanh\ntechnology,Máy cày,Cày sâu\n'),
    422,
    'missing_header',
    'no header line',
  )
  await problem(await upload(member.auth, 'listings', 'kind,titleVi\ntechnology,A\n'), 422, 'missing_columns', 'no description column')
  await problem(await upload(member.auth, 'listings', 'kind,titleVi,Tiêu đề,descriptionVi\ntechnology,A,A,B\n'), 422, 'duplicate_column', 'a field twice')
  await problem(await upload(member.auth, 'listings', 'kind,titleVi,descriptionVi\ntechnology,"A,B\n'), 422, 'malformed_csv', 'an unclosed quote')
  await problem(await upload(member.auth, 'listings', '\n \n', 'application/x-ndjson'), 422, 'empty_file', 'blank NDJSON')
  await problem(await upload(member.auth, 'spaceships', csv), 400, 'validation_failed', 'an unknown kind')
  await problem(
    await app.inject({ method: 'POST', url: '/v1/imports', headers: { ...member.auth, 'content-type': 'text/csv' }, payload: csv }),
    400,
    'validation_failed',
    'no kind',
  )
  await problem(await upload(member.auth, 'listings', 'kind,titleVi,descriptionVi\ntechnology,A\u0000,B\n'), 400, 'validation_failed', 'a NUL')
  const [after] = await db.select({ n: count() }).from(imports)
  t.equal(after!.n, before!.n, 'no import was stored')
})

t.test('the CSV reader: RFC 4180 quoting, line numbers, delimiters', async (t) => {
  const records = (text: string) => [...parseCsv(text)]
  t.same(records('a,b\r\n"x, y","say ""hi"""\r\n'), [
    { line: 1, cells: ['a', 'b'] },
    { line: 2, cells: ['x, y', 'say "hi"'] },
  ])
  t.same(
    records('a;b\n"1;2";3\n\n4;\n'),
    [
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1;2', '3'] },
      { line: 4, cells: ['4', ''] },
    ],
    'semicolons, as Vietnamese spreadsheets save; blank lines skipped',
  )
  t.same(
    records('a\tb\n"two\nlines"\tc\nd\te'),
    [
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['two\nlines', 'c'] },
      { line: 4, cells: ['d', 'e'] },
    ],
    'tabs; a record without a final line break',
  )
  t.same(
    records('\ufeffa,b\r"c"d,e\r'),
    [
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['cd', 'e'] },
    ],
    'a BOM; lone CRs; text after a closing quote is kept',
  )
  t.throws(() => records('a,b\n"open,c\nd,e\n'), { line: 2, message: /opened on line 2 is never closed/ })

  // Whatever the cells, a record written by the exporter (after its header) reads back as the same
  // cells, once the import has taken off the apostrophe the exporter puts before a formula.
  const cell = fc.string({ unit: fc.constantFrom('a', 'ă', ',', ';', '\t', '"', '\n', '\r\n', ' ', 'đ', '[') })
  const property = fc.property(fc.array(cell, { minLength: 2, maxLength: 5 }), (cells) =>
    isDeepStrictEqual(records(csvLine(cells.map((_, index) => `c${index}`)) + csvLine(cells))[1]?.cells.map(restoreFormula), cells),
  )
  t.doesNotThrow(() => fc.assert(property, { numRuns: 300 }), 'csvLine and parseCsv agree')

  // A file read piece by piece (an upload as it arrives, a stored file) gives the records of the
  // whole, wherever the pieces are cut: in a quoted field, between "" or CR and LF, in the BOM.
  const text = fc.string({ unit: fc.constantFrom('a', 'đ', ',', ';', '"', '""', '\n', '\r', '\r\n', ' ', '\ufeff') })
  const read = (pieces: string[]) => {
    const parser = new CsvParser()
    try {
      return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()]
    } catch (error) {
      return (error as Error).message
    }
  }
  const cuts = fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), (whole, at) => {
    const points = [...new Set(at.map((point) => point % (whole.length + 1)))].sort((a, b) => a - b)
    const pieces = [0, ...points].map((start, index, all) => whole.slice(start, all[index + 1] ?? whole.length))
    return isDeepStrictEqual(read(pieces), read([whole]))
  })
  t.doesNotThrow(() => fc.assert(cuts, { numRuns: 1000 }), 'pieces read as the whole')
})

t.test('no header names two fields', async (t) => {
  for (const kind of importKinds) {
    const owners = new Map<string, string>()
    for (const column of importColumns[kind]) {
      for (const name of [column.field, ...column.vi]) {
        const folded = foldText(name)
        t.ok(!owners.has(folded) || owners.get(folded) === column.field, `${kind}: "${name}" names only ${column.field}`)
        owners.set(folded, column.field)
      }
    }
  }
  t.equal(foldText('Tỉnh/Thành phố (Mã)'), 'tinhthanhphoma')
  t.equal(foldText('Đơn vị'), 'donvi')
})
