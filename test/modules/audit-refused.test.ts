import t, { type Test } from 'tap'
import { createApiKey } from '../../src/core/keys.ts'
import { buildTestApp } from '../helpers/app.ts'
import { demandInput, fileDemand, fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator, tableCounts } from '../helpers/factories.ts'
import { createListingViaApi, insertListing, listingInput } from '../helpers/listings.ts'

// A refused write records nothing: not the row, not an audit event. Some refusals come from the
// service before the transaction starts, some from inside it (a stale version, a state), and some
// from the database itself (a unique or foreign key violation), which rolls the transaction back.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const enterprise = await createMember(db, { kind: 'enterprise', name: 'Công ty Cổ phần Cơ điện Hà Nam' })
const university = await createMember(db, { kind: 'university' })
const readerKey = await createApiKey(db, { organizationId: enterprise.organization.id, role: 'reader' })
const reader = { authorization: `Bearer ${readerKey.key}` }
const missingId = '00000000-0000-4000-8000-000000000000'

type Request = { method: 'POST' | 'PATCH'; url: string; headers?: Record<string, string>; payload?: object }

/** Sends each request, expects its status, and checks that none of them wrote anything. */
async function refused(t: Test, cases: Array<[string, number, Request]>) {
  const before = await tableCounts(db)
  for (const [what, status, request] of cases) {
    const response = await app.inject(request)
    t.equal(response.statusCode, status, `${what}: ${response.statusCode} ${response.statusCode === status ? '' : response.body}`)
  }
  t.same(await tableCounts(db), before, 'no row and no audit event written')
}

t.test('organisations', async (t) => {
  const enterpriseBody = { kind: 'enterprise', name: 'Công ty TNHH Thực phẩm Ninh Bình', taxCode: '2700123456' }
  t.equal((await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: enterpriseBody })).statusCode, 201)
  const url = `/v1/organizations/${enterprise.organization.id}`
  await refused(t, [
    ['create without a key', 401, { method: 'POST', url: '/v1/organizations', payload: enterpriseBody }],
    ['create by a member', 403, { method: 'POST', url: '/v1/organizations', headers: enterprise.auth, payload: { ...enterpriseBody, taxCode: '2700999999' } }],
    ['create with a bad body', 400, { method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { kind: 'bank', name: 'X' } }],
    [
      'create with a taken tax code (unique violation)',
      409,
      { method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { ...enterpriseBody, name: 'Khác' } },
    ],
    [
      'create with an unknown parent (foreign key)',
      422,
      { method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { kind: 'enterprise', name: 'Y', parentId: missingId } },
    ],
    [
      'create with an unknown province',
      422,
      { method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { kind: 'enterprise', name: 'Z', provinceCode: '99' } },
    ],
    ['update by another organisation', 403, { method: 'PATCH', url, headers: university.auth, payload: { nameEn: 'Hijack' } }],
    ['update by a reader', 403, { method: 'PATCH', url, headers: reader, payload: { nameEn: 'Reader' } }],
    ['update with a stale If-Match', 412, { method: 'PATCH', url, headers: { ...enterprise.auth, 'if-match': '"7"' }, payload: { nameEn: 'Stale' } }],
    [
      'update with an unknown parent (foreign key, inside the transaction)',
      422,
      { method: 'PATCH', url, headers: operator.auth, payload: { parentId: missingId } },
    ],
    ['update of the parent by the member itself', 403, { method: 'PATCH', url, headers: enterprise.auth, payload: { parentId: missingId } }],
    ['update of a missing organisation', 404, { method: 'PATCH', url: `/v1/organizations/${missingId}`, headers: operator.auth, payload: { nameEn: 'X' } }],
    ['update with an unknown field', 400, { method: 'PATCH', url, headers: enterprise.auth, payload: { kind: 'university' } }],
  ])
})

t.test('listings', async (t) => {
  const draft = await createListingViaApi(app, enterprise.auth)
  const withdrawn = await insertListing(db, { ownerId: enterprise.organization.id, status: 'withdrawn', withdrawReason: 'x' })
  const lapsed = await createListingViaApi(app, enterprise.auth, { validUntil: '2026-03-01' })
  await refused(t, [
    ['create by a reader', 403, { method: 'POST', url: '/v1/listings', headers: reader, payload: listingInput() }],
    ['create breaking a rule', 422, { method: 'POST', url: '/v1/listings', headers: enterprise.auth, payload: listingInput({ priceType: 'negotiable' }) }],
    ['create with a bad body', 400, { method: 'POST', url: '/v1/listings', headers: enterprise.auth, payload: listingInput({ trl: 10 }) }],
    ['update by another organisation', 404, { method: 'PATCH', url: `/v1/listings/${draft.id}`, headers: university.auth, payload: { titleEn: 'X' } }],
    [
      'update with a stale If-Match',
      412,
      { method: 'PATCH', url: `/v1/listings/${draft.id}`, headers: { ...enterprise.auth, 'if-match': '"2"' }, payload: { titleEn: 'X' } },
    ],
    ['update of a withdrawn listing', 409, { method: 'PATCH', url: `/v1/listings/${withdrawn}`, headers: enterprise.auth, payload: { titleEn: 'X' } }],
    ['publish past its validity', 422, { method: 'POST', url: `/v1/listings/${lapsed.id}/publish`, headers: enterprise.auth }],
    ['withdraw a draft', 409, { method: 'POST', url: `/v1/listings/${draft.id}/withdraw`, headers: enterprise.auth, payload: { reason: 'x' } }],
    ['withdraw without a reason', 400, { method: 'POST', url: `/v1/listings/${draft.id}/withdraw`, headers: enterprise.auth, payload: {} }],
    ['publish by a reader', 403, { method: 'POST', url: `/v1/listings/${draft.id}/publish`, headers: reader }],
  ])
  t.ok(clock.now().toISOString() > '2026-03-01', 'the lapsed listing really is past its date')
})

t.test('demands', async (t) => {
  const draft = await fileDemand(app, enterprise.auth)
  const open = await fileOpenDemand(app, enterprise.auth)
  const lapsed = await fileDemand(app, enterprise.auth, { deadline: '2026-03-01' })
  await refused(t, [
    ['file by a university', 403, { method: 'POST', url: '/v1/demands', headers: university.auth, payload: demandInput() }],
    [
      'file with an empty budget range',
      422,
      { method: 'POST', url: '/v1/demands', headers: enterprise.auth, payload: demandInput({ budgetMinVnd: 9, budgetMaxVnd: 1 }) },
    ],
    ['file with a bad body', 400, { method: 'POST', url: '/v1/demands', headers: enterprise.auth, payload: demandInput({ minTrl: 0 }) }],
    [
      'update with a stale If-Match',
      412,
      { method: 'PATCH', url: `/v1/demands/${draft.id}`, headers: { ...enterprise.auth, 'if-match': '"5"' }, payload: { titleEn: 'X' } },
    ],
    ['update by a reader', 403, { method: 'PATCH', url: `/v1/demands/${open.id}`, headers: reader, payload: { titleEn: 'X' } }],
    [
      'update breaking the budget',
      422,
      { method: 'PATCH', url: `/v1/demands/${draft.id}`, headers: enterprise.auth, payload: { budgetMinVnd: 9_000_000_000 } },
    ],
    ['open an open demand', 409, { method: 'POST', url: `/v1/demands/${open.id}/open`, headers: enterprise.auth }],
    ['open past the deadline', 422, { method: 'POST', url: `/v1/demands/${lapsed.id}/open`, headers: enterprise.auth }],
    ['close a draft', 409, { method: 'POST', url: `/v1/demands/${draft.id}/close`, headers: enterprise.auth, payload: { reason: 'fulfilled' } }],
    ['close for `other` without a note', 422, { method: 'POST', url: `/v1/demands/${open.id}/close`, headers: enterprise.auth, payload: { reason: 'other' } }],
    ['close with an unknown reason', 400, { method: 'POST', url: `/v1/demands/${open.id}/close`, headers: enterprise.auth, payload: { reason: 'bored' } }],
  ])
})
