import t from 'tap'
import { createApiKey } from '../../src/core/keys.ts'
import { buildTestApp } from '../helpers/app.ts'
import { delegate } from '../helpers/delegations.ts'
import { createMember, createOperator, nationalScope, tableCounts } from '../helpers/factories.ts'
import { createListingViaApi, listingInput, storedListing } from '../helpers/listings.ts'

// Confidential fields: a listing's contacts and IPR numbers are shown only to those who act for
// its owner (its keys, its delegates', the operator's), unless the owner discloses them.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)
const owner = await createMember(db, { name: 'Công ty TNHH Cơ khí Gia Lộc' })
const ownerReaderKey = await createApiKey(db, { organizationId: owner.organization.id, role: 'reader' })
const ownerReader = { authorization: `Bearer ${ownerReaderKey.key}` }
const point = await createMember(db, { kind: 'connection_point', name: 'Điểm kết nối công nghệ Hải Dương', delegationScope: nationalScope })
const pointReaderKey = await createApiKey(db, { organizationId: point.organization.id, role: 'reader' })
const pointReader = { authorization: `Bearer ${pointReaderKey.key}` }
const other = await createMember(db)

await delegate(app, point.auth, owner.auth, owner.organization.id)

const contacts = [{ name: 'Nguyễn Văn An', position: 'Giám đốc kỹ thuật', email: 'an@gialoc.vn', phone: '0912345678' }]
const get = (id: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers })
const patch = (id: string, payload: Record<string, unknown>) => app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers: owner.auth, payload })

async function publishedListing(overrides: Record<string, unknown> = {}) {
  const created = await createListingViaApi(app, owner.auth, { contacts, validUntil: null, ...overrides })
  t.equal((await app.inject({ method: 'POST', url: `/v1/listings/${created.id}/publish`, headers: owner.auth })).statusCode, 200, 'fixture published')
  return created
}

t.test('by default contacts and IPR numbers are confidential', async (t) => {
  const created = await publishedListing()
  t.match(created, { contacts, iprNumbers: ['1-0023456'], disclosure: { contacts: false, iprNumbers: false }, redacted: [] }, 'the creator sees everything')

  for (const [who, headers] of [
    ['anonymous', {}],
    ['another organisation', other.auth],
  ] as const) {
    const response = await get(created.id, headers)
    t.equal(response.statusCode, 200, who)
    t.match(
      response.json(),
      { contacts: null, iprNumbers: null, redacted: ['contacts', 'iprNumbers'], iprStatus: 'patent_granted', titleVi: created.titleVi },
      `${who} sees them redacted`,
    )
  }
  for (const [who, headers] of [
    ['owner reader', ownerReader],
    ['delegate reader', pointReader],
    ['delegate admin', point.auth],
    ['operator', operator.auth],
  ] as const) {
    const response = await get(created.id, headers)
    t.equal(response.statusCode, 200, who)
    t.match(response.json(), { contacts, iprNumbers: ['1-0023456'], redacted: [] }, `${who} sees everything`)
  }
})

t.test('marking a field public reveals it to everyone', async (t) => {
  const created = await publishedListing()
  const contactsPublic = await patch(created.id, { disclosure: { contacts: true, iprNumbers: false } })
  t.equal(contactsPublic.statusCode, 200)
  t.match(contactsPublic.json(), { disclosure: { contacts: true, iprNumbers: false }, contacts, redacted: [] })
  t.match((await get(created.id)).json(), { contacts, iprNumbers: null, redacted: ['iprNumbers'] }, 'anonymous sees the contacts only')

  t.equal((await patch(created.id, { disclosure: { contacts: true, iprNumbers: true } })).statusCode, 200)
  t.match((await get(created.id, other.auth)).json(), { contacts, iprNumbers: ['1-0023456'], redacted: [] }, 'all public')

  t.equal((await patch(created.id, { disclosure: { contacts: false, iprNumbers: false } })).statusCode, 200)
  t.match((await get(created.id)).json(), { contacts: null, iprNumbers: null, redacted: ['contacts', 'iprNumbers'] }, 'and confidential again')
})

t.test('disclosed at creation', async (t) => {
  const created = await publishedListing({ disclosure: { contacts: true, iprNumbers: true } })
  t.match((await get(created.id)).json(), { contacts, iprNumbers: ['1-0023456'], redacted: [] })
})

t.test('bad contacts and disclosure are refused', async (t) => {
  const before = await tableCounts(db)
  for (const { payload, pointer } of [
    { payload: listingInput({ contacts: Array.from({ length: 11 }, (_, index) => ({ name: `Người ${index}` })) }), pointer: '#/contacts' },
    { payload: listingInput({ contacts: [{ position: 'Giám đốc' }] }), pointer: '#/contacts/0/name' },
    { payload: listingInput({ contacts: [{ name: 'An', fax: '123' }] }), pointer: '#/contacts/0/fax' },
    { payload: listingInput({ disclosure: { contacts: true } }), pointer: '#/disclosure/iprNumbers' },
    { payload: listingInput({ disclosure: { contacts: true, iprNumbers: false, price: true } }), pointer: '#/disclosure/price' },
  ]) {
    const response = await app.inject({ method: 'POST', url: '/v1/listings', headers: owner.auth, payload })
    t.equal(response.statusCode, 400, pointer)
    t.ok(
      response.json().errors.some((error: { pointer: string }) => error.pointer === pointer),
      pointer,
    )
  }
  t.same(await tableCounts(db), before, 'nothing written')
  const created = await publishedListing()
  const stored = await storedListing(db, created.id)
  t.equal((await patch(created.id, { disclosure: { contacts: 'yes', iprNumbers: false } })).statusCode, 400)
  t.same(await storedListing(db, created.id), stored, 'a bad update changed nothing')
})
