import t from 'tap'
import { asc } from 'drizzle-orm'
import type { CliContext } from '../../src/cli/command.ts'
import { runCli } from '../../src/cli/run.ts'
import { auditEvents } from '../../src/db/schema/index.ts'
import { TestClock } from '../helpers/app.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createOrganization, tableCounts } from '../helpers/factories.ts'

// Keys made on the command line are audited too. No API key acted, so the actor columns are
// null: the event says the change came from someone with access to the server.

const database = await openTestDatabase()
t.teardown(() => database.close())
const { db } = database
const clock = new TestClock()
const keyPattern = /txk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/

async function cli(argv: string[]) {
  const out: string[] = []
  const context: CliContext = {
    io: { out: (text) => out.push(text), err: (text) => out.push(text) },
    clock,
    openDatabase: async () => ({ database: { ...database, close: async () => {} }, label: 'the test database' }),
  }
  const code = await runCli(argv, context)
  return { code, stdout: out.join('\n') }
}

const allEvents = () => db.select().from(auditEvents).orderBy(asc(auditEvents.id))
const byTheCommandLine = { requestId: null, keyId: null, actingOrganizationId: null }

t.test('bootstrapping the operator records the organisation and the key', async (t) => {
  clock.advanceDays(1)
  const result = await cli(['keys', 'create', '--operator', '--label', 'bootstrap'])
  t.equal(result.code, 0)
  const operatorId = /organisation .+ \(([0-9a-f-]{36})\)/.exec(result.stdout)![1]!
  const keyId = /key id:\s+(\S+)/.exec(result.stdout)![1]!
  const events = await allEvents()
  t.equal(events.length, 2)
  t.match(events[0], {
    ...byTheCommandLine,
    operation: 'organization.create',
    targetType: 'organization',
    targetId: operatorId,
    owningOrganizationId: operatorId,
  })
  t.match(events[0]!.changes, { kind: { after: 'exchange_operator' }, name: { after: 'Sàn giao dịch công nghệ' } })
  t.match(events[1], { ...byTheCommandLine, operation: 'api_key.create', targetType: 'api_key', targetId: keyId, owningOrganizationId: operatorId })
  // The key as GET /v1/api-keys/{id} shows it.
  t.match(events[1]!.changes, {
    id: { after: keyId },
    organizationId: { after: operatorId },
    prefix: { after: keyPattern.exec(result.stdout)![0].slice(4, 16) },
    role: { after: 'operator' },
    label: { after: 'bootstrap' },
    status: { after: 'active' },
    expiresAt: { after: null },
  })
  t.notOk(
    Object.values(events[1]!.changes).some((change) => 'before' in change),
    'a creation has only `after`',
  )
  for (const event of events) t.equal(event.occurredAt.toISOString(), clock.now().toISOString())
  t.notMatch(JSON.stringify(events), keyPattern.exec(result.stdout)![0], 'the secret is never recorded')

  const again = await cli(['keys', 'create', '--operator'])
  t.equal(again.code, 0)
  t.same(
    (await allEvents()).slice(2).map((event) => event.operation),
    ['api_key.create'],
    'a reused operator is not created again',
  )
})

t.test('a key for an organisation, with a label and an expiry', async (t) => {
  const organization = await createOrganization(db)
  const result = await cli(['keys', 'create', '--org', organization.id, '--role', 'editor', '--label', 'portal Nam Định', '--expires-in-days', '30'])
  t.equal(result.code, 0)
  const event = (await allEvents()).at(-1)!
  t.match(event, { ...byTheCommandLine, operation: 'api_key.create', owningOrganizationId: organization.id })
  t.match(event.changes, {
    role: { after: 'editor' },
    label: { after: 'portal Nam Định' },
    expiresAt: { after: new Date(clock.now().getTime() + 30 * 86_400_000).toISOString() },
  })
})

t.test('a refused command records nothing', async (t) => {
  const before = await tableCounts(db)
  t.equal((await cli(['keys', 'create', '--org', '5f0c8a52-9a0e-4a57-9d64-1d4bb1f6d001'])).code, 1)
  t.equal((await cli(['keys', 'create', '--org', (await createOrganization(db)).id, '--role', 'operator'])).code, 1)
  t.same(await tableCounts(db), { ...before, organizations: before.organizations + 1 }, 'only the factory wrote')
})
