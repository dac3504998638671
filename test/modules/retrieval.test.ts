import { eq, sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import t from 'tap'
import { listings } from '../../src/db/schema/index.ts'
import { compactSearchStatistics } from '../../src/jobs/maintenance.ts'
import { termsOf, wordsOf } from '../../src/modules/retrieval/analysis.ts'
import { buildQuery } from '../../src/modules/retrieval/query.ts'
import { readStatistics, settledDocs } from '../../src/modules/retrieval/statistics.ts'
import { results } from '../../src/modules/retrieval/page.ts'
import { commonShare, idsOf, planCandidates, retrieve } from '../../src/modules/retrieval/retrieve.ts'
import { listingSource } from '../../src/modules/listings/listings.search.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { insertListing } from '../helpers/listings.ts'

// The retrieval core (src/modules/retrieval): the analysis both sides share, the statistics the
// triggers keep, typo correction, candidate planning and the ranking seen through search.

const { app, db } = await buildTestApp(t)
const owner = (await createMember(db)).organization.id

const texts = [
  'Máy sấy nông sản (năng lượng mặt trời), công suất 2.5 tấn/mẻ; Đồng Tháp',
  'XỬ LÝ NƯỚC THẢI chăn nuôi heo — hầm biogas',
  'Chế phẩm Trichoderma: phòng trừ nấm Phytophthora trên sầu riêng',
  "IoT/PLC điều khiển tưới nhỏ giọt, pH 6-7, 'mô-đun' «Việt»",
  '',
  '   ',
  'đĐ ưƯ ơƠ ăĂ âÂ êÊ ôÔ',
]

t.test('the query side makes the very terms the database stores', async (t) => {
  for (const text of texts) {
    const { rows } = await db.execute<{ segmented: string; ids: number[] }>(sql`select tx_segmented(${text}) as segmented, tx_term_ids(${text}) as ids`)
    const ids = [...new Set(termsOf(wordsOf(rows[0]!.segmented)).map((term) => term.id))].sort((a, b) => a - b)
    t.same(ids, rows[0]!.ids, JSON.stringify(text))
  }
  const { rows } = await db.execute<{ segmented: string }>(sql`select tx_segmented('Xử lý nước thải, chăn nuôi') as segmented`)
  t.same(
    termsOf(wordsOf(rows[0]!.segmented)).map((term) => term.text),
    ['xu', 'ly', 'nuoc', 'thai', 'chan', 'nuoi', 'xu ly', 'ly nuoc', 'nuoc thai', 'chan nuoi'],
    'no pair across a comma',
  )
})

type Counts = { term_id: number; docs: number; key_docs: number }
const recounted = async () =>
  (
    await db.execute<Counts>(sql`
      select term, count(*)::int as docs, count(*) filter (where in_key)::int as key_docs from (
        select term, true as in_key from listings, unnest(search_key_ids) as term
        union all select term, false from listings, unnest(search_body_ids - search_key_ids) as term) terms
      group by term order by term`)
  ).rows.map((row) => ({ term_id: Number((row as unknown as { term: number }).term), docs: row.docs, key_docs: row.key_docs }))
const kept = async () =>
  (
    await db.execute<Counts>(sql`
      select term_id, sum(docs)::int as docs, sum(key_docs)::int as key_docs from (
        select term_id, docs, key_docs from search_term_counts where kind = 'listing'
        union all select term_id, docs, key_docs from search_term_changes where kind = 'listing') rows
      group by term_id having sum(docs) <> 0 order by term_id`)
  ).rows
const corpus = async () =>
  (
    await db.execute<{ docs: number; key: number; body: number }>(
      sql`select sum(docs)::int as docs, sum(key_length)::int as key, sum(body_length)::int as body from search_corpus_counts where kind = 'listing'`,
    )
  ).rows[0]
const actualCorpus = async () =>
  (
    await db.execute<{ docs: number; key: number; body: number }>(
      sql`select count(*)::int as docs, coalesce(sum(icount(search_key_ids)), 0)::int as key, coalesce(sum(icount(search_body_ids)), 0)::int as body from listings`,
    )
  ).rows[0]

t.test('the statistics follow inserts, edits and deletes, and compaction keeps them', async (t) => {
  const first = await insertListing(db, { ownerId: owner, titleVi: 'Hệ thống xử lý nước thải', descriptionVi: 'Xử lý nước thải chế biến thủy sản.' })
  const second = await insertListing(db, { ownerId: owner, titleVi: 'Máy sấy lúa', descriptionVi: 'Sấy lúa sau thu hoạch.', keywords: ['sau thu hoạch'] })
  t.same(await kept(), await recounted(), 'after inserts')
  await db.update(listings).set({ titleVi: 'Máy sấy cà phê' }).where(eq(listings.id, second))
  await db.update(listings).set({ status: 'published' }).where(eq(listings.id, first))
  t.same(await kept(), await recounted(), 'after an edit (and a status change that adds nothing)')
  t.same(await corpus(), await actualCorpus())
  await db.delete(listings).where(eq(listings.id, first))
  t.same(await kept(), await recounted(), 'after a delete')
  t.same(await corpus(), await actualCorpus())
  const changes = async () => (await db.execute<{ n: number }>(sql`select count(*)::int as n from search_term_changes`)).rows[0]!.n
  const changesBefore = await changes()
  t.ok(changesBefore > 0, 'writes append changes')
  await compactSearchStatistics(db)
  t.equal(await changes(), 0, `compaction folds all ${changesBefore} changes`)
  t.same(await kept(), await recounted(), 'and keeps the sums')
  const coffee = await insertListing(db, { ownerId: owner, titleVi: 'Máy sấy cà phê', descriptionVi: 'Sấy cà phê nhân.' })
  await compactSearchStatistics(db)
  t.same(await kept(), await recounted(), 'a second compaction adds to the folded counts')
  await db.delete(listings).where(eq(listings.id, coffee))
  await compactSearchStatistics(db)
  t.same(await kept(), await recounted(), 'and takes away from them')
  t.same(await corpus(), await actualCorpus())
  const words = (await db.execute<{ word: string }>(sql`select word from search_words where word in ('say', 'ca', 'phe', 'thuy')`)).rows
    .map((row) => row.word)
    .sort()
  t.same(words, ['ca', 'phe', 'say', 'thuy'], 'the dictionary holds the words seen (after compaction), removed records included')
})

t.test('a rare term reads its changes since the last compaction; a common one its folded count alone', async (t) => {
  // Made-up term ids: two folded at settledDocs - 1 and settledDocs, each with three changes since; one new.
  const [rare, common, fresh] = [1_999_999_001, 1_999_999_002, 1_999_999_003]
  await db.execute(
    sql`insert into search_term_counts (kind, term_id, docs, key_docs) values ('listing', ${rare}, ${settledDocs - 1}, 1), ('listing', ${common}, ${settledDocs}, 2)`,
  )
  await db.execute(
    sql`insert into search_term_changes (kind, term_id, docs, key_docs) values ('listing', ${rare}, 1, 1), ('listing', ${rare}, 2, 0), ('listing', ${common}, 3, 1)`,
  )
  t.teardown(async () => {
    await db.execute(sql`delete from search_term_counts where term_id in (${rare}, ${common}, ${fresh})`)
    await db.execute(sql`delete from search_term_changes where term_id in (${rare}, ${common}, ${fresh})`)
  })
  const statistics = await readStatistics(db, 'listing', [rare, common, fresh])
  t.same(statistics.terms.get(rare), { docs: settledDocs + 2, keyDocs: 2 }, 'rare: folded plus changes')
  t.same(statistics.terms.get(common), { docs: settledDocs, keyDocs: 2 }, 'common: folded only')
  t.notOk(statistics.terms.has(fresh), 'a term nobody holds is absent')
  await db.execute(sql`insert into search_term_changes (kind, term_id, docs, key_docs) values ('listing', ${fresh}, 1, 0)`)
  t.same((await readStatistics(db, 'listing', [fresh])).terms.get(fresh), { docs: 1, keyDocs: 0 }, 'a new term counts before its first compaction')
})

t.test('candidates come from the rarest terms within the budget; common terms only from titles', async (t) => {
  const term = (id: number, docs: number, keyDocs: number, text = `t${id}`) => ({ id, text, pair: false, weight: 1, origin: 'query' as const, docs, keyDocs })
  const terms = [term(1, 50_000, 9_000), term(2, 300, 100), term(3, 4_000, 900), term(4, 0, 0), term(5, 12, 3, '2024'), term(6, 900_000, 80_000)]
  t.same(
    planCandidates(terms, { postings: 5_000, records: 100 }),
    { any: [[2], [3]], common: [], key: [], together: [] },
    'numbers and unknown terms fetch nothing',
  )
  t.same(
    planCandidates(terms, { postings: 10_000, records: 100 }),
    { any: [[2], [3]], common: [], key: [], together: [] },
    'a commoner term fetches by its key postings within what is left of the same budget ...',
  )
  t.same(
    planCandidates(terms, { postings: 13_300, records: 100 }),
    { any: [[2], [3]], common: [], key: [1], together: [] },
    '... so the postings bound the candidates',
  )
  t.same(
    planCandidates([term(1, 50_000, 9_000), term(6, 900_000, 80_000)], { postings: 5_000, records: 100 }),
    { any: [], common: [], key: [], together: [1, 6] },
    'common terms only: both together',
  )
  // In a catalogue of 1,000 records, a term held by more than 50 is common even when it fits the budget.
  const small = [term(1, 30, 5), term(2, 80, 10), term(3, 400, 20), term(6, 900, 300)]
  t.same(
    planCandidates(small, { postings: 1_000, records: 100 }, 1_000),
    { any: [[1]], common: [2, 3], key: [6], together: [] },
    'a term over a twentieth of the records fetches from titles, and from bodies after the rare terms',
  )
  t.same(
    planCandidates(small.slice(1), { postings: 1_000, records: 100 }, 1_000),
    { any: [], common: [2, 3], key: [6], together: [] },
    'common terms that fit the budget need no pair to fetch by',
  )
})

t.test('rare terms are read in bands of rarity: the rarest first, whatever the heap order', async (t) => {
  const term = (id: number, docs: number) => ({ id, text: `t${id}`, pair: false, weight: 1, origin: 'query' as const, docs, keyDocs: docs })
  t.same(
    planCandidates([term(1, 40), term(2, 30), term(3, 300), term(4, 900), term(5, 5_000)], { postings: 20_000, records: 100 }),
    { any: [[2, 1], [3], [4], [5]], common: [], key: [], together: [] },
    'the terms within the cap, within 4 and 16 times it, and the rest',
  )
  const publish = (titleVi: string) => insertListing(db, { ownerId: owner, titleVi, descriptionVi: 'Chi tiết xem hồ sơ.' })
  // Enough other records that four holders are rare (at most a twentieth of the catalogue).
  const { corpus } = await buildQuery(db, 'listing', [{ text: 'diatomit', weight: 1 }])
  for (let i = corpus.docs; i < 100; i++) await publish(`Hồ sơ mẫu số ${i}`)
  // The commoner word's holders are written first, so the heap hands them out first.
  for (let i = 0; i < 4; i++) await publish(`Bột diatomit lọc nước loại ${i}`)
  const rarest = await publish('Bentonit chống thấm cho hồ chứa')
  const query = await buildQuery(db, 'listing', [{ text: 'diatomit bentonit', weight: 1 }])
  const ids = async (records: number) => (await retrieve(db, listingSource, query, { budget: { postings: 20_000, records } })).hits.map((hit) => hit.id)
  t.same(await ids(1), [rarest], 'a cap of one keeps the holder of the rarest word, written last')
  t.equal((await ids(10)).length, 5, 'under the cap: every holder of either word')
})

t.test('under a record cap, a rare term in a body comes before a common term in a title, and that before a common term in a body', async (t) => {
  const publish = (titleVi: string, descriptionVi: string) => insertListing(db, { ownerId: owner, titleVi, descriptionVi })
  // Enough bodies holding "bazan" for it to be held by more than a twentieth of the catalogue,
  // written first so that the heap would hand them out before the others.
  const { corpus } = await buildQuery(db, 'listing', [{ text: 'bazan', weight: 1 }])
  const many = Math.ceil((corpus.docs + 10) * commonShare * 1.2) + 2
  for (let i = 0; i < many; i++) await publish(`Vườn cà phê số ${i}`, 'Trồng trên đất bazan đỏ.')
  const commonTitle = await publish('Cải tạo đất bazan bạc màu', 'Bón vôi và phân hữu cơ.')
  const rareBody = await publish('Giá thể ươm cây', 'Trộn perlit với xơ dừa.')
  const query = await buildQuery(db, 'listing', [{ text: 'perlit bazan', weight: 1 }])
  t.ok(query.terms.find((term) => term.text === 'bazan')!.docs > query.corpus.docs * commonShare, '"bazan" is common here')
  const ids = async (records: number) => (await retrieve(db, listingSource, query, { budget: { postings: 20_000, records } })).hits.map((hit) => hit.id)
  t.same(await ids(1), [rareBody], 'a cap of one keeps the rare term, though only in a body')
  t.same(new Set(await ids(2)), new Set([rareBody, commonTitle]), 'then the common term in a title, before the bodies that hold it')
  t.equal((await ids(many + 2)).length, many + 2, 'under the cap: every record holding either word')
})

type Page = { items: Array<{ id: string; titleVi: string; score: number }>; interpretation: { corrections: Array<{ from: string; to: string }> } }
const search = async (q: string) => (await app.inject({ method: 'GET', url: `/v1/listings?q=${encodeURIComponent(q)}&facets=false` })).json() as Page

t.test('ranking: every word helps, titles weigh more, rare words more than common ones', async (t) => {
  const publish = (titleVi: string, descriptionVi: string) => insertListing(db, { ownerId: owner, titleVi, descriptionVi })
  const inTitle = await publish('Chế phẩm Trichoderma cho sầu riêng', 'Phòng bệnh cho cây ăn quả.')
  const inBody = await publish('Chế phẩm sinh học cho cây ăn quả', 'Dùng nấm Trichoderma phòng bệnh xì mủ.')
  const common = await publish('Chế phẩm phân bón lá', 'Cho cây trồng.')
  const page = await search('chế phẩm Trichoderma')
  t.same(
    page.items.slice(0, 3).map((item) => item.id),
    [inTitle, inBody, common],
  )
  const scores = page.items.map((item) => item.score)
  t.same(
    scores,
    [...scores].sort((a, b) => b - a),
  )
  const sentence = await search('vườn sầu riêng của tôi bị xì mủ, cần chế phẩm sinh học phòng bệnh')
  t.ok(sentence.items.length >= 2, 'a whole sentence finds listings')
  t.equal(sentence.items[0]!.id, inBody, 'the one sharing the most (and rarest) words first')
})

t.test('a record cap keeps the best tiers: a rare term in a title, then in a body, then a commoner term in a title', async (t) => {
  const publish = (titleVi: string, descriptionVi: string) => insertListing(db, { ownerId: owner, titleVi, descriptionVi })
  const commonTitle = await publish('Hệ thống tưới thông minh', 'Cho nhà màng.')
  const rareBody = await publish('Thiết bị đo độ ẩm', 'Cảm biến zeolit cho kho hạt.')
  const rareTitle = await publish('Vật liệu zeolit hấp phụ', 'Cho ao nuôi tôm.')
  // "tưới" in more bodies than "zeolit" anywhere: with a budget of 3 postings, "zeolit" (2) fetches
  // from both fields and "tưới" from titles only (1 title).
  for (const garden of ['Vườn cam', 'Vườn bưởi', 'Vườn nho']) await publish(garden, 'Nước tưới sạch.')
  const query = await buildQuery(db, 'listing', [{ text: 'zeolit tưới', weight: 1 }])
  t.same(planCandidates(query.terms, { postings: 3, records: 10 }).key.length, 1, 'the commoner term fetches from titles only')
  const ids = async (records: number) => (await retrieve(db, listingSource, query, { budget: { postings: 3, records } })).hits.map((hit) => hit.id)
  t.same(new Set(await ids(10)), new Set([rareTitle, rareBody, commonTitle]), 'under the cap: every tier')
  t.same(await ids(1), [rareTitle], 'a cap of one keeps the rare term in a title')
  t.same(new Set(await ids(2)), new Set([rareTitle, rareBody]), 'then the rare term in a body, before a commoner term in a title')
})

t.test('a title holding the whole phrase comes before titles holding part of it', async (t) => {
  const publish = (titleVi: string) => insertListing(db, { ownerId: owner, titleVi, descriptionVi: 'Chi tiết xem hồ sơ.' })
  // Written before the whole phrase, so the heap would hand them out first.
  const parts = [await publish('Bột zircon nghiền mịn'), await publish('Oxit nhôm hoạt tính'), await publish('Gốm zircon cao cấp')]
  const whole = await publish('Bột zircon oxit tinh khiết')
  const query = await buildQuery(db, 'listing', [{ text: 'zircon oxit', weight: 1 }])
  const ids = async (records: number) => (await retrieve(db, listingSource, query, { budget: { postings: 100, records } })).hits.map((hit) => hit.id)
  t.same(await ids(1), [whole], 'a cap of one keeps it')
  t.same(new Set(await ids(10)), new Set([whole, ...parts]), 'under the cap: the partial titles too')
})

t.test('the candidate read is never planned in parallel, with no round trip to say so', async (t) => {
  // At 1M listings a Gather over a Parallel Append cost ~40 ms of worker start-up for 1-2 ms of
  // work. force_parallel_mode (debug_parallel_query from PostgreSQL 16) puts a Gather on top of
  // every query that is safe to run in parallel: the read must not be one.
  const issued: SQL[] = []
  const recording = { execute: (query: SQL) => (issued.push(query), db.execute(query)) } as unknown as typeof db
  const query = await buildQuery(db, 'listing', [{ text: 'zeolit tưới zircon oxit', weight: 1 }])
  await retrieve(recording, listingSource, query, { budget: { postings: 100, records: 10 } })
  t.equal(issued.length, 1, 'one statement: no transaction, savepoint or SET around it')
  const { sql: text, params } = new PgDialect().sqlToQuery(issued[0]!)
  t.match(text, /tx_serial_read\(\)/)
  const client = await app.database.pool.connect()
  const planOf = async (statement: string) => {
    await client.query('begin')
    try {
      const { rows: versions } = await client.query<{ version: number }>(`select current_setting('server_version_num')::int as version`)
      await client.query(`set local ${versions[0]!.version >= 160000 ? 'debug_parallel_query' : 'force_parallel_mode'} = on`)
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${statement}`, params)
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    } finally {
      await client.query('rollback')
    }
  }
  try {
    t.notMatch(await planOf(text), /Gather|Parallel/, 'the read as issued')
    if (process.env.TEST_DATABASE_URL)
      t.match(await planOf(text.replace('tx_serial_read()', 'true')), /Gather/, 'without the gate the same read is planned in parallel')
  } finally {
    client.release()
  }
})

t.test('matched term ids come back as text and are read as numbers', async (t) => {
  t.same(idsOf(''), [])
  t.same(idsOf('7'), [7])
  t.same(idsOf('-2147483648,0,12,2147483647,-5'), [-2147483648, 0, 12, 2147483647, -5])
})

t.test('a sentence keeps results a short query would not: each holds a small share of its many words', async (t) => {
  const vermiculite = await insertListing(db, { ownerId: owner, titleVi: 'Vermiculit trộn giá thể ươm cây', descriptionVi: 'Giá thể nhẹ, giữ ẩm.' })
  const sentence = 'chúng tôi đang tìm nguồn cung cấp vermiculit cho vườn ươm của hợp tác xã, cần giao hàng nhanh với giá hợp lý'
  const found = (await search(sentence)).items.find((item) => item.id === vermiculite)
  t.ok(found, "the one listing holding the sentence's rare words is found")
  t.ok(found && found.score >= 0.05 && found.score < 0.1, `with a relevance under 0.1 (${found?.score})`)
  t.equal((await search('vermiculit')).items[0]?.id, vermiculite, 'and leads a search for its word')
  // The rule itself: the same hit is a result of a sentence, not of a short query.
  const hit = { id: vermiculite, score: 1, relevance: 0.07, keyHits: [], bodyHits: [], lengths: { key: 1, body: 1 }, extra: { newest: null } }
  const short = await buildQuery(db, 'listing', [{ text: 'vermiculit giá thể', weight: 1 }])
  const long = await buildQuery(db, 'listing', [{ text: sentence, weight: 1 }])
  t.equal(results([hit], short, 'relevance').length, 0, 'a short query keeps 0.1')
  t.equal(results([hit], long, 'relevance').length, 1, 'a sentence keeps 0.05')
})

t.test('a misspelt word is searched with the word most records spell right', async (t) => {
  const right = []
  for (const place of ['Sóc Trăng', 'Bến Tre', 'Long An'])
    right.push(await insertListing(db, { ownerId: owner, titleVi: `Hệ thống tưới nhỏ giọt ${place}`, descriptionVi: 'Tiết kiệm nước.' }))
  const misspelt = await insertListing(db, { ownerId: owner, titleVi: 'Hệ thống tuoii nhỏ giọt', descriptionVi: 'Tiết kiệm nước.' })
  const page = await search('tuoii nho giot')
  t.same(page.interpretation.corrections, [{ from: 'tuoii', to: 'tuoi' }], 'a word only one listing holds is corrected too')
  t.same(new Set(page.items.slice(0, 4).map((item) => item.id)), new Set([...right, misspelt]), 'the rightly spelt listings are found, and the misspelt one')
  const unknown = await search('tưới nhỏ giọtt')
  t.same(unknown.interpretation.corrections, [{ from: 'giott', to: 'giot' }])
  t.ok(unknown.items.length >= 4)
  const short = await search('tuo')
  t.same(short.interpretation.corrections, [], 'no correction under four letters')
})

t.test('term statistics of a query', async (t) => {
  const query = await buildQuery(db, 'listing', [
    { text: 'nhỏ giọt', weight: 1 },
    { text: 'nhỏ', weight: 0.5 },
  ])
  const nho = query.terms.find((term) => term.text === 'nho')!
  t.ok(nho.docs >= 4)
  t.ok(nho.weight > query.terms.find((term) => term.text === 'giot')!.weight, 'a term named twice weighs more')
  t.same(query.terms.map((term) => term.text).sort(), ['giot', 'nho', 'nho giot'])
})

t.test('near-duplicates: the same offer or need rewritten, with or without diacritics, in another order', async (t) => {
  const centre = await createMember(db, { kind: 'transfer_centre' })
  const institute = await createMember(db, { kind: 'research_institute' })
  const first = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: centre.auth,
    payload: {
      kind: 'equipment',
      titleVi: 'Máy sấy lúa tầng sôi công suất 10 tấn/mẻ',
      descriptionVi: 'Sấy lúa bằng tầng sôi, đốt trấu, giảm hao hụt sau thu hoạch.',
    },
  })
  t.equal(first.statusCode, 201)
  await app.inject({ method: 'POST', url: `/v1/listings/${first.json().id}/publish`, headers: centre.auth })
  const rewrite = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: institute.auth,
    payload: { kind: 'equipment', titleVi: 'May say tang soi cho lua, 10 tan moi me', descriptionVi: 'Giam hao hut sau thu hoach: say lua tang soi dot trau.' },
  })
  t.same(
    rewrite.json().possibleDuplicates.map((duplicate: { id: string }) => duplicate.id),
    [first.json().id],
    'the rewrite by another centre is flagged',
  )
  t.ok(rewrite.json().possibleDuplicates[0].similarity >= 0.5)
  const other = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: institute.auth,
    payload: { kind: 'equipment', titleVi: 'Máy sấy cà phê năng lượng mặt trời', descriptionVi: 'Sấy cà phê nhân bằng nhà kính năng lượng mặt trời.' },
  })
  t.same(other.json().possibleDuplicates, [], 'another dryer is not a duplicate')

  const enterprise = await createMember(db, { kind: 'enterprise' })
  const need = {
    titleVi: 'Cần công nghệ xử lý nước thải chế biến mủ cao su',
    problemVi: 'Nước thải có mùi hôi, COD cao, bị phạt.',
    keywords: ['nước thải', 'mủ cao su'],
  }
  const filed = await app.inject({ method: 'POST', url: '/v1/demands', headers: enterprise.auth, payload: need })
  t.equal(filed.statusCode, 201)
  t.same(filed.json().possibleDuplicates, [])
  const again = await app.inject({
    method: 'POST',
    url: '/v1/demands',
    headers: enterprise.auth,
    payload: { titleVi: 'Xu ly nuoc thai che bien mu cao su', problemVi: 'COD cao, nuoc thai boc mui hoi, da bi phat.', keywords: ['nuoc thai'] },
  })
  t.equal(again.statusCode, 201)
  t.same(
    again.json().possibleDuplicates.map((duplicate: { id: string }) => duplicate.id),
    [filed.json().id],
    "the owner's own draft of the same need is flagged",
  )
})
