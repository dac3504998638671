import { eq } from 'drizzle-orm'
import t from 'tap'
import { outboxEvents } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator } from '../helpers/factories.ts'
import { publishListing } from '../helpers/matching.ts'

// An anonymous demand hides the enterprise that filed it (its id, name and own reference; its kind
// stays) from everyone who does not act for it: in its GET, search and browse, the feed, exports and
// matches. A provider's deal on the demand reveals it once the enterprise accepts, as an anonymous
// listing's deal reveals its owner to the seeker.

const { app, db } = await buildTestApp(t)
const enterprise = await createMember(db, { kind: 'enterprise', name: 'Công ty TNHH Dệt may Nam Định' })
const provider = await createMember(db, { kind: 'research_institute', name: 'Viện Dệt may' })
const stranger = await createMember(db, { kind: 'enterprise', name: 'Công ty TNHH Sấy Thái Bình' })
const broker = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối cung cầu Nam Định' })
const operator = await createOperator(db)

type Owner = { id: string | null; name: string | null; kind: string }
type Summary = { id: string; owner: Owner; anonymous: boolean; redacted: string[]; provenance: { externalId: string | null } }
const hidden = { id: null, name: null, kind: 'enterprise' }
const shown = { id: enterprise.organization.id, name: 'Công ty TNHH Dệt may Nam Định', kind: 'enterprise' }

const demand = await fileOpenDemand(app, enterprise.auth, {
  titleVi: 'Cần công nghệ xử lý nước thải nhuộm vải',
  problemVi: 'Nước thải nhuộm có độ màu cao, chưa đạt quy chuẩn xả thải.',
  keywords: ['nước thải nhuộm'],
  anonymous: true,
})
const open = await fileOpenDemand(app, enterprise.auth, { titleVi: 'Cần máy dệt kim tròn', problemVi: 'Máy dệt cũ hỏng nhiều.', keywords: ['máy dệt kim'] })

const read = async (auth?: Record<string, string>) => (await app.inject({ method: 'GET', url: `/v1/demands/${demand.id}`, headers: auth ?? {} })).json()
const searchItems = async (url: string, auth?: Record<string, string>) =>
  ((await app.inject({ method: 'GET', url, headers: auth ?? {} })).json() as { items: Summary[] }).items

t.test('its GET hides the owner from strangers, not from the owner or the operator', async (t) => {
  t.match(await read(enterprise.auth), { anonymous: true, owner: shown, redacted: [] })
  t.match(await read(operator.auth), { owner: shown, redacted: [] })
  for (const auth of [undefined, stranger.auth, provider.auth, broker.auth]) {
    t.match(await read(auth), { anonymous: true, owner: hidden, redacted: ['owner'] })
  }
  t.match(await read(), { titleVi: 'Cần công nghệ xử lý nước thải nhuộm vải', problemVi: /độ màu cao/ }, 'the need itself stays public')
})

t.test('search and browse summaries hide it; owner= does not reveal whose it is', async (t) => {
  const byText = await searchItems('/v1/demands?q=n%C6%B0%E1%BB%9Bc%20th%E1%BA%A3i%20nhu%E1%BB%99m')
  t.match(
    byText.find((item) => item.id === demand.id),
    { owner: hidden, anonymous: true, redacted: ['owner'] },
  )
  const browsed = await searchItems('/v1/demands', stranger.auth)
  t.match(
    browsed.find((item) => item.id === demand.id),
    { owner: hidden },
  )
  t.match(
    browsed.find((item) => item.id === open.id),
    { owner: shown, anonymous: false, redacted: [] },
    'a demand that is not anonymous shows its owner',
  )
  t.match(
    (await searchItems('/v1/demands', enterprise.auth)).find((item) => item.id === demand.id),
    { owner: shown, redacted: [] },
  )

  const theirs = await searchItems(`/v1/demands?owner=${enterprise.organization.id}`, stranger.auth)
  t.same(
    theirs.map((item) => item.id),
    [open.id],
    'a stranger asking for the owner’s demands gets only those it may link to it',
  )
  const theirsByText = await searchItems(`/v1/demands?owner=${enterprise.organization.id}&q=n%C6%B0%E1%BB%9Bc%20th%E1%BA%A3i`, stranger.auth)
  t.same(theirsByText, [])
  const own = await searchItems(`/v1/demands?owner=${enterprise.organization.id}`, enterprise.auth)
  t.same(own.map((item) => item.id).sort(), [demand.id, open.id].sort())
})

t.test('the feed and exports show it as a stranger sees it', async (t) => {
  const feed = (await app.inject({ method: 'GET', url: '/v1/events?types=demand.opened' })).json() as {
    items: Array<{ subject: { id: string }; data: Summary }>
  }
  t.match(feed.items.find((item) => item.subject.id === demand.id)?.data, { owner: hidden, redacted: ['owner'] })
  const exported = (await app.inject({ method: 'GET', url: '/v1/demands/export?format=ndjson', headers: stranger.auth })).body
  const lines = exported
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { id: string; owner: Owner })
  t.match(
    lines.find((line) => line.id === demand.id),
    { owner: hidden },
  )
  const asOwner = (await app.inject({ method: 'GET', url: '/v1/demands/export?format=ndjson', headers: enterprise.auth })).body
  t.match(asOwner, enterprise.organization.id, 'its owner exports it whole')
  const byOwner = (await app.inject({ method: 'GET', url: `/v1/demands/export?format=ndjson&owner=${enterprise.organization.id}`, headers: stranger.auth }))
    .body
  t.notMatch(byOwner, demand.id, 'owner= leaves it out for a stranger')
})

t.test('an import row files an anonymous demand, whose own reference is hidden with its owner', async (t) => {
  const upload = await app.inject({
    method: 'POST',
    url: '/v1/imports?kind=demands',
    headers: { ...enterprise.auth, 'content-type': 'text/csv' },
    payload: 'Mã,Tiêu đề,Vấn đề,Ẩn danh,Trạng thái\nDM-7,Cần lò hơi đốt trấu,Lò hơi than tốn kém,có,Mở\n',
  })
  t.equal(upload.statusCode, 202)
  await app.jobs.runPending()
  const [imported] = (await searchItems(`/v1/demands?owner=${enterprise.organization.id}&q=l%C3%B2%20h%C6%A1i`, enterprise.auth)) as Summary[]
  t.match(imported, { anonymous: true, provenance: { externalId: 'DM-7' } })
  const asStranger = await app.inject({ method: 'GET', url: `/v1/demands/${imported!.id}` })
  t.match(asStranger.json(), { owner: hidden, provenance: { externalId: null } })
})

t.test('matches: the listing owner and brokers see the demand without its owner', async (t) => {
  const listing = await publishListing(app, provider.auth, {
    titleVi: 'Công nghệ xử lý nước thải dệt nhuộm bằng keo tụ',
    descriptionVi: 'Khử màu nước thải nhuộm bằng keo tụ và lọc sinh học.',
    keywords: ['nước thải nhuộm'],
  })
  const proposed = await app.inject({
    method: 'POST',
    url: '/v1/matches',
    headers: broker.auth,
    payload: { demandId: demand.id, listingId: listing.id, note: 'Công nghệ keo tụ khử màu' },
  })
  t.equal(proposed.statusCode, 201, proposed.body)
  t.match(proposed.json().demand, { id: demand.id, owner: hidden }, 'the proposing broker does not learn it either')
  const asProvider = (await app.inject({ method: 'GET', url: `/v1/listings/${listing.id}/matches`, headers: provider.auth })).json() as {
    items: Array<{ demand: Summary }>
  }
  t.match(asProvider.items.find((item) => item.demand.id === demand.id)?.demand, { owner: hidden, redacted: ['owner'] })
  const match = await app.inject({ method: 'GET', url: `/v1/matches/${proposed.json().id}`, headers: enterprise.auth })
  t.match(match.json().demand, { owner: shown }, 'its owner sees itself')
})

t.test('a provider’s deal on the demand reveals its owner once the enterprise accepts', async (t) => {
  const listing = await publishListing(app, provider.auth, {
    titleVi: 'Hệ thống lọc màng xử lý nước thải nhuộm',
    descriptionVi: 'Lọc màng MBR cho nước thải dệt nhuộm.',
  })
  const started = await app.inject({
    method: 'POST',
    url: '/v1/deals',
    headers: provider.auth,
    payload: { listingId: listing.id, demandId: demand.id, message: 'Chúng tôi có hệ thống lọc màng phù hợp' },
  })
  t.equal(started.statusCode, 201, started.body)
  const deal = started.json() as { id: string; seeker: Owner }
  t.same(deal.seeker, hidden, 'the proposing provider does not see whom it proposes to')
  const dealAs = async (auth: Record<string, string>) => (await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}`, headers: auth })).json()
  t.same((await dealAs(enterprise.auth)).seeker, shown, 'the enterprise sees itself')
  t.same((await dealAs(operator.auth)).seeker, shown)
  t.match(await read(provider.auth), { owner: hidden }, 'nor does the demand show it yet')

  // Nor does a message of the enterprise's, in the list or in the webhook event both sides receive.
  const posted = await app.inject({ method: 'POST', url: `/v1/deals/${deal.id}/messages`, headers: enterprise.auth, payload: { body: 'Lưu lượng 50 m³/ngày' } })
  t.equal(posted.statusCode, 201, posted.body)
  const messagesAs = async (auth: Record<string, string>) =>
    (
      (await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}/messages`, headers: auth })).json() as {
        items: Array<{ author: { organizationId: string | null } }>
      }
    ).items
  t.same(
    (await messagesAs(provider.auth)).map((message) => message.author.organizationId),
    [null],
  )
  t.same(
    (await messagesAs(enterprise.auth)).map((message) => message.author.organizationId),
    [enterprise.organization.id],
  )
  const [event] = await db.select().from(outboxEvents).where(eq(outboxEvents.type, 'deal.message_posted'))
  t.match(event!.payload, { authorOrganizationId: null, authorRole: 'seeker' })

  const accepted = await app.inject({
    method: 'POST',
    url: `/v1/deals/${deal.id}/transitions`,
    headers: enterprise.auth,
    payload: { transition: 'accept_interest' },
  })
  t.equal(accepted.statusCode, 200, accepted.body)
  t.same((await dealAs(provider.auth)).seeker, shown, 'accepted: the provider knows whom it deals with')
  t.match(await read(provider.auth), { owner: shown, redacted: [] }, 'and the demand shows it to that provider')
  t.match(await read(stranger.auth), { owner: hidden }, 'and to no one else')
  const history = (await app.inject({ method: 'GET', url: `/v1/deals/${deal.id}/history`, headers: provider.auth })).json() as {
    items: Array<{ transition: string; actorOrganizationId: string | null }>
  }
  t.same(
    history.items.map((entry) => [entry.transition, entry.actorOrganizationId]),
    [
      ['start', provider.organization.id],
      ['accept_interest', enterprise.organization.id],
    ],
  )
  t.same(
    (await messagesAs(provider.auth)).map((message) => message.author.organizationId),
    [enterprise.organization.id],
    'and its message is signed',
  )
})

t.test('an anonymous listing’s owner is not named by its moves or messages before the deal is accepted', async (t) => {
  const listing = await publishListing(app, provider.auth, { anonymous: true, titleVi: 'Chế phẩm vi sinh khử mùi chuồng trại' })
  const started = await app.inject({ method: 'POST', url: '/v1/deals', headers: stranger.auth, payload: { listingId: listing.id, message: 'Xin báo giá' } })
  t.equal(started.statusCode, 201, started.body)
  const dealId = started.json().id as string
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/deals/${dealId}/messages`, headers: provider.auth, payload: { body: 'Cần thêm thông tin quy mô' } }))
      .statusCode,
    201,
  )
  const declined = await app.inject({
    method: 'POST',
    url: `/v1/deals/${dealId}/transitions`,
    headers: provider.auth,
    payload: { transition: 'decline_interest', reason: 'not_a_fit' },
  })
  t.equal(declined.statusCode, 200, declined.body)
  const history = (await app.inject({ method: 'GET', url: `/v1/deals/${dealId}/history`, headers: stranger.auth })).json() as {
    items: Array<{ transition: string; actorOrganizationId: string | null }>
  }
  t.same(
    history.items.map((entry) => [entry.transition, entry.actorOrganizationId]),
    [
      ['start', stranger.organization.id],
      ['decline_interest', null],
    ],
  )
  const messages = (await app.inject({ method: 'GET', url: `/v1/deals/${dealId}/messages`, headers: stranger.auth })).json() as {
    items: Array<{ author: { organizationId: string | null; role: string } }>
  }
  t.same(
    messages.items.map((message) => message.author),
    [{ organizationId: null, role: 'provider' }],
  )
})

t.test('an edit makes a demand anonymous or public again', async (t) => {
  const current = await app.inject({ method: 'GET', url: `/v1/demands/${open.id}`, headers: enterprise.auth })
  const edited = await app.inject({
    method: 'PATCH',
    url: `/v1/demands/${open.id}`,
    headers: { ...enterprise.auth, 'if-match': current.headers.etag as string },
    payload: { anonymous: true },
  })
  t.equal(edited.statusCode, 200)
  t.match((await app.inject({ method: 'GET', url: `/v1/demands/${open.id}` })).json(), { anonymous: true, owner: hidden })
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/demands/${open.id}`, headers: enterprise.auth, payload: { anonymous: 'yes' } })).statusCode, 400)
})
