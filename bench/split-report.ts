// What a split costs the activity report at 1M: splits the largest owner of listings between two
// transfer centres (Hà Nội's listings to one, the rest to the other, effective 2024-07-01), vacuums,
// times the successor's and the exchange's reports against the same before the split, and undoes
// the split. Not part of the suite: npx tsx bench/split-report.ts [database url]
import { sql } from 'drizzle-orm'
import { activityFacts, type FactScope } from '../src/modules/reports/reports.repo.ts'
import { openBenchDatabase } from './lib/database.ts'

const url = process.argv[2] ?? 'postgresql://postgres@127.0.0.1:5434/bench'
const database = await openBenchDatabase(url, 2)
const { db } = database
const years = Array.from({ length: 11 }, (_, index) => ({ key: String(2016 + index), from: `${2016 + index}-01-01`, to: `${2016 + index}-12-31` }))
const report = (extra: Partial<FactScope>) => () =>
  activityFacts(db, { periods: years, bucketing: { kind: 'year' }, successor: false, grouping: 'organization', ...extra })

async function timed(label: string, run: () => Promise<unknown>) {
  const times: number[] = []
  for (let round = 0; round < 7; round++) {
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  console.log(`${label}: median ${times[3]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[6]!.toFixed(1)})`)
}
const vacuum = async () => {
  for (const table of ['organizations', 'listings', 'demands']) await db.execute(sql.raw(`vacuum (analyze) ${table}`))
}

const [top] = (await db.execute<{ owner_id: string; n: number }>(sql`select owner_id, count(*)::int as n from listings group by 1 order by 2 desc limit 1`))
  .rows
const owner = top!.owner_id
const [north, south] = (await db.execute<{ id: string }>(sql`select id from organizations where kind = 'transfer_centre' and id <> ${owner} limit 2`)).rows
console.log(`splitting ${owner} (${top!.n} listings) between ${north!.id} (Hà Nội) and ${south!.id} (the rest), effective 2024-07-01`)
try {
  await timed('before: the owner, 2016-2026 by year', report({ organizationId: owner }))
  await timed('before: the whole exchange by organisation', report({}))
  await timed('before: the owner by sector', report({ organizationId: owner, grouping: 'sector' }))
  await db.transaction(async (tx) => {
    const rules = [
      { organizationId: north!.id, provinceCodes: ['01'], sectors: [] },
      { organizationId: south!.id, provinceCodes: [], sectors: [] },
    ]
    await tx.execute(sql`update organizations set merged_into_id = ${south!.id}, merged_at = now(), merge_effective_on = '2024-07-01',
      split_into = ${JSON.stringify(rules)}::jsonb where id = ${owner}`)
    await tx.execute(
      sql`update listings set steward_id = case when current_province_codes && array['01'] then ${north!.id}::uuid else ${south!.id}::uuid end where owner_id = ${owner}`,
    )
    await tx.execute(
      sql`update demands set steward_id = case when current_province_code = '01' then ${north!.id}::uuid else ${south!.id}::uuid end where owner_id = ${owner}`,
    )
  })
  await vacuum()
  await timed('after: a successor, 2016-2026 by year', report({ organizationId: north!.id }))
  await timed('after: the same with successor=true', report({ organizationId: north!.id, successor: true }))
  await timed('after: the whole exchange by organisation', report({}))
  await timed('after: a successor by sector', report({ organizationId: north!.id, grouping: 'sector' }))
} finally {
  await db.transaction(async (tx) => {
    await tx.execute(sql`update listings set steward_id = null where owner_id = ${owner} and steward_id is not null`)
    await tx.execute(sql`update demands set steward_id = null where owner_id = ${owner} and steward_id is not null`)
    await tx.execute(sql`update organizations set merged_into_id = null, merged_at = null, merge_effective_on = null, split_into = null where id = ${owner}`)
  })
  await vacuum()
  await database.close()
}
