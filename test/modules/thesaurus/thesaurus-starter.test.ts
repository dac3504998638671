import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import { thesaurusEntries, thesaurusStarterKeys } from '../../../src/db/schema/index.ts'
import { foldPhrase } from '../../../src/modules/thesaurus/thesaurus.fold.ts'
import { findThesaurusExpansions } from '../../../src/modules/thesaurus/thesaurus.repo.ts'
import { entryValues } from '../../../src/modules/thesaurus/thesaurus.rules.ts'
import { loadStarter, seedThesaurusStarter, type StarterEntry } from '../../../src/modules/thesaurus/thesaurus.starter.ts'
import { buildTestApp } from '../../helpers/app.ts'
import { createOperator } from '../../helpers/factories.ts'

// The starter set: a valid file, seeded once per entry at migration (so every database has it),
// and an operator's edits and removals surviving the next start or upgrade.

const { app, db } = await buildTestApp(t)
const starter = loadStarter()

t.test('the file: 300+ valid entries with distinct keys, covering both kinds', async (t) => {
  t.ok(starter.length >= 300, `${starter.length} entries`)
  t.equal(new Set(starter.map((entry) => entry.key)).size, starter.length, 'keys are distinct')
  const invalid = starter.filter((entry) => {
    try {
      entryValues(entry)
      return false
    } catch {
      return true
    }
  })
  t.same(
    invalid.map((entry) => entry.key),
    [],
    'every entry passes the API rules',
  )
  t.ok(starter.filter((entry) => entry.kind === 'expansion').length >= 80, 'symptom -> solution expansions')
  t.ok(
    starter.every((entry) => typeof entry.note === 'string' && entry.note.length > 0),
    'each says what it is for',
  )
})

t.test("folding agrees with the database's tx_search_text on every starter phrase", async (t) => {
  const phrases = [...new Set(starter.flatMap((entry) => [...(entry.trigger ? [entry.trigger] : []), ...entry.phrases, ...(entry.exceptions ?? [])]))]
  const { rows } = await db.execute<{ phrase: string; folded: string }>(
    sql`select phrase, tx_search_text(phrase) as folded from unnest(${`{${phrases.map((p) => JSON.stringify(p)).join(',')}}`}::text[]) as phrase`,
  )
  const differ = rows.filter((row) => foldPhrase(row.folded) !== foldPhrase(row.phrase)).map((row) => `${row.phrase}: ${row.folded}`)
  t.equal(rows.length, phrases.length)
  t.same(differ, [])
})

t.test('every database has the starter set after migration, each entry once', async (t) => {
  const [{ n, keys }] = (
    await db.execute<{ n: number; keys: number }>(
      sql`select count(*)::int as n, count(distinct starter_key)::int as keys from thesaurus_entries where starter_key is not null`,
    )
  ).rows as [{ n: number; keys: number }]
  t.equal(n, starter.length)
  t.equal(keys, starter.length)
  t.equal(await seedThesaurusStarter(db), 0, 'seeding again adds nothing')
})

t.test('the starter set at work: regional words and symptoms', async (t) => {
  const adds = async (q: string) => (await findThesaurusExpansions(db, q)).flatMap((item) => item.add.map((add) => add.phrase))
  t.ok((await adds('Máy gọt vỏ trái khóm')).includes('dứa'), 'khóm -> dứa')
  t.ok((await adds('chuồng heo')).includes('lợn'), 'heo -> lợn')
  t.ok((await adds('máy tẽ bắp')).includes('ngô'), 'bắp -> ngô')
  t.notOk((await adds('trồng bắp cải')).includes('ngô'), 'but not from "bắp cải"')
  t.ok((await adds('chế biến khoai mì')).includes('sắn'), 'khoai mì -> sắn')
  t.ok((await adds('Hầm khí sinh học cho trang trại')).includes('biogas'), 'khí sinh học -> biogas')
  t.ok((await adds('mủ cao su bốc mùi quá')).includes('xử lý nước thải chế biến mủ cao su'))
  t.ok((await adds('ao tom bi tao')).includes('chế phẩm vi sinh xử lý nước ao'), 'without diacritics too')
  t.ok((await adds('Chuồng trại hôi ảnh hưởng hàng xóm')).includes('đệm lót sinh học'))
  t.ok((await adds('vườn sầu riêng bị xì mủ')).includes('chế phẩm Trichoderma'))
  t.notOk(
    (await adds('công nghệ sản xuất')).some((phrase) => ['turmeric', 'cassava', 'sắn'].includes(phrase)),
    'no turmeric in "công nghệ", no cassava in "sản xuất"',
  )
})

t.test("an operator's edit and removal survive the next seeding; new starter entries arrive", async (t) => {
  const operator = await createOperator(db)
  const [edited, removed] = (await db
    .select()
    .from(thesaurusEntries)
    .where(sql`${thesaurusEntries.starterKey} is not null`)
    .orderBy(thesaurusEntries.starterKey)
    .limit(2)) as [typeof thesaurusEntries.$inferSelect, typeof thesaurusEntries.$inferSelect]
  const patch = await app.inject({
    method: 'PATCH',
    url: `/v1/thesaurus/${edited.id}`,
    headers: { ...operator.auth, 'if-match': `"${edited.version}"` },
    payload: { weight: 0.3, note: 'Chỉnh bởi nhà vận hành' },
  })
  t.equal(patch.statusCode, 200, patch.body)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/thesaurus/${removed.id}`, headers: operator.auth })).statusCode, 204)

  const fresh: StarterEntry = { key: 'synonym:qq máy ấp trứng', kind: 'synonym', phrases: ['qq máy ấp trứng', 'qq egg incubator'], note: 'Bản phát hành sau' }
  t.equal(await seedThesaurusStarter(db, [...starter, fresh]), 1, 'only the new entry')
  const [again] = await db.select().from(thesaurusEntries).where(eq(thesaurusEntries.id, edited.id))
  t.match(again, { weight: 0.3, note: 'Chỉnh bởi nhà vận hành', version: edited.version + 1 }, 'the edit stays')
  t.same(await db.select().from(thesaurusEntries).where(eq(thesaurusEntries.starterKey, removed.starterKey!)), [], 'the removed entry stays removed')
  t.same((await db.select().from(thesaurusStarterKeys).where(eq(thesaurusStarterKeys.key, fresh.key))).length, 1)
  t.equal(await seedThesaurusStarter(db, [...starter, fresh]), 0)
})
