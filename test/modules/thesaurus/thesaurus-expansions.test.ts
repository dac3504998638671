import { sql } from 'drizzle-orm'
import t from 'tap'
import { foldPhrase } from '../../../src/modules/thesaurus/thesaurus.fold.ts'
import { findThesaurusExpansions, insertEntries, insertEntry } from '../../../src/modules/thesaurus/thesaurus.repo.ts'
import { entryValues, type EntryInput } from '../../../src/modules/thesaurus/thesaurus.rules.ts'
import { buildTestApp } from '../../helpers/app.ts'

// findThesaurusExpansions, the call the search core makes for each query: which entries apply
// (a key at syllable boundaries, with or without diacritics, not inside an exception), what they
// add, overlapping entries, and its cost on thousands of entries.

const { db } = await buildTestApp(t)

async function add(input: EntryInput): Promise<string> {
  return (await insertEntry(db, entryValues(input))).id
}

// Made-up phrases ("qq ...") so the starter set, which is in every database, cannot interfere.
const pig = await add({ kind: 'synonym', phrases: ['qq heo', 'qq lợn'] })
const corn = await add({ kind: 'synonym', phrases: ['qq bắp', 'qq ngô'], exceptions: ['qq bắp cải'] })
const wastewater = await add({ kind: 'synonym', phrases: ['qq nước thải', 'qq wastewater'] })
const smell = await add({
  kind: 'expansion',
  trigger: 'qq nước thải chế biến mủ cao su bốc mùi',
  phrases: ['qq xử lý nước thải chế biến mủ cao su', 'qq bể UASB'],
  weight: 0.5,
})
const rubber = await add({ kind: 'expansion', trigger: 'chế biến mủ cao su', phrases: ['qq sơ chế mủ'], weight: 0.4 })
const realPig = await add({ kind: 'synonym', phrases: ['lợn', 'heo'] })
const transplanter = await add({ kind: 'synonym', phrases: ['qq máy cấy', 'qq rice transplanter'] })
const mine = new Set([pig, corn, wastewater, smell, rubber])

const applied = async (text: string, ids = mine) => (await findThesaurusExpansions(db, text)).filter((item) => ids.has(item.entryId))
const summaryOf = async (text: string, ids = mine) =>
  (await applied(text, ids)).map((item) => [item.entryId, item.matched.folded, item.matched.start, item.subsumed, item.add.map((add) => add.folded)])

const summary = (text: string) => summaryOf(text)

t.test('a phrase applies only as whole, consecutive syllables', async (t) => {
  t.same(await summary('trại qq heo thịt'), [[pig, 'qq heo', 1, false, ['qq lon']]])
  t.same(await summary('trại qq heozon'), [], 'not inside a longer word')
  t.same(await summary('qq thải nước'), [], 'not with its syllables reordered')
  t.same(await summary('qq nuoc va thai'), [], 'not with a syllable between')
  t.same(await summary('hệ thống qq nước-thải'), [[wastewater, 'qq nuoc thai', 2, false, ['qq wastewater']]], 'punctuation is a boundary')
})

t.test('diacritics, case, đ and spacing do not matter, on either side', async (t) => {
  const expected = [[wastewater, 'qq nuoc thai', 0, false, ['qq wastewater']]]
  t.same(await summary('QQ NƯỚC THẢI'), expected)
  t.same(await summary('qq nuoc thai'), expected)
  t.same(await summary('  qq   Nước\tthải '), expected)
  t.same(await summary(foldPhrase('qq nước thải')), expected, 'already folded text folds to itself')
  const [row] = (await db.execute<{ folded: string }>(sql`select tx_search_text('QQ Nước Thải') as folded`)).rows
  t.same(await summary(row!.folded), expected, "tx_search_text's form works too")
})

t.test('marks make matching precise where the query has them; folding alone would merge words', async (t) => {
  const ids = new Set([realPig, transplanter])
  const summary = (text: string) => summaryOf(text, ids)
  t.same(await summary('nuôi lợn'), [[realPig, 'lon', 1, false, ['heo']]])
  t.same(await summary('cây lớn'), [], '"lớn" (big) is not "lợn" (pig)')
  t.same(await summary('trai lon nai'), [], 'a one-syllable phrase with marks needs them: bare "lon" is too ambiguous')
  t.same(await summary('trai heo'), [[realPig, 'heo', 1, false, ['lon']]], 'a phrase without marks matches either way')
  t.same(await summary('qq máy cày'), [], 'a plough is no transplanter')
  t.same(await summary('qq may cay lua'), [[transplanter, 'qq may cay', 0, false, ['qq rice transplanter']]], 'without marks, longer phrases match')
  t.same(await summary('qq máy cay'), [[transplanter, 'qq may cay', 0, false, ['qq rice transplanter']]], 'a syllable without marks matches any')
})

t.test('a synonym adds the members the query does not already have', async (t) => {
  t.same(await summary('qq heo và qq lợn'), [[pig, 'qq heo', 0, false, []]], 'both members present: applies, adds nothing')
  const [entry] = await applied('qq lợn nái')
  t.same(entry!.matched, { phrase: 'qq lợn', folded: 'qq lon', start: 0, length: 2 }, 'the phrase as written')
  t.same(entry!.add, [{ phrase: 'qq heo', folded: 'qq heo', weight: 1 }])
})

t.test('an expansion is one-way: its targets do not bring in its trigger', async (t) => {
  t.same(await summary('qq sơ chế mủ'), [])
  t.same(await summary('chế biến mủ cao su'), [[rubber, 'che bien mu cao su', 0, false, ['qq so che mu']]])
})

t.test('exceptions: a match inside one does not count; elsewhere in the query it does', async (t) => {
  t.same(await summary('trồng qq bắp cải'), [])
  t.same(await summary('qq bắp cải và qq bắp nếp'), [[corn, 'qq bap', 4, false, ['qq ngo']]])
  t.same(await summary('qq ngô và qq bắp cải'), [[corn, 'qq ngo', 0, false, []]], 'a member that is no exception still applies')
})

t.test('overlapping entries all apply; those inside a longer match are flagged', async (t) => {
  const result = await applied('Xưởng QQ nước thải chế biến mủ cao su bốc mùi nặng')
  t.same(
    result.map((item) => [item.entryId, item.matched.start, item.matched.length, item.subsumed]),
    [
      [smell, 1, 10, false],
      [wastewater, 1, 3, true],
      [rubber, 4, 5, true],
    ],
    'in query order, the longest first at one start',
  )
  t.same(result[0]!.add, [
    { phrase: 'qq xử lý nước thải chế biến mủ cao su', folded: 'qq xu ly nuoc thai che bien mu cao su', weight: 0.5 },
    { phrase: 'qq bể UASB', folded: 'qq be uasb', weight: 0.5 },
  ])
})

t.test('empty and symbol-only queries find nothing, without a query', async (t) => {
  t.same(await findThesaurusExpansions(db, ''), [])
  t.same(await findThesaurusExpansions(db, ' ?!… '), [])
})

t.test('fast on thousands of entries and a 200-character query', async (t) => {
  // Syllables of a vocabulary of a few hundred, keys of two to four of them.
  const pick = (n: number) => `s${n % 401}`
  const rows = Array.from({ length: 3000 }, (_, i) =>
    entryValues(
      i % 3 === 0
        ? { kind: 'expansion', trigger: `zx ${pick(i)} ${pick(i * 7 + 1)} ${pick(i * 13 + 2)}`, phrases: [`giải pháp ${i}`] }
        : { kind: 'synonym', phrases: [`zx ${pick(i)} ${pick(i * 11 + 3)}`, `zy ${i}`] },
    ),
  )
  for (let index = 0; index < rows.length; index += 500) await insertEntries(db, rows.slice(index, index + 500))
  await db.execute(sql`analyze thesaurus_entries`)
  await db.execute(sql`analyze thesaurus_heads`)
  // A sentence of 200 characters holding a few keys among other syllables.
  const parts: string[] = []
  for (let i = 1; parts.join(' ').length < 190; i += 37) parts.push(i % 2 ? `zx ${pick(i)} ${pick(i * 11 + 3)}` : `${pick(i)} ${pick(i + 5)} ${pick(i + 9)}`)
  const query = parts.join(' ').slice(0, 200)
  t.ok(query.length >= 190)
  const times: number[] = []
  let found = 0
  for (let run = 0; run < 20; run++) {
    const started = performance.now()
    found = (await findThesaurusExpansions(db, query)).length
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const median = times[10]!
  // A round trip that does nothing, for scale on a loaded machine.
  const baseline: number[] = []
  for (let run = 0; run < 20; run++) {
    const started = performance.now()
    await db.execute(sql`select 1`)
    baseline.push(performance.now() - started)
  }
  baseline.sort((a, b) => a - b)
  t.comment(
    `3000+ entries, ${query.length}-character query: ${found} entries apply; median ${median.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms (select 1: median ${baseline[10]!.toFixed(1)} ms)`,
  )
  t.ok(found > 0, 'some apply')
  // Generous: the suite runs on a shared, loaded machine; the figures are in the comment above.
  t.ok(median < 250, `median ${median.toFixed(1)} ms`)
})
