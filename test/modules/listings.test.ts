import t from 'tap'
import { buildTestApp } from '../helpers/app.ts'
import { createMember, createOperator, tableCounts } from '../helpers/factories.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { createListingViaApi, insertListing, listingInput, storedListing } from '../helpers/listings.ts'
import { versionOf } from '../helpers/etag.ts'

// Create, read and edit listings; the lifecycle and search have files of their own.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const owner = await createMember(db, { kind: 'research_institute', role: 'admin', name: 'Viện Lúa Đồng bằng sông Hồng' })
const other = await createMember(db, { name: 'Công ty khác' })
const ownerReaderKey = await createApiKey(db, { organizationId: owner.organization.id, role: 'reader' })
const ownerReader = { authorization: `Bearer ${ownerReaderKey.key}` }
const ownerEditorKey = await createApiKey(db, { organizationId: owner.organization.id, role: 'editor' })
const ownerEditor = { authorization: `Bearer ${ownerEditorKey.key}` }
const missingId = '00000000-0000-4000-8000-000000000000'

const problemPointers = (body: { errors?: Array<{ pointer: string }> }) => (body.errors ?? []).map((error) => error.pointer)

t.test('an editor creates a draft; the owner reads it back with its ETag', async (t) => {
  const response = await app.inject({ method: 'POST', url: '/v1/listings', headers: owner.auth, payload: listingInput() })
  t.equal(response.statusCode, 201)
  const body = response.json()
  t.equal(response.headers.location, `/v1/listings/${body.id}`)
  t.equal(versionOf(response.headers.etag), 1)
  t.match(body, {
    status: 'draft',
    owner: { id: owner.organization.id, name: 'Viện Lúa Đồng bằng sông Hồng', kind: 'research_institute' },
    kind: 'technology',
    titleVi: 'Quy trình sản xuất lúa gạo hữu cơ',
    trl: 7,
    iprStatus: 'patent_granted',
    iprNumbers: ['1-0023456'],
    priceType: 'amount',
    priceVnd: 250_000_000,
    sectors: ['A'],
    fields: ['4'],
    provinceCodes: ['36'],
    currentProvinceCodes: ['37'],
    media: [{ url: 'https://example.vn/lua.jpg', kind: 'image', title: 'Cánh đồng lúa' }],
    validUntil: '2026-12-31',
    publishedAt: null,
    withdrawnAt: null,
    withdrawReason: null,
    version: 1,
  })
  t.equal(body.createdAt, clock.now().toISOString(), 'stamped with the injected clock')
  t.notOk('searchKeyIds' in body || 'searchVector' in body || 'ownerId' in body, 'internal columns do not leak')

  const read = await app.inject({ method: 'GET', url: `/v1/listings/${body.id}`, headers: owner.auth })
  t.equal(read.statusCode, 200)
  t.equal(versionOf(read.headers.etag), 1)
  // The creation's answer adds the possible duplicates (none here) to the listing.
  const { possibleDuplicates, ...listing } = body
  t.same(possibleDuplicates, [])
  t.same(read.json(), listing)

  const stored = await storedListing(db, body.id)
  t.equal(stored!.ownerId, owner.organization.id)
  t.ok(stored!.searchKeyIds.length > 0, 'the search terms are generated')
})

t.test('a minimal body gets the defaults; editor and operator keys may create too', async (t) => {
  const minimal = { kind: 'service', titleVi: 'Tư vấn chuyển giao', descriptionVi: 'Dịch vụ tư vấn.' }
  for (const [headers, ownerId] of [
    [ownerEditor, owner.organization.id],
    [operator.auth, operator.organization.id],
  ] as const) {
    const response = await app.inject({ method: 'POST', url: '/v1/listings', headers, payload: minimal })
    t.equal(response.statusCode, 201)
    t.match(response.json(), {
      owner: { id: ownerId },
      titleEn: null,
      descriptionEn: null,
      trl: null,
      iprStatus: 'none',
      iprNumbers: [],
      transferForms: [],
      priceType: 'negotiable',
      priceVnd: null,
      sectors: [],
      keywords: [],
      provinceCodes: [],
      currentProvinceCodes: [],
      media: [],
      validUntil: null,
    })
  }
})

t.test('creating needs a key that may write', async (t) => {
  const reader = await createMember(db, { role: 'reader' })
  const before = await tableCounts(db)
  const anonymous = await app.inject({ method: 'POST', url: '/v1/listings', payload: listingInput() })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['content-type'], 'application/problem+json; charset=utf-8')
  const badKey = await app.inject({ method: 'POST', url: '/v1/listings', headers: { authorization: 'Bearer txk_nope' }, payload: listingInput() })
  t.equal(badKey.statusCode, 401)
  const refused = await app.inject({ method: 'POST', url: '/v1/listings', headers: reader.auth, payload: listingInput() })
  t.equal(refused.statusCode, 403)
  t.equal(refused.json().code, 'forbidden')
  t.same(await tableCounts(db), before)
})

t.test('malformed bodies are 400 with a pointer to the field, and nothing is written', async (t) => {
  const before = await tableCounts(db)
  const { titleVi: _titleVi, ...withoutTitle } = listingInput()
  const cases = [
    { payload: listingInput({ kind: 'software' }), pointer: '#/kind' },
    // ownerId is accepted since delegation (a delegate names the member), but must be a UUID.
    { payload: listingInput({ ownerId: 'not-a-uuid' }), pointer: '#/ownerId' },
    { payload: listingInput({ status: 'published' }), pointer: '#/status' },
    { payload: withoutTitle, pointer: '#/titleVi' },
    { payload: listingInput({ titleVi: 'x'.repeat(301) }), pointer: '#/titleVi' },
    { payload: listingInput({ descriptionVi: '' }), pointer: '#/descriptionVi' },
    { payload: listingInput({ trl: 10 }), pointer: '#/trl' },
    { payload: listingInput({ iprStatus: 'copyright' }), pointer: '#/iprStatus' },
    { payload: listingInput({ iprNumbers: ['x'.repeat(61)] }), pointer: '#/iprNumbers/0' },
    { payload: listingInput({ transferForms: ['leasing'] }), pointer: '#/transferForms/0' },
    { payload: listingInput({ transferMethods: ['telepathy'] }), pointer: '#/transferMethods/0' },
    { payload: listingInput({ priceType: 'free' }), pointer: '#/priceType' },
    { payload: listingInput({ priceVnd: -1 }), pointer: '#/priceVnd' },
    { payload: listingInput({ priceVnd: 1.5 }), pointer: '#/priceVnd' },
    { payload: listingInput({ sectors: ['Z'] }), pointer: '#/sectors/0' },
    { payload: listingInput({ sectors: ['A', 'A'] }), pointer: '#/sectors' },
    { payload: listingInput({ fields: ['9'] }), pointer: '#/fields/0' },
    { payload: listingInput({ keywords: Array.from({ length: 31 }, (_, index) => `k${index}`) }), pointer: '#/keywords' },
    { payload: listingInput({ provinceCodes: ['Nam Định'] }), pointer: '#/provinceCodes/0' },
    { payload: listingInput({ media: [{ url: 'javascript:alert(1)', kind: 'image' }] }), pointer: '#/media/0/url' },
    { payload: listingInput({ media: [{ url: 'https://example.vn/a.pdf', kind: 'hologram' }] }), pointer: '#/media/0/kind' },
    { payload: listingInput({ media: [{ url: 'https://example.vn/a.pdf', kind: 'document', size: 1 }] }), pointer: '#/media/0/size' },
    { payload: listingInput({ validUntil: '31/12/2026' }), pointer: '#/validUntil' },
  ]
  for (const { payload, pointer } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/listings', headers: owner.auth, payload })
    t.equal(response.statusCode, 400, pointer)
    const problem = response.json()
    t.equal(problem.code, 'validation_failed', pointer)
    t.ok(problemPointers(problem).includes(pointer), `${pointer} in ${JSON.stringify(problem.errors)}`)
  }
  t.same(await tableCounts(db), before)
})

t.test('rules across fields and unknown provinces are 422 with a pointer, and nothing is written', async (t) => {
  const before = await tableCounts(db)
  const cases = [
    { payload: listingInput({ priceType: 'amount', priceVnd: undefined }), pointer: '#/priceVnd', detail: 'là bắt buộc khi priceType là amount' },
    { payload: listingInput({ priceType: 'amount', priceVnd: null }), pointer: '#/priceVnd', detail: 'là bắt buộc khi priceType là amount' },
    { payload: listingInput({ priceType: 'negotiable', priceVnd: 100 }), pointer: '#/priceVnd', detail: 'phải bỏ trống hoặc null khi priceType là negotiable' },
    { payload: listingInput({ iprStatus: 'none' }), pointer: '#/iprNumbers' },
    { payload: listingInput({ iprStatus: 'know_how' }), pointer: '#/iprNumbers' },
    { payload: listingInput({ provinceCodes: ['01', '99'] }), pointer: '#/provinceCodes/1', detail: 'không phải mã tỉnh đã biết' },
  ]
  for (const { payload, pointer, detail } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/listings', headers: owner.auth, payload })
    t.equal(response.statusCode, 422, pointer)
    const problem = response.json()
    t.same(problemPointers(problem), [pointer])
    if (detail) t.equal(problem.errors[0].detail, detail)
  }
  const pending = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: owner.auth,
    payload: listingInput({ iprStatus: 'utility_solution_pending', iprNumbers: ['2-2024-00123'] }),
  })
  t.equal(pending.statusCode, 201, 'a pending application has a number too')
  const afterPending = await tableCounts(db)
  t.equal(afterPending.listings, before.listings + 1, 'only the valid listing was written')
})

t.test('legacy and current province codes are kept as filed and resolved without repeats', async (t) => {
  const created = await createListingViaApi(app, owner.auth, { provinceCodes: ['36', '37', '35', '01'] })
  t.same(created.provinceCodes, ['36', '37', '35', '01'])
  t.same(created.currentProvinceCodes, ['37', '01'], 'Nam Định, Ninh Bình and Hà Nam are all Ninh Bình since 2025')
})

t.test('drafts and withdrawn listings are visible only to their owner and the operator', async (t) => {
  const draftId = (await createListingViaApi(app, owner.auth)).id
  const withdrawnId = await insertListing(db, { ownerId: owner.organization.id, status: 'withdrawn', withdrawnAt: clock.now(), withdrawReason: 'Hết hàng' })
  const publishedId = await insertListing(db, { ownerId: owner.organization.id, status: 'published' })
  const strangerReader = await createMember(db, { role: 'reader' })

  for (const id of [draftId, withdrawnId]) {
    for (const [who, headers] of [
      ['owner', owner.auth],
      ["the owner's reader key", ownerReader],
      ['operator', operator.auth],
    ] as const) {
      const response = await app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers })
      t.equal(response.statusCode, 200, `${who} sees it`)
    }
    for (const [who, headers] of [
      ['another organisation', other.auth],
      ['anonymous', {}],
      ['a reader of another organisation', strangerReader.auth],
    ] as const) {
      const response = await app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers })
      t.equal(response.statusCode, 404, `${who} gets 404`)
      t.equal(response.json().code, 'not_found')
    }
  }
  const withdrawn = await app.inject({ method: 'GET', url: `/v1/listings/${withdrawnId}`, headers: owner.auth })
  t.match(withdrawn.json(), { status: 'withdrawn', withdrawReason: 'Hết hàng' })
  const published = await app.inject({ method: 'GET', url: `/v1/listings/${publishedId}` })
  t.equal(published.statusCode, 200, 'a published listing is public')
  t.equal(published.json().status, 'published')
  t.equal(versionOf(published.headers.etag), 1)
})

t.test('get: unknown, malformed id, broken key', async (t) => {
  const missing = await app.inject({ method: 'GET', url: `/v1/listings/${missingId}` })
  t.equal(missing.statusCode, 404)
  const malformed = await app.inject({ method: 'GET', url: '/v1/listings/42' })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().errors[0].pointer, '#/params/id')
  const publishedId = await insertListing(db, { ownerId: owner.organization.id })
  const badKey = await app.inject({ method: 'GET', url: `/v1/listings/${publishedId}`, headers: { authorization: 'Bearer txk_nope' } })
  t.equal(badKey.statusCode, 401, 'a broken key is refused even on a public read')
})

t.test("update: the owner's editor edits with If-Match; null clears; rules apply to the result", async (t) => {
  const created = await createListingViaApi(app, owner.auth)
  const url = `/v1/listings/${created.id}`
  const stored0KeyIds = (await storedListing(db, created.id))!.searchKeyIds
  clock.advanceDays(1)
  const changed = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...ownerEditor, 'if-match': '"1"' },
    payload: { titleEn: null, trl: null, validUntil: null, provinceCodes: ['77', '79'], keywords: [], titleVi: 'Quy trình lúa gạo hữu cơ (bản mới)' },
  })
  t.equal(changed.statusCode, 200)
  t.equal(versionOf(changed.headers.etag), 2)
  const body = changed.json()
  t.match(body, {
    titleVi: 'Quy trình lúa gạo hữu cơ (bản mới)',
    titleEn: null,
    trl: null,
    validUntil: null,
    keywords: [],
    provinceCodes: ['77', '79'],
    currentProvinceCodes: ['79'],
    version: 2,
    status: 'draft',
  })
  t.equal(body.updatedAt, clock.now().toISOString())
  t.equal(body.createdAt, created.createdAt, 'createdAt stays')
  t.equal(body.priceVnd, 250_000_000, 'fields not sent are kept')
  t.notSame((await storedListing(db, created.id))!.searchKeyIds, stored0KeyIds, 'the search terms follow the title')

  const before = await storedListing(db, created.id)
  const stale = await app.inject({ method: 'PATCH', url, headers: { ...owner.auth, 'if-match': '"1"' }, payload: { titleEn: 'Stale' } })
  t.equal(stale.statusCode, 412)
  t.equal(stale.json().code, 'precondition_failed')
  const garbage = await app.inject({ method: 'PATCH', url, headers: { ...owner.auth, 'if-match': 'yesterday' }, payload: { titleEn: 'X' } })
  t.equal(garbage.statusCode, 412)

  // Switching away from a price: priceVnd must go too, in the same request.
  const keepsPrice = await app.inject({ method: 'PATCH', url, headers: owner.auth, payload: { priceType: 'negotiable' } })
  t.equal(keepsPrice.statusCode, 422)
  t.same(problemPointers(keepsPrice.json()), ['#/priceVnd'])
  const clearsPrice = await app.inject({ method: 'PATCH', url, headers: owner.auth, payload: { priceVnd: null } })
  t.equal(clearsPrice.statusCode, 422, 'an amount without a price')
  const ipr = await app.inject({ method: 'PATCH', url, headers: owner.auth, payload: { iprStatus: 'none' } })
  t.equal(ipr.statusCode, 422)
  t.same(problemPointers(ipr.json()), ['#/iprNumbers'])
  const province = await app.inject({ method: 'PATCH', url, headers: owner.auth, payload: { provinceCodes: ['99'] } })
  t.equal(province.statusCode, 422)
  t.same(problemPointers(province.json()), ['#/provinceCodes/0'])
  const empty = await app.inject({ method: 'PATCH', url, headers: owner.auth, payload: {} })
  t.equal(empty.statusCode, 400)
  const unknown = await app.inject({ method: 'PATCH', url, headers: owner.auth, payload: { status: 'published' } })
  t.equal(unknown.statusCode, 400)
  t.ok(problemPointers(unknown.json()).includes('#/status'))
  const nullTitle = await app.inject({ method: 'PATCH', url, headers: owner.auth, payload: { titleVi: null } })
  t.equal(nullTitle.statusCode, 400, 'a required field cannot be cleared')
  t.same(await storedListing(db, created.id), before, 'refused edits changed nothing')

  const both = await app.inject({ method: 'PATCH', url, headers: { ...owner.auth, 'if-match': '*' }, payload: { priceType: 'on_request', priceVnd: null } })
  t.equal(both.statusCode, 200)
  t.match(both.json(), { priceType: 'on_request', priceVnd: null, version: 3 })
})

t.test('update: who may edit', async (t) => {
  const draft = await createListingViaApi(app, owner.auth)
  const publishedId = await insertListing(db, { ownerId: owner.organization.id, status: 'published' })
  const before = await tableCounts(db)
  const draftBefore = await storedListing(db, draft.id)

  const anonymous = await app.inject({ method: 'PATCH', url: `/v1/listings/${draft.id}`, payload: { titleEn: 'X' } })
  t.equal(anonymous.statusCode, 401)
  const foreignDraft = await app.inject({ method: 'PATCH', url: `/v1/listings/${draft.id}`, headers: other.auth, payload: { titleEn: 'X' } })
  t.equal(foreignDraft.statusCode, 404, "another organisation's draft stays hidden")
  const foreignPublished = await app.inject({ method: 'PATCH', url: `/v1/listings/${publishedId}`, headers: other.auth, payload: { titleEn: 'X' } })
  t.equal(foreignPublished.statusCode, 403, 'a published listing is public, so the refusal is plain')
  const reader = await app.inject({ method: 'PATCH', url: `/v1/listings/${draft.id}`, headers: ownerReader, payload: { titleEn: 'X' } })
  t.equal(reader.statusCode, 403, "the owner's reader key cannot edit")
  const missing = await app.inject({ method: 'PATCH', url: `/v1/listings/${missingId}`, headers: operator.auth, payload: { titleEn: 'X' } })
  t.equal(missing.statusCode, 404)
  t.same(await storedListing(db, draft.id), draftBefore)
  t.same(await tableCounts(db), before)

  const byOperator = await app.inject({
    method: 'PATCH',
    url: `/v1/listings/${publishedId}`,
    headers: operator.auth,
    payload: { titleEn: 'Edited by the operator' },
  })
  t.equal(byOperator.statusCode, 200)
  t.match(byOperator.json(), { status: 'published', titleEn: 'Edited by the operator', version: 2 })
})

t.test('update: a withdrawn listing is final', async (t) => {
  const id = await insertListing(db, { ownerId: owner.organization.id, status: 'withdrawn', withdrawnAt: clock.now(), withdrawReason: 'Ngừng' })
  const before = await storedListing(db, id)
  for (const headers of [owner.auth, operator.auth]) {
    const response = await app.inject({ method: 'PATCH', url: `/v1/listings/${id}`, headers, payload: { titleEn: 'Again' } })
    t.equal(response.statusCode, 409)
    t.match(response.json(), { code: 'invalid_state', allowed: [] })
  }
  t.same(await storedListing(db, id), before)
})
