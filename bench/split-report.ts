// Times the activity report for a split organisation's successors at 1M, against the same reports
// before the split, inside one transaction that is rolled back. Not part of the suite.
import { sql } from 'drizzle-orm'
import { activityFacts, type FactScope } from '../src/modules/reports/reports.repo.ts'
import { openBenchDatabase } from './lib/database.ts'

const url = process.argv[2] ?? 'postgresql://postgres@127.0.0.1:5434/bench'
const database = await openBenchDatabase(url, 2)
const years = Array.from({ length: 11 }, (_, index) => ({ key: String(2016 + index), from: `${2016 + index}-01-01`, to: `${2016 + index}-12-31` }))
const scope = (extra: Partial<FactScope>): FactScope => ({
  periods: years,
  bucketing: { kind: 'year' },
  successor: false,
  grouping: 'organization',
  ...extra,
})
async function timed(label: string, run: () => Promise<unknown>) {
  const times: number[] = []
  for (let round = 0; round < 5; round++) {
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  console.log(`${label}: median ${times[2]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[4]!.toFixed(1)})`)
}
try {
  await database.db
    .transaction(async (tx) => {
      const [top] = (
        await tx.execute<{ owner_id: string; n: number }>(sql`select owner_id, count(*)::int as n from listings group by 1 order by 2 desc limit 1`)
      ).rows
      const [north, south] = (
        await tx.execute<{ id: string }>(sql`select id from organizations where kind = 'transfer_centre' and id <> ${top!.owner_id} limit 2`)
      ).rows
      console.log(`splitting ${top!.owner_id} (${top!.n} listings) between ${north!.id} (Hà Nội) and ${south!.id} (the rest), effective 2024-07-01`)
      const report =
        (id: string, extra: Partial<FactScope> = {}) =>
        () =>
          activityFacts(tx, scope({ organizationId: id, ...extra }))
      await timed('before: the centre itself, 2016-2026 by year', report(top!.owner_id))
      await timed('before: the whole exchange by organisation', () => activityFacts(tx, scope({})))
      await tx.execute(sql`update organizations set merged_into_id = ${south!.id}, merged_at = now(), merge_effective_on = '2024-07-01',
        split_into = ${JSON.stringify([
          { organizationId: north!.id, provinceCodes: ['01'], sectors: [] },
          { organizationId: south!.id, provinceCodes: [], sectors: [] },
        ])}::jsonb
        where id = ${top!.owner_id}`)
      await tx.execute(
        sql`update listings set steward_id = case when current_province_codes && array['01'] then ${north!.id}::uuid else ${south!.id}::uuid end where owner_id = ${top!.owner_id}`,
      )
      await tx.execute(
        sql`update demands set steward_id = case when current_province_code = '01' then ${north!.id}::uuid else ${south!.id}::uuid end where owner_id = ${top!.owner_id}`,
      )
      await tx.execute(sql`analyze listings`)
      await timed('after: a successor, 2016-2026 by year', report(north!.id))
      await timed('after: the same with successor=true', report(north!.id, { successor: true }))
      await timed('after: the whole exchange by organisation', () => activityFacts(tx, scope({})))
      await timed('after: a successor by sector', report(north!.id, { grouping: 'sector' }))
      throw new Error('rollback')
    })
    .catch((error: Error) => {
      if (error.message !== 'rollback') throw error
    })
} finally {
  await database.close()
}
