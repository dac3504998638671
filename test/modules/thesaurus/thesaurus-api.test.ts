import t from 'tap'
import { buildTestApp } from '../../helpers/app.ts'
import { auditTrailOf } from '../../helpers/audit.ts'
import { createMember, createOperator } from '../../helpers/factories.ts'
import { assertProblem, pointers } from '../../helpers/problem.ts'
import { versionOf } from '../../helpers/etag.ts'

// The thesaurus over HTTP: the operator keeps it (create, change with If-Match, remove), anyone
// reads it and previews what it does to a query; every write is audited; bad entries are a 422
// naming each offending field (or a 400 when the schema already refuses them).

type Entry = {
  id: string
  kind: string
  trigger: string | null
  phrases: string[]
  exceptions: string[]
  folded: { trigger: string | null; phrases: string[]; exceptions: string[] }
  weight: number
  note: string | null
  starterKey: string | null
  version: number
}
type Page = { items: Entry[]; nextCursor: string | null }
type Preview = {
  q: string
  folded: string
  applied: Array<{
    entryId: string
    kind: string
    matched: { phrase: string; folded: string; start: number; length: number }
    subsumed: boolean
    add: Array<{ phrase: string; weight: number }>
  }>
}

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)
const member = await createMember(db, { role: 'admin' })

const post = (body: object, auth: Record<string, string> = operator.auth) => app.inject({ method: 'POST', url: '/v1/thesaurus', headers: auth, payload: body })

t.test('the operator adds an expansion; anyone reads it; the write is audited', async (t) => {
  const response = await post({
    kind: 'expansion',
    trigger: '  Vườn  cà phê bị   rệp sáp ',
    phrases: ['Chế phẩm nấm xanh Metarhizium', 'bẫy dính màu vàng'],
    note: 'Khuyến nông Tây Nguyên',
  })
  t.equal(response.statusCode, 201, response.body)
  const entry = response.json() as Entry
  t.equal(versionOf(response.headers.etag), 1)
  t.equal(response.headers.location, `/v1/thesaurus/${entry.id}`)
  t.match(entry, {
    kind: 'expansion',
    trigger: 'Vườn cà phê bị rệp sáp',
    phrases: ['Chế phẩm nấm xanh Metarhizium', 'bẫy dính màu vàng'],
    folded: { trigger: 'vuon ca phe bi rep sap', phrases: ['che pham nam xanh metarhizium', 'bay dinh mau vang'], exceptions: [] },
    weight: 0.6,
    starterKey: null,
    version: 1,
  })
  const read = await app.inject({ method: 'GET', url: `/v1/thesaurus/${entry.id}` })
  t.equal(read.statusCode, 200)
  t.same(read.json(), entry, 'public, as created')
  t.equal(versionOf(read.headers.etag), 1)
  const trail = await auditTrailOf(db, entry.id)
  t.same(
    trail.map((row) => [row.operation, row.targetType, row.actingOrganizationId, row.owningOrganizationId]),
    [['thesaurus_entry.create', 'thesaurus_entry', operator.organization.id, null]],
  )
  t.same((trail[0]!.changes as Record<string, { after: unknown }>).trigger, { after: 'Vườn cà phê bị rệp sáp' })
})

t.test('only the operator writes: other keys get 403, no key 401, and nothing is stored', async (t) => {
  const body = { kind: 'synonym', phrases: ['qq bò tót', 'qq bò rừng'] }
  assertProblem(t, await post(body, member.auth), 403, 'forbidden')
  assertProblem(t, await app.inject({ method: 'POST', url: '/v1/thesaurus', payload: body }), 401, 'unauthorized')
  const page = (await app.inject({ method: 'GET', url: '/v1/thesaurus?q=qq%20bo' })).json() as Page
  t.same(page.items, [])
})

t.test('entries that break a rule are refused with each offending field named', async (t) => {
  const long = 'a'.repeat(121)
  const cases: Array<[string, object, number, string, string[]]> = [
    ['a synonym of one phrase', { kind: 'synonym', phrases: ['heo'] }, 422, 'invalid_thesaurus_entry', ['#/phrases']],
    ['a synonym with a trigger', { kind: 'synonym', trigger: 'heo', phrases: ['lợn', 'heo nái'] }, 422, 'invalid_thesaurus_entry', ['#/trigger']],
    ['an expansion without its trigger', { kind: 'expansion', phrases: ['đệm lót sinh học'] }, 422, 'invalid_thesaurus_entry', ['#/trigger']],
    [
      'an expansion of 11 phrases',
      { kind: 'expansion', trigger: 'đất bạc màu', phrases: Array.from({ length: 11 }, (_, i) => `phân hữu cơ loại ${i}`) },
      422,
      'invalid_thesaurus_entry',
      ['#/phrases'],
    ],
    ['phrases the same once folded', { kind: 'synonym', phrases: ['Lợn', 'heo', ' LON '] }, 422, 'invalid_thesaurus_entry', ['#/phrases/2']],
    [
      'a target equal to the trigger',
      { kind: 'expansion', trigger: 'ao tôm bị tảo', phrases: ['diệt tảo', 'Ao tom bi tao'] },
      422,
      'invalid_thesaurus_entry',
      ['#/phrases/1'],
    ],
    ['a phrase without letters or digits', { kind: 'synonym', phrases: ['heo', '!!!'] }, 422, 'invalid_thesaurus_entry', ['#/phrases/1']],
    [
      'an exception holding no phrase of the entry',
      { kind: 'synonym', phrases: ['bắp', 'ngô'], exceptions: ['bắp cải', 'cải bắp xanh', 'ngô'] },
      422,
      'invalid_thesaurus_entry',
      ['#/exceptions/2'],
    ],
    ['a phrase of 121 characters', { kind: 'synonym', phrases: ['heo', long] }, 400, 'validation_failed', ['#/phrases/1']],
    ['21 phrases', { kind: 'synonym', phrases: Array.from({ length: 21 }, (_, i) => `từ ${i}`) }, 400, 'validation_failed', ['#/phrases']],
    ['weight 0', { kind: 'synonym', phrases: ['heo', 'lợn'], weight: 0 }, 400, 'validation_failed', ['#/weight']],
    ['weight above 1', { kind: 'synonym', phrases: ['heo', 'lợn'], weight: 1.5 }, 400, 'validation_failed', ['#/weight']],
    ['an unknown kind', { kind: 'antonym', phrases: ['nóng', 'lạnh'] }, 400, 'validation_failed', ['#/kind']],
  ]
  for (const [name, body, status, code, expected] of cases) {
    const problem = assertProblem(t, await post(body), status, code)
    t.same([...new Set(pointers(problem))], expected, name)
  }
  const page = (await app.inject({ method: 'GET', url: '/v1/thesaurus?q=phan%20huu%20co%20loai' })).json() as Page
  t.same(page.items, [], 'nothing stored')
})

t.test('a change needs the current ETag; the whole entry is checked again; the kind stays', async (t) => {
  const created = (await post({ kind: 'synonym', phrases: ['bắp', 'ngô'], exceptions: ['bắp cải'] })).json() as Entry
  const url = `/v1/thesaurus/${created.id}`
  const patch = (body: object, ifMatch?: string, auth = operator.auth) =>
    app.inject({ method: 'PATCH', url, headers: { ...auth, ...(ifMatch ? { 'if-match': ifMatch } : {}) }, payload: body })

  assertProblem(t, await patch({ weight: 0.9 }, '"1"', member.auth), 403, 'forbidden')
  const changed = await patch({ phrases: ['bắp', 'ngô', 'bắp ngô'], weight: 0.9 }, '"1"')
  t.equal(changed.statusCode, 200, changed.body)
  t.equal(versionOf(changed.headers.etag), 2)
  t.match(changed.json(), {
    phrases: ['bắp', 'ngô', 'bắp ngô'],
    folded: { phrases: ['bap', 'ngo', 'bap ngo'] },
    exceptions: ['bắp cải'],
    weight: 0.9,
    version: 2,
  })
  assertProblem(t, await patch({ weight: 0.8 }, '"1"'), 412, 'precondition_failed')
  t.same(
    pointers(assertProblem(t, await patch({ phrases: ['ngô', 'bắp ngô'] }, '"2"'), 422, 'invalid_thesaurus_entry')),
    ['#/exceptions/0'],
    'without "bắp" the exception "bắp cải" could never apply',
  )
  t.same(pointers(assertProblem(t, await patch({ kind: 'expansion' }, '"2"'), 400, 'validation_failed')), ['#/kind'])
  assertProblem(
    t,
    await app.inject({ method: 'PATCH', url: '/v1/thesaurus/00000000-0000-4000-8000-000000000000', headers: operator.auth, payload: { weight: 1 } }),
    404,
    'not_found',
  )
  t.equal(((await app.inject({ method: 'GET', url })).json() as Entry).version, 2, 'refused changes left it alone')
  const trail = await auditTrailOf(db, created.id)
  t.same(
    trail.map((row) => row.operation),
    ['thesaurus_entry.create', 'thesaurus_entry.update'],
  )
  t.same(trail[1]!.changes, {
    phrases: { before: ['bắp', 'ngô'], after: ['bắp', 'ngô', 'bắp ngô'] },
    folded: {
      before: { trigger: null, phrases: ['bap', 'ngo'], exceptions: ['bap cai'] },
      after: { trigger: null, phrases: ['bap', 'ngo', 'bap ngo'], exceptions: ['bap cai'] },
    },
    weight: { before: 1, after: 0.9 },
  })
})

t.test('removal: operator only, If-Match honoured, audited, then 404', async (t) => {
  const created = (await post({ kind: 'synonym', phrases: ['máy cày', 'máy xới đất'] })).json() as Entry
  const url = `/v1/thesaurus/${created.id}`
  assertProblem(t, await app.inject({ method: 'DELETE', url, headers: member.auth }), 403, 'forbidden')
  assertProblem(t, await app.inject({ method: 'DELETE', url, headers: { ...operator.auth, 'if-match': '"7"' } }), 412, 'precondition_failed')
  const removed = await app.inject({ method: 'DELETE', url, headers: { ...operator.auth, 'if-match': '"1"' } })
  t.equal(removed.statusCode, 204)
  assertProblem(t, await app.inject({ method: 'GET', url }), 404, 'not_found')
  assertProblem(t, await app.inject({ method: 'DELETE', url, headers: operator.auth }), 404, 'not_found')
  t.same(
    (await auditTrailOf(db, created.id)).map((row) => row.operation),
    ['thesaurus_entry.create', 'thesaurus_entry.delete'],
  )
})

t.test('the list: by kind and folded text, in label order, page by page', async (t) => {
  for (const trigger of ['zz lúa bị đạo ôn', 'zz lúa bị rầy nâu', 'zz lúa bị lem lép hạt', 'zz lúa bị vàng lá']) {
    t.equal((await post({ kind: 'expansion', trigger, phrases: ['thuốc bảo vệ thực vật sinh học'] })).statusCode, 201)
  }
  const labels: string[] = []
  let cursor: string | null = null
  do {
    const query: string = `kind=expansion&q=${encodeURIComponent('ZZ LUA BI')}&limit=3${cursor ? `&cursor=${cursor}` : ''}`
    const response = await app.inject({ method: 'GET', url: `/v1/thesaurus?${query}` })
    t.equal(response.statusCode, 200, response.body)
    const page = response.json() as Page
    labels.push(...page.items.map((item) => item.folded.trigger!))
    cursor = page.nextCursor
  } while (cursor)
  t.same(labels, ['zz lua bi dao on', 'zz lua bi lem lep hat', 'zz lua bi ray nau', 'zz lua bi vang la'], 'all four, once each, in folded order')
  const synonyms = (await app.inject({ method: 'GET', url: '/v1/thesaurus?kind=synonym&q=zz%20lua' })).json() as Page
  t.same(synonyms.items, [], 'kind narrows')
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/thesaurus?cursor=abc' }), 400, 'invalid_cursor')
})

t.test('the starter set is there without any seed, and marked as such', async (t) => {
  const page = (await app.inject({ method: 'GET', url: '/v1/thesaurus?kind=synonym&q=khom' })).json() as Page
  const pineapple = page.items.find((item) => item.folded.phrases.includes('khom'))
  t.ok(pineapple, 'dứa / thơm / khóm')
  t.match(pineapple!.starterKey, /^synonym:/)
})

t.test('preview: which entries apply to a query and what they add', async (t) => {
  const pig = (await post({ kind: 'synonym', phrases: ['heo rừng lai', 'lợn rừng lai'] })).json() as Entry
  const smell = (
    await post({ kind: 'expansion', trigger: 'trại heo rừng lai bốc mùi', phrases: ['đệm lót sinh học', 'chế phẩm khử mùi'], weight: 0.5 })
  ).json() as Entry
  const response = await app.inject({ method: 'GET', url: `/v1/thesaurus/preview?q=${encodeURIComponent('Trại HEO RỪNG LAI bốc mùi quá!')}` })
  t.equal(response.statusCode, 200, response.body)
  const preview = response.json() as Preview
  t.equal(preview.folded, 'trai heo rung lai boc mui qua')
  const mine = preview.applied.filter((item) => [pig.id, smell.id].includes(item.entryId))
  t.same(
    mine.map((item) => [
      item.entryId,
      item.matched.phrase,
      item.matched.start,
      item.matched.length,
      item.subsumed,
      item.add.map((add) => [add.phrase, add.weight]),
    ]),
    [
      [
        smell.id,
        'trại heo rừng lai bốc mùi',
        0,
        6,
        false,
        [
          ['đệm lót sinh học', 0.5],
          ['chế phẩm khử mùi', 0.5],
        ],
      ],
      [pig.id, 'heo rừng lai', 1, 3, true, [['lợn rừng lai', 1]]],
    ],
  )
  const plain = (await app.inject({ method: 'GET', url: `/v1/thesaurus/preview?q=${encodeURIComponent('trai heo rung lai boc mui')}` })).json() as Preview
  t.same(plain.applied.filter((item) => [pig.id, smell.id].includes(item.entryId)).length, 2, 'the same without diacritics')
  assertProblem(t, await app.inject({ method: 'GET', url: '/v1/thesaurus/preview' }), 400, 'validation_failed')
})
