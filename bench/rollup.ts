// What the activity roll-up's triggers (migrations/0016_activity_triggers.sql) cost the writes
// that feed it: published listings inserted one per statement and 500 per statement, into the
// bench database, with the listings' roll-up triggers enabled and, as the baseline in the same
// run, disabled. Every round runs in a transaction that is rolled back, so both modes write into
// the same table; the modes alternate and the median round counts. See bench/README.md.
//
//   npx tsx bench/rollup.ts [--single 1000] [--batches 20] [--rounds 3]
import pg from 'pg'
import { integerFlag, readFlags } from './lib/args.ts'
import { benchDatabaseName, defaultDatabaseUrl } from './lib/database.ts'
import { saveJson, stamp } from './lib/results.ts'

const flags = readFlags(
  {
    single: { default: '1000', help: 'one-row INSERT statements per round' },
    batches: { default: '20', help: '500-row INSERT statements per round' },
    rounds: { default: '3', help: 'rounds per mode (alternating)' },
    'database-url': { default: defaultDatabaseUrl, help: 'the bench database (made by bench:generate; left unchanged)' },
  },
  'Usage: npx tsx bench/rollup.ts [--single N] [--batches N] [--rounds N]',
)
const single = integerFlag('single', flags.single, 1)
const batches = integerFlag('batches', flags.batches, 1)
const rounds = integerFlag('rounds', flags.rounds, 1)
const databaseUrl = flags['database-url']
benchDatabaseName(databaseUrl)

const triggers = ['listings_activity_insert', 'listings_activity_update', 'listings_activity_delete']
const client = new pg.Client({ connectionString: databaseUrl })
await client.connect()
const owners = (await client.query<{ id: string }>('select id from organizations where merged_into_id is null order by id limit 200')).rows.map((row) => row.id)
if (owners.length === 0) throw new Error('No organisations: run npm run bench:generate first')

/** Rows per second of the two workloads in one rolled-back transaction. */
async function round(withTriggers: boolean): Promise<{ singleRowsPerSecond: number; batchRowsPerSecond: number }> {
  await client.query('begin')
  try {
    if (!withTriggers) for (const name of triggers) await client.query(`alter table listings disable trigger ${name}`)
    let started = performance.now()
    for (let index = 0; index < single; index++) {
      await client.query(
        `insert into listings (owner_id, kind, title_vi, description_vi, status, published_at) values ($1, 'technology', $2, 'Mô tả công nghệ thử tải.', 'published', now() - $3 * interval '1 day')`,
        [owners[index % owners.length], `Công nghệ thử tải ${index}`, index % 700],
      )
    }
    const singleSeconds = (performance.now() - started) / 1000
    started = performance.now()
    for (let index = 0; index < batches; index++) {
      await client.query(
        `insert into listings (owner_id, kind, title_vi, description_vi, status, published_at)
         select ($1::uuid[])[1 + (g % array_length($1::uuid[], 1))], 'technology', 'Công nghệ lô ' || g, 'Mô tả công nghệ thử tải.', 'published', now() - (g % 700) * interval '1 day'
         from generate_series(1, 500) as g`,
        [owners],
      )
    }
    const batchSeconds = (performance.now() - started) / 1000
    return { singleRowsPerSecond: single / singleSeconds, batchRowsPerSecond: (batches * 500) / batchSeconds }
  } finally {
    await client.query('rollback')
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const results: Record<'off' | 'on', Array<{ singleRowsPerSecond: number; batchRowsPerSecond: number }>> = { off: [], on: [] }
for (let index = 0; index < rounds; index++) {
  for (const mode of ['off', 'on'] as const) {
    const result = await round(mode === 'on')
    results[mode].push(result)
    console.log(
      `round ${index + 1}, triggers ${mode}: ${result.singleRowsPerSecond.toFixed(0)} rows/s one per statement, ${result.batchRowsPerSecond.toFixed(0)} rows/s 500 per statement`,
    )
  }
}
await client.end()

const summary = Object.fromEntries(
  (['singleRowsPerSecond', 'batchRowsPerSecond'] as const).map((workload) => {
    const off = median(results.off.map((result) => result[workload]))
    const on = median(results.on.map((result) => result[workload]))
    return [workload, { baselineTriggersOff: Math.round(off), triggersOn: Math.round(on), ratio: Math.round((on / off) * 100) / 100 }]
  }),
)
console.log('\n| workload | triggers off (baseline), rows/s | triggers on, rows/s | ratio |\n|---|---:|---:|---:|')
console.log(
  `| one published listing per INSERT | ${summary.singleRowsPerSecond!.baselineTriggersOff} | ${summary.singleRowsPerSecond!.triggersOn} | ${summary.singleRowsPerSecond!.ratio} |`,
)
console.log(
  `| 500 published listings per INSERT | ${summary.batchRowsPerSecond!.baselineTriggersOff} | ${summary.batchRowsPerSecond!.triggersOn} | ${summary.batchRowsPerSecond!.ratio} |`,
)
console.log(`Raw results: ${saveJson(`rollup-${stamp()}.json`, { databaseUrl, single, batches, rounds, results, summary })}`)
