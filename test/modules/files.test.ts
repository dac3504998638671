import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import sharp from 'sharp'
import t from 'tap'
import { createApiKey } from '../../src/core/keys.ts'
import { demands, files } from '../../src/db/schema/index.ts'
import { sha256Of } from '../../src/modules/files/files.content.ts'
import { fileSweepJob } from '../../src/modules/files/files.service.ts'
import { buildTestApp } from '../helpers/app.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { driveTo, startInterest } from '../helpers/deals.ts'
import { closeDemand, fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator, tableCounts } from '../helpers/factories.ts'
import { multipartBody, sampleExe, samplePdf, samplePng, uploadFile, uploadParts } from '../helpers/files.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { publishListing } from '../helpers/matching.ts'

// Attachments through the API: what is kept (type by bytes, checksum, thumbnail), who may read and
// change them (the record's rules, and a deal stage for a confidential dossier), what a forged or
// broken upload gets (a 4xx and nothing kept), and how crashes and retired records are cleaned up.

const filesDir = path.join('/tmp', `tx-files-test-${process.pid}`)
const { app, db, clock } = await buildTestApp(t, { FILE_STORAGE_DIR: filesDir, FILE_MAX_BYTES: '200000', FILE_RETENTION_DAYS: '30' })
t.teardown(() => import('node:fs').then((fs) => fs.rmSync(filesDir, { recursive: true, force: true })))
const owner = await createMember(db, { kind: 'research_institute', name: 'Viện Cơ điện Nông nghiệp' })
const seeker = await createMember(db, { kind: 'enterprise', name: 'HTX Nông nghiệp Giao Thủy' })
const stranger = await createMember(db, { kind: 'enterprise', name: 'Công ty TNHH Sấy Thái Bình' })
const operator = await createOperator(db)

/** Every file the store holds, thumbnails and temporary files included. */
function storedObjects(): string[] {
  const found: string[] = []
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name))
      else found.push(entry.name)
    }
  }
  walk(filesDir)
  return found.sort()
}

const listing = await publishListing(app, owner.auth, { titleVi: 'Máy sấy lúa tầng sôi 10 tấn/mẻ' })
const listingFields = (extra: Record<string, string> = {}) => ({ subjectType: 'listing', subjectId: listing.id, kind: 'dossier', ...extra })
type Stored = { id: string; sha256: string; sizeBytes: number; contentType: string; name: string; thumbnailUrl: string | null; contentUrl: string }

t.test('a dossier is kept as its bytes say, and anyone who sees the listing downloads it', async (t) => {
  const pdf = samplePdf()
  const response = await uploadFile(app, owner.auth, listingFields({ description: 'Hồ sơ kỹ thuật' }), {
    filename: 'C:\\Users\\vien\\Hồ sơ máy sấy.pdf',
    bytes: pdf,
    contentType: 'application/octet-stream',
  })
  t.equal(response.statusCode, 201, response.body)
  const file = response.json() as Stored
  t.equal(response.headers.location, `/v1/files/${file.id}`)
  t.match(file, {
    subject: { type: 'listing', id: listing.id },
    kind: 'dossier',
    name: 'Hồ sơ máy sấy.pdf',
    description: 'Hồ sơ kỹ thuật',
    contentType: 'application/pdf',
    sizeBytes: pdf.length,
    sha256: sha256Of(pdf),
    revealedAt: null,
    thumbnailUrl: null,
    contentUrl: `/v1/files/${file.id}/content`,
  })

  const listed = await app.inject({ method: 'GET', url: `/v1/files?subjectType=listing&subjectId=${listing.id}` })
  t.equal(listed.statusCode, 200)
  t.same(
    listed.json().items.map((item: Stored) => item.id),
    [file.id],
  )
  t.same(listed.json().withheld, [])

  const download = await app.inject({ method: 'GET', url: file.contentUrl })
  t.equal(download.statusCode, 200)
  t.same(download.rawPayload, pdf, 'the bytes as uploaded')
  t.equal(download.headers['content-type'], 'application/pdf')
  t.equal(download.headers['content-length'], String(pdf.length))
  t.equal(download.headers['content-disposition'], `inline; filename="Ho so may say.pdf"; filename*=UTF-8''${encodeURIComponent('Hồ sơ máy sấy.pdf')}`)
  t.equal(download.headers.etag, `"${file.sha256}"`)
  t.equal(download.headers['repr-digest'], `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`)
  t.match(download.headers['content-security-policy'], /sandbox/)

  const again = await app.inject({ method: 'GET', url: file.contentUrl, headers: { 'if-none-match': `"${file.sha256}"` } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')

  const audit = await auditTrailOf(db, file.id)
  t.same(
    audit.map((entry) => entry.operation),
    ['file.upload'],
  )
})

t.test('a Range request gets those bytes: resuming a download, seeking in a video', async (t) => {
  const pdf = samplePdf('a longer dossier, to be read in parts')
  const file = (await uploadFile(app, owner.auth, listingFields(), { filename: 'phan.pdf', bytes: pdf })).json() as Stored
  const get = (headers: Record<string, string>) => app.inject({ method: 'GET', url: file.contentUrl, headers })
  const size = pdf.length

  const whole = await get({})
  t.equal(whole.statusCode, 200)
  t.equal(whole.headers['accept-ranges'], 'bytes', 'says it takes ranges')
  const first = await get({ range: 'bytes=0-9' })
  t.equal(first.statusCode, 206)
  t.same(first.rawPayload, pdf.subarray(0, 10))
  t.equal(first.headers['content-range'], `bytes 0-9/${size}`)
  t.equal(first.headers['content-length'], '10')
  t.equal(first.headers.etag, whole.headers.etag, 'the same version')
  t.same((await get({ range: 'bytes=-5' })).rawPayload, pdf.subarray(size - 5), 'the last bytes')
  const rest = await get({ range: 'bytes=10-' })
  t.same(rest.rawPayload, pdf.subarray(10), 'from a byte to the end: a download resumed')
  t.equal(rest.headers['content-range'], `bytes 10-${size - 1}/${size}`)
  t.same((await get({ range: `bytes=${size - 3}-${size + 100}` })).rawPayload, pdf.subarray(size - 3), 'an end past the file stops at it')

  const past = await get({ range: `bytes=${size}-` })
  t.equal(past.statusCode, 416)
  t.equal(past.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(past.json().code, 'range_not_satisfiable')
  t.equal(past.headers['content-range'], `bytes */${size}`, 'the size, to ask again')

  t.equal((await get({ range: 'bytes=0-3', 'if-range': String(whole.headers.etag) })).statusCode, 206, 'If-Range with the current ETag')
  const stale = await get({ range: 'bytes=0-3', 'if-range': '"0000"' })
  t.equal(stale.statusCode, 200, 'a copy of another version starts again')
  t.same(stale.rawPayload, pdf)
  for (const header of ['bytes=0-1,5-6', 'items=0-3']) t.equal((await get({ range: header })).statusCode, 200, `${header}: the whole file`)
  for (const header of ['bytes=abc', 'bytes=5-2']) t.equal((await get({ range: header })).statusCode, 416, `${header}: no byte it could name`)
})

t.test('a photo gets a WebP thumbnail of at most 320 px', async (t) => {
  const response = await uploadFile(app, owner.auth, listingFields({ kind: 'photo' }), { filename: 'may-say.png', bytes: await samplePng(1200, 900) })
  t.equal(response.statusCode, 201, response.body)
  const file = response.json() as Stored
  t.equal(file.contentType, 'image/png')
  t.equal(file.thumbnailUrl, `/v1/files/${file.id}/thumbnail`)
  const thumbnail = await app.inject({ method: 'GET', url: file.thumbnailUrl! })
  t.equal(thumbnail.statusCode, 200)
  t.equal(thumbnail.headers['content-type'], 'image/webp')
  const metadata = await sharp(thumbnail.rawPayload).metadata()
  t.match(metadata, { format: 'webp', width: 320, height: 240 })
  const pdfThumbnail = await app.inject({
    method: 'GET',
    url: `/v1/files/${(await uploadFile(app, owner.auth, listingFields(), { filename: 'a.pdf', bytes: samplePdf('b') })).json().id}/thumbnail`,
  })
  t.equal(pdfThumbnail.statusCode, 404, 'a PDF has no thumbnail')
})

t.test('forged, broken and oversized uploads are refused, and nothing is kept', async (t) => {
  const before = { rows: (await db.select().from(files)).length, objects: storedObjects(), counts: await tableCounts(db) }
  const cases: Array<[string, Awaited<ReturnType<typeof uploadFile>>, number, string]> = [
    [
      'an executable named .pdf',
      await uploadFile(app, owner.auth, listingFields(), { filename: 'dossier.pdf', bytes: sampleExe(), contentType: 'application/pdf' }),
      415,
      'unsupported_file_type',
    ],
    [
      'a PDF sent as a photo',
      await uploadFile(app, owner.auth, listingFields({ kind: 'photo' }), { filename: 'x.png', bytes: samplePdf() }),
      415,
      'unsupported_file_type',
    ],
    [
      'a PNG signature on garbage',
      await uploadFile(app, owner.auth, listingFields({ kind: 'photo' }), {
        filename: 'x.png',
        bytes: Buffer.concat([(await samplePng(50, 50)).subarray(0, 40), Buffer.alloc(200, 7)]),
      }),
      422,
      'invalid_image',
    ],
    ['an empty file', await uploadFile(app, owner.auth, listingFields(), { filename: 'empty.pdf', bytes: Buffer.alloc(0) }), 422, 'empty_file'],
    [
      'a file over FILE_MAX_BYTES',
      await uploadFile(app, owner.auth, listingFields(), { filename: 'big.pdf', bytes: Buffer.concat([samplePdf(), Buffer.alloc(250_000, 32)]) }),
      413,
      'body_too_large',
    ],
    [
      'a checksum that does not match',
      await uploadFile(app, owner.auth, listingFields({ sha256: 'a'.repeat(64) }), { filename: 'a.pdf', bytes: samplePdf() }),
      422,
      'checksum_mismatch',
    ],
    [
      'a kind a listing does not have',
      await uploadFile(app, owner.auth, listingFields({ kind: 'contract' }), { filename: 'a.pdf', bytes: samplePdf() }),
      422,
      'invalid_kind',
    ],
    [
      'a subject id that is no uuid',
      await uploadFile(app, owner.auth, listingFields({ subjectId: 'x' }), { filename: 'a.pdf', bytes: samplePdf() }),
      400,
      'validation_failed',
    ],
    [
      'an unknown field',
      await uploadFile(app, owner.auth, listingFields({ owner: 'me' }), { filename: 'a.pdf', bytes: samplePdf() }),
      400,
      'validation_failed',
    ],
  ]
  const noFile = multipartBody([{ name: 'subjectType', value: 'listing' }])
  cases.push([
    'no file',
    await app.inject({ method: 'POST', url: '/v1/files', headers: { ...owner.auth, ...noFile.headers }, payload: noFile.payload }),
    400,
    'invalid_form',
  ])
  const twice = multipartBody([...uploadParts(listingFields(), { filename: 'a.pdf', bytes: samplePdf() }), { name: 'kind', value: 'photo' }])
  cases.push([
    'a field twice',
    await app.inject({ method: 'POST', url: '/v1/files', headers: { ...owner.auth, ...twice.headers }, payload: twice.payload }),
    400,
    'invalid_form',
  ])
  const twoFiles = multipartBody([
    ...uploadParts(listingFields(), { filename: 'a.pdf', bytes: samplePdf() }),
    { name: 'file', filename: 'b.pdf', bytes: samplePdf() },
  ])
  cases.push([
    'two files',
    await app.inject({ method: 'POST', url: '/v1/files', headers: { ...owner.auth, ...twoFiles.headers }, payload: twoFiles.payload }),
    400,
    'invalid_form',
  ])
  cases.push([
    'JSON instead of a form',
    await app.inject({ method: 'POST', url: '/v1/files', headers: owner.auth, payload: { subjectType: 'listing' } }),
    415,
    'unsupported_media_type',
  ])
  const truncated = multipartBody(uploadParts(listingFields(), { filename: 'a.pdf', bytes: samplePdf() }))
  cases.push([
    'a form cut off half-way',
    await app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...owner.auth, ...truncated.headers },
      payload: truncated.payload.subarray(0, truncated.payload.length - 60),
    }),
    400,
    'invalid_form',
  ])
  for (const [what, response, status, code] of cases) {
    t.equal(response.statusCode, status, `${what}: ${response.body}`)
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', what)
    t.equal(response.json().code, code, what)
  }
  t.equal((await db.select().from(files)).length, before.rows, 'no row kept')
  t.same(storedObjects(), before.objects, 'no bytes kept')
  t.same(await tableCounts(db), before.counts, 'no audit entry')
})

t.test('who may attach files: those who may change the listing', async (t) => {
  const upload = (auth: Record<string, string>) => uploadFile(app, auth, listingFields(), { filename: 'a.pdf', bytes: samplePdf() })
  t.equal((await upload({})).statusCode, 401)
  t.equal((await upload(stranger.auth)).statusCode, 403)
  const huge = await uploadFile(app, stranger.auth, listingFields(), { filename: 'big.pdf', bytes: Buffer.alloc(250_000, 32) })
  t.equal(huge.statusCode, 403, 'refused before its file is read: a 403, not the 413 its size would earn')
  const reader = await createApiKey(db, { organizationId: owner.organization.id, role: 'reader' })
  t.equal((await upload({ authorization: `Bearer ${reader.key}` })).statusCode, 403, 'a reader key of the owner')
  t.equal((await upload(operator.auth)).statusCode, 201)
  const draft = await createListingViaApi(app, owner.auth)
  const onDraft = await uploadFile(
    app,
    stranger.auth,
    { subjectType: 'listing', subjectId: draft.id, kind: 'dossier' },
    { filename: 'a.pdf', bytes: samplePdf() },
  )
  t.equal(onDraft.statusCode, 404, "a draft's existence is not revealed")
})

t.test("a draft's files are its owner's alone", async (t) => {
  const draft = await createListingViaApi(app, owner.auth)
  const file = (
    await uploadFile(app, owner.auth, { subjectType: 'listing', subjectId: draft.id, kind: 'brochure' }, { filename: 'b.pdf', bytes: samplePdf() })
  ).json() as Stored
  t.equal((await app.inject({ method: 'GET', url: `/v1/files?subjectType=listing&subjectId=${draft.id}` })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/v1/files/${file.id}`, headers: stranger.auth })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: file.contentUrl, headers: stranger.auth })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: file.contentUrl, headers: owner.auth })).statusCode, 200)
})

t.test('a confidential dossier is read only once a deal on the listing reaches its stage', async (t) => {
  const secret = await publishListing(app, owner.auth, { titleVi: 'Quy trình sấy bảo mật' })
  const upload = await uploadFile(
    app,
    owner.auth,
    { subjectType: 'listing', subjectId: secret.id, kind: 'dossier', revealedAt: 'agreed' },
    { filename: 'ban-ve.pdf', bytes: samplePdf('bản vẽ') },
  )
  t.equal(upload.statusCode, 201, upload.body)
  const file = upload.json() as Stored
  await uploadFile(app, owner.auth, { subjectType: 'listing', subjectId: secret.id, kind: 'photo' }, { filename: 'anh.png', bytes: await samplePng(40, 30) })

  const listFor = async (auth: Record<string, string>) =>
    (await app.inject({ method: 'GET', url: `/v1/files?subjectType=listing&subjectId=${secret.id}`, headers: auth })).json()
  const asSeeker = await listFor(seeker.auth)
  t.same(
    asSeeker.items.map((item: Stored) => item.name),
    ['anh.png'],
  )
  t.same(asSeeker.withheld, [{ kind: 'dossier', revealedAt: 'agreed', count: 1 }], 'the seeker learns a dossier comes with agreement')
  t.equal((await listFor(owner.auth)).items.length, 2, 'the owner sees everything')
  t.same((await listFor(owner.auth)).withheld, [])
  for (const url of [`/v1/files/${file.id}`, file.contentUrl]) {
    const refused = await app.inject({ method: 'GET', url, headers: seeker.auth })
    t.equal(refused.statusCode, 403, url)
    t.match(refused.json().detail, /agreed/)
  }

  const deal = await startInterest(app, seeker.auth, secret.id)
  await driveTo(app, { provider: owner.auth, seeker: seeker.auth }, deal.id, 'negotiating')
  t.equal((await app.inject({ method: 'GET', url: file.contentUrl, headers: seeker.auth })).statusCode, 403, 'negotiating is not yet agreed')
  await driveTo(app, { provider: owner.auth, seeker: seeker.auth }, deal.id, 'agreed')
  const read = await app.inject({ method: 'GET', url: file.contentUrl, headers: seeker.auth })
  t.equal(read.statusCode, 200)
  t.same(read.rawPayload, samplePdf('bản vẽ'))
  t.equal((await listFor(seeker.auth)).items.length, 2)
  t.equal((await app.inject({ method: 'GET', url: file.contentUrl, headers: stranger.auth })).statusCode, 403, 'another enterprise still waits')
})

t.test("a deal's files: its parties read them, only the uploader removes them", async (t) => {
  const offered = await publishListing(app, owner.auth, { titleVi: 'Chế phẩm vi sinh xử lý rơm rạ' })
  const started = await startInterest(app, seeker.auth, offered.id)
  const deal = await driveTo(app, { provider: owner.auth, seeker: seeker.auth }, started.id, 'agreed')
  const milestoneId = deal.milestones[0]!.id
  const evidence = await uploadFile(
    app,
    owner.auth,
    { subjectType: 'deal', subjectId: deal.id, kind: 'evidence', milestoneId },
    { filename: 'bien-ban.pdf', bytes: samplePdf('biên bản') },
  )
  t.equal(evidence.statusCode, 201, evidence.body)
  t.equal(evidence.json().milestoneId, milestoneId)
  const file = evidence.json() as Stored

  t.equal((await app.inject({ method: 'GET', url: file.contentUrl, headers: seeker.auth })).statusCode, 200, 'the other party reads it')
  t.equal((await app.inject({ method: 'GET', url: file.contentUrl, headers: stranger.auth })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: file.contentUrl })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/v1/files?subjectType=deal&subjectId=${deal.id}` })).statusCode, 404)

  const wrongMilestone = await uploadFile(
    app,
    seeker.auth,
    { subjectType: 'deal', subjectId: deal.id, kind: 'evidence', milestoneId: offered.id },
    { filename: 'x.pdf', bytes: samplePdf() },
  )
  t.equal(wrongMilestone.statusCode, 422)
  const staged = await uploadFile(
    app,
    seeker.auth,
    { subjectType: 'deal', subjectId: deal.id, kind: 'contract', revealedAt: 'agreed' },
    { filename: 'x.pdf', bytes: samplePdf() },
  )
  t.equal(staged.statusCode, 422, "a deal's files do not wait for a stage")
  t.equal(staged.json().errors[0].pointer, '#/revealedAt')

  t.equal(
    (await app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: seeker.auth })).statusCode,
    403,
    "the other party cannot take the provider's evidence away",
  )
  const removed = await app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: owner.auth })
  t.equal(removed.statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: `/v1/files/${file.id}`, headers: owner.auth })).statusCode, 404)
  t.notOk(storedObjects().includes(file.id), 'the bytes are gone')
  t.same(
    (await auditTrailOf(db, file.id)).map((entry) => entry.operation),
    ['file.upload', 'file.remove'],
  )
})

t.test('files of events and tasks follow their records', async (t) => {
  const event = await app.inject({
    method: 'POST',
    url: '/v1/exchange-events',
    headers: owner.auth,
    payload: {
      kind: 'fair',
      title: 'Chợ công nghệ Nam Định 2026',
      startsOn: '2026-05-10',
      endsOn: '2026-05-11',
      place: 'Nhà văn hoá tỉnh',
      provinceCode: '36',
    },
  })
  t.equal(event.statusCode, 201, event.body)
  const programme = await uploadFile(
    app,
    owner.auth,
    { subjectType: 'exchange_event', subjectId: event.json().id, kind: 'programme' },
    { filename: 'chuong-trinh.txt', bytes: Buffer.from('08:00 Khai mạc\n09:00 Trình diễn máy sấy\n') },
  )
  t.equal(programme.statusCode, 201, programme.body)
  t.equal(programme.json().contentType, 'text/plain')
  t.equal((await app.inject({ method: 'GET', url: programme.json().contentUrl })).headers['content-type'], 'text/plain; charset=utf-8')
  t.match((await app.inject({ method: 'GET', url: programme.json().contentUrl })).headers['content-disposition'], /^attachment;/, 'text is never shown inline')
  const foreign = await uploadFile(
    app,
    stranger.auth,
    { subjectType: 'exchange_event', subjectId: event.json().id, kind: 'photo' },
    { filename: 'a.png', bytes: await samplePng(20, 20) },
  )
  t.equal(foreign.statusCode, 403)
})

t.test('the sweep finishes what a crash left, and removes the files of long-retired records', async (t) => {
  const retiring = await publishListing(app, owner.auth, { titleVi: 'Máy gặt đập liên hợp mini' })
  const kept = (
    await uploadFile(app, owner.auth, { subjectType: 'listing', subjectId: retiring.id, kind: 'photo' }, { filename: 'a.png', bytes: await samplePng(50, 50) })
  ).json() as Stored
  // A process that died between writing the bytes and marking the row stored: a pending row with bytes.
  const crashed = (
    await uploadFile(app, owner.auth, { subjectType: 'listing', subjectId: retiring.id, kind: 'dossier' }, { filename: 'c.pdf', bytes: samplePdf('c') })
  ).json() as Stored
  await db
    .update(files)
    .set({ status: 'pending', createdAt: new Date(clock.now().getTime() - 2 * 3600_000) })
    .where(eq(files.id, crashed.id))
  // And the temporary file of a write that died before its rename, next to where the bytes go.
  const partial = path.join(filesDir, 'listing', crashed.id.slice(0, 2), `${crashed.id}.0a1b2c3d4e5f.partial`)
  writeFileSync(partial, 'half a file')
  // One that died before its removal finished: a removing row with bytes.
  const halfRemoved = (
    await uploadFile(app, owner.auth, { subjectType: 'listing', subjectId: retiring.id, kind: 'brochure' }, { filename: 'h.pdf', bytes: samplePdf('h') })
  ).json() as Stored
  await db.update(files).set({ status: 'removing' }).where(eq(files.id, halfRemoved.id))
  // And an upload still under way (pending for a minute): the sweep leaves it alone.
  const underWay = (
    await uploadFile(app, owner.auth, { subjectType: 'listing', subjectId: retiring.id, kind: 'other' }, { filename: 'u.pdf', bytes: samplePdf('u') })
  ).json() as Stored
  await db
    .update(files)
    .set({ status: 'pending', createdAt: new Date(clock.now().getTime() - 60_000) })
    .where(eq(files.id, underWay.id))

  const sweep = async () => {
    await app.jobs.send(fileSweepJob, {})
    await app.jobs.runPending()
  }
  await sweep()
  const ids = async () => (await db.select({ id: files.id }).from(files)).map((row) => row.id)
  t.notOk((await ids()).includes(crashed.id), 'the dead upload is gone')
  t.notOk((await ids()).includes(halfRemoved.id), 'the removal is finished')
  t.ok((await ids()).includes(underWay.id), 'the upload under way stays')
  t.notOk(storedObjects().includes(crashed.id) || storedObjects().includes(halfRemoved.id), 'their bytes are gone')
  t.notOk(existsSync(partial), 'and the temporary file the dead write left')
  t.ok(storedObjects().includes(kept.id))

  const withdrawn = await app.inject({
    method: 'POST',
    url: `/v1/listings/${retiring.id}/withdraw`,
    headers: owner.auth,
    payload: { reason: 'Đã chuyển giao xong' },
  })
  t.equal(withdrawn.statusCode, 200, withdrawn.body)
  const late = await uploadFile(
    app,
    owner.auth,
    { subjectType: 'listing', subjectId: retiring.id, kind: 'photo' },
    { filename: 'a.png', bytes: await samplePng(50, 50) },
  )
  t.equal(late.statusCode, 409, 'a withdrawn listing takes no new files')
  t.equal(late.json().code, 'record_retired')
  t.equal((await app.inject({ method: 'GET', url: kept.contentUrl, headers: owner.auth })).statusCode, 200, 'its owner still reads them')

  clock.advanceDays(29)
  await sweep()
  t.ok((await ids()).includes(kept.id), 'kept for FILE_RETENTION_DAYS')
  clock.advanceDays(2)
  await sweep()
  t.notOk((await ids()).includes(kept.id), 'removed after FILE_RETENTION_DAYS')
  t.notOk(
    storedObjects().some((name) => name.startsWith(kept.id)),
    'bytes and thumbnail gone',
  )
  const trail = await auditTrailOf(db, kept.id)
  t.match(trail.at(-1), { operation: 'file.remove', keyId: null })
})

t.test("a demand's files go the same way once it closes, including one written as it closed", async (t) => {
  const demand = await fileOpenDemand(app, seeker.auth, { titleVi: 'Cần máy bóc vỏ lạc cho hợp tác xã' })
  const uploaded = await uploadFile(
    app,
    seeker.auth,
    { subjectType: 'demand', subjectId: demand.id, kind: 'specification' },
    { filename: 'yeu-cau.pdf', bytes: samplePdf('spec') },
  )
  t.equal(uploaded.statusCode, 201, uploaded.body)
  const spec = uploaded.json() as Stored
  const retiredAt = async (id: string) => (await db.select({ at: files.subjectRetiredAt }).from(files).where(eq(files.id, id)))[0]?.at
  t.equal(await retiredAt(spec.id), null, 'an open demand: not due')
  await closeDemand(app, seeker.auth, demand.id)
  const closedAt = await retiredAt(spec.id)
  t.ok(closedAt instanceof Date, 'closing it marks its files with the time it closed')
  // An upload that passed its check just before the close and wrote its row just after.
  const [late] = await db
    .insert(files)
    .values({
      subjectType: 'demand',
      subjectId: demand.id,
      kind: 'other',
      name: 'late.pdf',
      contentType: 'application/pdf',
      sizeBytes: 1,
      sha256: sha256Of(Buffer.from('x')),
      storageKey: 'demand/late',
      status: 'stored',
      uploadedByOrganizationId: seeker.organization.id,
    })
    .returning()
  t.same(await retiredAt(late!.id), closedAt, 'a row written after the close takes the close time too')
  await db.delete(files).where(eq(files.id, late!.id))
  // Should a closed demand ever be opened again (by hand, in the database), its files stop being due.
  await db.update(demands).set({ status: 'open', closedAt: null }).where(eq(demands.id, demand.id))
  t.equal(await retiredAt(spec.id), null)
  await db.update(demands).set({ status: 'closed', closedAt: clock.now() }).where(eq(demands.id, demand.id))

  clock.advanceDays(31)
  await app.jobs.send(fileSweepJob, {})
  await app.jobs.runPending()
  t.same(await db.select({ id: files.id }).from(files).where(eq(files.id, spec.id)), [], 'removed after FILE_RETENTION_DAYS')
})
