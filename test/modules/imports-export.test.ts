import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { asc, eq } from 'drizzle-orm'
import type { CliContext } from '../../src/cli/command.ts'
import { progressBar } from '../../src/cli/import.ts'
import { runCli } from '../../src/cli/run.ts'
import { demands, listings } from '../../src/db/schema/index.ts'
import { parseCsv } from '../../src/modules/imports/imports.csv.ts'
import { buildTestApp } from '../helpers/app.ts'
import { fileOpenDemand } from '../helpers/demands.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { createMember } from '../helpers/factories.ts'
import { createListingViaApi, insertListing, listingInput } from '../helpers/listings.ts'

// Exports of listings and demands (streamed CSV and NDJSON that import back), and the command-line
// import against a listening app whose worker runs the import jobs, as in production.

const { app, db, clock } = await buildTestApp(t, { JOBS_WORKER: 'true', JOBS_POLL_SECONDS: '0.5' })
await app.listen({ port: 0, host: '127.0.0.1' })
const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

type Auth = { authorization: string }
type ImportBody = { id: string; status: string; rowsCreated: number; rowsUpdated: number; rowsUnchanged: number; rowsFailed: number; errors: unknown[] }

const owner = await createMember(db, { name: 'Viện Công nghệ Sinh học' })
const stranger = await createMember(db, { name: 'Công ty Phân bón Hà Bắc' })

const exported = (query: string, auth?: Auth, kind = 'listings') => app.inject({ method: 'GET', url: `/v1/${kind}/export${query}`, headers: auth })
const csvRecords = (text: string) => [...parseCsv(text)].map((record) => record.cells)
/** The CSV as objects by header. */
function csvObjects(text: string): Array<Record<string, string>> {
  const [header, ...rows] = csvRecords(text)
  return rows.map((cells) => Object.fromEntries(header!.map((name, index) => [name, cells[index] ?? ''])))
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Uploads a file and waits for the worker to finish the import. */
async function importFile(auth: Auth, kind: string, payload: string, type = 'text/csv'): Promise<ImportBody> {
  const response = await app.inject({ method: 'POST', url: `/v1/imports?kind=${kind}`, headers: { ...auth, 'content-type': type }, payload })
  if (response.statusCode !== 202) throw new Error(`upload: ${response.statusCode} ${response.body}`)
  const { id } = response.json() as ImportBody
  for (let attempt = 0; attempt < 600; attempt++) {
    const current = (await app.inject({ method: 'GET', url: `/v1/imports/${id}`, headers: auth })).json() as ImportBody
    if (current.status === 'completed' || current.status === 'failed') return current
    await sleep(100)
  }
  throw new Error(`import ${id} did not finish`)
}

// "owner"'s listings in every state, plus one of the stranger's elsewhere.
const contacts = [{ name: 'Nguyễn Thị Lan', email: 'lan@example.vn' }]
const visible = await createListingViaApi(app, owner.auth, {
  titleVi: 'Chế phẩm Trichoderma xử lý rơm rạ',
  contacts,
  priceType: 'on_request',
  priceVnd: 80_000_000,
  keywords: ['vi sinh; phân hủy', 'rơm rạ'],
})
const hidden = await createListingViaApi(app, owner.auth, {
  titleVi: 'Quy trình nhân giống lan rừng',
  anonymous: true,
  sectors: ['A', 'M'],
  provinceCodes: ['01'],
})
for (const id of [visible.id, hidden.id]) await app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: owner.auth })
const draft = await createListingViaApi(app, owner.auth, { titleVi: 'Bản nháp máy ép viên' })
const expired = await insertListing(db, { ownerId: owner.organization.id, validUntil: '2026-01-31' })
const elsewhere = await insertListing(db, { ownerId: stranger.organization.id, provinceCodes: ['79'], sectors: ['C'], kind: 'equipment' })

t.test('CSV export: what search shows, as a stranger sees it, with headers an import reads', async (t) => {
  const response = await exported('')
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.match(response.headers['content-disposition'], /^attachment; filename="listings-2026-03-02\.csv"$/)
  t.ok(response.body.startsWith('\ufeffexternalId,status,kind,titleVi,'), 'a BOM, then the field names')
  const rows = csvObjects(response.body)
  t.same(rows.map((row) => row.id).sort(), [visible.id, hidden.id, elsewhere].sort(), 'published and not expired, by default')
  const shown = rows.find((row) => row.id === visible.id)!
  t.match(
    shown,
    { status: 'published', owner: 'Viện Công nghệ Sinh học', contacts: '', priceVnd: '', priceType: 'on_request', iprNumbers: '' },
    'undisclosed contacts, IPR numbers and the price on request are left out',
  )
  t.equal(shown.keywords, '["vi sinh; phân hủy","rơm rạ"]', 'a list whose item holds a semicolon is a JSON array')
  const anonymous = rows.find((row) => row.id === hidden.id)!
  t.match(anonymous, { owner: '', sectors: 'A; M', provinceCodes: '01', anonymous: 'true' }, 'an anonymous owner is not named')

  // Those who act for the owner see everything, as in getListing.
  const own = csvObjects((await exported(`?owner=${owner.organization.id}`, owner.auth)).body)
  t.same(own.map((row) => row.id).sort(), [visible.id, hidden.id].sort())
  t.match(
    own.find((row) => row.id === visible.id),
    { priceVnd: '80000000', contacts: JSON.stringify(contacts) },
  )
  t.match(
    own.find((row) => row.id === hidden.id),
    { owner: 'Viện Công nghệ Sinh học' },
  )
  t.same(
    csvObjects((await exported(`?owner=${owner.organization.id}`)).body).map((row) => row.id),
    [visible.id],
    "an owner's anonymous listings are not revealed by owner=",
  )
})

t.test('export filters, and who may export drafts', async (t) => {
  const ids = async (query: string, auth?: Auth) =>
    csvObjects((await exported(query, auth)).body)
      .map((row) => row.id)
      .sort()
  t.same(await ids('?province=79'), [elsewhere])
  t.same(await ids('?sector=M'), [hidden.id])
  t.same(await ids('?kind=equipment'), [elsewhere])
  t.same(await ids('?status=expired'), [expired])
  t.same(await ids(`?status=draft&owner=${owner.organization.id}`, owner.auth), [draft.id])
  t.equal((await exported('?status=draft')).statusCode, 401)
  t.equal((await exported(`?status=draft&owner=${owner.organization.id}`, stranger.auth)).statusCode, 403)
  t.equal((await exported('?province=99')).statusCode, 400)
  t.equal((await exported('?format=xlsx')).statusCode, 400)
  t.match((await exported('?status=withdrawn')).headers['content-type'], /problem\+json/, 'refusals are problem documents, not files')
})

t.test('NDJSON export: one object per line, fields without a value left out', async (t) => {
  const response = await exported(`?format=ndjson&owner=${owner.organization.id}`, owner.auth)
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/x-ndjson/)
  t.match(response.headers['content-disposition'], /filename="listings-2026-03-02\.ndjson"/)
  const lines = response.body
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  t.equal(lines.length, 2)
  const first = lines.find((line) => line.id === visible.id)!
  t.match(first, {
    kind: 'technology',
    status: 'published',
    contacts,
    priceVnd: 80_000_000,
    owner: { id: owner.organization.id, name: 'Viện Công nghệ Sinh học' },
  })
  t.notOk('externalId' in first, 'null fields are left out')
})

t.test('an export is streamed page by page, whatever its size', async (t) => {
  const bulk = await createMember(db)
  const values = Array.from({ length: 1234 }, (_, index) => ({
    ownerId: bulk.organization.id,
    kind: 'service',
    status: 'published' as const,
    titleVi: `Dịch vụ ${index}`,
    descriptionVi: 'Mô tả',
    publishedAt: new Date('2026-01-01T00:00:00Z'),
  }))
  await db.insert(listings).values(values)
  const ids = (await db.select({ id: listings.id }).from(listings).where(eq(listings.ownerId, bulk.organization.id)).orderBy(asc(listings.id))).map(
    (row) => row.id,
  )
  const csv = await exported(`?owner=${bulk.organization.id}`)
  t.match(csv.headers['transfer-encoding'], 'chunked', 'streamed, not sent in one piece')
  t.same(
    csvObjects(csv.body).map((row) => row.id),
    ids,
    'every listing once, in id order',
  )
  const ndjson = await exported(`?owner=${bulk.organization.id}&format=ndjson`)
  t.equal(ndjson.body.trimEnd().split('\n').length, 1234)
})

t.test('round trip: an export imports into another organisation, and again without duplicates', async (t) => {
  for (const format of ['csv', 'ndjson'] as const) {
    const target = await createMember(db)
    const file = (await exported(`?owner=${owner.organization.id}&format=${format}`, owner.auth)).body
    const type = format === 'csv' ? 'text/csv' : 'application/x-ndjson'
    const first = await importFile(target.auth, 'listings', file, type)
    t.match(first, { status: 'completed', rowsCreated: 2, rowsFailed: 0 }, format)
    const source = await db.select().from(listings).where(eq(listings.ownerId, owner.organization.id)).orderBy(asc(listings.titleVi))
    const copies = await db.select().from(listings).where(eq(listings.ownerId, target.organization.id)).orderBy(asc(listings.titleVi))
    const comparable = ({
      kind,
      titleVi,
      descriptionVi,
      sectors,
      fields,
      keywords,
      provinceCodes,
      priceType,
      priceVnd,
      contacts,
      media,
      anonymous,
      disclosure,
      status,
      trl,
      iprStatus,
      iprNumbers,
      transferForms,
      transferMethods,
      validUntil,
    }: typeof listings.$inferSelect) => ({
      kind,
      titleVi,
      descriptionVi,
      sectors,
      fields,
      keywords,
      provinceCodes,
      priceType,
      priceVnd,
      contacts,
      media,
      anonymous,
      disclosure,
      status,
      trl,
      iprStatus,
      iprNumbers,
      transferForms,
      transferMethods,
      validUntil,
    })
    t.same(
      copies.map(comparable),
      source.filter((row) => row.status === 'published' && (row.validUntil === null || row.validUntil >= '2026-03-02')).map(comparable),
      `${format}: the same listings, published`,
    )
    t.match(await importFile(target.auth, 'listings', file, type), { rowsCreated: 0, rowsUnchanged: 2 }, `${format}: a second run changes nothing`)
    t.equal((await db.select().from(listings).where(eq(listings.ownerId, target.organization.id))).length, 2)
  }
})

t.test('demands export and round trip', async (t) => {
  const first = await fileOpenDemand(app, owner.auth, { titleVi: 'Cần giống lúa chịu mặn', keywords: ['lúa', 'chịu mặn'] })
  await fileOpenDemand(app, stranger.auth, { titleVi: 'Cần hệ thống tưới nhỏ giọt', provinceCode: '79' })
  const response = await exported(`?owner=${owner.organization.id}`, undefined, 'demands')
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-disposition'], /filename="demands-2026-03-02\.csv"/)
  const rows = csvObjects(response.body)
  t.same(
    rows.map((row) => row.id),
    [first.id],
  )
  t.match(rows[0], {
    status: 'open',
    titleVi: 'Cần giống lúa chịu mặn',
    keywords: 'lúa; chịu mặn',
    sectors: 'A; C',
    budgetMinVnd: '500000000',
    provinceCode: '36',
  })
  t.same(
    csvObjects((await exported('?province=79', undefined, 'demands')).body).map((row) => row.titleVi),
    ['Cần hệ thống tưới nhỏ giọt'],
  )
  t.equal((await exported('?status=draft', stranger.auth, 'demands')).statusCode, 403)

  const target = await createMember(db)
  const copied = await importFile(target.auth, 'demands', response.body)
  t.match(copied, { rowsCreated: 1, rowsFailed: 0 })
  const [copy] = await db.select().from(demands).where(eq(demands.ownerId, target.organization.id))
  t.match(copy, { titleVi: 'Cần giống lúa chịu mặn', status: 'open', keywords: ['lúa', 'chịu mặn'], budgetMaxVnd: 2_000_000_000, deadline: '2026-06-30' })
})

t.test('the import command uploads a file and follows it with a progress bar', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tx-import-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const importer = await createMember(db)
  const key = (await createApiKey(db, { organizationId: importer.organization.id, role: 'editor' })).key

  async function cli(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = []
    const err: string[] = []
    const context: CliContext = {
      io: { out: (text) => out.push(text), err: (text) => err.push(text) },
      clock,
      openDatabase: async () => {
        throw new Error('the import command talks HTTP, not to the database')
      },
      env,
    }
    const code = await runCli(argv, context)
    return { code, stdout: out.join('\n'), stderr: err.join('\n') }
  }

  const good = path.join(dir, 'cong-nghe.csv')
  writeFileSync(
    good,
    `Mã,Loại,Tiêu đề,Mô tả,TRL\nC-1,technology,Máy bóc vỏ lạc,Bóc vỏ lạc năng suất cao,6\nC-2,equipment,Lò sấy vải thiều,Sấy vải bằng khí nóng,7\n`,
  )
  const ok = await cli(['import', good, '--kind', 'listings', '--url', baseUrl, '--poll-ms', '50'], { TECHX_API_KEY: key })
  t.equal(ok.code, 0, ok.stderr)
  t.notMatch(ok.stderr, /Warning/, 'the key from the environment needs no warning')
  t.match(ok.stdout, /Import [0-9a-f-]{36} completed: 2 rows, 2 created, 0 updated, 0 unchanged, 0 failed\./)
  t.match(ok.stderr, /Uploaded cong-nghe\.csv: import [0-9a-f-]{36}, 2 rows\./)
  t.match(ok.stderr, /\[#{30}\] 100% {2}2\/2 rows/, 'the bar reaches the end')
  t.equal((await db.select().from(listings).where(eq(listings.ownerId, importer.organization.id))).length, 2)

  const bad = path.join(dir, 'loi.ndjson')
  writeFileSync(bad, `${JSON.stringify(listingInput({ titleVi: 'Hợp lệ' }))}\n${JSON.stringify({ kind: 'technology', titleVi: 'Thiếu mô tả', trl: 12 })}\n`)
  const failed = await cli(['import', bad, '--kind', 'listings', '--url', baseUrl, '--key', key, '--poll-ms', '50'])
  t.equal(failed.code, 1, 'rows were refused')
  t.match(failed.stdout, /1 created, 0 updated, 0 unchanged, 1 failed/)
  t.match(failed.stderr, /line 2: #\/descriptionVi is required; #\/trl must be <= 9/)
  t.match(failed.stderr, /Error: 1 of 2 rows were refused/)

  // The key from a file (its first line) or, with a warning, from the command line.
  const keyFile = path.join(dir, 'key.txt')
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 })
  const fromFile = await cli(['import', good, '--kind', 'listings', '--url', baseUrl, '--key-file', keyFile, '--poll-ms', '50'])
  t.equal(fromFile.code, 0, fromFile.stderr)
  t.match(fromFile.stdout, /0 created, 2 updated|2 unchanged/, 'the same rows again, by the same key')
  const fromArgument = await cli(['import', good, '--kind', 'listings', '--url', baseUrl, '--key', key, '--poll-ms', '50'])
  t.equal(fromArgument.code, 0)
  t.match(fromArgument.stderr, 'Warning: --key leaves the key in the process list and the shell history; use TECHX_API_KEY or --key-file.')
  const missingKeyFile = await cli(['import', good, '--kind', 'listings', '--url', baseUrl, '--key-file', path.join(dir, 'nope.txt')])
  t.equal(missingKeyFile.code, 1)
  t.match(missingKeyFile.stderr, /Cannot read the key file .*nope\.txt: ENOENT/)
  const both = await cli(['import', good, '--kind', 'listings', '--key', key, '--key-file', keyFile])
  t.equal(both.code, 2)
  t.match(both.stderr, 'Give --key or --key-file, not both.')
  const none = await cli(['import', good, '--kind', 'listings'])
  t.equal(none.code, 2)
  t.match(none.stderr, 'No API key: set TECHX_API_KEY, or give --key-file <file>.')

  const refused = await cli(['import', good, '--kind', 'organizations', '--url', baseUrl, '--key', key])
  t.equal(refused.code, 1)
  t.match(refused.stderr, /The upload was refused: 403 Only operator keys import organisations/)
  t.match((await cli(['import', good, '--kind', 'listings', '--url', baseUrl, '--key', 'txk_nope'])).stderr, /401/)
  t.match(
    (await cli(['import', path.join(dir, 'missing.csv'), '--kind', 'listings', '--url', baseUrl, '--key', key])).stderr,
    /Cannot read .*missing\.csv: ENOENT/,
  )
  t.match((await cli(['import', good, '--kind', 'listings', '--url', 'http://127.0.0.1:9', '--key', key])).stderr, /Cannot reach http:\/\/127\.0\.0\.1:9/)
  for (const argv of [
    ['import', good, '--key', key],
    ['import', '--kind', 'listings', '--key', key],
    ['import', good, '--kind', 'listings'],
    ['import', good, '--kind', 'listings', '--key', key, '--format', 'xlsx'],
  ]) {
    const result = await cli(argv)
    t.equal(result.code, 2, argv.join(' '))
    t.match(result.stderr, /Usage: TECHX_API_KEY=<api key> npm run cli -- import <file>/)
  }
  t.match((await cli(['import', '--help'])).stdout, /--poll-ms/)
  t.match((await cli(['--help'])).stdout, /import\s+Import a CSV or NDJSON file/)
})

t.test('the progress bar', async (t) => {
  t.equal(progressBar(0, 200, undefined, 10), '[..........]   0%  0/200 rows')
  t.equal(progressBar(50, 200, 123.4, 10), '[###.......]  25%  50/200 rows  123 rows/s')
  t.equal(progressBar(200, 200, 80, 10), '[##########] 100%  200/200 rows  80 rows/s')
})
