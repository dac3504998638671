import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { count, eq } from 'drizzle-orm'
import { createTechExchangeClient, paginate, ProblemError, unwrap, type Schemas } from '../clients/typescript/src/index.ts'
import { createApiKey } from '../src/core/keys.ts'
import { listings } from '../src/db/schema/index.ts'
import { buildTestApp } from './helpers/app.ts'
import { createOperator } from './helpers/factories.ts'

// The official client (clients/typescript) against a live server: its generated types are those
// of the committed document, and what it adds (the key, retries under one Idempotency-Key,
// paging, errors) works over real HTTP.

t.test('the generated types are those of openapi/openapi.json', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tech-exchange-client-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const fresh = path.join(dir, 'schema.d.ts')
  await promisify(execFile)(path.resolve('node_modules/.bin/openapi-typescript'), ['openapi/openapi.json', '--output', fresh], { timeout: 120_000 })
  t.ok(
    readFileSync(fresh, 'utf8') === readFileSync('clients/typescript/src/schema.d.ts', 'utf8'),
    'clients/typescript/src/schema.d.ts is stale: run `npm run client:generate` and commit the result',
  )
})

t.test('a portal works through the client: create, publish, find, page, and read errors', async (t) => {
  const { app, db } = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const operator = createTechExchangeClient({ baseUrl, apiKey: (await createOperator(db)).key })

  const organizations: Schemas['Organization'][] = []
  for (const name of ['Trung tâm Ứng dụng KH&CN Nam Định', 'Trung tâm Ứng dụng KH&CN Thái Bình', 'Viện Cơ điện Nông nghiệp']) {
    const body: Schemas['CreateOrganizationRequest'] = { kind: 'transfer_centre', name, provinceCode: '37' }
    organizations.push(unwrap(await operator.POST('/v1/organizations', { body })))
  }
  const centre = createTechExchangeClient({ baseUrl, apiKey: (await createApiKey(db, { organizationId: organizations[0]!.id, role: 'admin' })).key })

  const listing = unwrap(
    await centre.POST('/v1/listings', {
      body: { kind: 'technology', titleVi: 'Máy sấy lúa tuần hoàn 10 tấn/mẻ', descriptionVi: 'Máy sấy lúa quy mô hợp tác xã, đốt trấu, giữ chất lượng gạo.' },
    }),
  )
  t.equal(listing.status, 'draft')
  unwrap(await centre.POST('/v1/listings/{id}/publish', { params: { path: { id: listing.id } } }))

  const anonymous = createTechExchangeClient({ baseUrl })
  const found = unwrap(await anonymous.GET('/v1/listings', { params: { query: { q: 'máy sấy lúa' } } }))
  t.same(
    found.items.map((item) => item.id),
    [listing.id],
    'search finds it, without a key',
  )

  // A filter with several values is a list; the client writes it as the repeated parameter the server reads.
  const byKinds = unwrap(await anonymous.GET('/v1/listings', { params: { query: { kind: ['equipment', 'technology'] } } }))
  t.same(
    byKinds.items.map((item) => item.id),
    [listing.id],
    'kind=[equipment, technology] finds the technology',
  )
  t.same(unwrap(await anonymous.GET('/v1/listings', { params: { query: { kind: ['equipment', 'service'] } } })).items, [], 'and not when it is not named')

  const paged: string[] = []
  for await (const organization of paginate((cursor) =>
    anonymous.GET('/v1/organizations', { params: { query: { limit: 1, ...(cursor ? { cursor } : {}) } } }),
  )) {
    paged.push(organization.id)
  }
  t.equal(new Set(paged).size, paged.length, 'no organisation twice')
  t.ok(
    organizations.every((organization) => paged.includes(organization.id)),
    'paginate walks every page, one organisation at a time',
  )

  const error = await anonymous
    .GET('/v1/listings/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } })
    .then(unwrap)
    .catch((caught: unknown) => caught)
  t.ok(error instanceof ProblemError, 'unwrap throws a ProblemError')
  t.match(error, { status: 404, problem: { code: 'not_found', title: 'Không tìm thấy' } }, 'with the status and the problem document, in Vietnamese')

  const english = await createTechExchangeClient({ baseUrl, language: 'en' })
    .GET('/v1/listings/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } })
    .then(unwrap)
    .catch((caught: unknown) => caught)
  t.match(english, { status: 404, problem: { code: 'not_found', title: 'Not found' } }, 'language: en asks for English')
})

t.test('a write whose answer is lost is retried under the same Idempotency-Key and happens once', async (t) => {
  const { app, db } = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const organization = unwrap(
    await createTechExchangeClient({ baseUrl, apiKey: (await createOperator(db)).key }).POST('/v1/organizations', {
      body: { kind: 'research_institute', name: 'Viện Nghiên cứu Rau quả', provinceCode: '01' },
    }),
  )
  const key = (await createApiKey(db, { organizationId: organization.id, role: 'admin' })).key

  // The first attempt reaches the server, which writes; then the connection drops before the answer.
  const keys: string[] = []
  const waits: number[] = []
  let dropped = false
  const client = createTechExchangeClient({
    baseUrl,
    apiKey: key,
    sleep: async (milliseconds) => void waits.push(milliseconds),
    fetch: async (request) => {
      keys.push(request.headers.get('idempotency-key') ?? '')
      const response = await fetch(request)
      if (!dropped && request.method === 'POST') {
        dropped = true
        await response.arrayBuffer()
        throw new TypeError('fetch failed: the connection was reset')
      }
      return response
    },
  })
  const created = await client.POST('/v1/listings', {
    body: { kind: 'product', titleVi: 'Chế phẩm Trichoderma phòng bệnh xì mủ sầu riêng', descriptionVi: 'Chế phẩm sinh học bón gốc, phòng nấm Phytophthora.' },
  })
  t.equal(created.response.status, 201, 'the retry gets the answer')
  t.equal(created.response.headers.get('idempotent-replayed'), 'true', 'replayed, not written again')
  t.equal(keys.length, 2, 'two attempts')
  t.match(keys[0], /^[0-9a-f-]{36}$/, 'the client gave the write a key')
  t.equal(keys[1], keys[0], 'the same key on the retry')
  t.equal(waits.length, 1, 'it waited once before retrying')
  const [stored] = await db.select({ total: count() }).from(listings).where(eq(listings.ownerId, organization.id))
  t.equal(stored!.total, 1, 'one listing')
})

t.test('429 and 503 are retried after Retry-After; other errors are answered at once', async (t) => {
  const answers = [
    new Response('{}', { status: 503, headers: { 'retry-after': '2', 'content-type': 'application/problem+json' } }),
    new Response('{}', { status: 429, headers: { 'retry-after': '7', 'content-type': 'application/problem+json' } }),
    new Response('{"items":[],"nextCursor":null}', { status: 200, headers: { 'content-type': 'application/json' } }),
  ]
  const waits: number[] = []
  const client = createTechExchangeClient({
    baseUrl: 'http://exchange.invalid',
    sleep: async (milliseconds) => void waits.push(milliseconds),
    fetch: async () => answers.shift()!,
  })
  const page = await client.GET('/v1/listings')
  t.equal(page.response.status, 200)
  t.same(waits, [2000, 7000], 'waited as told')

  const calls: string[] = []
  const refusing = createTechExchangeClient({
    baseUrl: 'http://exchange.invalid',
    sleep: async () => {},
    fetch: async (request) => {
      calls.push(request.method)
      return new Response('{"code":"validation_failed"}', { status: 400, headers: { 'content-type': 'application/problem+json' } })
    },
  })
  t.equal((await refusing.GET('/v1/listings')).response.status, 400)
  t.same(calls, ['GET'], 'a 400 is not retried')

  const tries: number[] = []
  const busy = createTechExchangeClient({
    baseUrl: 'http://exchange.invalid',
    maxAttempts: 2,
    sleep: async () => {},
    fetch: async () => {
      tries.push(1)
      return new Response('{}', { status: 503, headers: { 'retry-after': '1' } })
    },
  })
  t.equal((await busy.GET('/v1/listings')).response.status, 503, 'the last answer once attempts run out')
  t.equal(tries.length, 2, 'maxAttempts holds')
})
