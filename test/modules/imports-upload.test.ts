import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import t from 'tap'
import { count, eq, sql } from 'drizzle-orm'
import { importChunks, imports, listings } from '../../src/db/schema/index.ts'
import { pieceChars, sweepAbandonedUploads } from '../../src/modules/imports/imports.storage.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'

// Uploads are streamed to the database as they arrive, never held whole: a file sent in pieces
// (a multibyte character or a quoted line break cut between two of them) reads as the same file;
// a file refused half-way (too large, not UTF-8, a NUL, malformed) leaves nothing stored; uploads
// cut off by a crash are swept.

const maxBytes = 1536 * 1024
const { app, db, clock } = await buildTestApp(t, { IMPORT_MAX_BYTES: String(maxBytes) })
const member = await createMember(db, { name: 'Viện Cơ điện Nông nghiệp' })

type Auth = { authorization: string }

/** A body sent as these pieces, with no Content-Length (chunked), as a client streaming a file does. */
const pieces = (...parts: Array<string | Buffer>) => Readable.from(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)))

const upload = (auth: Auth, payload: string | Buffer | Readable, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/imports?kind=listings', headers: { ...auth, 'content-type': 'text/csv', ...headers }, payload })

const stored = async () => ({
  imports: (await db.select({ n: count() }).from(imports))[0]!.n,
  chunks: (await db.select({ n: count() }).from(importChunks))[0]!.n,
})

t.test('a file sent in pieces reads as the same file, whatever the pieces cut through', async (t) => {
  const owner = await createMember(db)
  const csv =
    'externalId,kind,titleVi,descriptionVi\r\nP-1,technology,Máy sấy lúa,"Sấy tầng sôi,\r\nhai dòng"\r\nP-2,technology,Đèn bẫy côn trùng,Dùng năng lượng mặt trời\r\n'
  const bytes = Buffer.from(csv)
  // Cut inside "á" (two bytes in UTF-8), inside the quoted line break, and between CR and LF.
  const cuts = [bytes.indexOf(Buffer.from('á')) + 1, bytes.indexOf(Buffer.from('tầng sôi,')) + 11, bytes.indexOf(Buffer.from('\r\nP-2')) + 1]
  const parts = [0, ...cuts, bytes.length].slice(1).map((end, index, ends) => bytes.subarray(index === 0 ? 0 : ends[index - 1], end))
  const response = await upload(owner.auth, pieces(...parts))
  t.equal(response.statusCode, 202, response.body)
  t.match(response.json(), { totalRows: 2, status: 'queued' })
  await app.jobs.runPending()
  const rows = await db
    .select({ externalId: listings.externalId, titleVi: listings.titleVi, descriptionVi: listings.descriptionVi })
    .from(listings)
    .where(eq(listings.ownerId, owner.organization.id))
    .orderBy(listings.externalId)
  t.same(rows, [
    { externalId: 'P-1', titleVi: 'Máy sấy lúa', descriptionVi: 'Sấy tầng sôi,\r\nhai dòng' },
    { externalId: 'P-2', titleVi: 'Đèn bẫy côn trùng', descriptionVi: 'Dùng năng lượng mặt trời' },
  ])
})

t.test('a file of many pieces is stored in pieces and read back in order', async (t) => {
  const owner = await createMember(db)
  // Titles unlike each other, so that no row has near-duplicates to look up among the others.
  const title = (index: number) => createHash('sha256').update(String(index)).digest('hex').slice(0, 16)
  const rows = Array.from({ length: 300 }, (_, index) => `L-${index},technology,Mẫu ${title(index)},"${'Phân hủy rơm rạ tại ruộng, '.repeat(80)}${index}"`)
  const csv = `externalId,kind,titleVi,descriptionVi\n${rows.join('\n')}\n`
  t.ok(csv.length > 2 * pieceChars && Buffer.byteLength(csv) < maxBytes, `${csv.length} characters`)
  const response = await upload(owner.auth, csv)
  t.equal(response.statusCode, 202, response.body)
  const id = (response.json() as { id: string }).id
  const chunks = await db
    .select({ seq: importChunks.seq, length: sql<number>`length(${importChunks.content})` })
    .from(importChunks)
    .where(eq(importChunks.importId, id))
    .orderBy(importChunks.seq)
  t.ok(chunks.length >= 3, `${chunks.length} pieces`)
  t.same(
    chunks.map((chunk) => chunk.seq),
    chunks.map((_, index) => index),
  )
  t.equal(
    chunks.reduce((sum, chunk) => sum + Number(chunk.length), 0),
    csv.length,
    'all of it, nothing twice',
  )
  await app.jobs.runPending()
  const ended = (await app.inject({ method: 'GET', url: `/v1/imports/${id}`, headers: owner.auth })).json() as { errors: unknown[] }
  t.match(ended, { status: 'completed', rowsCreated: 300, rowsFailed: 0 }, JSON.stringify(ended.errors.slice(0, 2)))
  const last = await db.select({ descriptionVi: listings.descriptionVi }).from(listings).where(eq(listings.externalId, 'L-299'))
  t.ok(last[0]!.descriptionVi.endsWith('299'))
})

t.test('a file refused half-way leaves nothing stored, and the connection is closed rather than read to its end', async (t) => {
  const before = await stored()
  const header = 'kind,titleVi,descriptionVi\n'
  const good = 'technology,Máy cày mini,Cày ruộng bậc thang\n'.repeat(Math.ceil((2 * pieceChars) / 40))
  const refusal = async (label: string, response: Awaited<ReturnType<typeof upload>>, status: number, code: string) => {
    t.equal(response.statusCode, status, `${label}: ${response.statusCode}`)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    t.equal((response.json() as { code: string }).code, code, label)
    t.same(await stored(), before, `${label}: no import, no piece of its file`)
  }
  // More than IMPORT_MAX_BYTES, sent without a length: refused once the limit is passed.
  const tooBig = await upload(member.auth, pieces(header, ...Array.from({ length: Math.ceil(maxBytes / good.length) + 1 }, () => good)))
  await refusal('too large', tooBig, 413, 'body_too_large')
  t.equal(tooBig.headers.connection, 'close')
  // Announced as too large: refused before a byte is read.
  await refusal('announced too large', await upload(member.auth, pieces(header, good), { 'content-length': String(maxBytes + 1) }), 413, 'body_too_large')
  await refusal(
    'not UTF-8 after two pieces',
    await upload(member.auth, pieces(header, good, Buffer.from('technology,M\xe1y,B\n', 'latin1'))),
    422,
    'invalid_encoding',
  )
  await refusal('a NUL after two pieces', await upload(member.auth, pieces(header, good, 'technology,A\u0000,B\n')), 400, 'validation_failed')
  await refusal('a quote never closed', await upload(member.auth, pieces(header, good, 'technology,"Máy sấy,B\n', good.slice(0, 1000))), 422, 'malformed_csv')
  await refusal(
    'a record longer than any row',
    await upload(member.auth, pieces(header, 'technology,"', 'x'.repeat(600_000), 'y'.repeat(600_000))),
    422,
    'record_too_long',
  )
  await refusal(
    'NDJSON: a line longer than any row',
    await upload(member.auth, pieces('{"kind":"', 'x'.repeat(1_100_000)), { 'content-type': 'application/x-ndjson' }),
    422,
    'record_too_long',
  )
  await refusal('a header naming no field', await upload(member.auth, pieces('colour,size\n', good)), 422, 'missing_header')
  await refusal('a reader key', await upload((await createMember(db, { role: 'reader' })).auth, pieces(header, good)), 403, 'forbidden')
})

t.test('an Idempotency-Key retry of an upload gets the first answer, without storing the file again', async (t) => {
  const owner = await createMember(db)
  const csv = 'kind,titleVi,descriptionVi\ntechnology,Robot hái chè,Hái chè búp\n'
  const headers = { 'idempotency-key': 'upload-robot-1' }
  const first = await upload(owner.auth, csv, headers)
  t.equal(first.statusCode, 202)
  const before = await stored()
  const again = await upload(owner.auth, csv, headers)
  t.equal(again.statusCode, 202)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal((again.json() as { id: string }).id, (first.json() as { id: string }).id)
  t.same(await stored(), before, 'one import, its file stored once')
})

t.test('pieces of uploads that never became an import are swept after a day', async (t) => {
  const now = clock.now()
  const abandoned = '00000000-0000-4000-8000-00000000a001'
  const recent = '00000000-0000-4000-8000-00000000a002'
  const dayAgo = new Date(now.getTime() - 25 * 3_600_000)
  await db.insert(importChunks).values([
    { importId: abandoned, seq: 0, content: 'kind,titleVi\n', createdAt: dayAgo },
    { importId: abandoned, seq: 1, content: 'technology,A\n', createdAt: dayAgo },
    // Still arriving, perhaps: an upload in progress is left alone.
    { importId: recent, seq: 0, content: 'kind,titleVi\n', createdAt: now },
  ])
  const owner = await createMember(db)
  const kept = await upload(owner.auth, 'kind,titleVi,descriptionVi\ntechnology,Máy gặt,Gặt lúa\n')
  const keptId = (kept.json() as { id: string }).id
  await db.update(importChunks).set({ createdAt: dayAgo }).where(eq(importChunks.importId, keptId))
  t.equal(await sweepAbandonedUploads(db, clock), 1, 'one abandoned upload')
  const left = await db.select({ importId: importChunks.importId }).from(importChunks)
  t.notOk(
    left.some((row) => row.importId === abandoned),
    'its pieces are gone',
  )
  t.ok(
    left.some((row) => row.importId === recent),
    'a recent upload is kept',
  )
  t.ok(
    left.some((row) => row.importId === keptId),
    "an import's file is kept",
  )
})
