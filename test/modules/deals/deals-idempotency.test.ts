import { and, count, eq } from 'drizzle-orm'
import t, { type Test } from 'tap'
import * as schema from '../../../src/db/schema/index.ts'
import { createApiKey } from '../../../src/core/keys.ts'
import { dealSetting, offerTerms, startInterest } from '../../helpers/deals.ts'
import { createMember } from '../../helpers/factories.ts'
import { assertProblem, pointers } from '../../helpers/problem.ts'

// Idempotency-Key on the deal POSTs: a retry gets the first successful answer and does nothing
// twice; a refusal keeps nothing, so its retry is judged afresh; a key is bound to one request of one API key; concurrent requests under one key
// run once; keys expire after 24 hours and an abandoned claim lapses.

const { app, db, clock, provider, seeker, listing } = await dealSetting(t)
type Auth = Record<string, string>
type Response = Awaited<ReturnType<typeof app.inject>>

const withKey = (auth: Auth, key: string, extra: Auth = {}) => ({ ...auth, 'idempotency-key': key, ...extra })
const startDeal = (headers: Auth, payload: object) => app.inject({ method: 'POST', url: '/v1/deals', headers, payload })
const transition = (headers: Auth, dealId: string, payload: object) => app.inject({ method: 'POST', url: `/v1/deals/${dealId}/transitions`, headers, payload })
const postMessage = (headers: Auth, dealId: string, payload: object) => app.inject({ method: 'POST', url: `/v1/deals/${dealId}/messages`, headers, payload })
const interest = (message = 'Chúng tôi quan tâm tới máy sấy này.') => ({ listingId: listing.id, message })

async function rows() {
  const tables = {
    deals: schema.deals,
    transitions: schema.dealTransitions,
    messages: schema.dealMessages,
    events: schema.outboxEvents,
    audit: schema.auditEvents,
  }
  const result = {} as Record<keyof typeof tables, number>
  for (const [name, table] of Object.entries(tables)) result[name as keyof typeof tables] = (await db.select({ n: count() }).from(table))[0]!.n
  return result
}

/** A replay: the first response's status, body and headers, marked as replayed. */
function assertReplay(t: Test, replay: Response, first: Response) {
  t.equal(replay.statusCode, first.statusCode, `replayed as ${first.statusCode}`)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.body, first.body, 'the same body')
  for (const header of ['content-type', 'etag', 'location']) t.equal(replay.headers[header], first.headers[header], `the same ${header}`)
}

t.test('POST /v1/deals: a retry returns the first answer and starts one deal', async (t) => {
  const before = await rows()
  const first = await startDeal(withKey(seeker.auth, 'start-1'), interest())
  t.equal(first.statusCode, 201)
  t.notOk(first.headers['idempotent-replayed'], 'the first answer is not a replay')
  const deal = first.json() as { id: string }
  t.equal(first.headers.location, `/v1/deals/${deal.id}`)

  assertReplay(t, await startDeal(withKey(seeker.auth, 'start-1'), interest()), first)
  assertReplay(t, await startDeal(withKey(seeker.auth, 'start-1'), interest()), first)
  t.same(
    await rows(),
    { ...before, deals: before.deals + 1, transitions: before.transitions + 1, events: before.events + 1, audit: before.audit + 1 },
    'one deal, one move, one event, one audit entry',
  )

  // The same key for another request: another body, or another operation.
  assertProblem(t, await startDeal(withKey(seeker.auth, 'start-1'), interest('Một lời nhắn khác')), 422, 'idempotency_key_reused')
  assertProblem(t, await postMessage(withKey(seeker.auth, 'start-1'), deal.id, { body: 'Chúng tôi quan tâm tới máy sấy này.' }), 422, 'idempotency_key_reused')

  // A key belongs to the API key that sent it: another key's request with the same string runs.
  const secondKey: Auth = { authorization: `Bearer ${(await createApiKey(db, { organizationId: seeker.organization.id, role: 'editor' })).key}` }
  const sameOrganization = await startDeal(withKey(secondKey, 'start-1'), interest())
  assertProblem(t, sameOrganization, 409, 'deal_exists')
  t.notOk(sameOrganization.headers['idempotent-replayed'], 'run, not replayed: the deal already exists')
  const other = await createMember(db)
  const otherDeal = await startDeal(withKey(other.auth, 'start-1'), interest())
  t.equal(otherDeal.statusCode, 201)
  t.notOk(otherDeal.headers['idempotent-replayed'])
  t.not(otherDeal.json().id, deal.id, 'a deal of its own')
  t.same(await rows(), { ...before, deals: before.deals + 2, transitions: before.transitions + 2, events: before.events + 2, audit: before.audit + 2 })
})

t.test('a refusal keeps nothing: its retry is judged afresh, and the key stays free', async (t) => {
  const before = await rows()
  const refused = await startDeal(withKey(seeker.auth, 'start-again'), interest())
  assertProblem(t, refused, 409, 'deal_exists')
  const retried = await startDeal(withKey(seeker.auth, 'start-again'), interest())
  assertProblem(t, retried, 409, 'deal_exists')
  t.notOk(retried.headers['idempotent-replayed'], 'run again, not replayed')
  t.not((retried.json() as { requestId: string }).requestId, (refused.json() as { requestId: string }).requestId, "the retry's own problem")
  t.same(await rows(), before, 'nothing written')
  const kept = await db.select({ n: count() }).from(schema.idempotencyKeys).where(eq(schema.idempotencyKeys.key, 'start-again'))
  t.equal(kept[0]!.n, 0, 'and no key kept')

  // A request the schema refuses is not an answer to keep: the key is still free for a good one.
  const bad = await postMessage(withKey(seeker.auth, 'first-try'), (await dealOf(seeker.auth)).id, { body: '' })
  assertProblem(t, bad, 400, 'validation_failed')
  const good = await postMessage(withKey(seeker.auth, 'first-try'), (await dealOf(seeker.auth)).id, { body: 'Bản sửa' })
  t.equal(good.statusCode, 201)
  t.notOk(good.headers['idempotent-replayed'])
})

/** The open deal of the seeker behind this key on the listing. */
async function dealOf(auth: Auth) {
  const response = await app.inject({ method: 'GET', url: `/v1/deals?listingId=${listing.id}&side=seeker`, headers: auth })
  return (response.json() as { items: Array<{ id: string; state: string }> }).items[0]!
}

t.test('POST /v1/deals/{id}/transitions: a retry returns the first answer and moves the deal once', async (t) => {
  const deal = await dealOf(seeker.auth)
  const otherSeeker = await createMember(db)
  const otherDeal = await startInterest(app, otherSeeker.auth, listing.id)
  const before = await rows()

  const first = await transition(withKey(provider.auth, 'move-1'), deal.id, { transition: 'accept_interest', note: 'Mời trao đổi' })
  t.equal(first.statusCode, 200)
  t.equal(first.json().state, 'accepted')
  t.notOk(first.headers['idempotent-replayed'])
  assertReplay(t, await transition(withKey(provider.auth, 'move-1'), deal.id, { transition: 'accept_interest', note: 'Mời trao đổi' }), first)
  t.same(await rows(), { ...before, transitions: before.transitions + 1, events: before.events + 1, audit: before.audit + 1 }, 'accepted once')

  assertProblem(t, await transition(withKey(provider.auth, 'move-1'), deal.id, { transition: 'accept_interest', note: 'Khác' }), 422, 'idempotency_key_reused')
  assertProblem(
    t,
    await transition(withKey(provider.auth, 'move-1', { 'if-match': '"2"' }), deal.id, { transition: 'accept_interest', note: 'Mời trao đổi' }),
    422,
    'idempotency_key_reused',
  )
  assertProblem(
    t,
    await transition(withKey(provider.auth, 'move-1'), otherDeal.id, { transition: 'accept_interest', note: 'Mời trao đổi' }),
    422,
    'idempotency_key_reused',
  )
  t.equal(
    (await app.inject({ method: 'GET', url: `/v1/deals/${otherDeal.id}`, headers: provider.auth })).json().state,
    'interest_expressed',
    "the other deal's key check ran nothing",
  )
  t.same(await rows(), { ...before, transitions: before.transitions + 1, events: before.events + 1, audit: before.audit + 1 })

  // A 409 is not kept: once the state allows the move, the same key carries it out.
  const refused = await transition(withKey(seeker.auth, 'move-2'), deal.id, { transition: 'make_offer', terms: offerTerms() })
  t.equal(refused.statusCode, 200, 'the seeker makes an offer')
  const clash = await transition(withKey(seeker.auth, 'move-3'), deal.id, { transition: 'make_offer', terms: offerTerms() })
  assertProblem(t, clash, 409, 'guard_no_own_open_offer')
  const offerId = (refused.json() as { offers: Array<{ id: string }> }).offers[0]!.id
  await transition(seeker.auth, deal.id, { transition: 'withdraw_offer', offerId })
  const retried = await transition(withKey(seeker.auth, 'move-3'), deal.id, { transition: 'make_offer', terms: offerTerms() })
  t.equal(retried.statusCode, 200, 'the retry runs now that the state allows it')
  t.notOk(retried.headers['idempotent-replayed'])
})

t.test('POST /v1/deals/{id}/messages: a retry returns the first answer and posts once', async (t) => {
  const deal = await dealOf(seeker.auth)
  const before = await rows()
  const body = { body: 'Gửi anh chị bản vẽ', attachments: [{ url: 'https://example.vn/ban-ve.pdf' }] }
  const first = await postMessage(withKey(seeker.auth, 'message-1'), deal.id, body)
  t.equal(first.statusCode, 201)
  assertReplay(t, await postMessage(withKey(seeker.auth, 'message-1'), deal.id, body), first)
  t.same(await rows(), { ...before, messages: before.messages + 1, events: before.events + 1 })
  assertProblem(t, await postMessage(withKey(seeker.auth, 'message-1'), deal.id, { ...body, attachments: [] }), 422, 'idempotency_key_reused')
  // The provider's key is another API key: the same string is its own.
  const providers = await postMessage(withKey(provider.auth, 'message-1'), deal.id, body)
  t.equal(providers.statusCode, 201)
  t.notOk(providers.headers['idempotent-replayed'])
  t.same(await rows(), { ...before, messages: before.messages + 2, events: before.events + 2 })
})

t.test('an invalid Idempotency-Key is a 400 and does nothing', async (t) => {
  const deal = await dealOf(seeker.auth)
  const before = await rows()
  const [keysBefore] = await db.select({ n: count() }).from(schema.idempotencyKeys)
  // One code for every key the schema refuses (its pattern and length are in the OpenAPI document), with the header's pointer.
  for (const key of ['k'.repeat(300), 'has a space', 'khóa-1', 'tab\there']) {
    const refused = assertProblem(t, await postMessage(withKey(seeker.auth, key), deal.id, { body: 'Xin chào' }), 400, 'invalid_idempotency_key')
    t.same(pointers(refused), ['#/headers/idempotency-key'])
  }
  assertProblem(t, await startDeal(withKey(seeker.auth, 'with space'), interest()), 400, 'invalid_idempotency_key')
  assertProblem(t, await transition(withKey(provider.auth, 'with space'), deal.id, { transition: 'cancel', reason: 'other' }), 400, 'invalid_idempotency_key')
  t.same(await rows(), before, 'nothing written')
  t.same((await db.select({ n: count() }).from(schema.idempotencyKeys))[0], keysBefore, 'no key recorded')
  const longest = await postMessage(withKey(seeker.auth, 'k'.repeat(255)), deal.id, { body: 'Xin chào' })
  t.equal(longest.statusCode, 201, 'a 255-character key is fine')
})

/** Five requests at once under one key: one runs, the others replay it or are told it is in progress. */
function assertRanOnce(t: Test, responses: Response[], status: number) {
  const ran = responses.filter((response) => response.statusCode === status && !response.headers['idempotent-replayed'])
  t.equal(ran.length, 1, 'exactly one ran')
  for (const response of responses) {
    if (response === ran[0]) continue
    if (response.statusCode === 409) assertProblem(t, response, 409, 'idempotency_in_progress')
    else assertReplay(t, response, ran[0]!)
  }
}

t.test('concurrent requests under one key run once', async (t) => {
  const latecomer = await createMember(db)
  const before = await rows()
  const starts = await Promise.all(Array.from({ length: 5 }, () => startDeal(withKey(latecomer.auth, 'together'), interest())))
  assertRanOnce(t, starts, 201)
  t.same(
    await rows(),
    { ...before, deals: before.deals + 1, transitions: before.transitions + 1, events: before.events + 1, audit: before.audit + 1 },
    'one deal',
  )

  const dealId = (starts.find((response) => response.statusCode === 201)!.json() as { id: string }).id
  const moves = await Promise.all(Array.from({ length: 5 }, () => transition(withKey(provider.auth, 'together'), dealId, { transition: 'accept_interest' })))
  assertRanOnce(t, moves, 200)
  const accepted = await db
    .select({ n: count() })
    .from(schema.dealTransitions)
    .where(and(eq(schema.dealTransitions.dealId, dealId), eq(schema.dealTransitions.transition, 'accept_interest')))
  t.equal(accepted[0]!.n, 1, 'accepted once')

  const posts = await Promise.all(Array.from({ length: 5 }, () => postMessage(withKey(latecomer.auth, 'together-message'), dealId, { body: 'Cảm ơn' })))
  assertRanOnce(t, posts, 201)
  t.equal((await db.select({ n: count() }).from(schema.dealMessages).where(eq(schema.dealMessages.dealId, dealId)))[0]!.n, 1, 'posted once')
})

t.test('a claim whose request never finished lapses, and the retry runs', async (t) => {
  const deal = await dealOf(seeker.auth)
  const body = { body: 'Tin nhắn gửi lại' }
  // A finished request shows what a claim for this request looks like; the abandoned one is a copy without an answer.
  const done = await postMessage(withKey(seeker.auth, 'finished'), deal.id, body)
  t.equal(done.statusCode, 201)
  const [finished] = await db.select().from(schema.idempotencyKeys).where(eq(schema.idempotencyKeys.key, 'finished'))
  t.ok(finished?.status === 201 && finished.body === done.body, 'the answer is stored with the key')
  const now = clock.now()
  await db.insert(schema.idempotencyKeys).values({
    apiKeyId: finished!.apiKeyId,
    key: 'abandoned',
    operation: finished!.operation,
    requestHash: finished!.requestHash,
    lockedUntil: new Date(now.getTime() + 30_000),
    createdAt: now,
    expiresAt: new Date(now.getTime() + 24 * 3_600_000),
  })
  const before = await rows()
  assertProblem(t, await postMessage(withKey(seeker.auth, 'abandoned'), deal.id, body), 409, 'idempotency_in_progress')
  t.same(await rows(), before, 'nothing ran while the claim held')

  await db
    .update(schema.idempotencyKeys)
    .set({ lockedUntil: new Date(now.getTime() - 1) })
    .where(eq(schema.idempotencyKeys.key, 'abandoned'))
  const retried = await postMessage(withKey(seeker.auth, 'abandoned'), deal.id, body)
  t.equal(retried.statusCode, 201, 'the retry runs')
  t.notOk(retried.headers['idempotent-replayed'])
  t.same(await rows(), { ...before, messages: before.messages + 1, events: before.events + 1 })
  assertReplay(t, await postMessage(withKey(seeker.auth, 'abandoned'), deal.id, body), retried)
  t.same(await rows(), { ...before, messages: before.messages + 1, events: before.events + 1 }, 'and then it is replayed')

  // A claim also lapses by the clock: 60 seconds after it was taken.
  const heldAt = clock.now()
  await db
    .insert(schema.idempotencyKeys)
    .values({ ...finished!, key: 'stuck', status: null, headers: null, body: null, lockedUntil: new Date(heldAt.getTime() + 60_000), createdAt: heldAt })
  assertProblem(t, await postMessage(withKey(seeker.auth, 'stuck'), deal.id, body), 409, 'idempotency_in_progress')
  clock.set(new Date(heldAt.getTime() + 60_000))
  const late = await postMessage(withKey(seeker.auth, 'stuck'), deal.id, body)
  t.equal(late.statusCode, 201, 'the retry after the claim lapsed runs')
})

t.test('after 24 hours a key is forgotten and may be used afresh', async (t) => {
  const deal = await dealOf(seeker.auth)
  const body = { body: 'Nhắc lại lịch họp' }
  const sentAt = clock.now().getTime()
  const first = await postMessage(withKey(seeker.auth, 'daily'), deal.id, body)
  t.equal(first.statusCode, 201)
  clock.set(new Date(sentAt + 24 * 3_600_000))
  assertReplay(t, await postMessage(withKey(seeker.auth, 'daily'), deal.id, body), first)
  clock.set(new Date(sentAt + 24 * 3_600_000 + 1))
  const before = await rows()
  const again = await postMessage(withKey(seeker.auth, 'daily'), deal.id, body)
  t.equal(again.statusCode, 201)
  t.notOk(again.headers['idempotent-replayed'], 'run afresh')
  t.not(again.json().id, first.json().id, 'a new message')
  t.same(await rows(), { ...before, messages: before.messages + 1, events: before.events + 1 })
  // A forgotten key may even carry another request now.
  const reused = await postMessage(withKey(seeker.auth, 'start-1'), deal.id, { body: 'Khóa cũ, yêu cầu mới' })
  t.equal(reused.statusCode, 201, 'the key of the first test, a day later, for a message')
})
