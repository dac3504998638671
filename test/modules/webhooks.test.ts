import { sql } from 'drizzle-orm'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import * as schema from '../../src/db/schema/index.ts'
import { fanOutJob } from '../../src/core/outbox.ts'
import { TestClock } from '../helpers/app.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { move, startInterest } from '../helpers/deals.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { publishListing } from '../helpers/matching.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'
import { deliveriesOf, startReceiver, subscribe, verifySignature } from '../helpers/webhooks.ts'
import { versionOf } from '../helpers/etag.ts'
import { checkContract } from '../helpers/contract.ts'

// Webhooks through the API: subscriptions and who manages them, URL checks, and deliveries to a
// real receiver on 127.0.0.1 that verifies every signature itself. Jobs run when the test says
// (runPending); retries are immediate (WEBHOOK_RETRY_SECONDS=0,0,0: four attempts per cycle).

const database = await openTestDatabase()
const clock = new TestClock()
// The app as deployed: private addresses refused.
const strict = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database, clock }))
// The same database, allowed to reach the receiver on loopback; its jobs are the ones run here.
const app = checkContract(
  await buildApp(
    loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SECONDS: '0,0,0', WEBHOOK_TIMEOUT_MS: '300' }),
    {
      database,
      clock,
    },
  ),
)
const receiver = await startReceiver()
t.teardown(async () => {
  await receiver.stop()
  await app.close()
  await strict.close()
  await database.close()
})
const db = database.db

const provider = await createMember(db, { kind: 'research_institute', name: 'Viện Cơ điện Nông nghiệp' })
const seeker = await createMember(db, { name: 'HTX Nông nghiệp Giao Thủy' })
const operator = await createOperator(db)
const listing = await publishListing(app, provider.auth, {
  titleVi: 'Máy sấy lúa tầng sôi',
  descriptionVi: 'Máy sấy lúa giảm hao hụt sau thu hoạch.',
  anonymous: true,
})

/** Hands new events to the subscriptions and runs every attempt due now. */
async function drain() {
  await app.jobs.send(fanOutJob, {})
  await app.jobs.runPending()
}

// A public address (example.com's, once); nothing is ever delivered to it here.
const publicUrl = 'https://93.184.215.14/hooks/tech-exchange'

t.test('an admin subscribes, reads, updates, rotates and deletes a webhook', async (t) => {
  const created = await strict.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: provider.auth,
    payload: { url: publicUrl, eventTypes: ['deal.started'], description: 'Cổng tỉnh' },
  })
  t.equal(created.statusCode, 201)
  const { webhook, secret } = created.json() as { webhook: Record<string, unknown> & { id: string }; secret: string }
  t.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/, 'whsec_ and 24 random bytes in base64')
  t.equal(Buffer.from(secret.slice(6), 'base64').length, 24)
  t.match(webhook, {
    organizationId: provider.organization.id,
    url: publicUrl,
    eventTypes: ['deal.started'],
    description: 'Cổng tỉnh',
    status: 'active',
    disabledAt: null,
    version: 1,
  })
  t.equal(created.headers.location, `/v1/webhooks/${webhook.id}`)
  t.equal(versionOf(created.headers.etag), 1)

  const read = await strict.inject({ method: 'GET', url: `/v1/webhooks/${webhook.id}`, headers: provider.auth })
  t.equal(read.statusCode, 200)
  t.same(read.json(), webhook, 'the same webhook, without its secret')
  t.notOk(read.body.includes(secret))
  const listed = await strict.inject({ method: 'GET', url: '/v1/webhooks', headers: provider.auth })
  t.same(
    (listed.json() as { items: { id: string }[] }).items.map((item) => item.id),
    [webhook.id],
  )

  assertProblem(
    t,
    await strict.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${webhook.id}`,
      headers: { ...provider.auth, 'if-match': '"7"' },
      payload: { description: 'x' },
    }),
    412,
    'precondition_failed',
  )
  const updated = await strict.inject({
    method: 'PATCH',
    url: `/v1/webhooks/${webhook.id}`,
    headers: { ...provider.auth, 'if-match': '"1"' },
    payload: { eventTypes: [], description: null },
  })
  t.equal(updated.statusCode, 200)
  t.match(updated.json(), { eventTypes: [], description: null, version: 2 })
  t.equal(versionOf(updated.headers.etag), 2)

  const rotated = await strict.inject({ method: 'POST', url: `/v1/webhooks/${webhook.id}/secret`, headers: provider.auth })
  t.equal(rotated.statusCode, 200)
  const newSecret = (rotated.json() as { secret: string }).secret
  t.match(newSecret, /^whsec_/)
  t.not(newSecret, secret, 'a new secret')
  const [stored] = await db
    .select({ secret: schema.webhookSubscriptions.secret })
    .from(schema.webhookSubscriptions)
    .where(sql`id = ${webhook.id}`)
  t.equal(stored!.secret, newSecret, 'signing uses the new one from now on')

  const trail = await db.execute<{ operation: string; changes: unknown }>(
    sql`select operation, changes from audit_events where target_id = ${webhook.id} order by occurred_at, id`,
  )
  t.same(trail.rows.map((row) => row.operation).sort(), ['webhook.create', 'webhook.rotate_secret', 'webhook.update'])
  t.notOk(JSON.stringify(trail.rows).includes('whsec_'), 'no secret in the audit trail')

  t.equal((await strict.inject({ method: 'DELETE', url: `/v1/webhooks/${webhook.id}`, headers: provider.auth })).statusCode, 204)
  assertProblem(t, await strict.inject({ method: 'GET', url: `/v1/webhooks/${webhook.id}`, headers: provider.auth }), 404, 'not_found')
})

t.test("an organisation's admin keys, its delegate's and the operator manage its webhooks; no one else knows of them", async (t) => {
  const member = await createMember(db)
  const agent = await createMember(db, { kind: 'connection_point' })
  const outsider = await createMember(db)
  const editor = await createMember(db, { role: 'editor' })
  await db
    .insert(schema.delegations)
    .values({ agentOrganizationId: agent.organization.id, memberOrganizationId: member.organization.id, status: 'active', origin: 'onboarding' })

  const forMember = { url: publicUrl, organizationId: member.organization.id }
  const byAgent = await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: agent.auth, payload: forMember })
  t.equal(byAgent.statusCode, 201, "the delegate's admin subscribes for its member")
  const id = (byAgent.json() as { webhook: { id: string; organizationId: string } }).webhook.id
  t.equal((byAgent.json() as { webhook: { organizationId: string } }).webhook.organizationId, member.organization.id)

  const refused = assertProblem(t, await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: outsider.auth, payload: forMember }), 403, 'forbidden')
  t.same(pointers(refused), ['#/organizationId'])
  assertProblem(t, await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: editor.auth, payload: { url: publicUrl } }), 403, 'forbidden')
  assertProblem(t, await strict.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: outsider.auth }), 404, 'not_found')
  assertProblem(t, await strict.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: outsider.auth }), 404, 'not_found')
  assertProblem(
    t,
    await strict.inject({ method: 'GET', url: `/v1/webhooks?organizationId=${member.organization.id}`, headers: outsider.auth }),
    403,
    'forbidden',
  )

  const memberReader = await createMember(db, { role: 'reader' })
  assertProblem(t, await strict.inject({ method: 'GET', url: '/v1/webhooks', headers: memberReader.auth }), 403, 'forbidden')

  for (const auth of [member.auth, agent.auth, operator.auth]) {
    const listed = await strict.inject({ method: 'GET', url: `/v1/webhooks?organizationId=${member.organization.id}`, headers: auth })
    t.same(
      (listed.json() as { items: { id: string }[] }).items.map((item) => item.id),
      [id],
    )
  }
  const unknown = assertProblem(
    t,
    await strict.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: operator.auth,
      payload: { url: publicUrl, organizationId: '00000000-0000-4000-8000-000000000000' },
    }),
    422,
    'unknown_organization',
  )
  t.same(pointers(unknown), ['#/organizationId'])
})

t.test('URLs: http(s) only, and no private, loopback or link-local host unless allowed', async (t) => {
  const refusedHosts = [
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    'http://10.1.2.3/hook',
    'http://172.20.0.5/hook',
    'http://192.168.1.10/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://224.0.0.1/hook',
    'http://0.0.0.0/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://2130706433/hook',
    'http://[100::1]/hook',
  ]
  for (const url of refusedHosts) {
    const problem = assertProblem(
      t,
      await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: provider.auth, payload: { url } }),
      422,
      'url_not_allowed',
    )
    t.same(pointers(problem), ['#/url'], url)
  }
  // IPv6 addresses that carry an IPv4 address are judged by the IPv4 address; the documentation
  // networks are no one's receiver.
  const refusedWithReason: Array<[string, string]> = [
    ['http://[::127.0.0.1]/hook', '::7f00:1: IPv4-compatible of 127.0.0.1, loopback'],
    ['http://[::7f00:1]/hook', '::7f00:1: IPv4-compatible of 127.0.0.1, loopback'],
    ['http://[::ffff:0:a00:1]/hook', '::ffff:0:a00:1: IPv4-translated of 10.0.0.1, private'],
    ['http://[64:ff9b::7f00:1]/hook', '64:ff9b::7f00:1: NAT64 of 127.0.0.1, loopback'],
    ['http://[64:ff9b::a9fe:a9fe]/latest/meta-data', '64:ff9b::a9fe:a9fe: NAT64 of 169.254.169.254, linkLocal'],
    ['http://[64:ff9b:1::808:808]/hook', '64:ff9b:1::808:808: local-use NAT64'],
    ['http://[2002:7f00:1::1]/hook', '2002:7f00:1::1: 6to4 of 127.0.0.1, loopback'],
    ['http://[2002:c0a8:101::1]/hook', '2002:c0a8:101::1: 6to4 of 192.168.1.1, private'],
    ['http://[2001:0:808:808::80ff:fffe]/hook', '2001:0:808:808::80ff:fffe: Teredo of 127.0.0.1, loopback'],
    ['http://192.0.2.10/hook', '192.0.2.10: reserved'],
    ['http://198.51.100.10/hook', '198.51.100.10: reserved'],
    ['http://203.0.113.10/hook', '203.0.113.10: reserved'],
    ['http://[2001:db8::1]/hook', '2001:db8::1: reserved'],
  ]
  for (const [url, reason] of refusedWithReason) {
    const problem = assertProblem(
      t,
      await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: provider.auth, payload: { url } }),
      422,
      'url_not_allowed',
    )
    t.match(problem.detail, `(${reason})`, url)
  }
  // A NAT64 address of a public one is what a DNS64 resolver gives an IPv6-only network: allowed.
  for (const url of ['https://[64:ff9b::808:808]/hook', 'https://[2606:4700:4700::1111]/hook', 'https://[2002:808:808::1]/hook']) {
    const created = await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: provider.auth, payload: { url } })
    t.equal(created.statusCode, 201, url)
    await strict.inject({ method: 'DELETE', url: `/v1/webhooks/${(created.json() as { webhook: { id: string } }).webhook.id}`, headers: provider.auth })
  }
  assertProblem(
    t,
    await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: provider.auth, payload: { url: 'http://no-such-host.invalid/hook' } }),
    422,
    'url_unresolvable',
  )
  for (const url of ['ftp://203.0.113.7/hook', 'file:///etc/passwd', 'not a url']) {
    assertProblem(t, await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: provider.auth, payload: { url } }), 400, 'validation_failed')
  }
  const unknownType = assertProblem(
    t,
    await strict.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: provider.auth,
      payload: { url: publicUrl, eventTypes: ['deal.started', 'listing.exploded'] },
    }),
    400,
    'validation_failed',
  )
  t.ok(
    pointers(unknownType).some((pointer) => pointer.startsWith('#/eventTypes')),
    'an unknown event type is refused',
  )

  const accepted = await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: provider.auth, payload: { url: publicUrl } })
  t.equal(accepted.statusCode, 201, 'a public address')
  const id = (accepted.json() as { webhook: { id: string } }).webhook.id
  const patched = assertProblem(
    t,
    await strict.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: provider.auth, payload: { url: 'http://127.0.0.1/x' } }),
    422,
    'url_not_allowed',
  )
  t.same(pointers(patched), ['#/url'], 'an update is checked too')
  await strict.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: provider.auth })

  const allowed = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: provider.auth, payload: { url: 'http://127.0.0.1:9/hook' } })
  t.equal(allowed.statusCode, 201, 'loopback with WEBHOOK_ALLOW_PRIVATE=true')
  await app.inject({ method: 'DELETE', url: `/v1/webhooks/${(allowed.json() as { webhook: { id: string } }).webhook.id}`, headers: provider.auth })
})

t.test('a delivery: signed, retried after failures, every attempt in the log; only the types and organisations subscribed', async (t) => {
  // 500 twice, then accepted.
  receiver.answer('/retried', (count) => (count <= 2 ? { status: 500, body: 'busy' } : { status: 204 }))
  const providerHook = await subscribe(app, provider.auth, receiver, '/retried', { eventTypes: ['deal.started'] })
  const seekerHook = await subscribe(app, seeker.auth, receiver, '/seeker')
  const outsider = await createMember(db)
  await subscribe(app, outsider.auth, receiver, '/outsider')

  const deal = await startInterest(app, seeker.auth, listing.id)
  await move(app, provider.auth, deal.id, { transition: 'accept_interest' })
  await drain()

  const retried = receiver.hits.filter((hit) => hit.path === '/retried')
  t.equal(retried.length, 3, 'two failures, then success')
  t.equal(new Set(retried.map((hit) => hit.id)).size, 1, 'one webhook-id on every attempt')
  t.ok(
    retried.every((hit) => hit.verified),
    'every signature verifies with the secret from createWebhook',
  )
  const [first] = retried
  t.match(first!.id, /^evt_\d+$/)
  t.match(first!.body, {
    type: 'deal.started',
    timestamp: clock.now().toISOString(),
    data: { dealId: deal.id, listingId: listing.id, state: 'interest_expressed' },
  })
  t.equal(first!.headers['content-type'], 'application/json')
  t.match(first!.headers['user-agent'], /^tech-exchange-webhooks\//)
  t.equal(first!.timestamp, Math.floor(clock.now().getTime() / 1000), 'webhook-timestamp in Unix seconds')
  t.notOk(verifySignature('whsec_' + Buffer.alloc(24).toString('base64'), first!.headers, JSON.stringify(first!.body)), 'another secret does not verify')

  const [delivery] = await deliveriesOf(app, provider.auth, providerHook.webhook.id)
  t.match(delivery, {
    eventType: 'deal.started',
    messageId: first!.id,
    status: 'succeeded',
    attempts: 3,
    lastStatusCode: 204,
    lastError: null,
    nextAttemptAt: null,
  })
  t.same(
    delivery!.attemptLog.map((attempt) => [attempt.attempt, attempt.statusCode, attempt.error, attempt.responseBody]),
    [
      [1, 500, 'HTTP 500', 'busy'],
      [2, 500, 'HTTP 500', 'busy'],
      [3, 204, null, ''],
    ],
  )
  t.ok(delivery!.attemptLog.every((attempt) => attempt.durationMs >= 0 && attempt.attemptedAt === clock.now().toISOString()))

  const seekerHits = receiver.hits.filter((hit) => hit.path === '/seeker')
  t.same(
    seekerHits.map((hit) => hit.body.type).sort(),
    ['deal.interest_accepted', 'deal.started'],
    'the other party hears of both moves (in no promised order)',
  )
  t.ok(seekerHits.every((hit) => hit.verified))
  // The listing is anonymous: nothing sent to the seeker names or identifies its owner.
  t.notOk(JSON.stringify(seekerHits.map((hit) => hit.body)).includes(provider.organization.id), "no provider id in the seeker's deliveries")
  t.notOk(JSON.stringify(seekerHits.map((hit) => hit.body)).includes('Viện Cơ điện'), "no provider name in the seeker's deliveries")
  t.equal(receiver.hits.filter((hit) => hit.path === '/outsider').length, 0, 'an organisation the events are not addressed to hears nothing')
  t.equal((await deliveriesOf(app, seeker.auth, seekerHook.webhook.id)).length, 2)

  await drain()
  t.equal(receiver.hits.filter((hit) => hit.path === '/retried').length, 3, 'a second fan-out delivers nothing twice')
})

t.test('a receiver that never answers: timeouts, retries, then the webhook is disabled and its owner told', async (t) => {
  const owner = await createMember(db)
  receiver.answer('/hang', 'hang')
  const hanging = await subscribe(app, owner.auth, receiver, '/hang', { eventTypes: ['deal.started'] })
  const watcher = await subscribe(app, owner.auth, receiver, '/watcher', { eventTypes: ['webhook.subscription_disabled'] })
  const ownListing = await publishListing(app, owner.auth)
  await startInterest(app, seeker.auth, ownListing.id)
  await drain()

  const hangHits = receiver.hits.filter((hit) => hit.path === '/hang')
  const deliveries = await deliveriesOf(app, owner.auth, hanging.webhook.id)
  t.equal(deliveries.length, 1)
  const gaveUp = deliveries[0]!
  t.match(gaveUp, { status: 'failed', attempts: 4, lastStatusCode: null })
  t.same(
    gaveUp.attemptLog.map((attempt) => attempt.statusCode),
    [null, null, null, null],
    'no answer',
  )
  t.ok(
    gaveUp.attemptLog.every((attempt) => /^timeout: no answer within 300 ms$/.test(attempt.error ?? '')),
    'each attempt timed out',
  )
  t.equal(hangHits.length, 4, 'the receiver saw four attempts, then nothing more')

  const disabled = await app.inject({ method: 'GET', url: `/v1/webhooks/${hanging.webhook.id}`, headers: owner.auth })
  t.match(disabled.json(), { status: 'disabled', disabledReason: 'A delivery failed every retry', disabledAt: String })
  const notices = await db.execute<{ payload: Record<string, unknown>; organization_ids: string[] }>(
    sql`select payload, organization_ids from outbox_events where type = 'webhook.subscription_disabled' and subject_id = ${hanging.webhook.id}`,
  )
  t.equal(notices.rows.length, 1, 'one event tells the owner')
  t.same(notices.rows[0]!.organization_ids, [owner.organization.id])
  t.match(notices.rows[0]!.payload, { webhookId: hanging.webhook.id, reason: 'A delivery failed every retry' })

  await drain()
  const told = receiver.hits.filter((hit) => hit.path === '/watcher')
  t.same(
    told.map((hit) => hit.body.type),
    ['webhook.subscription_disabled'],
    "the owner's other webhook hears of it",
  )
  t.ok(told[0]!.verified)
  t.equal(receiver.hits.filter((hit) => hit.path === '/hang').length, 4, 'the disabled webhook is not told of its own disabling')
  t.equal((await deliveriesOf(app, owner.auth, watcher.webhook.id)).length, 1)

  t.test('redelivery: refused while disabled; after re-enabling, a fresh cycle with the same webhook-id', async (t) => {
    assertProblem(
      t,
      await app.inject({ method: 'POST', url: `/v1/webhooks/${hanging.webhook.id}/deliveries/${gaveUp.id}/redeliver`, headers: owner.auth }),
      409,
      'webhook_disabled',
    )
    assertProblem(t, await app.inject({ method: 'POST', url: `/v1/webhooks/${hanging.webhook.id}/ping`, headers: owner.auth }), 409, 'webhook_disabled')
    const enabled = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${hanging.webhook.id}`, headers: owner.auth, payload: { status: 'active' } })
    t.match(enabled.json(), { status: 'active', disabledAt: null, disabledReason: null })

    receiver.answer('/hang', { status: 200, body: 'ok' })
    const redelivered = await app.inject({ method: 'POST', url: `/v1/webhooks/${hanging.webhook.id}/deliveries/${gaveUp.id}/redeliver`, headers: owner.auth })
    t.equal(redelivered.statusCode, 202)
    t.match(redelivered.json(), { id: gaveUp.id, status: 'pending', attempts: 4 })
    assertProblem(
      t,
      await app.inject({ method: 'POST', url: `/v1/webhooks/${hanging.webhook.id}/deliveries/${gaveUp.id}/redeliver`, headers: owner.auth }),
      409,
      'delivery_pending',
    )
    await drain()
    const after = (await deliveriesOf(app, owner.auth, hanging.webhook.id)).find((delivery) => delivery.id === gaveUp.id)!
    t.match(after, { status: 'succeeded', attempts: 5, lastStatusCode: 200 })
    t.same(
      after.attemptLog.map((attempt) => attempt.attempt),
      [1, 2, 3, 4, 5],
      'the log keeps every attempt',
    )
    const last = receiver.hits.filter((hit) => hit.path === '/hang').at(-1)!
    t.equal(last.id, gaveUp.messageId, 'the same webhook-id')
    t.ok(last.verified)
    assertProblem(
      t,
      await app.inject({ method: 'POST', url: `/v1/webhooks/${hanging.webhook.id}/deliveries/${watcher.webhook.id}/redeliver`, headers: owner.auth }),
      404,
      'not_found',
    )
  })
})

t.test('ping: a webhook.ping to that webhook alone', async (t) => {
  const owner = await createMember(db)
  const pinged = await subscribe(app, owner.auth, receiver, '/pinged')
  await subscribe(app, owner.auth, receiver, '/bystander')
  const response = await app.inject({ method: 'POST', url: `/v1/webhooks/${pinged.webhook.id}/ping`, headers: owner.auth })
  t.equal(response.statusCode, 202)
  t.match(response.json(), { eventType: 'webhook.ping', status: 'pending', attempts: 0, webhookId: pinged.webhook.id })
  await drain()
  const hits = receiver.hits.filter((hit) => hit.path === '/pinged')
  t.equal(hits.length, 1)
  t.match(hits[0]!.body, { type: 'webhook.ping', data: { webhookId: pinged.webhook.id } })
  t.ok(hits[0]!.verified)
  t.equal(receiver.hits.filter((hit) => hit.path === '/bystander').length, 0, "the organisation's other webhook is not pinged")
})

t.test('deliveries of a webhook disabled or deleted meanwhile stop', async (t) => {
  const owner = await createMember(db)
  const paused = await subscribe(app, owner.auth, receiver, '/paused')
  const deleted = await subscribe(app, owner.auth, receiver, '/deleted')
  const ownListing = await publishListing(app, owner.auth)
  await startInterest(app, seeker.auth, ownListing.id)
  // Fanned out, with their attempts queued, before the owner acts.
  await app.services.webhookDispatch.fanOut()
  await app.inject({ method: 'PATCH', url: `/v1/webhooks/${paused.webhook.id}`, headers: owner.auth, payload: { status: 'disabled' } })
  await app.inject({ method: 'DELETE', url: `/v1/webhooks/${deleted.webhook.id}`, headers: owner.auth })
  await app.jobs.runPending()
  t.equal(receiver.hits.filter((hit) => hit.path === '/paused' || hit.path === '/deleted').length, 0, 'nothing sent')
  const stopped = await deliveriesOf(app, owner.auth, paused.webhook.id)
  t.ok(stopped.length > 0)
  t.ok(stopped.every((delivery) => delivery.status === 'failed' && delivery.attempts === 0 && delivery.lastError === 'The webhook was disabled'))
  const left = await db.execute(sql`select 1 from webhook_deliveries where subscription_id = ${deleted.webhook.id}`)
  t.equal(left.rows.length, 0, "a deleted webhook's deliveries go with it")
})

t.test('the delivery log: newest first, in pages, filtered by status', async (t) => {
  const owner = await createMember(db)
  const hook = await subscribe(app, owner.auth, receiver, '/paged', { eventTypes: ['deal.started'] })
  const ownListing = await publishListing(app, owner.auth)
  for (let index = 0; index < 3; index++) {
    clock.set(new Date(clock.now().getTime() + 60_000))
    await startInterest(app, (await createMember(db)).auth, ownListing.id)
    await drain()
  }
  const all = await deliveriesOf(app, owner.auth, hook.webhook.id, '&status=succeeded')
  t.equal(all.length, 3)
  const first = await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.webhook.id}/deliveries?limit=2`, headers: owner.auth })
  const page = first.json() as { items: { id: string; createdAt: string }[]; nextCursor: string }
  t.same(
    page.items.map((item) => item.id),
    all.slice(0, 2).map((item) => item.id),
  )
  t.ok(page.items[0]!.createdAt > page.items[1]!.createdAt, 'newest first')
  const second = await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.webhook.id}/deliveries?limit=2&cursor=${page.nextCursor}`, headers: owner.auth })
  t.same(
    (second.json() as { items: { id: string }[]; nextCursor: null }).items.map((item) => item.id),
    [all[2]!.id],
  )
  t.same(await deliveriesOf(app, owner.auth, hook.webhook.id, '&status=failed'), [])
  assertProblem(
    t,
    await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.webhook.id}/deliveries?cursor=bm9wZQ`, headers: owner.auth }),
    400,
    'invalid_cursor',
  )
})

t.test('addresses are checked where the socket connects: a URL that has come to resolve privately is refused', async (t) => {
  // As if DNS had changed since the URL was accepted: stored straight in the database.
  const owner = await createMember(db)
  const now = clock.now()
  const rows = await db
    .insert(schema.webhookSubscriptions)
    .values(
      ['localhost', '127.0.0.1', '[::7f00:1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::1]', '203.0.113.10'].map((host) => ({
        organizationId: owner.organization.id,
        url: receiver.url('/rebound').replace('127.0.0.1', host),
        secret: 'whsec_' + Buffer.alloc(24, 1).toString('base64'),
        createdAt: now,
        updatedAt: now,
      })),
    )
    .returning({ id: schema.webhookSubscriptions.id })
  const ownListing = await publishListing(app, owner.auth)
  await startInterest(app, seeker.auth, ownListing.id)
  // The strict process does this round: its sender refuses private addresses.
  await strict.jobs.send(fanOutJob, {})
  await strict.jobs.runPending()
  t.equal(receiver.hits.filter((hit) => hit.path === '/rebound').length, 0, 'no request reached the receiver')
  const ids = sql.join(
    rows.map((row) => sql`${row.id}`),
    sql`, `,
  )
  const errors = await db.execute<{ error: string }>(
    sql`select distinct a.error from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.subscription_id in (${ids}) order by a.error`,
  )
  const found = errors.rows.map((row) => row.error)
  for (const error of [
    'refused: 127.0.0.1 is not a public address (loopback)',
    'refused: ::7f00:1 is not a public address (IPv4-compatible of 127.0.0.1, loopback)',
    'refused: 64:ff9b::7f00:1 is not a public address (NAT64 of 127.0.0.1, loopback)',
    'refused: 2002:7f00:1::1 is not a public address (6to4 of 127.0.0.1, loopback)',
    'refused: 203.0.113.10 is not a public address (reserved)',
  ]) {
    t.ok(found.includes(error), `an address in the URL: ${error}`)
  }
  t.ok(
    found.some((error) => /^refused: localhost resolves to no public address \((127\.0\.0\.1|::1): loopback/.test(error)),
    'a name, checked at lookup',
  )
  // Their retries (5 s away) must not reach the permissive process's later rounds.
  for (const row of rows) await db.delete(schema.webhookSubscriptions).where(sql`id = ${row.id}`)
})
