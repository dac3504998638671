import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { closeDemand, fileDemand, openDemand } from '../helpers/demands.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { assertProblem, pointers } from '../helpers/problem.ts'

// Catalogue events (listings, demands, organisations) are written in the transaction of the change
// they report, and the public ones make up GET /v1/events: a feed in commit order, with tombstones,
// that a mirror pages through with an always-present cursor.

const { app, db } = await buildTestApp(t)
// Signed with the app's own key: these cursors are genuine, only their values are wrong.
const encodeCursor = app.services.cursors.encode
const operator = await createOperator(db)
const owner = await createMember(db, { name: 'Viện Công nghệ sau thu hoạch' })
const stranger = await createMember(db, { name: 'Công ty TNHH Cơ khí Thái Bình' })
type Auth = Record<string, string>
type Item = { id: string; type: string; occurredAt: string; subject: { type: string; id: string }; tombstone: boolean; data: Record<string, unknown> }
type Page = { items: Item[]; nextCursor: string }

const send = (method: 'GET' | 'POST' | 'PATCH', url: string, headers?: Auth, payload?: object) =>
  app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) })

type Stored = { id: string; type: string; public: boolean; payload: Record<string, unknown>; organization_ids: string[]; same_transaction: boolean }

/**
 * A record's outbox events, oldest first, each with whether it was written by the transaction that
 * last wrote the record (the row's xmin): so the last event shares the change's transaction.
 */
async function storedEvents(table: 'listings' | 'demands' | 'organizations', id: string): Promise<Stored[]> {
  const result = await db.execute<Stored>(sql`
    select e.id::text as id, e.type, e.public, e.payload, e.organization_ids, xid(e.transaction_id) = r.xmin as same_transaction
    from outbox_events e join ${sql.raw(table)} r on r.id = e.subject_id
    where e.subject_id = ${id} order by e.transaction_id, e.id`)
  return result.rows
}

const outboxCount = async () => Number((await db.execute<{ n: string }>(sql`select count(*) as n from outbox_events`)).rows[0]!.n)

/** The last event of a record, checked to be written by its change's transaction and addressed to `ownerId`. */
async function lastEvent(t: Test, table: 'listings' | 'demands' | 'organizations', id: string, ownerId: string) {
  const event = (await storedEvents(table, id)).at(-1)!
  t.ok(event.same_transaction, `${event.type} was written in the change's transaction`)
  t.same(event.organization_ids, [ownerId], `${event.type} is addressed to the owner`)
  return event
}

/** What a caller without a key gets from GET. */
const publicView = async (url: string) => {
  const response = await send('GET', url)
  if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${response.body}`)
  return response.json() as Record<string, unknown>
}

async function feedPage(query = ''): Promise<Page> {
  const response = await send('GET', `/v1/events${query}`)
  if (response.statusCode !== 200) throw new Error(`GET /v1/events${query}: ${response.statusCode} ${response.body}`)
  return response.json() as Page
}

/** Pages from `after` to the end of the feed; returns every item and the last cursor. */
async function readFeed(after?: string, limit = 1000, types?: string) {
  const items: Item[] = []
  let cursor = after
  for (;;) {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { after: cursor } : {}), ...(types ? { types } : {}) })
    const page = await feedPage(`?${query}`)
    items.push(...page.items)
    if (page.items.length === 0) return { items, cursor: page.nextCursor }
    cursor = page.nextCursor
  }
}

/**
 * Reads from `after` until the feed holds `ids`. On PostgreSQL the feed stops below the oldest
 * transaction running anywhere on the server (another test file's, too), so a committed event may
 * show a moment later; on PGlite it is there at once.
 */
/** The ids of every public event stored, in (transaction, id) order. */
async function publicIds() {
  const stored = await db.execute<{ id: string }>(sql`select id::text as id from outbox_events where public order by transaction_id, id`)
  return stored.rows.map((row) => row.id)
}

/** The whole feed, once it serves every public event committed so far. */
const readWholeFeed = async () => readFeedUntil(undefined, await publicIds())

async function readFeedUntil(after: string | undefined, ids: string[], options: { limit?: number; types?: string } = {}) {
  for (let attempt = 0; ; attempt++) {
    const read = await readFeed(after, options.limit, options.types)
    if (ids.every((id) => read.items.some((item) => item.id === id)) || attempt >= 100) return read
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

t.test('listing changes write their events in the same transaction; public ones carry what a stranger sees', async (t) => {
  const ownerId = owner.organization.id
  const draft = await createListingViaApi(app, owner.auth)
  const created = await lastEvent(t, 'listings', draft.id, ownerId)
  t.match(created, { type: 'listing.created', public: false, payload: { id: draft.id, status: 'draft', titleVi: draft.titleVi } })

  t.equal((await send('PATCH', `/v1/listings/${draft.id}`, owner.auth, { trl: 8 })).statusCode, 200)
  t.match(
    await lastEvent(t, 'listings', draft.id, ownerId),
    { type: 'listing.updated', public: false, payload: { trl: 8, status: 'draft' } },
    'a draft edit stays private',
  )

  t.equal((await send('POST', `/v1/listings/${draft.id}/publish`, owner.auth)).statusCode, 200)
  const published = await lastEvent(t, 'listings', draft.id, ownerId)
  t.match(published, { type: 'listing.published', public: true })
  t.same(published.payload, await publicView(`/v1/listings/${draft.id}`), 'the payload is the listing as GET shows it without a key')

  t.equal((await send('PATCH', `/v1/listings/${draft.id}`, owner.auth, { titleEn: 'Organic rice, second edition' })).statusCode, 200)
  const updated = await lastEvent(t, 'listings', draft.id, ownerId)
  t.match(updated, { type: 'listing.updated', public: true })
  t.same(updated.payload, await publicView(`/v1/listings/${draft.id}`), "a published listing's edit is public, as GET shows it")

  t.equal((await send('POST', `/v1/listings/${draft.id}/withdraw`, owner.auth, { reason: 'Đã chuyển giao độc quyền' })).statusCode, 200)
  const withdrawn = await lastEvent(t, 'listings', draft.id, ownerId)
  t.match(withdrawn, { type: 'listing.withdrawn', public: true })
  t.same(withdrawn.payload, { id: draft.id, globalId: `tech-exchange:listing:${draft.id}` }, 'a tombstone carries the ids only (the reason is not public)')

  const moderated = await createListingViaApi(app, owner.auth)
  await send('POST', `/v1/listings/${moderated.id}/publish`, owner.auth)
  t.equal((await send('POST', `/v1/listings/${moderated.id}/unpublish`, operator.auth, { reason: 'Thông tin sáng chế chưa được xác minh' })).statusCode, 200)
  const unpublished = await lastEvent(t, 'listings', moderated.id, ownerId)
  t.match(unpublished, { type: 'listing.unpublished', public: true })
  t.same(unpublished.payload, { id: moderated.id, globalId: `tech-exchange:listing:${moderated.id}` }, 'the moderation reason stays out of the tombstone')
  t.same(
    (await storedEvents('listings', moderated.id)).map((event) => event.type),
    ['listing.created', 'listing.published', 'listing.unpublished'],
  )
})

t.test('demand changes write their events; open and close are public, close is a tombstone', async (t) => {
  const ownerId = stranger.organization.id
  const draft = await fileDemand(app, stranger.auth)
  t.match(await lastEvent(t, 'demands', draft.id, ownerId), { type: 'demand.created', public: false, payload: { id: draft.id, status: 'draft' } })
  await send('PATCH', `/v1/demands/${draft.id}`, stranger.auth, { minTrl: 5 })
  t.match(await lastEvent(t, 'demands', draft.id, ownerId), { type: 'demand.updated', public: false, payload: { minTrl: 5 } })

  await openDemand(app, stranger.auth, draft.id)
  const opened = await lastEvent(t, 'demands', draft.id, ownerId)
  t.match(opened, { type: 'demand.opened', public: true })
  t.same(opened.payload, await publicView(`/v1/demands/${draft.id}`), 'the payload is the demand as GET shows it without a key')

  await send('PATCH', `/v1/demands/${draft.id}`, stranger.auth, { budgetMaxVnd: 3_000_000_000 })
  const updated = await lastEvent(t, 'demands', draft.id, ownerId)
  t.match(updated, { type: 'demand.updated', public: true, payload: { budgetMaxVnd: 3_000_000_000, status: 'open' } })
  t.same(updated.payload, await publicView(`/v1/demands/${draft.id}`))

  await closeDemand(app, stranger.auth, draft.id, { reason: 'fulfilled', note: 'Đã mua máy sấy của Viện' })
  const closed = await lastEvent(t, 'demands', draft.id, ownerId)
  t.match(closed, { type: 'demand.closed', public: true })
  t.same(
    closed.payload,
    { id: draft.id, globalId: `tech-exchange:demand:${draft.id}`, reason: 'fulfilled' },
    'a tombstone with the (public) close reason, not the note',
  )
})

t.test('organisation changes write public events; a merge is a tombstone naming the successor', async (t) => {
  const created = await send('POST', '/v1/organizations', operator.auth, {
    kind: 'research_institute',
    name: 'Viện Cơ điện nông nghiệp miền Bắc',
    provinceCode: '01',
  })
  t.equal(created.statusCode, 201)
  const id = created.json().id as string
  const event = await lastEvent(t, 'organizations', id, id)
  t.match(event, { type: 'organization.created', public: true })
  t.same(event.payload, await publicView(`/v1/organizations/${id}`), 'the payload is the organisation as GET shows it')

  t.equal((await send('PATCH', `/v1/organizations/${id}`, operator.auth, { shortName: 'VCĐNN' })).statusCode, 200)
  const updated = await lastEvent(t, 'organizations', id, id)
  t.match(updated, { type: 'organization.updated', public: true, payload: { shortName: 'VCĐNN' } })
  t.same(updated.payload, await publicView(`/v1/organizations/${id}`))

  t.equal(
    (await send('POST', `/v1/organizations/${id}/merge`, operator.auth, { intoOrganizationId: owner.organization.id, reason: 'Sáp nhập viện' })).statusCode,
    200,
  )
  const merged = await lastEvent(t, 'organizations', id, id)
  t.match(merged, { type: 'organization.merged', public: true })
  t.same(merged.payload, { id, globalId: `tech-exchange:organization:${id}`, successorId: owner.organization.id })
  t.same((await storedEvents('organizations', id)).filter((stored) => stored.type === 'organization.merged').length, 1, 'one merged event')
})

t.test('a refused change writes no event', async (t) => {
  const listing = await createListingViaApi(app, owner.auth)
  const demand = await fileDemand(app, stranger.auth)
  const before = await outboxCount()
  assertProblem(t, await send('PATCH', `/v1/listings/${listing.id}`, stranger.auth, { trl: 3 }), 404, 'not_found')
  assertProblem(t, await send('PATCH', `/v1/listings/${listing.id}`, owner.auth, { priceType: 'amount', priceVnd: null }), 422, 'invalid_listing')
  assertProblem(t, await send('POST', `/v1/listings/${listing.id}/withdraw`, owner.auth, { reason: 'Không còn' }), 409, 'invalid_transition')
  assertProblem(t, await send('POST', `/v1/listings/${listing.id}/unpublish`, owner.auth, { reason: 'Kiểm duyệt' }), 403, 'forbidden')
  assertProblem(t, await send('POST', `/v1/demands/${demand.id}/close`, stranger.auth, { reason: 'fulfilled' }), 409, 'invalid_transition')
  assertProblem(t, await send('PATCH', `/v1/demands/${demand.id}`, stranger.auth, { budgetMinVnd: 9_000_000_000 }), 422, 'invalid_budget')
  assertProblem(t, await send('PATCH', `/v1/organizations/${owner.organization.id}`, stranger.auth, { shortName: 'X' }), 403, 'forbidden')
  assertProblem(t, await send('POST', '/v1/organizations', owner.auth, { kind: 'enterprise', name: 'Công ty TNHH Không được đăng ký' }), 403, 'forbidden')
  assertProblem(
    t,
    await send('POST', `/v1/organizations/${owner.organization.id}/merge`, operator.auth, { intoOrganizationId: owner.organization.id }),
    422,
    'invalid_successor',
  )
  t.equal(await outboxCount(), before, 'no event for any refusal')
})

t.test('an anonymous listing is in the feed without its owner', async (t) => {
  const start = (await readWholeFeed()).cursor
  const listing = await createListingViaApi(app, owner.auth, { anonymous: true, titleVi: 'Công nghệ ẩn danh xử lý rơm rạ' })
  await send('POST', `/v1/listings/${listing.id}/publish`, owner.auth)
  const stored = (await storedEvents('listings', listing.id)).at(-1)!
  t.same(stored.organization_ids, [owner.organization.id], 'the owner still gets the event (its webhooks)')
  const { items } = await readFeedUntil(start, [stored.id])
  const item = items.find((candidate) => candidate.subject.id === listing.id)!
  t.match(item, { type: 'listing.published', tombstone: false, data: { id: listing.id, anonymous: true, owner: { id: null, name: null, kind: 'enterprise' } } })
  t.ok((item.data.redacted as string[]).includes('owner'), 'the owner is named as redacted')
  const text = JSON.stringify(item)
  t.notOk(text.includes(owner.organization.id), "the owner's id is nowhere in the event")
  t.notOk(text.includes(owner.organization.name), 'nor its name')
})

t.test('the feed: public events only, in commit order, with tombstones; drafts never appear', async (t) => {
  const { items } = await readWholeFeed()
  t.ok(items.length >= 10, `the feed holds the changes so far (${items.length})`)
  const types = new Set(items.map((item) => item.type))
  t.notOk(types.has('listing.created') || types.has('demand.created'), 'creations of drafts are not in it')
  t.notOk(
    items.some((item) => item.data.status === 'draft'),
    'no event shows a draft',
  )
  const draftOnly = await createListingViaApi(app, owner.auth)
  await send('PATCH', `/v1/listings/${draftOnly.id}`, owner.auth, { trl: 4 })
  t.notOk(
    (await readFeed()).items.some((item) => item.subject.id === draftOnly.id),
    'a listing never published never appears',
  )
  t.same(
    items
      .filter((item) => item.tombstone)
      .map((item) => item.type)
      .sort(),
    ['demand.closed', 'listing.unpublished', 'listing.withdrawn', 'organization.merged'],
    'removals are tombstones',
  )
  for (const item of items) {
    t.ok(item.tombstone || item.data.id === item.subject.id, `${item.type} carries its record`)
    t.match(item, { id: /^[1-9][0-9]*$/, occurredAt: String, subject: { type: /^(listing|demand|organization)$/, id: String } })
  }
  t.same(
    items.map((item) => item.id),
    await publicIds(),
    'every public event, in (transaction, id) order',
  )
})

t.test('paging with the cursor replays in order and resumes; an empty page keeps the cursor', async (t) => {
  const whole = await readWholeFeed()
  const paged = await readFeed(undefined, 2)
  t.same(
    paged.items.map((item) => item.id),
    whole.items.map((item) => item.id),
    'pages of two replay the same sequence',
  )
  const first = await feedPage('?limit=3')
  t.equal(first.items.length, 3)
  const rest = await readFeed(first.nextCursor)
  t.same(
    [...first.items, ...rest.items].map((item) => item.id),
    whole.items.map((item) => item.id),
    'a cursor resumes right after its last item',
  )

  const empty = await feedPage(`?after=${encodeURIComponent(whole.cursor)}`)
  t.same(empty, { items: [], nextCursor: whole.cursor }, 'at the end: no items, the same cursor back')
  const fresh = await send('GET', '/v1/events?types=demand.opened&limit=1&after=' + encodeURIComponent(whole.cursor))
  t.equal(typeof fresh.json().nextCursor, 'string', 'the cursor is a string even with nothing to return')

  // A change after the end shows up on the next poll, and only it.
  const listing = await createListingViaApi(app, stranger.auth)
  await send('POST', `/v1/listings/${listing.id}/publish`, stranger.auth)
  const stored = (await storedEvents('listings', listing.id)).at(-1)!
  const next = await readFeedUntil(whole.cursor, [stored.id])
  t.same(
    next.items.map((item) => [item.type, item.subject.id]),
    [['listing.published', listing.id]],
    'the next poll brings the new event only',
  )
  t.same((await feedPage(`?after=${encodeURIComponent(next.cursor)}`)).items, [], 'and then nothing again')

  const anonymous = await feedPage('?limit=1')
  const keyed = await send('GET', '/v1/events?limit=1', stranger.auth)
  t.same(keyed.json(), anonymous, 'a key changes nothing: the feed is the same for everyone')
})

t.test('limit and types filter the feed; bad values are 400 problems', async (t) => {
  t.equal((await feedPage('?limit=1')).items.length, 1)
  const tombstones = await readFeed(undefined, 1000, 'listing.withdrawn,demand.closed')
  t.same([...new Set(tombstones.items.map((item) => item.type))].sort(), ['demand.closed', 'listing.withdrawn'], 'only the named types')
  const all = await readWholeFeed()
  t.same(
    tombstones.items.map((item) => item.id),
    all.items.filter((item) => ['listing.withdrawn', 'demand.closed'].includes(item.type)).map((item) => item.id),
    'in feed order',
  )

  const unknown = assertProblem(t, await send('GET', '/v1/events?types=listing.published,listing.deleted'), 400, 'validation_failed')
  t.same(pointers(unknown), ['#/query/types'])
  t.match(unknown.detail, /listing\.deleted/)
  assertProblem(t, await send('GET', '/v1/events?types=listing.created'), 400, 'validation_failed')
  assertProblem(t, await send('GET', '/v1/events?types=listing.published,'), 400, 'validation_failed')
  assertProblem(t, await send('GET', '/v1/events?limit=0'), 400, 'validation_failed')
  assertProblem(t, await send('GET', '/v1/events?limit=1001'), 400, 'validation_failed')
  assertProblem(t, await send('GET', '/v1/events?since=1'), 400, 'validation_failed')
})

t.test('a tampered cursor is a 400 invalid_cursor', async (t) => {
  const forged = [
    'not-a-cursor',
    encodeCursor('id', [12]),
    encodeCursor('events', [1, 2]),
    encodeCursor('events', ['12']),
    encodeCursor('events', ['abc', 1]),
    encodeCursor('events', ['-1', 1]),
    encodeCursor('events', ['18446744073709551616', 1]),
    encodeCursor('events', ['12', -1]),
    encodeCursor('events', ['12', 1.5]),
  ]
  for (const cursor of forged) assertProblem(t, await send('GET', `/v1/events?after=${encodeURIComponent(cursor)}`), 400, 'invalid_cursor')
  const highest = await send('GET', `/v1/events?after=${encodeURIComponent(encodeCursor('events', ['18446744073709551615', 1]))}`)
  t.same(highest.json().items, [], 'the highest position is valid, and past every event')
})

t.test('an event whose transaction is still running holds back the events committed after it', async (t) => {
  const { pool, mode } = app.database
  const start = (await readWholeFeed()).cursor
  const subject = owner.organization.id
  const client = await pool.connect()
  t.teardown(() => client.release())
  // The payload a real organization.updated carries: the organisation as a keyless GET shows it.
  const view = (await send('GET', `/v1/organizations/${subject}`)).json() as object
  await client.query('begin')
  const early = await client.query<{ id: string }>(
    `insert into outbox_events (type, subject_type, subject_id, organization_ids, payload, occurred_at, public)
     values ('organization.updated', 'organization', $1, array[$1]::uuid[], $2, now(), true) returning id::text`,
    [subject, view],
  )
  const earlyId = early.rows[0]!.id

  if (mode === 'postgres') {
    // A later transaction commits its event (a higher id, too) while the early one is still running.
    t.equal((await send('PATCH', `/v1/organizations/${subject}`, owner.auth, { description: 'Nghiên cứu công nghệ sau thu hoạch' })).statusCode, 200)
    const late = (await storedEvents('organizations', subject)).at(-1)!
    t.ok(BigInt(late.id) > BigInt(earlyId), 'the committed event drew the later id')
    const held = await feedPage(`?after=${encodeURIComponent(start)}`)
    t.same(held, { items: [], nextCursor: start }, 'neither event is served while the early transaction runs, so no reader can pass it')
    await client.query('commit')
    const { items } = await readFeedUntil(start, [earlyId, late.id])
    t.same(
      items.map((item) => item.id),
      [earlyId, late.id],
      'once it commits, both come in commit order, the early one first',
    )
  } else {
    // Embedded PGlite has one backend: a connection owns it for a whole transaction, so no other
    // transaction can commit meanwhile, and a feed read waits for the running one to end.
    let settled = false
    const reading = feedPage(`?after=${encodeURIComponent(start)}`).then((page) => {
      settled = true
      return page
    })
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve))
    t.notOk(settled, 'the read waits while the transaction runs (no commit can overtake it here)')
    await client.query('commit')
    t.same(
      (await reading).items.map((item) => item.id),
      [earlyId],
      'and then serves its event',
    )
  }
})
