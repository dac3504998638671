import { count, eq } from 'drizzle-orm'
import t from 'tap'
import * as schema from '../../../src/db/schema/index.ts'
import { createApiKey } from '../../../src/core/keys.ts'
import { dealSetting, driveTo, move, startInterest } from '../../helpers/deals.ts'
import { delegate } from '../../helpers/delegations.ts'
import { createMember, createOperator, nationalScope } from '../../helpers/factories.ts'
import { outboxEvents } from '../../helpers/matching.ts'
import { assertProblem, pointers } from '../../helpers/problem.ts'

// Messages on a deal: who writes and reads them, the oldest-first list and its pages, the events
// they send, and what is refused (a closed deal, a bad body) without writing anything.

const { app, db, clock, provider, seeker, listing } = await dealSetting(t)
type Auth = Record<string, string>
type Message = {
  id: string
  author: { organizationId: string; role: string }
  body: string
  attachments: Array<{ url: string; title?: string }>
  createdAt: string
}

const point = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Nam Định', delegationScope: nationalScope })
// The connection point acts for the seeker: a broker on the seeker's deals.
await delegate(app, point.auth, seeker.auth, seeker.organization.id)
const seekerReader: Auth = { authorization: `Bearer ${(await createApiKey(db, { organizationId: seeker.organization.id, role: 'reader' })).key}` }
const stranger = await createMember(db)
const operator = await createOperator(db)

const post = (auth: Auth | undefined, dealId: string, payload: unknown) =>
  app.inject({ method: 'POST', url: `/v1/deals/${dealId}/messages`, headers: auth, payload: payload as object })
const list = (auth: Auth | undefined, dealId: string, query = '') => app.inject({ method: 'GET', url: `/v1/deals/${dealId}/messages${query}`, headers: auth })

async function written(dealId?: string) {
  const [messages] = await db
    .select({ n: count() })
    .from(schema.dealMessages)
    .where(dealId ? eq(schema.dealMessages.dealId, dealId) : undefined)
  const [events] = await db.select({ n: count() }).from(schema.outboxEvents)
  return { messages: messages!.n, events: events!.n }
}

/** Every message of a deal, page by page at this limit, checking each page's shape. */
async function readAll(auth: Auth, dealId: string, limit: number) {
  const items: Message[] = []
  let cursor: string | null = null
  for (let pages = 0; pages < 100; pages++) {
    const response = await list(auth, dealId, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    if (response.statusCode !== 200) throw new Error(`list failed: ${response.statusCode} ${response.body}`)
    const page = response.json() as { items: Message[]; nextCursor: string | null }
    items.push(...page.items)
    cursor = page.nextCursor
    if (!cursor) return items
    if (page.items.length !== limit) throw new Error(`a page before the last holds ${page.items.length} items, not ${limit}`)
  }
  throw new Error('the pages never end')
}

const deal = await startInterest(app, seeker.auth, listing.id)
await move(app, provider.auth, deal.id, { transition: 'accept_interest' })

t.test('both parties and a broker write; the list is oldest first and pages without gaps or repeats', async (t) => {
  const before = await written()
  const authors = [
    { auth: seeker.auth, organizationId: seeker.organization.id, role: 'seeker' },
    { auth: provider.auth, organizationId: provider.organization.id, role: 'provider' },
    { auth: point.auth, organizationId: point.organization.id, role: 'seeker_broker' },
  ]
  const posted: Message[] = []
  for (let index = 0; index < 25; index++) {
    // Five messages per instant: pages of 4 and 7 end between messages written at the same time.
    if (index > 0 && index % 5 === 0) clock.set(new Date(clock.now().getTime() + 60_000))
    const author = authors[index % 3]!
    const attachments =
      index % 4 === 0 ? [{ url: `https://example.vn/tai-lieu-${index}.pdf`, title: `Tài liệu ${index}` }, { url: 'http://example.vn/anh.jpg' }] : undefined
    const response = await post(author.auth, deal.id, { body: `  Tin nhắn số ${index}  `, ...(attachments ? { attachments } : {}) })
    t.equal(response.statusCode, 201, `message ${index}`)
    const message = response.json() as Message
    t.same(message, {
      id: message.id,
      author: { organizationId: author.organizationId, role: author.role },
      body: `Tin nhắn số ${index}`,
      attachments: attachments ?? [],
      createdAt: clock.now().toISOString(),
    })
    posted.push(message)
  }

  const expected = [...posted].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).map((message) => message.id)
  for (const limit of [1, 4, 7, 25, 100]) {
    const items = await readAll(seeker.auth, deal.id, limit)
    t.same(
      items.map((item) => item.id),
      expected,
      `limit ${limit}: every message once, oldest first`,
    )
  }
  const firstPage = (await list(provider.auth, deal.id)).json()
  t.equal(firstPage.items.length, 20, 'twenty by default')
  t.ok(firstPage.nextCursor)
  t.same(
    firstPage.items[0],
    posted.find((message) => message.id === expected[0]),
    'the list shows each message as it was posted',
  )
  const lastPage = (await list(provider.auth, deal.id, `?cursor=${encodeURIComponent(firstPage.nextCursor)}`)).json()
  t.same(
    lastPage.items.map((item: Message) => item.id),
    expected.slice(20),
  )
  t.equal(lastPage.nextCursor, null)
  t.same(
    (await readAll(point.auth, deal.id, 10)).map((item) => item.id),
    expected,
    'the broker reads them too',
  )

  // One event per message, to both parties.
  t.same(await written(), { messages: before.messages + 25, events: before.events + 25 })
  const events = await outboxEvents(db, 'deal.message_posted')
  const ours = events.filter((event) => posted.some((message) => message.id === event.payload.messageId))
  t.equal(ours.length, 25)
  t.same(new Set(ours.map((event) => event.payload.messageId)), new Set(posted.map((message) => message.id)), 'one event per message')
  for (const event of ours) {
    t.same(new Set(event.organization_ids), new Set([provider.organization.id, seeker.organization.id]))
    t.equal(event.subject_id, deal.id)
  }
  const brokerEvent = ours.find((event) => event.payload.authorRole === 'seeker_broker')
  t.match(brokerEvent?.payload, { dealId: deal.id, authorOrganizationId: point.organization.id, authorRole: 'seeker_broker' })

  assertProblem(t, await list(seeker.auth, deal.id, '?cursor=bm90LWEtY3Vyc29y'), 400, 'invalid_cursor')
  const forged = Buffer.from(JSON.stringify(['deal-messages', 'yesterday', 'not-an-id'])).toString('base64url')
  assertProblem(t, await list(seeker.auth, deal.id, `?cursor=${forged}`), 400, 'invalid_cursor')
})

t.test('a stranger sees nothing, a reader key reads but does not write, the operator does both', async (t) => {
  const before = await written(deal.id)
  assertProblem(t, await post(stranger.auth, deal.id, { body: 'Xin chào' }), 404, 'not_found')
  assertProblem(t, await list(stranger.auth, deal.id), 404, 'not_found')
  assertProblem(t, await post(undefined, deal.id, { body: 'Xin chào' }), 401, 'unauthorized')
  assertProblem(t, await list(undefined, deal.id), 401, 'unauthorized')
  assertProblem(t, await post(seeker.auth, '00000000-0000-4000-8000-000000000000', { body: 'Xin chào' }), 404, 'not_found')
  assertProblem(t, await post(seekerReader, deal.id, { body: 'Xin chào' }), 403, 'forbidden')
  t.same(await written(deal.id), before, 'nothing written')

  const read = await list(seekerReader, deal.id, '?limit=100')
  t.equal(read.statusCode, 200)
  t.equal(read.json().items.length, before.messages)

  const byOperator = await post(operator.auth, deal.id, { body: 'Sàn nhắc hai bên cập nhật tiến độ.' })
  t.equal(byOperator.statusCode, 201)
  t.match(byOperator.json(), { author: { organizationId: operator.organization.id, role: 'operator' } })
  t.equal((await list(operator.auth, deal.id, '?limit=100')).json().items.length, before.messages + 1)
})

t.test('a deal that ended takes no more messages, and still shows the old ones', async (t) => {
  const parties = { provider: provider.auth, seeker: seeker.auth }
  const closed: Array<{ state: string; id: string; auth: Auth }> = []

  const completing = await createMember(db)
  const completed = await startInterest(app, completing.auth, listing.id)
  t.equal((await post(completing.auth, completed.id, { body: 'Trước khi hoàn tất' })).statusCode, 201)
  await driveTo(app, { provider: parties.provider, seeker: completing.auth }, completed.id, 'completed')
  closed.push({ state: 'completed', id: completed.id, auth: completing.auth })

  const declining = await createMember(db)
  const declined = await startInterest(app, declining.auth, listing.id)
  await move(app, provider.auth, declined.id, { transition: 'decline_interest', reason: 'not_a_fit' })
  closed.push({ state: 'declined', id: declined.id, auth: declining.auth })

  const cancelling = await createMember(db)
  const cancelled = await startInterest(app, cancelling.auth, listing.id)
  await move(app, cancelling.auth, cancelled.id, { transition: 'cancel', reason: 'changed_needs' })
  closed.push({ state: 'cancelled', id: cancelled.id, auth: cancelling.auth })

  for (const { state, id, auth } of closed) {
    const before = await written()
    const refusedToSeeker = assertProblem(t, await post(auth, id, { body: 'Còn ai không?' }), 409, 'deal_closed')
    t.match(refusedToSeeker.detail, state)
    assertProblem(t, await post(provider.auth, id, { body: 'Còn ai không?' }), 409, 'deal_closed')
    assertProblem(t, await post(operator.auth, id, { body: 'Còn ai không?' }), 409, 'deal_closed')
    t.same(await written(), before, `${state}: nothing written`)
    const read = await list(auth, id)
    t.equal(read.statusCode, 200, `${state}: the messages are still read`)
    t.equal(read.json().items.length, state === 'completed' ? 1 : 0)
  }
})

t.test('a bad body is a 400 problem and writes nothing', async (t) => {
  const before = await written()
  const cases: Array<[string, unknown, string]> = [
    ['no body', { attachments: [] }, '#/body'],
    ['an empty body', { body: '' }, '#/body'],
    ['a body of only spaces', { body: '   \n\t ' }, '#/body'],
    ['a body too long', { body: 'x'.repeat(10_001) }, '#/body'],
    ['a body that is not text', { body: 42 }, '#/body'],
    ['a NUL in the body', { body: 'a\u0000b' }, '#/body'],
    ['an attachment without a URL', { body: 'Xem tệp', attachments: [{ title: 'Bản vẽ' }] }, '#/attachments/0/url'],
    ['an attachment that is not a URL', { body: 'Xem tệp', attachments: [{ url: 'ban-ve.pdf' }] }, '#/attachments/0/url'],
    ['an ftp URL', { body: 'Xem tệp', attachments: [{ url: 'ftp://example.vn/ban-ve.pdf' }] }, '#/attachments/0/url'],
    ['a javascript URL', { body: 'Xem tệp', attachments: [{ url: 'javascript:alert(1)' }] }, '#/attachments/0/url'],
    ['a URL too long', { body: 'Xem tệp', attachments: [{ url: `https://example.vn/${'a'.repeat(2048)}` }] }, '#/attachments/0/url'],
    ['an attachment with an unknown field', { body: 'Xem tệp', attachments: [{ url: 'https://example.vn/a.pdf', size: 12 }] }, '#/attachments/0/size'],
    [
      'eleven attachments',
      { body: 'Xem tệp', attachments: Array.from({ length: 11 }, (_, index) => ({ url: `https://example.vn/${index}.pdf` })) },
      '#/attachments',
    ],
    ['an unknown field', { body: 'Xin chào', urgent: true }, '#/urgent'],
  ]
  for (const [what, payload, pointer] of cases) {
    const problem = assertProblem(t, await post(seeker.auth, deal.id, payload), 400, 'validation_failed')
    t.ok(pointers(problem).includes(pointer), `${what}: points at ${pointer} (${JSON.stringify(pointers(problem))})`)
  }
  t.same(await written(), before, 'nothing written')

  const longest = await post(seeker.auth, deal.id, {
    body: 'x'.repeat(10_000),
    attachments: Array.from({ length: 10 }, (_, index) => ({ url: `https://example.vn/${index}.pdf` })),
  })
  t.equal(longest.statusCode, 201, 'the longest body and the most attachments are fine')
})
