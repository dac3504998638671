import t, { type Test } from 'tap'
import { analyze, Bm25Index } from '../../bench/quality/bm25.ts'

// The BM25 baseline of the retrieval evaluation: analysis, idf and scores checked against figures
// worked out by hand, so the baseline cannot drift without a failing test.

const close = (t: Test, actual: number, expected: number, message?: string) =>
  t.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} ${actual} ≈ ${expected}`)

t.test('analysis: lower-cased syllables, diacritics folded, đ -> d, punctuation splits', async (t) => {
  t.same(analyze('Xử lý nước thải'), ['xu', 'ly', 'nuoc', 'thai'])
  t.same(analyze('ĐỒNG ĐỀU, đậu-nành (50%)'), ['dong', 'deu', 'dau', 'nanh', '50'])
  t.same(analyze('Thuỷ sản / thủy sản'), ['thuy', 'san', 'thuy', 'san'], 'both tone placements fold to the same syllable')
  t.same(analyze('  '), [])
})

t.test("idf is Lucene's ln(1 + (N - df + 0.5) / (df + 0.5))", async (t) => {
  const index = new Bm25Index([
    { id: 'a', text: 'máy sấy lúa' },
    { id: 'b', text: 'máy sấy cà phê' },
    { id: 'c', text: 'giống lúa chịu mặn' },
  ])
  close(t, index.idf('may'), Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)), 'df 2 of 3')
  close(t, index.idf('man'), Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)), 'df 1 of 3')
  close(t, index.idf('absent'), Math.log(1 + 3.5 / 0.5), 'a term no document holds')
})

t.test('scores follow BM25 with k1 1.2 and b 0.75', async (t) => {
  // Lengths 3, 4 and 4 syllables: average 11/3.
  const index = new Bm25Index([
    { id: 'a', text: 'máy sấy lúa' },
    { id: 'b', text: 'máy sấy cà phê' },
    { id: 'c', text: 'giống lúa chịu mặn' },
  ])
  const average = 11 / 3
  const idfLua = Math.log(1 + 1.5 / 2.5)
  const idfSay = Math.log(1 + 1.5 / 2.5)
  const term = (idf: number, tf: number, length: number) => (idf * tf * 2.2) / (tf + 1.2 * (1 - 0.75 + (0.75 * length) / average))
  const hits = index.search('sấy lúa', 10)
  t.same(
    hits.map((hit) => hit.id),
    ['a', 'b', 'c'],
    'a holds both terms; b and c one each at equal idf and length, so they tie and go in id order',
  )
  close(t, hits[0]!.score, term(idfSay, 1, 3) + term(idfLua, 1, 3), 'a')
  close(t, hits[1]!.score, term(idfSay, 1, 4), 'b')
  close(t, hits[2]!.score, term(idfLua, 1, 4), 'c')
})

t.test('a repeated term counts its frequency, saturating with k1', async (t) => {
  const index = new Bm25Index([
    { id: 'once', text: 'tiêu đen khô' },
    { id: 'twice', text: 'tiêu tiêu khô' },
    { id: 'other', text: 'lúa gạo thơm' },
  ])
  const [first, second] = index.search('tiêu', 10)
  t.equal(first!.id, 'twice')
  t.equal(second!.id, 'once')
  t.ok(first!.score < 2 * second!.score, 'two occurrences score less than twice one')
})

t.test('b = 0 ignores length; b = 1 normalises fully', async (t) => {
  const docs = [
    { id: 'short', text: 'nước thải' },
    { id: 'long', text: 'nước thải sinh hoạt khu dân cư đô thị mới' },
  ]
  const flat = new Bm25Index(docs, { b: 0 }).search('thải', 10)
  close(t, flat[0]!.score, flat[1]!.score, 'same score whatever the length')
  const full = new Bm25Index(docs, { b: 1 }).search('thải', 10)
  t.equal(full[0]!.id, 'short', 'the shorter document wins when length counts')
})

t.test('query words are distinct terms, unaccented queries match accented text, no shared term means no hit', async (t) => {
  const index = new Bm25Index([
    { id: 'x', text: 'Xử lý nước thải dệt nhuộm' },
    { id: 'y', text: 'Giống lúa chịu mặn' },
  ])
  t.same(
    index.search('xu ly nuoc thai', 10).map((hit) => hit.id),
    ['x'],
  )
  t.same(index.search('nước nước nước', 10)[0]!.score, index.search('nước', 10)[0]!.score, 'repeating a query word adds nothing')
  t.same(index.search('máy bay', 10), [])
  t.same(index.search('', 10), [])
})

t.test('limit, excluded ids and ties broken by id', async (t) => {
  const index = new Bm25Index([
    { id: 'b', text: 'sầu riêng' },
    { id: 'a', text: 'sầu riêng' },
    { id: 'c', text: 'sầu riêng' },
  ])
  t.same(
    index.search('sầu riêng', 10).map((hit) => hit.id),
    ['a', 'b', 'c'],
    'equal scores in id order',
  )
  t.same(
    index.search('sầu riêng', 2).map((hit) => hit.id),
    ['a', 'b'],
  )
  t.same(
    index.search('sầu riêng', 10, new Set(['a'])).map((hit) => hit.id),
    ['b', 'c'],
    'an excluded listing is skipped, not counted against the limit',
  )
  t.equal(index.size, 3)
})
