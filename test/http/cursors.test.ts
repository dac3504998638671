import { randomBytes } from 'node:crypto'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { sharedSecrets } from '../../src/db/schema/index.ts'
import { createCursors, type CursorKind } from '../../src/lib/cursor.ts'
import { mapPgError } from '../../src/lib/pg-errors.ts'
import { TestClock } from '../helpers/app.ts'
import { builders, injectOptions, type RequestParts } from '../helpers/authz-requests.ts'
import { callerNamed, createWorld } from '../helpers/authz-world.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createOrganization } from '../helpers/factories.ts'
import { documentOf, operationsOf, type Operation } from '../helpers/fuzz-schema.ts'
import { assertProblem } from '../helpers/problem.ts'
import { checkContract } from '../helpers/contract.ts'

// Cursors on every list (src/lib/cursor.ts): signed with a key every process shares through the
// database, so a forged, tampered or foreign cursor is a 400 invalid_cursor before any query, and a
// signed one whose values the database could not hold is refused the same way. The lists are read
// from the OpenAPI document: a new list without a row below fails this test.

const database = await openTestDatabase()
const clock = new TestClock()
const config = loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false', RATE_LIMIT_MAX: '0', RATE_LIMIT_ANONYMOUS_MAX: '0' })
const app = checkContract(await buildApp(config, { database, clock }))
t.teardown(async () => {
  await app.close()
  await database.close()
})
const world = await createWorld(app, database.db)

const uuid = '00000000-0000-4000-8000-000000000000'
/** A value of each kind that decodes, and values of that kind no list may take. */
const samples: Record<CursorKind, { good: unknown; bad: unknown[] }> = {
  string: { good: 'a', bad: ['a\u0000b', 7] },
  number: { good: 0.5, bad: ['0.5', null] },
  integer: { good: 1, bad: [-1, 1.5, 2 ** 60, '5'] },
  // The first is the review's: year -271821 was SQLSTATE 22009 and a 500.
  instant: {
    good: '2026-03-02T03:00:00.000Z',
    bad: [
      '-271821-04-20T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2026-03-02T24:00:00.000Z',
      'yesterday',
    ],
  },
  timestamp: {
    good: '2026-03-02T03:00:00.123456Z',
    bad: ['-271821-04-20T00:00:00.000000Z', '0000-01-01 00:00:00+00', '2026-02-30T00:00:00.000000Z', '2026-03-02 03:00:00+99', '2026-03-02T03:00:60.000000Z'],
  },
  date: { good: '2026-03-02', bad: ['0000-01-01', '2026-02-30', '-271821-04-20', '10000-01-01'] },
  uuid: { good: uuid, bad: ['not-a-uuid', "' or 1=1 --"] },
}

/** Each list's sort tag and the kinds of its values, as its service writes them. */
const lists: Record<string, { tag: string; kinds: CursorKind[]; param?: 'after'; good?: unknown[] }> = {
  listOrganizations: { tag: 'name', kinds: ['string', 'uuid'] },
  searchListings: { tag: 'newest', kinds: ['timestamp', 'uuid'] },
  searchDemands: { tag: 'newest', kinds: ['timestamp', 'uuid'] },
  listApiKeys: { tag: 'created', kinds: ['instant', 'uuid'] },
  listAuditEvents: { tag: 'id', kinds: ['integer'] },
  listDelegations: { tag: 'newest', kinds: ['instant', 'uuid'] },
  listDeals: { tag: 'deals', kinds: ['instant', 'uuid'] },
  listDealHistory: { tag: 'deal-history', kinds: ['integer'] },
  listDealMessages: { tag: 'deal-messages', kinds: ['instant', 'uuid'] },
  listTasks: { tag: 'tasks', kinds: ['instant', 'uuid'] },
  listTaskHistory: { tag: 'task-history', kinds: ['integer'] },
  listValueChains: { tag: 'value-chains', kinds: ['instant', 'uuid'] },
  listExchangeEvents: { tag: 'exchange-events', kinds: ['date', 'uuid'] },
  listImports: { tag: 'imports', kinds: ['instant', 'uuid'] },
  listImportErrors: { tag: 'line', kinds: ['integer'] },
  listSources: { tag: 'source', kinds: ['string'] },
  listSuccessStories: { tag: 'success-stories', kinds: ['timestamp', 'uuid'] },
  // A transaction id (xid8 as decimal text) and an event id.
  listEvents: { tag: 'events', kinds: ['string', 'integer'], param: 'after', good: ['12', 1] },
  listWebhooks: { tag: 'webhooks', kinds: ['instant', 'uuid'] },
  listWebhookDeliveries: { tag: 'deliveries', kinds: ['instant', 'uuid'] },
  // A match's score and id.
  listDemandMatches: { tag: 'matches', kinds: ['number', 'uuid'] },
  listListingMatches: { tag: 'matches', kinds: ['number', 'uuid'] },
  listThesaurusEntries: { tag: 'thesaurus', kinds: ['string', 'uuid'] },
}

const unsigned = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url')
const foreign = createCursors(randomBytes(32))

const operations = operationsOf(await documentOf(app)).filter((operation) =>
  operation.parameters.some((parameter) => parameter.in === 'query' && ['cursor', 'after'].includes(parameter.name)),
)

t.test('every list with a cursor is covered here', async (t) => {
  t.same(operations.map((operation) => operation.operationId).sort(), Object.keys(lists).sort())
})

/** The operation's valid request, as the authorisation matrix builds it, sent by the operator with a cursor of our choosing. */
async function requestOf(operation: Operation) {
  const build = Object.values(builders[operation.operationId] ?? {})[0]
  const parts: RequestParts = build ? await build(world, callerNamed('operator')) : {}
  const param = lists[operation.operationId]?.param ?? 'cursor'
  return (cursor?: string) => {
    const query = { ...parts.query }
    delete query[param]
    if (cursor !== undefined) query[param] = cursor
    return app.inject(injectOptions(operation, { ...parts, query }, world.operator.key.auth))
  }
}

for (const operation of operations) {
  t.test(`${operation.operationId}: only cursors this API signed, holding values the database can take`, async (t) => {
    const { tag, kinds, good = kinds.map((kind) => samples[kind].good) } = lists[operation.operationId]!
    const send = await requestOf(operation)
    t.equal((await send()).statusCode, 200, 'the first page')
    t.equal((await send(app.services.cursors.encode(tag, good as string[]))).statusCode, 200, 'a signed cursor of the right shape')

    const refused: Array<[string, string]> = [
      // The review's cursor: unsigned, year -271821.
      ['WyJjcmVhdGVkIiwiLTI3MTgyMS0wNC0yMFQwMDowMDowMC4wMDBaIiwiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIl0', 'the review example'],
      [unsigned([tag, ...good]), 'the right values, unsigned'],
      [`${unsigned([tag, ...good])}.${'A'.repeat(22)}`, 'a made-up signature'],
      [foreign.encode(tag, good as string[]), 'signed with another key'],
      [app.services.cursors.encode(`${tag}-other`, good as string[]), 'signed, for another sort'],
      [app.services.cursors.encode(tag, [...good, 1] as string[]), 'signed, one value too many'],
    ]
    const genuine = app.services.cursors.encode(tag, good as string[])
    const [payload, mac] = genuine.split('.') as [string, string]
    refused.push([`${unsigned([tag, ...kinds.map((kind) => samples[kind].bad[0])])}.${mac}`, 'another payload under a genuine signature'])
    refused.push([`${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BA' : 'AA'}`, 'a tampered signature'])
    // Signed, so only a leaked key could make these: each position in turn out of range.
    kinds.forEach((kind, position) => {
      for (const bad of samples[kind].bad) {
        const values = good.map((value, index) => (index === position ? bad : value))
        refused.push([app.services.cursors.encode(tag, values as string[]), `signed, ${kind} ${JSON.stringify(bad)}`])
      }
    })
    for (const [cursor, label] of refused) {
      t.test(label, async (t) => {
        assertProblem(t, await send(cursor), 400, 'invalid_cursor')
      })
    }
  })
}

t.test('pages follow each other with the cursors the API hands out', async (t) => {
  // Names past 300 bytes of UTF-8, which made cursors longer than the old 512-character limit.
  for (const letter of ['Ă', 'Đ', 'Ơ']) await createOrganization(database.db, { name: `${letter}${'Đổi mới sáng tạo '.repeat(17)}`.slice(0, 300) })
  const seen: string[] = []
  let cursor: string | null = null
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
    const response = await app.inject({ method: 'GET', url: `/v1/organizations?q=${encodeURIComponent('Đổi mới sáng tạo')}&limit=1${query}` })
    t.equal(response.statusCode, 200)
    const page = response.json() as { items: Array<{ name: string }>; nextCursor: string | null }
    seen.push(...page.items.map((item) => item.name[0]!))
    cursor = page.nextCursor
  } while (cursor && seen.length < 10)
  t.same(seen, ['Ă', 'Đ', 'Ơ'])
})

t.test('every process on the database shares the key, made once; CURSOR_SECRET overrides it', async (t) => {
  const page = (await app.inject({ method: 'GET', url: '/v1/organizations?limit=1' })).json() as { nextCursor: string }
  const second = checkContract(await buildApp(config, { database, clock }))
  const pinned = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false', CURSOR_SECRET: 'k'.repeat(32) }), { database, clock }))
  t.teardown(async () => {
    await second.close()
    await pinned.close()
  })
  t.equal(
    (await second.inject({ method: 'GET', url: `/v1/organizations?limit=1&cursor=${page.nextCursor}` })).statusCode,
    200,
    'another process reads the cursor',
  )
  t.equal((await database.db.select().from(sharedSecrets)).length, 1, 'one key, made by the first process')
  assertProblem(t, await pinned.inject({ method: 'GET', url: `/v1/organizations?limit=1&cursor=${page.nextCursor}` }), 400, 'invalid_cursor')
  const own = (await pinned.inject({ method: 'GET', url: '/v1/organizations?limit=1' })).json() as { nextCursor: string }
  t.equal(
    (await pinned.inject({ method: 'GET', url: `/v1/organizations?limit=1&cursor=${own.nextCursor}` })).statusCode,
    200,
    'the configured key signs and checks',
  )
  assertProblem(t, await second.inject({ method: 'GET', url: `/v1/organizations?limit=1&cursor=${own.nextCursor}` }), 400, 'invalid_cursor')
})

t.test('cursors made before their key is read refuse to sign; once it is read, they work', async (t) => {
  let give: (key: Buffer) => void = () => {}
  const cursors = createCursors(new Promise<Buffer>((resolve) => (give = resolve)))
  t.throws(() => cursors.encode('newest', ['2026-12-01T00:00:00.000Z']), /before their key was read/)
  const key = randomBytes(32)
  give(key)
  await new Promise((resolve) => setImmediate(resolve))
  const cursor = cursors.encode('newest', ['2026-12-01T00:00:00.000Z'])
  t.equal(cursor, createCursors(key).encode('newest', ['2026-12-01T00:00:00.000Z']), 'signed with the key read')
})

t.test('dates and times the database cannot hold are 400s wherever they come from (SQLSTATE 22008, 22009)', async (t) => {
  for (const [text, state] of [
    ['0000-01-01T00:00:00.000Z', '22008'],
    ['-271821-04-20T00:00:00.000Z', '22009'],
  ] as const) {
    const error = await database.db.execute(sql`select ${text}::timestamptz`).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    t.match(error, { cause: { code: state } }, text)
    t.match(mapPgError(error), { status: 400, code: 'invalid_value' }, state)
  }
})
