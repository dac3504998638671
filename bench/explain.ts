// Prints EXPLAIN (ANALYZE, BUFFERS) of the SQL each scenario issues, to check which indexes it uses.
// The SQL is captured as bench:run captures it (an in-process app on the bench database).
import { migrateDatabase } from '../src/migrate.ts'
import { vietnamDate } from '../src/lib/clock.ts'
import { integerFlag, readFlags } from './lib/args.ts'
import { captureScenario, createCapturer } from './lib/capture.ts'
import { defaultDatabaseUrl, openBenchDatabase } from './lib/database.ts'
import { keysFile, type BenchKey } from './lib/keys.ts'
import { explainVariant, type Plan } from './lib/plans.ts'
import { createRandom } from './lib/random.ts'
import { readJson, saveJson, stamp } from './lib/results.ts'
import { buildScenarios, scenarioNames } from './lib/scenarios.ts'

const flags = readFlags(
  {
    scenarios: { default: scenarioNames.join(','), help: 'comma-separated scenarios to explain' },
    variants: { default: '1', help: 'request variants explained per scenario' },
    seed: { default: '7', help: 'PRNG seed for the request variants (bench:run uses the same default)' },
    full: { default: 'false', help: 'true: print the whole SQL text, not its first 300 characters' },
    'database-url': { default: defaultDatabaseUrl, help: 'the bench database' },
  },
  'Usage: npm run bench:explain -- [--scenarios search,get-listing] [--variants 1]',
)
const selected = flags.scenarios.split(',').map((name) => name.trim())
const count = integerFlag('variants', flags.variants, 1)
const databaseUrl = flags['database-url']
const { keys } = readJson<{ keys: BenchKey[] }>(keysFile(databaseUrl))
const database = await openBenchDatabase(databaseUrl, 10)
await migrateDatabase(database)
const client = await database.pool.connect()
const scenarios = (await buildScenarios(client, keys, createRandom(integerFlag('seed', flags.seed)), count, vietnamDate(new Date()))).filter((scenario) =>
  selected.includes(scenario.name),
)
const capturer = await createCapturer(database)
const report: Record<string, { path: string; plans: Plan[] }[]> = {}
try {
  for (const scenario of scenarios) {
    const captured = await captureScenario(capturer, scenario, (line) => console.log(line))
    console.log(`\n==================== ${scenario.name}: ${scenario.description}`)
    if (!captured.available) {
      console.log(captured.note)
      continue
    }
    report[scenario.name] = []
    for (const variant of captured.variants) {
      console.log(`\n---- ${variant.request.method} ${variant.request.path}`)
      const plans = await explainVariant(client, variant, { warm: true })
      report[scenario.name]!.push({ path: variant.request.path, plans })
      for (const [index, plan] of plans.entries()) {
        const text = flags.full === 'true' ? plan.text : plan.text.replace(/\s+/g, ' ').slice(0, 300)
        console.log(`\n[${index + 1}] ${text}${flags.full === 'true' || plan.text.length <= 300 ? '' : ' ...'}`)
        console.log(`    values: ${JSON.stringify(plan.values).slice(0, 300)}`)
        console.log(
          `    execution ${plan.executionMs} ms, planning ${plan.planningMs} ms; indexes: ${plan.indexes.join(', ') || 'none'}${plan.seqScans.length ? `; SEQ SCAN on ${plan.seqScans.join(', ')}` : ''}`,
        )
        console.log(plan.plan.replace(/^/gm, '    '))
      }
    }
  }
} finally {
  client.release()
  await capturer.close()
  await database.close()
}
console.log(`\nPlans saved to ${saveJson(`explain-${stamp()}.json`, report)}`)
