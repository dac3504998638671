import { eq } from 'drizzle-orm'
import t from 'tap'
import * as schema from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import * as repo from '../../src/modules/demands/demands.repo.ts'
import { buildTestApp } from '../helpers/app.ts'
import { closeDemand, demandInput, demandRow, fileDemand, fileOpenDemand, openDemand } from '../helpers/demands.ts'
import { createMember, createOperator, tableCounts } from '../helpers/factories.ts'
import { versionOf } from '../helpers/etag.ts'

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const enterprise = await createMember(db, { kind: 'enterprise', name: 'Hợp tác xã Nông nghiệp Hải Hậu' })
const other = await createMember(db, { kind: 'enterprise' })
const readerKey = await createApiKey(db, { organizationId: enterprise.organization.id, role: 'reader' })
const reader = { authorization: `Bearer ${readerKey.key}` }
const missingId = '00000000-0000-4000-8000-000000000000'

type Problem = { code: string; detail?: string; errors?: Array<{ pointer: string; detail: string }>; allowed?: string[] }
const hasPointer = (problem: Problem, pointer: string) => (problem.errors ?? []).some((error) => error.pointer === pointer)

t.test('an enterprise files a draft; only its own keys and the operator see it', async (t) => {
  const created = await app.inject({ method: 'POST', url: '/v1/demands', headers: enterprise.auth, payload: demandInput() })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.equal(created.headers.location, `/v1/demands/${body.id}`)
  t.equal(versionOf(created.headers.etag), 1)
  t.match(body, {
    status: 'draft',
    owner: { id: enterprise.organization.id, name: 'Hợp tác xã Nông nghiệp Hải Hậu', kind: 'enterprise' },
    titleVi: 'Cần máy sấy lúa công suất 10 tấn/mẻ',
    problemEn: null,
    sectors: ['A', 'C'],
    fields: ['4'],
    keywords: ['sấy lúa', 'sau thu hoạch'],
    minTrl: 6,
    budgetMinVnd: 500_000_000,
    budgetMaxVnd: 2_000_000_000,
    deadline: '2026-06-30',
    deadlinePassed: false,
    provinceCode: '36',
    currentProvinceCode: '37',
    openedAt: null,
    closedAt: null,
    closeReason: null,
    closeNote: null,
    createdAt: clock.now().toISOString(),
    version: 1,
  })
  t.notOk('searchKeyIds' in body, 'internal columns stay inside')
  t.same(body.possibleDuplicates, [], 'nothing like it filed before')
  delete body.possibleDuplicates

  for (const [who, headers] of [
    ['owner', enterprise.auth],
    ['owner reader', reader],
    ['operator', operator.auth],
  ] as const) {
    const read = await app.inject({ method: 'GET', url: `/v1/demands/${body.id}`, headers })
    t.equal(read.statusCode, 200, who)
    t.equal(versionOf(read.headers.etag), 1, who)
    t.same(read.json(), body, who)
  }
  for (const [who, headers] of [
    ['anonymous', {}],
    ['another enterprise', other.auth],
  ] as const) {
    const hidden = await app.inject({ method: 'GET', url: `/v1/demands/${body.id}`, headers })
    t.equal(hidden.statusCode, 404, `${who} does not see a draft`)
    t.equal(hidden.json().code, 'not_found')
  }
})

t.test('only enterprises (admin or editor) and the operator file demands', async (t) => {
  const institute = await createMember(db, { kind: 'research_institute' })
  const editor = await createMember(db, { kind: 'enterprise', role: 'editor' })
  const before = await tableCounts(db)
  const anonymous = await app.inject({ method: 'POST', url: '/v1/demands', payload: demandInput() })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['content-type'], 'application/problem+json; charset=utf-8')
  const byInstitute = await app.inject({ method: 'POST', url: '/v1/demands', headers: institute.auth, payload: demandInput() })
  t.equal(byInstitute.statusCode, 403)
  t.equal(byInstitute.json().code, 'forbidden')
  t.match(byInstitute.json().detail, /Chỉ doanh nghiệp.*research_institute/)
  const byReader = await app.inject({ method: 'POST', url: '/v1/demands', headers: reader, payload: demandInput() })
  t.equal(byReader.statusCode, 403)
  t.match(byReader.json().detail, /Khóa chỉ đọc/)
  t.same(await tableCounts(db), before, 'nothing written')

  const byEditor = await app.inject({ method: 'POST', url: '/v1/demands', headers: editor.auth, payload: demandInput() })
  t.equal(byEditor.statusCode, 201)
  const byOperator = await app.inject({ method: 'POST', url: '/v1/demands', headers: operator.auth, payload: demandInput() })
  t.equal(byOperator.statusCode, 201)
  t.equal(byOperator.json().owner.id, operator.organization.id, "owned by the key's organisation")
})

t.test('bad input is refused with field pointers and nothing written', async (t) => {
  const before = await tableCounts(db)
  const { titleVi: _title, ...noTitle } = demandInput()
  const { problemVi: _problem, ...noProblem } = demandInput()
  const cases = [
    { payload: noTitle, pointer: '#/titleVi' },
    { payload: noProblem, pointer: '#/problemVi' },
    { payload: demandInput({ titleVi: 'x'.repeat(301) }), pointer: '#/titleVi' },
    { payload: demandInput({ titleVi: '' }), pointer: '#/titleVi' },
    { payload: demandInput({ status: 'open' }), pointer: '#/status' },
    { payload: demandInput({ sectors: ['Z'] }), pointer: '#/sectors/0' },
    { payload: demandInput({ sectors: ['A', 'A'] }), pointer: '#/sectors' },
    { payload: demandInput({ fields: ['9'] }), pointer: '#/fields/0' },
    { payload: demandInput({ keywords: ['x'.repeat(61)] }), pointer: '#/keywords/0' },
    { payload: demandInput({ minTrl: 0 }), pointer: '#/minTrl' },
    { payload: demandInput({ minTrl: 10 }), pointer: '#/minTrl' },
    { payload: demandInput({ minTrl: 6.5 }), pointer: '#/minTrl' },
    { payload: demandInput({ budgetMinVnd: -1 }), pointer: '#/budgetMinVnd' },
    { payload: demandInput({ budgetMaxVnd: '2 tỷ' }), pointer: '#/budgetMaxVnd' },
    { payload: demandInput({ deadline: '30/06/2026' }), pointer: '#/deadline' },
    { payload: demandInput({ provinceCode: 'Nam Định' }), pointer: '#/provinceCode' },
  ]
  for (const { payload, pointer } of cases) {
    const response = await app.inject({ method: 'POST', url: '/v1/demands', headers: enterprise.auth, payload })
    t.equal(response.statusCode, 400, pointer)
    const problem = response.json()
    t.equal(problem.code, 'validation_failed')
    t.ok(hasPointer(problem, pointer), `${pointer} in ${JSON.stringify(problem.errors)}`)
  }

  const budget = await app.inject({
    method: 'POST',
    url: '/v1/demands',
    headers: enterprise.auth,
    payload: demandInput({ budgetMinVnd: 3e9, budgetMaxVnd: 1e9 }),
  })
  t.equal(budget.statusCode, 422)
  t.equal(budget.json().code, 'invalid_budget')
  t.ok(hasPointer(budget.json(), '#/budgetMinVnd'))
  const province = await app.inject({ method: 'POST', url: '/v1/demands', headers: enterprise.auth, payload: demandInput({ provinceCode: '99' }) })
  t.equal(province.statusCode, 422)
  t.same(province.json().errors, [{ pointer: '#/provinceCode', detail: 'không phải mã tỉnh đã biết' }])
  t.same(await tableCounts(db), before)

  const minimal = await app.inject({ method: 'POST', url: '/v1/demands', headers: enterprise.auth, payload: { titleVi: 'Cần công nghệ', problemVi: 'Mô tả' } })
  t.equal(minimal.statusCode, 201, 'only titleVi and problemVi are required')
  t.match(minimal.json(), { sectors: [], fields: [], keywords: [], minTrl: null, deadline: null, provinceCode: null, currentProvinceCode: null })
})

t.test('update: owner or operator, If-Match, null clears, the budget range holds after the change', async (t) => {
  const draft = await fileDemand(app, enterprise.auth)
  const url = `/v1/demands/${draft.id}`
  const changed = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...enterprise.auth, 'if-match': '"1"' },
    payload: { titleEn: null, provinceCode: '37', keywords: ['máy sấy'], budgetMaxVnd: null },
  })
  t.equal(changed.statusCode, 200)
  t.equal(versionOf(changed.headers.etag), 2)
  t.match(changed.json(), {
    titleEn: null,
    provinceCode: '37',
    currentProvinceCode: '37',
    keywords: ['máy sấy'],
    budgetMinVnd: 500_000_000,
    budgetMaxVnd: null,
    version: 2,
  })
  t.equal(changed.json().updatedAt, clock.now().toISOString())
  const cleared = await app.inject({ method: 'PATCH', url, headers: enterprise.auth, payload: { provinceCode: null } })
  t.match(cleared.json(), { provinceCode: null, currentProvinceCode: null, version: 3 })

  const before = await demandRow(db, draft.id)
  const refusals: Array<{ what: string; headers: Record<string, string>; payload: unknown; status: number; code?: string; pointer?: string }> = [
    { what: 'stale If-Match', headers: { ...enterprise.auth, 'if-match': '"1"' }, payload: { titleVi: 'Stale' }, status: 412, code: 'precondition_failed' },
    { what: 'garbage If-Match', headers: { ...enterprise.auth, 'if-match': 'yesterday' }, payload: { titleVi: 'X' }, status: 412 },
    { what: 'another enterprise', headers: other.auth, payload: { titleVi: 'Hijacked' }, status: 404, code: 'not_found' },
    { what: 'a reader key', headers: reader, payload: { titleVi: 'X' }, status: 403, code: 'forbidden' },
    { what: 'no key', headers: {}, payload: { titleVi: 'X' }, status: 401, code: 'unauthorized' },
    { what: 'an empty change', headers: enterprise.auth, payload: {}, status: 400 },
    { what: 'the status', headers: enterprise.auth, payload: { status: 'open' }, status: 400, pointer: '#/status' },
    { what: 'a required field cleared', headers: enterprise.auth, payload: { titleVi: null }, status: 400, pointer: '#/titleVi' },
    {
      what: 'max below the stored min',
      headers: enterprise.auth,
      payload: { budgetMaxVnd: 1000 },
      status: 422,
      code: 'invalid_budget',
      pointer: '#/budgetMaxVnd',
    },
    { what: 'min above the given max', headers: enterprise.auth, payload: { budgetMinVnd: 5e9, budgetMaxVnd: 1e9 }, status: 422, pointer: '#/budgetMinVnd' },
    {
      what: 'an unknown province',
      headers: enterprise.auth,
      payload: { provinceCode: '00' },
      status: 422,
      code: 'unknown_province',
      pointer: '#/provinceCode',
    },
  ]
  for (const refusal of refusals) {
    const response = await app.inject({ method: 'PATCH', url, headers: refusal.headers, payload: refusal.payload as object })
    t.equal(response.statusCode, refusal.status, refusal.what)
    if (refusal.code) t.equal(response.json().code, refusal.code, refusal.what)
    if (refusal.pointer) t.ok(hasPointer(response.json(), refusal.pointer), `${refusal.what}: ${response.body}`)
  }
  t.same(await demandRow(db, draft.id), before, 'no refused change was written')

  const byOperator = await app.inject({ method: 'PATCH', url, headers: { ...operator.auth, 'if-match': '"3"' }, payload: { minTrl: null } })
  t.equal(byOperator.statusCode, 200)
  t.match(byOperator.json(), { minTrl: null, version: 4 })

  const open = await fileOpenDemand(app, enterprise.auth)
  const foreign = await app.inject({ method: 'PATCH', url: `/v1/demands/${open.id}`, headers: other.auth, payload: { titleVi: 'Hijacked' } })
  t.equal(foreign.statusCode, 403, 'an open demand is visible, so the refusal says why')
  const openEdit = await app.inject({ method: 'PATCH', url: `/v1/demands/${open.id}`, headers: enterprise.auth, payload: { titleEn: 'Still editable' } })
  t.equal(openEdit.statusCode, 200, 'an open demand can still be edited')
  t.equal(openEdit.json().status, 'open')

  const missing = await app.inject({ method: 'PATCH', url: `/v1/demands/${missingId}`, headers: operator.auth, payload: { titleVi: 'x' } })
  t.equal(missing.statusCode, 404)
})

t.test('open: draft -> open once, not past the deadline', async (t) => {
  const draft = await fileDemand(app, enterprise.auth, { deadline: '2026-03-01' })
  const url = `/v1/demands/${draft.id}`
  const before = await demandRow(db, draft.id)
  const late = await app.inject({ method: 'POST', url: `${url}/open`, headers: enterprise.auth })
  t.equal(late.statusCode, 422, 'yesterday in Vietnam has passed')
  t.equal(late.json().code, 'deadline_passed')
  for (const [who, headers, status] of [
    ['another enterprise', other.auth, 404],
    ['a reader key', reader, 403],
    ['no key', {}, 401],
  ] as const) {
    const refused = await app.inject({ method: 'POST', url: `${url}/open`, headers })
    t.equal(refused.statusCode, status, who)
  }
  t.same(await demandRow(db, draft.id), before, 'still a draft, unchanged')

  // Today (2 March 2026 in Vietnam) is still in time.
  await app.inject({ method: 'PATCH', url, headers: enterprise.auth, payload: { deadline: '2026-03-02' } })
  const opened = await app.inject({ method: 'POST', url: `${url}/open`, headers: enterprise.auth })
  t.equal(opened.statusCode, 200)
  t.equal(versionOf(opened.headers.etag), 3)
  t.match(opened.json(), { status: 'open', openedAt: clock.now().toISOString(), deadlinePassed: false, version: 3 })
  const publicRead = await app.inject({ method: 'GET', url })
  t.equal(publicRead.statusCode, 200, 'an open demand is public')

  const again = await app.inject({ method: 'POST', url: `${url}/open`, headers: enterprise.auth })
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'invalid_transition')
  t.same(again.json().allowed, ['close'])

  clock.advanceDays(1)
  const tomorrow = await app.inject({ method: 'GET', url })
  t.equal(tomorrow.json().deadlinePassed, true, 'the deadline is before today in Vietnam')
  t.equal(tomorrow.json().status, 'open', 'a passed deadline does not close the demand')
  clock.advanceDays(-1)
})

t.test('two concurrent opens: exactly one wins', async (t) => {
  const draft = await fileDemand(app, enterprise.auth)
  const responses = await Promise.all([1, 2].map(() => app.inject({ method: 'POST', url: `/v1/demands/${draft.id}/open`, headers: enterprise.auth })))
  t.same(responses.map((response) => response.statusCode).sort(), [200, 409])
  t.equal((await demandRow(db, draft.id))!.version, 2, 'applied once')

  // The loser of a race has already passed the service's checks: the UPDATE itself must refuse.
  const before = await demandRow(db, draft.id)
  const now = clock.now()
  t.equal(
    await repo.transitionDemand(db, { id: draft.id, from: 'draft', to: 'open', values: { openedAt: now }, now }),
    false,
    'a transition from a state the row left',
  )
  t.equal(await repo.updateDemand(db, { id: draft.id, expectedVersion: 1, values: { titleVi: 'Stale' }, now }), false, 'an edit of a stale version')
  t.same(await demandRow(db, draft.id), before, 'neither changed the row')
  await closeDemand(app, enterprise.auth, draft.id)
  const closed = await demandRow(db, draft.id)
  t.equal(await repo.updateDemand(db, { id: draft.id, values: { titleVi: 'Late' }, now }), false, 'an edit of a closed demand')
  t.same(await demandRow(db, draft.id), closed)
})

t.test('close: open -> closed with a reason; closed is final', async (t) => {
  const draft = await fileDemand(app, enterprise.auth)
  const url = `/v1/demands/${draft.id}`
  const early = await app.inject({ method: 'POST', url: `${url}/close`, headers: enterprise.auth, payload: { reason: 'fulfilled' } })
  t.equal(early.statusCode, 409, 'a draft cannot close')
  t.same(early.json().allowed, ['open'])
  await openDemand(app, enterprise.auth, draft.id)

  const before = await demandRow(db, draft.id)
  const bad = [
    { payload: {}, status: 400, pointer: '#/reason' },
    { payload: { reason: 'bored' }, status: 400, pointer: '#/reason' },
    { payload: { reason: 'fulfilled', note: 'x'.repeat(1001) }, status: 400, pointer: '#/note' },
    { payload: { reason: 'fulfilled', extra: true }, status: 400, pointer: '#/extra' },
    { payload: { reason: 'other' }, status: 422, pointer: '#/note' },
  ]
  for (const { payload, status, pointer } of bad) {
    const response = await app.inject({ method: 'POST', url: `${url}/close`, headers: enterprise.auth, payload })
    t.equal(response.statusCode, status, JSON.stringify(payload))
    t.ok(hasPointer(response.json(), pointer), `${pointer} in ${response.body}`)
  }
  const foreign = await app.inject({ method: 'POST', url: `${url}/close`, headers: other.auth, payload: { reason: 'fulfilled' } })
  t.equal(foreign.statusCode, 403)
  t.same(await demandRow(db, draft.id), before, 'still open, unchanged')

  clock.advanceDays(3)
  const closed = await app.inject({
    method: 'POST',
    url: `${url}/close`,
    headers: enterprise.auth,
    payload: { reason: 'other', note: 'Đã tự phát triển công nghệ' },
  })
  t.equal(closed.statusCode, 200)
  t.equal(versionOf(closed.headers.etag), 3)
  t.match(closed.json(), { status: 'closed', closedAt: clock.now().toISOString(), closeReason: 'other', closeNote: 'Đã tự phát triển công nghệ' })
  const publicRead = await app.inject({ method: 'GET', url })
  t.equal(publicRead.json().status, 'closed', 'a closed demand stays public')

  const final = await demandRow(db, draft.id)
  for (const [path, payload] of [
    ['/close', { reason: 'fulfilled' }],
    ['/open', undefined],
  ] as const) {
    const response = await app.inject({ method: 'POST', url: `${url}${path}`, headers: enterprise.auth, ...(payload ? { payload } : {}) })
    t.equal(response.statusCode, 409, path)
    t.equal(response.json().code, 'invalid_transition')
    t.same(response.json().allowed, [], 'nothing follows closed')
  }
  const edit = await app.inject({ method: 'PATCH', url, headers: enterprise.auth, payload: { titleEn: 'Too late' } })
  t.equal(edit.statusCode, 409)
  t.equal(edit.json().code, 'invalid_state')
  t.same(edit.json().allowed, [])
  const byOperator = await app.inject({ method: 'POST', url: `${url}/close`, headers: operator.auth, payload: { reason: 'fulfilled' } })
  t.equal(byOperator.statusCode, 409, 'not even the operator reopens the question')
  t.same(await demandRow(db, draft.id), final, 'nothing changed after closing')
  clock.advanceDays(-3)

  const operatorClose = await closeDemand(app, operator.auth, (await fileOpenDemand(app, enterprise.auth)).id, { reason: 'no_longer_needed' })
  t.match(operatorClose, { status: 'closed', closeReason: 'no_longer_needed', closeNote: null })
})

t.test('unknown and malformed ids', async (t) => {
  const malformed = await app.inject({ method: 'GET', url: '/v1/demands/42' })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().errors[0].pointer, '#/params/id')
  const missing = await app.inject({ method: 'GET', url: `/v1/demands/${missingId}` })
  t.equal(missing.statusCode, 404)
  const openMissing = await app.inject({ method: 'POST', url: `/v1/demands/${missingId}/open`, headers: operator.auth })
  t.equal(openMissing.statusCode, 404)
  const closeMissing = await app.inject({ method: 'POST', url: `/v1/demands/${missingId}/close`, headers: operator.auth, payload: { reason: 'fulfilled' } })
  t.equal(closeMissing.statusCode, 404)
  const badKey = await app.inject({ method: 'GET', url: `/v1/demands/${missingId}`, headers: { authorization: 'Bearer nope' } })
  t.equal(badKey.statusCode, 401, 'a broken key is refused even on a public read')
})

t.test('neededBy: when the solution is needed, apart from the deadline for offers, through every way in and out', async (t) => {
  const created = await app.inject({ method: 'POST', url: '/v1/demands', headers: enterprise.auth, payload: demandInput({ neededBy: '2027-03-01' }) })
  t.equal(created.statusCode, 201, created.body)
  const id = created.json().id as string
  t.equal(created.json().neededBy, '2027-03-01')
  t.equal(created.json().deadline, '2026-06-30', 'the deadline stays its own field')
  t.equal((await app.inject({ method: 'GET', url: `/v1/demands/${id}`, headers: enterprise.auth })).json().neededBy, '2027-03-01')
  t.equal((await demandRow(db, id))!.neededBy, '2027-03-01', 'stored in its own column')

  const bad = await app.inject({ method: 'PATCH', url: `/v1/demands/${id}`, headers: enterprise.auth, payload: { neededBy: '01/03/2027' } })
  t.equal(bad.statusCode, 400)
  t.ok(hasPointer(bad.json(), '#/neededBy'), 'a date that is not YYYY-MM-DD is refused at its field')
  const cleared = await app.inject({ method: 'PATCH', url: `/v1/demands/${id}`, headers: enterprise.auth, payload: { neededBy: null } })
  t.equal(cleared.statusCode, 200, cleared.body)
  t.equal(cleared.json().neededBy, null, 'null clears it')
  t.equal((await demandRow(db, id))!.neededBy, null)

  const csv = 'Mã,Tiêu đề,Vấn đề,Cần trước ngày\nNB-1,Cần dây chuyền đóng gói,Đóng gói thủ công chậm,15/09/2027\n'
  const upload = await app.inject({
    method: 'POST',
    url: '/v1/imports?kind=demands',
    headers: { ...enterprise.auth, 'content-type': 'text/csv' },
    payload: csv,
  })
  t.equal(upload.statusCode, 202, upload.body)
  await app.jobs.runPending()
  const imported = (await app.inject({ method: 'GET', url: `/v1/imports/${upload.json().id}`, headers: enterprise.auth })).json()
  t.match(imported, { status: 'completed', rowsCreated: 1 })
  t.match(imported.columns, [{}, {}, {}, { header: 'Cần trước ngày', field: 'neededBy' }], 'the Vietnamese header names the field')
  const [row] = await db.select().from(schema.demands).where(eq(schema.demands.externalId, 'NB-1'))
  t.equal(row!.neededBy, '2027-09-15', 'a DD/MM/YYYY cell is read as a date')

  const exported = await app.inject({
    method: 'GET',
    url: `/v1/demands/export?status=draft&owner=${enterprise.organization.id}&format=ndjson`,
    headers: enterprise.auth,
  })
  t.equal(exported.statusCode, 200, exported.body)
  const lines = exported.body
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { externalId: string | null; neededBy: string | null })
  t.equal(lines.find((line) => line.externalId === 'NB-1')?.neededBy, '2027-09-15', 'the export writes it, so the file imports back')
})
