import { type Db } from '../db/client.ts'
import { migrateDatabase } from '../migrate.ts'
import { createJobQueue } from '../jobs/queue.ts'
import type { Clock } from '../lib/clock.ts'
import { registerMatchingQueue } from '../modules/matching/matching.jobs.ts'
import { requestMatchesVia, type RequestMatches } from '../core/match-requests.ts'
import { resetDemoData, seedDemoData, type ResetReport, type SeedReport } from '../seed/load.ts'
import { CliError, codedErrorOf, parseCommandArgs, withDatabase, type Io, type LeafCommand } from './command.ts'

/** `seed [--reset]`: loads the demo data set, after deleting the demo rows with --reset. One transaction. */
export async function seed(
  db: Db,
  clock: Clock,
  io: Io,
  options: { reset?: boolean; requestMatches?: RequestMatches } = {},
): Promise<{ reset?: ResetReport; seeded: SeedReport }> {
  let result: { reset?: ResetReport; seeded: SeedReport }
  try {
    result = await db.transaction(async (tx) => {
      const reset = options.reset ? await resetDemoData(tx) : undefined
      return { reset, seeded: await seedDemoData(tx, clock, options.requestMatches) }
    })
  } catch (error) {
    // Other tables (deals, matches...) may refer to demo rows; then they cannot simply go.
    if (options.reset && codedErrorOf(error)?.code === '23503') {
      throw new CliError('The demo rows are referenced by other data (e.g. deals or matches made on them), so --reset cannot delete them; nothing was changed.')
    }
    throw error
  }
  const { reset, seeded } = result
  if (reset) {
    io.out(`Removed demo data: ${reset.organizations} organisations, ${reset.listings} listings, ${reset.demands} demands, ${reset.deals} deals.`)
    if (reset.keptOrganizations.length > 0) {
      io.out(`Kept ${reset.keptOrganizations.length} demo organisation(s) that API keys or other data still refer to: ${reset.keptOrganizations.join('; ')}.`)
    }
  }
  io.out('Demo data:')
  for (const [name, counts] of [
    ['organisations', seeded.organizations],
    ['listings', seeded.listings],
    ['demands', seeded.demands],
    ['deals', seeded.deals],
  ] as const) {
    io.out(`  ${name.padEnd(14)} ${String(counts.added).padStart(3)} added, ${counts.present} already present`)
  }
  const { history } = seeded
  io.out(
    `  history        ${history.listings} past listings, ${history.deals} completed transfers, ${history.tasks} joint tasks, ${history.valueChains} value chain, ${history.events} fair added (2016-2025)`,
  )
  io.out(`  mergers        ${seeded.mergers} organisations merged by the 2025 mergers of provinces (in force 1 July 2025)`)
  for (const note of seeded.notes) io.out(note)
  return result
}

export const seedCommand: LeafCommand = {
  summary: 'Load the demo data set (organisations, listings, demands, deals)',
  usage: [
    'Usage: npm run cli -- seed [--reset]',
    '',
    "Loads a demo data set of the Northern provinces' technology exchange: the operator, DOSTs and their",
    'transfer centres, institutes, universities, enterprises, about 60 listings and 30 demands, and',
    'six deals at every stage from a fresh interest to a completed transfer.',
    'Running it again adds nothing: demo rows have fixed ids. Dates are relative to today.',
    '',
    'Options:',
    '  --reset   delete the demo rows first (only those; an organisation that API keys or other data',
    '            refer to is kept), then load them afresh',
  ].join('\n'),
  run: async (args, context) => {
    const { values } = parseCommandArgs(args, { reset: { type: 'boolean' } })
    await withDatabase(context, async ({ database, label }) => {
      context.io.out(`Database: ${label}`)
      await migrateDatabase(database)
      // Matching jobs are queued with the data; the server's worker computes the suggestions.
      const jobs = createJobQueue({ pool: database.pool, worker: false, pollingIntervalSeconds: 2 })
      registerMatchingQueue(jobs)
      await jobs.start()
      try {
        await seed(database.db, context.clock, context.io, { reset: values.reset, requestMatches: requestMatchesVia(jobs) })
      } finally {
        await jobs.stop()
      }
    })
  },
}
