import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { AwsClient } from 'aws4fetch'
import S3rver from 's3rver'
import t from 'tap'
import { files } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { samplePdf, samplePng, uploadFile } from '../helpers/files.ts'
import { publishListing } from '../helpers/matching.ts'

// FILE_STORAGE=s3 against a real S3-compatible server (s3rver, from npm: the S3 REST API over a
// local folder): the bytes go to the bucket, come back through the API, and leave with the file.
// A store that does not answer is a 503 with Retry-After, and the upload shows nothing.

const directory = mkdtempSync(path.join(tmpdir(), 'tx-s3-'))
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'tech-exchange-files', configs: [] }] })
const { port } = (await server.run()) as { port: number }
t.teardown(async () => {
  await server.close()
  rmSync(directory, { recursive: true, force: true })
})
const endpoint = `http://127.0.0.1:${port}`
const s3 = {
  FILE_STORAGE: 's3',
  S3_ENDPOINT: endpoint,
  S3_BUCKET: 'tech-exchange-files',
  S3_REGION: 'ap-southeast-1',
  S3_ACCESS_KEY_ID: 'S3RVER',
  S3_SECRET_ACCESS_KEY: 'S3RVER',
}
const bucket = new AwsClient({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', service: 's3', region: 'ap-southeast-1' })
const objectStatus = async (key: string) => (await bucket.fetch(`${endpoint}/tech-exchange-files/${key}`, { method: 'HEAD' })).status

t.test('files go to the bucket, come back, and leave with the file', async (t) => {
  const { app, db } = await buildTestApp(t, s3)
  const owner = await createMember(db, { kind: 'university' })
  const listing = await publishListing(app, owner.auth)
  const png = await samplePng(640, 480)
  const response = await uploadFile(app, owner.auth, { subjectType: 'listing', subjectId: listing.id, kind: 'photo' }, { filename: 'ảnh.png', bytes: png })
  t.equal(response.statusCode, 201, response.body)
  const file = response.json() as { id: string; contentUrl: string; thumbnailUrl: string }
  const key = `listing/${file.id}`
  t.equal(await objectStatus(key), 200, 'the object is in the bucket')
  t.equal(await objectStatus(`${key}.thumb.webp`), 200, 'and its thumbnail')
  const download = await app.inject({ method: 'GET', url: file.contentUrl })
  t.equal(download.statusCode, 200)
  t.same(download.rawPayload, png)
  const part = await app.inject({ method: 'GET', url: file.contentUrl, headers: { range: 'bytes=8-23' } })
  t.equal(part.statusCode, 206, 'a range, asked of the bucket')
  t.same(part.rawPayload, png.subarray(8, 24))
  t.equal(part.headers['content-range'], `bytes 8-23/${png.length}`)
  t.equal((await app.inject({ method: 'GET', url: file.thumbnailUrl })).headers['content-type'], 'image/webp')

  t.equal((await app.inject({ method: 'DELETE', url: `/v1/files/${file.id}`, headers: owner.auth })).statusCode, 204)
  t.equal(await objectStatus(key), 404, 'the object is gone')
  t.equal(await objectStatus(`${key}.thumb.webp`), 404)
})

t.test('a store that does not answer: 503 with Retry-After, nothing to be seen', async (t) => {
  // A port nothing listens on: the server above, closed for this app's purposes by pointing elsewhere.
  const closed = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory })
  const { port: deadPort } = (await closed.run()) as { port: number }
  await closed.close()
  const { app, db } = await buildTestApp(t, { ...s3, S3_ENDPOINT: `http://127.0.0.1:${deadPort}` })
  const owner = await createMember(db, { kind: 'university' })
  const listing = await publishListing(app, owner.auth)
  const response = await uploadFile(
    app,
    owner.auth,
    { subjectType: 'listing', subjectId: listing.id, kind: 'dossier' },
    { filename: 'a.pdf', bytes: samplePdf() },
  )
  t.equal(response.statusCode, 503, response.body)
  t.equal(response.json().code, 'file_store_unavailable')
  t.equal(response.headers['retry-after'], '30')
  // The store may or may not have the bytes: the row stays pending, unseen, for the sweep to finish.
  t.same(
    (await db.select().from(files)).map((row) => row.status),
    ['pending'],
    'only a pending row, for the sweep',
  )
  const listed = await app.inject({ method: 'GET', url: `/v1/files?subjectType=listing&subjectId=${listing.id}` })
  t.same(listed.json().items, [], 'no file to be seen')
})
