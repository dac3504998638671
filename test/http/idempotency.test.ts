import { readFileSync } from 'node:fs'
import { count, eq } from 'drizzle-orm'
import t from 'tap'
import * as schema from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { listingInput } from '../helpers/listings.ts'

// Idempotency-Key on every POST (src/http/idempotency.ts): declared on each POST operation, and a
// retry gets the first answer. The deal POSTs are tested in test/modules/deals/deals-idempotency.test.ts.

type Operation = {
  operationId: string
  parameters?: Array<{ in: string; name: string }>
  responses: Record<string, { description: string; headers?: Record<string, unknown> }>
}
const document = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as { paths: Record<string, Record<string, Operation>> }
const posts = Object.values(document.paths).flatMap((item) => (item.post ? [item.post] : []))
// Their answers carry a new secret, which is never stored in the clear: no replay possible.
const secretAnswers = ['createApiKey', 'rotateApiKey', 'createWebhook', 'rotateWebhookSecret']

t.test('every POST operation declares Idempotency-Key, except those that answer with a secret', async (t) => {
  t.ok(posts.length >= 20, `${posts.length} POST operations`)
  for (const operation of posts) {
    const declared = (operation.parameters ?? []).some((parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key')
    t.equal(declared, !secretAnswers.includes(operation.operationId), operation.operationId)
  }
})

t.test('every POST that takes Idempotency-Key declares its 409 (in progress, with Retry-After) and 422 (key reused)', async (t) => {
  for (const operation of posts.filter((post) => !secretAnswers.includes(post.operationId))) {
    const { 409: busy, 422: reused } = operation.responses
    t.ok(busy?.headers?.['Retry-After'] && busy.description.includes('idempotency_in_progress'), `${operation.operationId}: 409 with Retry-After`)
    t.ok(reused?.description.includes('idempotency_key_reused'), `${operation.operationId}: 422`)
  }
})

t.test('a retried create or state change is answered once, from the first response', async (t) => {
  const { app, db } = await buildTestApp(t)
  const member = await createMember(db, { kind: 'research_institute' })
  const operator = await createOperator(db)
  const listings = async () => (await db.select({ n: count() }).from(schema.listings).where(eq(schema.listings.ownerId, member.organization.id)))[0]!.n

  const headers = { ...member.auth, 'idempotency-key': 'create-listing-1' }
  const first = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload: listingInput() })
  t.equal(first.statusCode, 201)
  const retry = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload: listingInput() })
  t.equal(retry.statusCode, 201)
  t.equal(retry.headers['idempotent-replayed'], 'true')
  t.equal(retry.json().id, first.json().id, 'the same listing')
  t.equal(retry.headers.location, first.headers.location)
  t.equal(await listings(), 1, 'created once')

  // A state change: without the key the second publish would be a 409; with it, the first 200.
  const id = first.json().id as string
  const publish = { ...member.auth, 'idempotency-key': 'publish-1' }
  const published = await app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: publish })
  t.equal(published.statusCode, 200)
  const again = await app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: publish })
  t.same([again.statusCode, again.headers['idempotent-replayed'], again.json().version], [200, 'true', published.json().version])
  const plain = await app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: member.auth })
  t.equal(plain.statusCode, 409, 'without the key, a second publish is refused as usual')

  const organization = { ...operator.auth, 'idempotency-key': 'org-1' }
  const body = { kind: 'enterprise', name: 'Công ty TNHH Cơ khí Ý Yên', taxCode: '0601234567' }
  const made = await app.inject({ method: 'POST', url: '/v1/organizations', headers: organization, payload: body })
  t.equal(made.statusCode, 201, made.body)
  const remade = await app.inject({ method: 'POST', url: '/v1/organizations', headers: organization, payload: body })
  t.same([remade.statusCode, remade.json().id], [201, made.json().id])
  const reused = await app.inject({ method: 'POST', url: '/v1/organizations', headers: organization, payload: { ...body, name: 'Khác' } })
  t.equal(reused.statusCode, 422)
})

t.test('creating an API key ignores Idempotency-Key: the answer holds a secret that is never stored', async (t) => {
  const { app, db } = await buildTestApp(t)
  const member = await createMember(db)
  const headers = { ...member.auth, 'idempotency-key': 'key-1' }
  const first = await app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload: { role: 'reader' } })
  const second = await app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload: { role: 'reader' } })
  t.same([first.statusCode, second.statusCode], [201, 201])
  t.not(second.json().secret, first.json().secret, 'two keys, each shown once')
  t.notOk(second.headers['idempotent-replayed'])
  t.equal((await db.select({ n: count() }).from(schema.idempotencyKeys))[0]!.n, 0, 'nothing stored')
})
