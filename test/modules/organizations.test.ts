import t from 'tap'
import { eq } from 'drizzle-orm'
import { organizations } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { createMember, createOperator, createOrganization, tableCounts } from '../helpers/factories.ts'
import { versionOf } from '../helpers/etag.ts'

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)

const centre = {
  kind: 'transfer_centre',
  name: 'Trung tâm Ứng dụng và Chuyển giao công nghệ Nam Định',
  shortName: 'TT ƯD&CGCN Nam Định',
  provinceCode: '36',
  website: 'https://ndstc.example.vn',
  contacts: [{ name: 'Nguyễn Văn An', position: 'Giám đốc', email: 'an@ndstc.example.vn', phone: '0228 3849 123' }],
}

t.test('the operator registers an organisation; it is public', async (t) => {
  const created = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: centre })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.equal(created.headers.location, `/v1/organizations/${body.id}`)
  t.equal(versionOf(created.headers.etag), 1)
  t.match(body, { kind: 'transfer_centre', provinceCode: '36', currentProvinceCode: '37', version: 1, contacts: centre.contacts })

  const read = await app.inject({ method: 'GET', url: `/v1/organizations/${body.id}` })
  t.equal(read.statusCode, 200)
  t.equal(versionOf(read.headers.etag), 1)
  t.same(read.json(), body)
})

t.test('creating needs a key, and an operator key', async (t) => {
  const before = await tableCounts(db)
  const anonymous = await app.inject({ method: 'POST', url: '/v1/organizations', payload: centre })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['content-type'], 'application/problem+json; charset=utf-8')
  const member = await createMember(db)
  const afterMember = await tableCounts(db)
  const refused = await app.inject({ method: 'POST', url: '/v1/organizations', headers: member.auth, payload: centre })
  t.equal(refused.statusCode, 403)
  t.equal(refused.json().code, 'forbidden')
  t.same(await tableCounts(db), afterMember)
  t.equal(afterMember.organizations, before.organizations + 1, 'only the factory wrote')
})

t.test('bad input is refused with field pointers and nothing written', async (t) => {
  const before = await tableCounts(db)
  const cases = [
    { payload: { ...centre, kind: 'bank' }, pointer: '#/kind' },
    { payload: { ...centre, unknownField: 1 }, pointer: '#/unknownField' },
    { payload: { kind: 'enterprise' }, pointer: '#/name' },
    { payload: { ...centre, name: 'x'.repeat(301) }, pointer: '#/name' },
    { payload: { ...centre, website: 'javascript:alert(1)' }, pointer: '#/website' },
    { payload: { ...centre, taxCode: '12ab' }, pointer: '#/taxCode' },
    { payload: { ...centre, contacts: [{ name: 'A', email: 'not-an-email' }] }, pointer: '#/contacts/0/email' },
  ]
  for (const { payload, pointer } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload })
    t.equal(response.statusCode, 400, pointer)
    const problem = response.json()
    t.equal(problem.code, 'validation_failed')
    t.ok(
      problem.errors.some((error: { pointer: string }) => error.pointer === pointer),
      `${pointer} in ${JSON.stringify(problem.errors)}`,
    )
  }
  const unknownProvince = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { ...centre, provinceCode: '99' } })
  t.equal(unknownProvince.statusCode, 422)
  t.same(unknownProvince.json().errors, [{ pointer: '#/provinceCode', detail: 'không phải mã tỉnh đã biết' }])
  const unknownParent = await app.inject({
    method: 'POST',
    url: '/v1/organizations',
    headers: operator.auth,
    payload: { ...centre, parentId: '00000000-0000-4000-8000-000000000000' },
  })
  t.equal(unknownParent.statusCode, 422)
  t.equal(unknownParent.json().code, 'reference_not_found')
  t.same(await tableCounts(db), before)
})

t.test('a tax code is unique among enterprises', async (t) => {
  const enterprise = { kind: 'enterprise', name: 'Công ty TNHH Thực phẩm Hà Nam', taxCode: '0700123456', provinceCode: '35' }
  const first = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: enterprise })
  t.equal(first.statusCode, 201)
  const before = await tableCounts(db)
  const second = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { ...enterprise, name: 'Khác' } })
  t.equal(second.statusCode, 409)
  t.equal(second.json().code, 'already_exists')
  t.same(await tableCounts(db), before)
  const institute = await app.inject({
    method: 'POST',
    url: '/v1/organizations',
    headers: operator.auth,
    payload: { kind: 'research_institute', name: 'Viện cùng mã số thuế', taxCode: '0700123456' },
  })
  t.equal(institute.statusCode, 201, 'other kinds may share a tax code')
})

t.test('update: own key or operator, If-Match, null clears', async (t) => {
  const member = await createMember(db, { name: 'Công ty Cổ phần Giống cây trồng Thái Bình', provinceCode: '34' })
  const url = `/v1/organizations/${member.organization.id}`
  const changed = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...member.auth, 'if-match': '"1"' },
    payload: { nameEn: 'Thai Binh Seed JSC', provinceCode: null },
  })
  t.equal(changed.statusCode, 200)
  t.equal(versionOf(changed.headers.etag), 2)
  t.match(changed.json(), { nameEn: 'Thai Binh Seed JSC', provinceCode: null, currentProvinceCode: null, version: 2 })

  const stale = await app.inject({ method: 'PATCH', url, headers: { ...member.auth, 'if-match': '"1"' }, payload: { nameEn: 'Stale' } })
  t.equal(stale.statusCode, 412)
  t.equal(stale.json().code, 'precondition_failed')
  const [row] = await db.select().from(organizations).where(eq(organizations.id, member.organization.id))
  t.equal(row!.nameEn, 'Thai Binh Seed JSC', 'the stale write changed nothing')

  const garbage = await app.inject({ method: 'PATCH', url, headers: { ...member.auth, 'if-match': 'yesterday' }, payload: { nameEn: 'X' } })
  t.equal(garbage.statusCode, 412)

  const other = await createMember(db)
  const foreign = await app.inject({ method: 'PATCH', url, headers: other.auth, payload: { nameEn: 'Hijacked' } })
  t.equal(foreign.statusCode, 403)
  const reader = await createMember(db, { role: 'reader' })
  const readerWrite = await app.inject({ method: 'PATCH', url: `/v1/organizations/${reader.organization.id}`, headers: reader.auth, payload: { nameEn: 'X' } })
  t.equal(readerWrite.statusCode, 403)

  const editor = await createApiKey(db, { organizationId: member.organization.id, role: 'editor' })
  const editorWrite = await app.inject({ method: 'PATCH', url, headers: { authorization: `Bearer ${editor.key}` }, payload: { nameEn: 'X' } })
  t.equal(editorWrite.statusCode, 403, "the profile is the admin's")
  const squat = await app.inject({ method: 'PATCH', url, headers: member.auth, payload: { taxCode: '0700999999', parentId: other.organization.id } })
  t.equal(squat.statusCode, 403, 'tax code and parent are the operator’s')
  t.same(
    squat.json().errors.map((error: { pointer: string }) => error.pointer),
    ['#/taxCode', '#/parentId'],
  )
  const [unchanged] = await db.select().from(organizations).where(eq(organizations.id, member.organization.id))
  t.equal(unchanged!.taxCode, null)
  t.equal(unchanged!.version, 2, 'refused writes change nothing')

  const byOperator = await app.inject({ method: 'PATCH', url, headers: operator.auth, payload: { shortName: 'TBS', taxCode: '0700999999' } })
  t.equal(byOperator.statusCode, 200)
  t.equal(byOperator.json().version, 3)

  const self = await app.inject({ method: 'PATCH', url, headers: operator.auth, payload: { parentId: member.organization.id } })
  t.equal(self.statusCode, 422)
  const empty = await app.inject({ method: 'PATCH', url, headers: operator.auth, payload: {} })
  t.equal(empty.statusCode, 400)
  const kind = await app.inject({ method: 'PATCH', url, headers: operator.auth, payload: { kind: 'university' } })
  t.equal(kind.statusCode, 400, 'the kind cannot change')
})

t.test('get and update an unknown or malformed id', async (t) => {
  const missing = await app.inject({ method: 'GET', url: '/v1/organizations/00000000-0000-4000-8000-000000000000' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'not_found')
  const malformed = await app.inject({ method: 'GET', url: '/v1/organizations/42' })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().errors[0].pointer, '#/params/id')
  const patchMissing = await app.inject({
    method: 'PATCH',
    url: '/v1/organizations/00000000-0000-4000-8000-000000000000',
    headers: operator.auth,
    payload: { nameEn: 'x' },
  })
  t.equal(patchMissing.statusCode, 404)
})

t.test('list: filters, name search without diacritics, legacy provinces, cursor pages', async (t) => {
  const dost = await createOrganization(db, { kind: 'authority', name: 'Sở Khoa học và Công nghệ Ninh Bình', provinceCode: '37', currentProvinceCode: '37' })
  await createOrganization(db, {
    kind: 'transfer_centre',
    name: 'Trung tâm Thông tin và Ứng dụng KH&CN Ninh Bình',
    provinceCode: '37',
    currentProvinceCode: '37',
    parentId: dost.id,
  })
  await createOrganization(db, { kind: 'enterprise', name: 'Hợp tác xã Nông nghiệp Hải Hậu', provinceCode: '36', currentProvinceCode: '37' })
  await createOrganization(db, { kind: 'enterprise', name: 'Công ty Cổ phần Chè Thái Nguyên', provinceCode: '19', currentProvinceCode: '19' })

  const byLegacy = await app.inject({ method: 'GET', url: '/v1/organizations?province=36&limit=100' })
  const byCurrent = await app.inject({ method: 'GET', url: '/v1/organizations?province=37&limit=100' })
  const names = (response: typeof byLegacy) =>
    response
      .json()
      .items.map((item: { name: string }) => item.name)
      .sort()
  t.same(names(byLegacy), names(byCurrent), '36 Nam Định and 37 Ninh Bình find the same organisations')
  t.ok(names(byLegacy).includes('Hợp tác xã Nông nghiệp Hải Hậu'))
  t.notOk(names(byLegacy).includes('Công ty Cổ phần Chè Thái Nguyên'))

  const search = await app.inject({ method: 'GET', url: '/v1/organizations?q=che thai nguyen' })
  t.same(names(search), ['Công ty Cổ phần Chè Thái Nguyên'])
  const children = await app.inject({ method: 'GET', url: `/v1/organizations?parentId=${dost.id}` })
  t.same(names(children), ['Trung tâm Thông tin và Ứng dụng KH&CN Ninh Bình'])
  const kind = await app.inject({ method: 'GET', url: '/v1/organizations?kind=authority' })
  t.same(names(kind), ['Sở Khoa học và Công nghệ Ninh Bình'])
  const kinds = await app.inject({ method: 'GET', url: '/v1/organizations?kind=authority&kind=transfer_centre&province=37&limit=100' })
  t.same(
    names(kinds),
    ['Sở Khoa học và Công nghệ Ninh Bình', 'Trung tâm Thông tin và Ứng dụng KH&CN Ninh Bình', 'Trung tâm Ứng dụng và Chuyển giao công nghệ Nam Định'].sort(),
    'a repeated filter takes any of its values',
  )
  const places = await app.inject({ method: 'GET', url: '/v1/organizations?province=19&province=36&kind=enterprise&limit=100' })
  t.same(
    names(places),
    ['Công ty Cổ phần Chè Thái Nguyên', 'Hợp tác xã Nông nghiệp Hải Hậu', 'Công ty TNHH Thực phẩm Hà Nam'].sort(),
    'a legacy code among them too (36, Nam Định, is in 37, Ninh Bình, with Hà Nam)',
  )
  const unknownToo = await app.inject({ method: 'GET', url: '/v1/organizations?province=19&province=99&limit=100' })
  t.same(names(unknownToo), names(await app.inject({ method: 'GET', url: '/v1/organizations?province=19&limit=100' })), 'an unknown code adds nothing')
  const percent = await app.inject({ method: 'GET', url: '/v1/organizations?q=%25' })
  t.same(percent.json().items, [], 'a % in q is a literal, not a wildcard')

  const seen: string[] = []
  let cursor: string | null = null
  do {
    const page: { items: Array<{ id: string; name: string }>; nextCursor: string | null } = (
      await app.inject({ method: 'GET', url: `/v1/organizations?limit=2${cursor ? `&cursor=${cursor}` : ''}` })
    ).json()
    t.ok(page.items.length <= 2)
    seen.push(...page.items.map((item) => item.id))
    cursor = page.nextCursor
  } while (cursor)
  const all = await db.select({ id: organizations.id }).from(organizations)
  t.equal(seen.length, all.length, 'paging visits every organisation')
  t.equal(new Set(seen).size, seen.length, 'and none twice')

  const badCursor = await app.inject({ method: 'GET', url: '/v1/organizations?cursor=bm9wZQ' })
  t.equal(badCursor.statusCode, 400)
  t.equal(badCursor.json().code, 'invalid_cursor')
  const unknownFilter = await app.inject({ method: 'GET', url: '/v1/organizations?provice=36' })
  t.equal(unknownFilter.statusCode, 400)
})
