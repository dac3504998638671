import { randomUUID } from 'node:crypto'
import t from 'tap'
import { AppError, badRequest, notFound } from '../../src/lib/problem.ts'
import { problemText, toVietnamese } from '../../src/http/problem-text.ts'
import { messages, nouns } from '../../src/http/problem-text.vi.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createOperator } from '../helpers/factories.ts'
import { insertListing } from '../helpers/listings.ts'

// Accept-Language chooses the language of the exchange's own texts: problems (title, detail, each
// error's detail), report labels and chart titles. Vietnamese unless English is preferred.

const { app, db } = await buildTestApp(t)
const operator = await createOperator(db)

type Problem = { title: string; detail: string; code: string; errors?: Array<{ pointer: string; detail: string }> }

t.test('a problem is in Vietnamese by default and in English on request, with the same code', async (t) => {
  const id = randomUUID()
  const vietnamese = await app.inject({ method: 'GET', url: `/v1/listings/${id}` })
  t.equal(vietnamese.statusCode, 404)
  t.equal(vietnamese.headers['content-language'], 'vi')
  t.match(vietnamese.headers.vary, /Accept-Language/)
  const vi = vietnamese.json() as Problem
  t.equal(vi.title, 'Không tìm thấy')
  t.equal(vi.detail, `Tin chào công nghệ ${id} không tồn tại hoặc bạn không được xem`, 'the record name is translated too')

  const english = await app.inject({ method: 'GET', url: `/v1/listings/${id}`, headers: { 'accept-language': 'en-US,en;q=0.9' } })
  t.equal(english.headers['content-language'], 'en', 'en-US is English')
  const en = english.json() as Problem
  t.equal(en.title, 'Not found')
  t.equal(en.detail, `Listing ${id} does not exist or is not visible to you`)
  t.equal(en.code, vi.code, 'a client branches on code, which no language changes')
})

t.test('Accept-Language is negotiated by preference; an unknown language gets Vietnamese', async (t) => {
  const cases: Array<[string, string]> = [
    ['en', 'en'],
    ['vi-VN', 'vi'],
    ['fr-FR, fr;q=0.9', 'vi'],
    ['en;q=0.5, vi;q=0.8', 'vi'],
    ['vi;q=0.2, en;q=0.9', 'en'],
    ['*', 'vi'],
  ]
  for (const [header, expected] of cases) {
    const response = await app.inject({ method: 'GET', url: '/v1/organizations?limit=0', headers: { 'accept-language': header } })
    t.equal(response.statusCode, 400)
    t.equal(response.headers['content-language'], expected, header)
  }
})

t.test('field details and sentences built around them are translated', async (t) => {
  const unknown = (await app.inject({ method: 'GET', url: '/v1/listings?provice=01' })).json() as Problem
  t.same(unknown.errors, [{ pointer: '#/query/provice', detail: 'không phải trường đã biết' }])

  const kind = (await app.inject({ method: 'GET', url: '/v1/listings?kind=machine' })).json() as Problem
  t.same(kind.errors, [{ pointer: '#/query/kind/0', detail: 'phải là một trong technology, product, equipment, know_how, service' }], 'the codes stay codes')

  const range = (await app.inject({ method: 'GET', url: '/v1/listings?trlMin=7&trlMax=3' })).json() as Problem
  t.equal(range.detail, 'Tham số truy vấn trlMin không được lớn hơn trlMax', 'a field detail inside a sentence')
  t.same(range.errors, [{ pointer: '#/query/trlMin', detail: 'không được lớn hơn trlMax' }])

  const missing = await app.inject({ method: 'POST', url: '/v1/organizations', headers: operator.auth, payload: { kind: 'enterprise' } })
  const problem = missing.json() as Problem
  t.equal(problem.title, 'Dữ liệu không hợp lệ')
  t.same(problem.errors, [{ pointer: '#/name', detail: 'là bắt buộc' }])
  const english = await app.inject({
    method: 'POST',
    url: '/v1/organizations',
    headers: { ...operator.auth, 'accept-language': 'en' },
    payload: { kind: 'enterprise' },
  })
  t.same((english.json() as Problem).errors, [{ pointer: '#/name', detail: 'is required' }])
})

t.test('a message the catalogue lacks leaves the whole problem in English, and says so', async (t) => {
  const text = problemText(badRequest('made_up', 'A sentence nobody translated', [{ pointer: '#/name', detail: 'is required' }]), 'vi')
  t.equal(text.language, 'en')
  t.equal(text.title, 'Bad request')
  t.equal(text.detail, 'A sentence nobody translated')
  t.same(text.errors, [{ pointer: '#/name', detail: 'is required' }], 'no half-translated problem')
  t.equal(text.untranslated, 'A sentence nobody translated')

  const field = problemText(badRequest('made_up', 'A value is longer than allowed', [{ pointer: '#/x', detail: 'is purple' }]), 'vi')
  t.equal(field.language, 'en', 'an untranslated field detail counts too')

  const title = problemText(new AppError(418, 'teapot', 'I am a teapot'), 'vi')
  t.equal(title.untranslated, 'I am a teapot')

  const known = problemText(notFound('Deal', 'abc'), 'vi')
  t.same([known.language, known.title, known.detail], ['vi', 'Không tìm thấy', 'Giao dịch abc không tồn tại hoặc bạn không được xem'])
  t.equal(problemText(notFound('Deal', 'abc'), 'en').detail, 'Deal abc does not exist or is not visible to you')
})

t.test('the catalogue: each translation uses only the placeholders its English has', async (t) => {
  const names = (text: string) => [...text.matchAll(/\{(\w+)(?::(\w+))?\}/g)].map((found) => ({ name: found[1]!, how: found[2] }))
  for (const [english, vietnamese] of Object.entries(messages)) {
    const given = new Set(names(english).map((found) => found.name))
    for (const { name, how } of names(vietnamese)) {
      t.ok(given.has(name), `${JSON.stringify(vietnamese)} uses {${name}}, which ${JSON.stringify(english)} has`)
      if (how !== undefined) t.ok(['noun', 'code', 'message'].includes(how), `{${name}:${how}} is a known marker`)
    }
    t.not(vietnamese, english, `${english} is translated`)
  }
  t.equal(toVietnamese('Organisation 7 does not exist'), 'Tổ chức 7 không tồn tại')
  t.equal(toVietnamese('A published listing can no longer be edited'), `Tin chào ${nouns.published} (published) không sửa được nữa`, 'a state keeps its code')
  t.equal(toVietnamese('nothing like it'), undefined)
  // A value a caller chose (a state, a resource) is looked up among the words, not the object's prototype.
  t.equal(toVietnamese('The deal is constructor; its messages are read-only'), 'Giao dịch đang ở trạng thái constructor; tin nhắn chỉ còn để đọc')
  t.equal(toVietnamese('toString 7 does not exist or is not visible to you'), 'toString 7 không tồn tại hoặc bạn không được xem')
})

t.test('report labels and chart titles follow Accept-Language', async (t) => {
  const query = '/v1/reports/activity?period=all&groupBy=region&metric=listingsPublished'
  const vi = await app.inject({ method: 'GET', url: `${query}&format=svg` })
  t.equal(vi.statusCode, 200)
  t.equal(vi.headers['content-language'], 'vi')
  t.match(vi.headers.vary, /Accept-Language/)
  t.match(vi.body, /Công nghệ, sản phẩm được chào bán theo vùng/)
  const en = await app.inject({ method: 'GET', url: `${query}&format=svg`, headers: { 'accept-language': 'en' } })
  t.equal(en.headers['content-language'], 'en')
  t.match(en.body, /Technologies and products offered by region/)
  t.notMatch(en.body, /chào bán/)

  await insertListing(db, { ownerId: operator.organization.id })
  const labels = async (language: string) => {
    const response = await app.inject({ method: 'GET', url: '/v1/reports/activity?period=all', headers: { 'accept-language': language } })
    t.equal(response.headers['content-language'], language)
    return { etag: response.headers.etag, labels: (response.json() as { groups: Array<{ label: string }> }).groups.map((group) => group.label) }
  }
  const [vietnamese, english] = [await labels('vi'), await labels('en')]
  t.same(vietnamese.labels, ['Toàn sàn'])
  t.same(english.labels, ['Whole exchange'])
  t.not(vietnamese.etag, english.etag, 'two languages, two representations: a cache keeps both')
})
