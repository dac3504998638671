import { Readable } from 'node:stream'
import { count, eq, sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import * as schema from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { listingInput } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'

// The claim, the write and the answer of an Idempotency-Key request are one transaction
// (src/http/idempotency.ts): a database error where the answer is stored keeps nothing and says so
// (the retry then runs once); concurrent twins run once, the others replay it or get 409 with
// Retry-After; an upload is replayed by its key.

type Response = Awaited<ReturnType<Awaited<ReturnType<typeof buildTestApp>>['app']['inject']>>
const onPostgres = Boolean(process.env.TEST_DATABASE_URL)

async function written(db: Awaited<ReturnType<typeof buildTestApp>>['db'], ownerId: string) {
  const n = async (query: Promise<{ n: number }[]>) => (await query)[0]!.n
  return {
    listings: await n(db.select({ n: count() }).from(schema.listings).where(eq(schema.listings.ownerId, ownerId))),
    events: await n(db.select({ n: count() }).from(schema.outboxEvents)),
    audit: await n(db.select({ n: count() }).from(schema.auditEvents)),
    keys: await n(db.select({ n: count() }).from(schema.idempotencyKeys)),
    jobs: Number((await db.execute<{ n: string }>(sql`select count(*) as n from pgboss.job`)).rows[0]!.n),
  }
}

t.test('a database error where the answer is stored: a 503 that says nothing was kept, nothing kept, and the retry creates once', async (t) => {
  const { app, db } = await buildTestApp(t, { FAULT_FAIL_ANSWER: 'fail-1' })
  const member = await createMember(db, { kind: 'research_institute' })
  const before = await written(db, member.organization.id)
  const headers = { ...member.auth, 'idempotency-key': 'fail-1' }
  const failed = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload: listingInput() })
  assertProblem(t, failed, 503, 'not_committed')
  t.equal(failed.headers['retry-after'], '1')
  t.notOk(failed.headers.location, 'no Location of a listing that does not exist')
  t.same(await written(db, member.organization.id), before, 'no listing, event, audit entry, job or key')

  const retried = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload: listingInput() })
  t.equal(retried.statusCode, 201, 'the retry runs')
  t.notOk(retried.headers['idempotent-replayed'])
  const again = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload: listingInput() })
  t.same([again.statusCode, again.headers['idempotent-replayed'], again.json().id], [201, 'true', retried.json().id], 'then replays')
  const after = await written(db, member.organization.id)
  t.equal(after.listings, before.listings + 1, 'created exactly once')
  t.equal(after.keys, before.keys + 1)
})

function assertOnce(t: Test, responses: Response[]) {
  const ran = responses.filter((response) => response.statusCode === 201 && !response.headers['idempotent-replayed'])
  t.equal(ran.length, 1, 'exactly one ran')
  const id = ran[0]!.json().id as string
  for (const response of responses) {
    if (response === ran[0]) continue
    if (response.statusCode === 409) {
      assertProblem(t, response, 409, 'idempotency_in_progress')
      t.equal(response.headers['retry-after'], '1', 'with Retry-After')
    } else t.same([response.statusCode, response.headers['idempotent-replayed'], response.json().id], [201, 'true', id], 'a replay')
  }
  return responses.filter((response) => response.statusCode === 409).length
}

t.test('20 identical requests at once: one creates, the others replay it or get 409 with Retry-After', async (t) => {
  const { app, db } = await buildTestApp(t, {}, { poolSize: 10 })
  const member = await createMember(db, { kind: 'research_institute' })
  const headers = { ...member.auth, 'idempotency-key': 'twenty' }
  const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject({ method: 'POST', url: '/v1/listings', headers, payload: listingInput() })))
  const busy = assertOnce(t, responses)
  t.comment(`${busy} of 19 got 409, the others a replay`)
  t.equal((await written(db, member.organization.id)).listings, 1, 'one listing')
  const retry = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload: listingInput() })
  t.equal(retry.headers['idempotent-replayed'], 'true', 'a later retry replays')
})

t.test('a retry while a slow first attempt runs waits briefly, then gets 409 with Retry-After (PostgreSQL) or its turn and the replay (PGlite)', async (t) => {
  const { app, db } = await buildTestApp(t)
  const member = await createMember(db, { kind: 'research_institute' })
  await db.execute(
    sql.raw(`
    create function test_slow_listing() returns trigger language plpgsql as $$
    begin if new.title_vi = 'Chậm' then perform pg_sleep(4.5); end if; return new; end $$;
    create trigger test_slow_listing before insert on listings for each row execute function test_slow_listing();
  `),
  )
  const headers = { ...member.auth, 'idempotency-key': 'slow' }
  const payload = listingInput({ titleVi: 'Chậm' })
  const first = app.inject({ method: 'POST', url: '/v1/listings', headers, payload })
  await new Promise((resolve) => setTimeout(resolve, 500))
  const started = performance.now()
  const second = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload })
  const waited = (performance.now() - started) / 1000
  if (onPostgres) {
    assertProblem(t, second, 409, 'idempotency_in_progress')
    t.equal(second.headers['retry-after'], '1')
    t.ok(waited >= 2.5 && waited < 4.5, `answered after waiting ${waited.toFixed(1)} s for the first attempt`)
  } else {
    // One PGlite backend runs one transaction at a time: the retry waits for the first to commit.
    t.same([second.statusCode, second.headers['idempotent-replayed']], [201, 'true'], 'replayed after its turn')
  }
  const done = await first
  t.equal(done.statusCode, 201)
  const third = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload })
  t.same([third.statusCode, third.headers['idempotent-replayed'], third.json().id], [201, 'true', done.json().id])
  t.equal((await written(db, member.organization.id)).listings, 1, 'one listing')
})

t.test('an upload under Idempotency-Key is claimed when its import is created: a retry replays it without storing the file again', async (t) => {
  const { app, db } = await buildTestApp(t)
  const member = await createMember(db)
  const csv = 'kind,titleVi,descriptionVi\ntechnology,Máy gặt đập liên hợp,Máy gặt cho ruộng nhỏ\n'
  const headers = { ...member.auth, 'idempotency-key': 'upload-1', 'content-type': 'text/csv' }
  const first = await app.inject({ method: 'POST', url: '/v1/imports?kind=listings', headers, payload: csv })
  t.equal(first.statusCode, 202, first.body)
  const chunks = async () => (await db.select({ n: count() }).from(schema.importChunks))[0]!.n
  const stored = await chunks()
  const retry = await app.inject({ method: 'POST', url: '/v1/imports?kind=listings', headers, payload: csv })
  t.same(
    [retry.statusCode, retry.headers['idempotent-replayed'], retry.json().id, retry.headers.location],
    [202, 'true', first.json().id, first.headers.location],
  )
  t.equal((await db.select({ n: count() }).from(schema.imports))[0]!.n, 1, 'one import')
  t.equal(await chunks(), stored, 'the file stored once')
  const other = await app.inject({ method: 'POST', url: '/v1/imports?kind=organizations', headers, payload: csv })
  assertProblem(t, other, 422, 'idempotency_key_reused')
  t.equal(await chunks(), stored, 'a refused reuse stores nothing')
})

t.test('a slow upload under Idempotency-Key holds no transaction while it streams: its pieces commit, and other requests run meanwhile', async (t) => {
  const { app, db } = await buildTestApp(t)
  const member = await createMember(db)
  const line = (index: number) => `technology,Máy số ${index} cho hợp tác xã,Mô tả máy số ${index} dùng cho đồng ruộng nhỏ và vừa\n`
  const head = 'kind,titleVi,descriptionVi\n' + Array.from({ length: 600 }, (_, index) => line(index)).join('')
  const tail = Array.from({ length: 10 }, (_, index) => line(600 + index)).join('')
  let resume!: () => void
  const resumed = new Promise<void>((resolve) => (resume = resolve))
  // The first part (more than one 32k-character piece), then a pause until another request has run.
  const body = Readable.from(
    (async function* () {
      yield Buffer.from(head)
      await resumed
      yield Buffer.from(tail)
    })(),
  )
  const headers = { ...member.auth, 'idempotency-key': 'slow-upload', 'content-type': 'text/csv' }
  const uploading = app.inject({ method: 'POST', url: '/v1/imports?kind=listings', headers, payload: body })
  const deadline = Date.now() + 20_000
  let piecesSeen = 0
  while (piecesSeen === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    piecesSeen = (await db.select({ n: count() }).from(schema.importChunks))[0]!.n
  }
  const read = await app.inject({ method: 'GET', url: '/v1/listings' })
  const meanwhile = { status: read.statusCode, piecesSeen }
  resume()
  const uploaded = await uploading
  t.equal(uploaded.statusCode, 202, uploaded.body)
  t.ok(meanwhile.piecesSeen > 0, `${meanwhile.piecesSeen} piece(s) committed while the upload streamed`)
  t.equal(meanwhile.status, 200, 'a read ran meanwhile')
  // Streamed like the first (no Content-Length): the same request.
  const replay = await app.inject({ method: 'POST', url: '/v1/imports?kind=listings', headers, payload: Readable.from([Buffer.from(head + tail)]) })
  t.same([replay.statusCode, replay.headers['idempotent-replayed'], replay.json().id], [202, 'true', uploaded.json().id])
  t.equal((await db.select({ n: count() }).from(schema.imports))[0]!.n, 1, 'one import')
})
