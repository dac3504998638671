import t from 'tap'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { and, count, eq, inArray, sql } from 'drizzle-orm'
import { CliError, type CliContext } from '../src/cli/command.ts'
import { createCursors } from '../src/lib/cursor.ts'
import { openConfiguredDatabase } from '../src/cli/context.ts'
import { createOperatorKey } from '../src/cli/keys.ts'
import { runCli } from '../src/cli/run.ts'
import { openDatabase, type Database } from '../src/db/client.ts'
import { apiKeys, demands, listings, matches, organizations } from '../src/db/schema/index.ts'
import { loadConfig, matchWeights } from '../src/config.ts'
import { createMatchingService } from '../src/modules/matching/matching.service.ts'
import { systemClock } from '../src/lib/clock.ts'
import { authenticateKey } from '../src/core/keys.ts'
import { recordEvents } from '../src/core/outbox.ts'
import { demoIds } from '../src/seed/dataset.ts'
import { historyRows } from '../src/seed/history.ts'
import { TestClock } from './helpers/app.ts'
import { openTestDatabase } from './helpers/database.ts'
import { createOrganization, tableCounts } from './helpers/factories.ts'

const database = await openTestDatabase()
t.teardown(() => database.close())
const { db } = database
const clock = new TestClock()

const keyPattern = /txk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/g

/** Runs a command line against `target` (the test database unless given), capturing what it prints. */
async function cli(argv: string[], target: Database = database) {
  const out: string[] = []
  const err: string[] = []
  const context: CliContext = {
    io: { out: (text) => out.push(text), err: (text) => err.push(text) },
    clock,
    // The test owns the database: the command's close() must not end it.
    openDatabase: async () => ({ database: { ...target, close: async () => {} }, label: 'the test database' }),
  }
  const code = await runCli(argv, context)
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}

t.test('help lists the commands and their flags', async (t) => {
  const top = await cli(['--help'])
  t.equal(top.code, 0)
  t.match(top.stdout, /db\s+Database maintenance/)
  t.match(top.stdout, /keys\s+API keys/)
  t.match(top.stdout, /seed\s+Load the demo data set/)
  t.equal(top.stderr, '')

  const create = await cli(['keys', 'create', '--help'])
  t.equal(create.code, 0)
  for (const flag of ['--org', '--role', '--label', '--expires-in-days', '--operator', '--name']) t.match(create.stdout, flag)
  t.match((await cli(['seed', '--help'])).stdout, /--reset/)
  t.match((await cli(['db', 'migrate', '-h'])).stdout, /Usage: npm run cli -- db migrate/)
  t.match((await cli(['keys', '--help'])).stdout, /keys create/)
})

t.test('an unknown command or flag prints usage on stderr and exits 2, touching nothing', async (t) => {
  const before = await tableCounts(db)
  for (const argv of [['launch'], [], ['keys'], ['keys', 'delete'], ['db', 'drop'], ['constructor'], ['--verbose']]) {
    const result = await cli(argv)
    t.equal(result.code, 2, argv.join(' ') || '(nothing)')
    t.equal(result.stdout, '')
    t.match(result.stderr, /Usage: npm run cli --/)
  }
  t.match((await cli(['launch'])).stderr, 'Unknown command "launch"')
  t.match((await cli(['keys', 'delete'])).stderr, 'Unknown command "keys delete"')
  t.same(await tableCounts(db), before, 'nothing written')

  const organization = await createOrganization(db)
  const afterFactory = await tableCounts(db)
  const badLines = [
    ['seed', '--what'],
    ['seed', 'extra'],
    ['db', 'migrate', '--force'],
    ['keys', 'create'],
    ['keys', 'create', '--org', 'not-a-uuid'],
    ['keys', 'create', '--org', organization.id, '--role', 'owner'],
    ['keys', 'create', '--org', organization.id, '--expires-in-days', '0'],
    ['keys', 'create', '--org', organization.id, '--expires-in-days', '1.5'],
    ['keys', 'create', '--org', organization.id, '--name', 'X'],
    ['keys', 'create', '--org', organization.id, '--label', ''],
    ['keys', 'create', '--org'],
    ['keys', 'create', '--operator', '--org', organization.id],
    ['keys', 'create', '--operator', '--role', 'admin'],
  ]
  for (const argv of badLines) {
    const result = await cli(argv)
    t.equal(result.code, 2, argv.join(' '))
    t.match(result.stderr, /^Error: .+\nUsage: npm run cli -- /, `${argv.join(' ')}: says what is wrong, then how to use it`)
    t.notMatch(result.stderr, /\n\s+at /, 'no stack trace')
  }
  t.same(await tableCounts(db), afterFactory, 'nothing written')
})

t.test('db migrate reports what it applied', async (t) => {
  const upToDate = await cli(['db', 'migrate'])
  t.equal(upToDate.code, 0)
  t.match(upToDate.stdout, /^Database: the test database\nNothing to do: all \d+ migrations were already applied\.$/)

  // A database nothing has migrated yet: every migration is applied and named.
  const fresh = await openDatabase({ dataDir: 'memory://', poolSize: 2 })
  t.teardown(() => fresh.close())
  const first = await cli(['db', 'migrate'], fresh)
  t.equal(first.code, 0)
  t.match(first.stdout, /Applied \d+ migrations:\n {2}0000_extensions\n {2}0001_foundation/)
  t.match((await cli(['db', 'migrate'], fresh)).stdout, /Nothing to do/)
})

t.test('keys create --org prints a usable key once', async (t) => {
  const organization = await createOrganization(db, { name: 'Công ty Cổ phần Thực phẩm Thử nghiệm' })
  const result = await cli(['keys', 'create', '--org', organization.id, '--role', 'editor', '--label', 'portal Nam Định', '--expires-in-days', '30'])
  t.equal(result.code, 0)
  t.equal(result.stderr, '')
  const printed = result.stdout.match(keyPattern) ?? []
  t.equal(printed.length, 1, 'the key is printed exactly once')
  t.match(result.stdout, 'Công ty Cổ phần Thực phẩm Thử nghiệm')
  t.match(result.stdout, /shown only this once/)
  const key = printed[0]!

  const actor = await authenticateKey(db, clock, key)
  t.match(actor, { organizationId: organization.id, organizationKind: 'enterprise', role: 'editor' })
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, actor!.keyId))
  t.equal(row!.label, 'portal Nam Định')
  t.same(row!.expiresAt, new Date(clock.now().getTime() + 30 * 86_400_000))
  t.notOk(
    Object.values(row!).some((value) => typeof value === 'string' && value.includes(key.slice(-20))),
    'the secret is not stored',
  )

  clock.advanceDays(31)
  t.equal(await authenticateKey(db, clock, key), null, 'it stops working when it expires')
  clock.advanceDays(-31)

  const admin = await cli(['keys', 'create', '--org', organization.id])
  t.equal(admin.code, 0)
  t.match(await authenticateKey(db, clock, admin.stdout.match(keyPattern)![0]), { role: 'admin' }, 'admin by default')
})

t.test('keys create --org refuses a missing organisation and an operator key for a non-operator', async (t) => {
  const enterprise = await createOrganization(db)
  const before = await tableCounts(db)
  const missing = await cli(['keys', 'create', '--org', '5f0c8a52-9a0e-4a57-9d64-1d4bb1f6d001'])
  t.equal(missing.code, 1)
  t.equal(missing.stderr, 'Error: No organisation has id 5f0c8a52-9a0e-4a57-9d64-1d4bb1f6d001.')
  const operator = await cli(['keys', 'create', '--org', enterprise.id, '--role', 'operator'])
  t.equal(operator.code, 1)
  t.match(operator.stderr, /^Error: The operator role is reserved for the exchange operator/)
  t.equal(missing.stdout + operator.stdout, '')
  t.same(await tableCounts(db), before, 'no key written')

  const successor = await createOrganization(db, { kind: 'enterprise' })
  const merged = await createOrganization(db, { kind: 'enterprise', mergedIntoId: successor.id, mergedAt: new Date() })
  const afterFixtures = await tableCounts(db)
  const toMerged = await cli(['keys', 'create', '--org', merged.id])
  t.equal(toMerged.code, 1)
  t.match(toMerged.stderr, new RegExp(`was merged into ${successor.id}`))
  t.equal(toMerged.stdout, '')
  t.same(await tableCounts(db), afterFixtures, 'no key for a merged organisation')
})

t.test('keys create --operator bootstraps the operator once, then reuses it', async (t) => {
  const first = await cli(['keys', 'create', '--operator', '--name', 'Sàn giao dịch công nghệ vùng đồng bằng sông Hồng'])
  t.equal(first.code, 0)
  t.match(first.stdout, /^Created the exchange operator organisation Sàn giao dịch công nghệ vùng đồng bằng sông Hồng \(([0-9a-f-]{36})\)/)
  const operators = await db.select().from(organizations).where(eq(organizations.kind, 'exchange_operator'))
  t.equal(operators.length, 1)
  t.equal(operators[0]!.name, 'Sàn giao dịch công nghệ vùng đồng bằng sông Hồng')
  t.match(first.stdout, operators[0]!.id, 'prints the organisation id')
  const firstKeys = first.stdout.match(keyPattern) ?? []
  t.equal(firstKeys.length, 1)
  t.match(await authenticateKey(db, clock, firstKeys[0]!), { organizationId: operators[0]!.id, organizationKind: 'exchange_operator', role: 'operator' })

  const before = await tableCounts(db)
  const second = await cli(['keys', 'create', '--operator', '--name', 'Tên khác'])
  t.equal(second.code, 0)
  t.match(
    second.stdout,
    `Using the existing exchange operator organisation Sàn giao dịch công nghệ vùng đồng bằng sông Hồng (${operators[0]!.id}); --name was ignored.`,
  )
  const after = await tableCounts(db)
  t.same(after, { ...before, apiKeys: before.apiKeys + 1, auditEvents: before.auditEvents + 1 }, 'a key and its audit event, no new organisation')
  const secondKey = second.stdout.match(keyPattern)![0]
  t.not(secondKey, firstKeys[0])
  t.match(await authenticateKey(db, clock, secondKey), { organizationId: operators[0]!.id, role: 'operator' })

  // The implementation is callable directly too, as the tests of other commands may need.
  const lines: string[] = []
  const direct = await createOperatorKey(db, clock, { out: (line) => lines.push(line), err: () => {} }, { label: 'ci' })
  t.equal(direct.organizationCreated, false)
  t.equal(direct.organizationId, operators[0]!.id)
  t.equal(lines.filter((line) => line.includes(direct.key)).length, 1)
})

t.test('seed through the command line is idempotent', async (t) => {
  const first = await cli(['seed'])
  t.equal(first.code, 0)
  t.match(first.stdout, new RegExp(`listings\\s+${demoIds.listings.length} added, 0 already present`))
  // The operator bootstrapped above is kept as the only one.
  t.match(first.stdout, /demo operator organisation was not added/)
  const counts = await tableCounts(db)
  // The demo's published listings and open demands come with a matching job each, for the server's worker.
  const queued = await db.execute<{ n: number }>(sql`select count(*)::int as n from pgboss.job where name = 'matching.compute' and state = 'created'`)
  const [published, open] = await Promise.all([
    db
      .select({ id: listings.id })
      .from(listings)
      .where(and(inArray(listings.id, demoIds.listings), eq(listings.status, 'published'))),
    db
      .select({ id: demands.id })
      .from(demands)
      .where(and(inArray(demands.id, demoIds.demands), eq(demands.status, 'open'))),
  ])
  t.ok(published.length > 0 && open.length > 0)
  t.equal(queued.rows[0]!.n, published.length + open.length)
  const second = await cli(['seed'])
  t.equal(second.code, 0)
  t.match(second.stdout, new RegExp(`listings\\s+0 added, ${demoIds.listings.length} already present`))
  t.match(second.stdout, new RegExp(`demands\\s+0 added, ${demoIds.demands.length} already present`))
  t.match(second.stdout, /deals\s+0 added, 6 already present/)
  t.same(await tableCounts(db), counts)

  // Matches made on demo rows do not stop a reset: they are derived from them and go with them.
  const matching = createMatchingService({
    db,
    clock,
    settings: { weights: matchWeights(loadConfig({})), topN: 20, minScore: 0.1 },
    exchangeId: 'tech-exchange',
    recordEvents,
    cursors: createCursors(randomBytes(32)),
  })
  await matching.compute('demand', open[0]!.id)
  const [made] = await db.select({ n: count() }).from(matches)
  t.ok(made!.n > 0, 'the demo demand has suggestions')
  const reset = await cli(['seed', '--reset'])
  t.equal(reset.code, 0)
  // The ten years of history behind the catalogue go too (as of the seed's clock).
  const history = historyRows(clock.now())
  const removedListings = demoIds.listings.length + history.listings.length
  t.match(
    reset.stdout,
    new RegExp(`Removed demo data: \\d+ organisations, ${removedListings} listings, ${demoIds.demands.length} demands, ${6 + history.deals.length} deals\\.`),
  )
  t.match(reset.stdout, new RegExp(`listings\\s+${demoIds.listings.length} added`))
  // The events stay: they are the record of what happened, not data about the rows.
  t.same(await tableCounts(db), { ...counts, matchRuns: 0, outboxEvents: made!.n }, 'the same rows again, and no matches left')
})

t.test('a DATA_DIR held by another process (the server) gets a clear message', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-cli-lock-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  // A live process holds the lock: this one, standing in for a running server.
  writeFileSync(path.join(dataDir, 'tech-exchange.lock'), String(process.pid))
  await t.rejects(
    openConfiguredDatabase({ DATA_DIR: dataDir }),
    new CliError(
      `The embedded database in DATA_DIR ${dataDir} is in use by process ${process.pid}, most likely the API server. ` +
        'The embedded database allows one process at a time: stop the server and run this command again ' +
        '(or run both against PostgreSQL with DATABASE_URL).',
    ),
  )

  const err: string[] = []
  const code = await runCli(['seed'], {
    io: { out: () => {}, err: (text) => err.push(text) },
    clock,
    openDatabase: () => openConfiguredDatabase({ DATA_DIR: dataDir }),
  })
  t.equal(code, 1)
  t.equal(err.length, 1)
  t.match(err[0], /^Error: The embedded database in DATA_DIR .* is in use by process \d+, most likely the API server/)

  const badConfig = await runCli(['db', 'migrate'], {
    io: { out: () => {}, err: (text) => err.push(text) },
    clock,
    openDatabase: () => openConfiguredDatabase({ DATABASE_URL: 'mysql://nope' }),
  })
  t.equal(badConfig, 1)
  t.match(err.at(-1), /^Error: Invalid configuration:\n {2}DATABASE_URL=/)
})

t.test('end to end: `tsx src/cli.ts keys create --operator` on a fresh DATA_DIR prints a key that works', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-cli-e2e-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' }
  delete env.NODE_OPTIONS // tap's loaders are not needed in the child
  const { stdout, stderr } = await promisify(execFile)(path.resolve('node_modules/.bin/tsx'), ['src/cli.ts', 'keys', 'create', '--operator'], {
    env,
    timeout: 120_000,
  })
  t.equal(stderr, '')
  t.match(stdout, /^Created the exchange operator organisation Sàn giao dịch công nghệ \(/)
  const keys = stdout.match(keyPattern) ?? []
  t.equal(keys.length, 1, 'printed once')

  // The CLI has exited and released DATA_DIR; open the same directory and try the key.
  const reopened = await openDatabase({ dataDir, poolSize: 1 })
  try {
    t.match(await authenticateKey(reopened.db, systemClock, keys[0]!), { organizationKind: 'exchange_operator', role: 'operator' })
    t.equal(await authenticateKey(reopened.db, systemClock, keys[0]!.slice(0, -1) + (keys[0]!.endsWith('A') ? 'B' : 'A')), null, 'a wrong secret does not')
  } finally {
    await reopened.close()
  }
})
