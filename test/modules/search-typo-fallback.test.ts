import { sql } from 'drizzle-orm'
import t from 'tap'
import { withinTypoBudget } from '../../src/lib/text-search.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { insertListing } from '../helpers/listings.ts'
import { fileOpenDemand } from '../helpers/demands.ts'

// Search is exact first (every word, without diacritics); only when that finds nothing does it
// tolerate typos, and the pages after the first stay in the mode the first one used.

const { app, db } = await buildTestApp(t)
const owner = await createMember(db, { kind: 'research_institute' })
const seeker = await createMember(db)
const ownerId = owner.organization.id
const organic = await insertListing(db, { ownerId, titleVi: 'Quy trình sản xuất lúa gạo hữu cơ', descriptionVi: 'Canh tác lúa hữu cơ.' })
const organic2 = await insertListing(db, { ownerId, titleVi: 'Lúa gạo hữu cơ cho vùng đồng bằng', descriptionVi: 'Giống và quy trình.' })
const organic3 = await insertListing(db, { ownerId, titleVi: 'Chuỗi lúa gạo hữu cơ liên kết', descriptionVi: 'Bao tiêu đầu ra.' })
// A near miss: "cơo" is not the word "cơ", though its trigrams are close.
const nearMiss = await insertListing(db, { ownerId, titleVi: 'Lúa gạo hữu cơo thử nghiệm', descriptionVi: 'Tên viết sai.' })

const search = async (query: string) => {
  const response = await app.inject({ method: 'GET', url: `/v1/listings?${query}` })
  t.equal(response.statusCode, 200, query)
  return response.json() as { items: { id: string }[]; nextCursor: string | null; facets?: { kind: { count: number }[] } }
}

t.test('exact words find exactly their listings; a near miss is not mixed in', async (t) => {
  const page = await search(`q=${encodeURIComponent('lúa gạo hữu cơ')}`)
  t.same(page.items.map((item) => item.id).sort(), [organic, organic2, organic3].sort())
  t.notOk(page.items.some((item) => item.id === nearMiss))
})

t.test('a query that finds nothing as typed is tried again tolerating typos', async (t) => {
  const page = await search(`q=${encodeURIComponent('lua gaoo huu co')}`)
  const ids = page.items.map((item) => item.id)
  t.ok([organic, organic2, organic3, nearMiss].every((id) => ids.includes(id)), 'every listing close to the words')
  t.equal(page.facets!.kind.reduce((sum, facet) => sum + facet.count, 0), ids.length, 'facets count the same set')
})

t.test('the next page of a typo search stays a typo search', async (t) => {
  const seen: string[] = []
  let page = await search(`q=${encodeURIComponent('lua gaoo huu co')}&limit=2`)
  seen.push(...page.items.map((item) => item.id))
  t.ok(page.nextCursor)
  while (page.nextCursor) {
    page = await search(`q=${encodeURIComponent('lua gaoo huu co')}&limit=2&cursor=${page.nextCursor}`)
    seen.push(...page.items.map((item) => item.id))
  }
  t.equal(new Set(seen).size, seen.length, 'no repeats')
  t.ok([organic, organic2, organic3, nearMiss].every((id) => seen.includes(id)), 'every page of the typo search, not an empty exact one')
})

t.test('demands fall back the same way', async (t) => {
  const demand = await fileOpenDemand(app, seeker.auth, { titleVi: 'Cần máy sấy lúa công suất lớn' })
  const exact = await app.inject({ method: 'GET', url: `/v1/demands?q=${encodeURIComponent('may say lua')}` })
  t.same(exact.json().items.map((item: { id: string }) => item.id), [demand.id])
  const typo = await app.inject({ method: 'GET', url: `/v1/demands?q=${encodeURIComponent('may sayy lua')}` })
  t.same(typo.json().items.map((item: { id: string }) => item.id), [demand.id])
  const none = await app.inject({ method: 'GET', url: `/v1/demands?q=${encodeURIComponent('robot hàn')}` })
  t.same(none.json().items, [], 'unrelated words still find nothing')
})

t.test('a typo search over its time budget gives up instead of holding the database', async (t) => {
  const slow = await withinTypoBudget(db, (tx) => tx.execute(sql`select pg_sleep(0.5)`), 50)
  if (app.database.mode === 'postgres') t.equal(slow, undefined, 'cancelled by the statement timeout: no result, no error')
  // PGlite runs in one thread without timers: it does not enforce statement_timeout (docs/matching.md).
  else t.ok(slow, 'the embedded database has no budget: the statement completes')
  const quick = await withinTypoBudget(db, async (tx) => (await tx.execute<{ one: number }>(sql`select 1 as one`)).rows[0], 1000)
  t.same(quick, { one: 1 })
  // The budget is the transaction's own: the next statement on the pool has no timeout.
  t.same((await db.execute<{ timeout: string }>(sql`select current_setting('statement_timeout') as timeout`)).rows[0], { timeout: '0' })
})
