import { sql } from 'drizzle-orm'
import t from 'tap'
import { prepared } from '../../src/db/prepared.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'

// /metrics shows how many marked texts this process named and how often one went unnamed because
// the names ran out. Its own file: the names are the process's, and this test uses them all up.

const onServer = process.env.TEST_DATABASE_URL !== undefined

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test(
  `/metrics counts the named statements and those sent unnamed past the cap ${onServer ? 'on a server' : '(none on the embedded database)'}`,
  async (t) => {
    const { app } = await buildTestApp(t)
    const member = await createMember(app.database.db)
    const listing = await createListingViaApi(app, member.auth)
    t.equal((await app.inject({ url: `/v1/listings/${listing.id}`, headers: member.auth })).statusCode, 200)
    const before = (await app.inject('/metrics')).body
    const named = sample(before, 'techx_db_prepared_statement_names')!
    if (onServer) t.ok(named >= 2, `the listing's lookup and the API key's are named (${named})`)
    else t.equal(named, 0, 'the embedded database names nothing')
    t.equal(sample(before, 'techx_db_prepared_statement_overflow'), 0, 'no name refused yet')

    // Seventy marked texts of its own: more than the names left.
    for (let i = 0; i < 70; i++) {
      const rows = (await app.database.db.execute<{ n: number }>(prepared(sql`select ${sql.raw(String(i))}::int as n`))).rows
      t.same(rows, [{ n: i }], `text ${i} answers, named or not`)
    }
    const after = (await app.inject('/metrics')).body
    if (onServer) {
      t.equal(sample(after, 'techx_db_prepared_statement_names'), 64, 'every name taken')
      t.equal(sample(after, 'techx_db_prepared_statement_overflow'), 70 - (64 - named), 'the rest went unnamed, each counted')
    } else {
      t.equal(sample(after, 'techx_db_prepared_statement_names'), 0)
      t.equal(sample(after, 'techx_db_prepared_statement_overflow'), 0)
    }
  },
)
