import { sql } from 'drizzle-orm'
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { openDatabase } from '../../src/db/client.ts'
import { prepared } from '../../src/db/prepared.ts'
import { readStatistics } from '../../src/modules/retrieval/statistics.ts'
import { findListing } from '../../src/modules/listings/listings.repo.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createOrganization } from '../helpers/factories.ts'
import { insertListing } from '../helpers/listings.ts'

// Statements marked `prepared` go as named prepared statements on a PostgreSQL server, parsed once
// per connection; unmarked ones, the embedded database's and those of a pool told not to (a
// pooler in transaction mode) stay unnamed. One connection in the pool, so that the statements a
// test sends and its look at pg_prepared_statements share a session.

const onServer = process.env.TEST_DATABASE_URL !== undefined

async function namedStatements(pool: { query: (text: string) => Promise<{ rows: Array<{ name: string; statement: string }> }> }) {
  return (await pool.query(`select name, statement from pg_prepared_statements where name like 'tx\\_%' order by name`)).rows
}

t.test(`marked statements are named ${onServer ? 'on a server' : 'nowhere on the embedded database'}; unmarked ones never`, async (t) => {
  const database = await openTestDatabase({ poolSize: 1 })
  t.teardown(() => database.close())
  for (let run = 0; run < 3; run++) await readStatistics(database.db, 'listing', [1, 2, 3])
  await database.db.execute(sql`select ${1}::int as one`)
  const named = await namedStatements(database.pool)
  if (!onServer) {
    t.same(named, [], 'the embedded database shares one backend among connections: no names')
    return
  }
  t.equal(named.length, 1, 'one name for the marked statement, however often it ran')
  t.match(named[0]!.statement, /^\/\* prepared \*\/ select/, 'the marked text, under a name of its digest')
  t.match(named[0]!.name, /^tx_[0-9a-f]{20}_[0-9a-f]{8}$/, "the digest of the text and the client's tag")
  // The same text from another call site gets the same name: a digest of the text, not a counter.
  await database.db.execute(prepared(sql`select ${2}::int as two`))
  await database.db.execute(prepared(sql`select ${3}::int as two`))
  t.equal((await namedStatements(database.pool)).length, 2, 'a second marked text, named once for both calls')
  const rows = (await database.db.execute<{ two: number }>(prepared(sql`select ${4}::int as two`))).rows
  t.same(rows, [{ two: 4 }], 'a named statement binds its values on every execution')
})

t.test('a pool told not to prepare sends marked statements unnamed', async (t) => {
  const database = await openTestDatabase({ poolSize: 1, preparedStatements: false })
  t.teardown(() => database.close())
  await readStatistics(database.db, 'listing', [1, 2, 3])
  t.same(await namedStatements(database.pool), [])
})

t.test("clients sharing one backend session (another process's embedded database) never meet each other's names", async (t) => {
  const database = await openTestDatabase()
  t.teardown(() => database.close())
  // Connected as another process connects, through the URL: on PGlite every connection reaches the
  // same backend session, where a name made by one client exists for all.
  const other = await openDatabase({ databaseUrl: database.url, dataDir: '', poolSize: 3, preparedStatements: true })
  t.teardown(() => other.close())
  const clients = await Promise.all([other.pool.connect(), other.pool.connect(), other.pool.connect()])
  try {
    for (let round = 0; round < 2; round++)
      for (const [index, client] of clients.entries()) {
        const { rows } = await client.query<{ n: number }>({ text: '/* prepared */ select $1::int as n', values: [index] })
        t.same(rows, [{ n: index }], `client ${index}, round ${round}`)
      }
  } finally {
    for (const client of clients) client.release()
  }
})

t.test(`a builder query marked in its WHERE clause is named ${onServer ? 'on a server' : 'nowhere on the embedded database'}`, async (t) => {
  const database = await openTestDatabase({ poolSize: 1 })
  t.teardown(() => database.close())
  const owner = await createOrganization(database.db)
  const id = await insertListing(database.db, { ownerId: owner.id })
  for (let run = 0; run < 3; run++) {
    const row = await findListing(database.db, id)
    t.equal(row?.id, id, `run ${run}: the listing, bound to its id`)
    t.equal(row?.owner.name, owner.name, `run ${run}: with its owner, mapped by the builder`)
  }
  t.equal(await findListing(database.db, randomUUID()), undefined, 'another id binds to the same statement and finds nothing')
  const named = (await namedStatements(database.pool)).filter((row) => row.statement.includes('from "listings"'))
  if (!onServer) {
    t.same(named, [], 'no names on the embedded database')
    return
  }
  t.equal(named.length, 1, 'one name, however often it ran')
  t.match(named[0]!.statement, /^select .* where \/\* prepared \*\/ "listings"\."id" = \$1$/, 'the builder text with the mark at the head of WHERE')
})
