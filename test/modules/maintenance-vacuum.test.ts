import { sql } from 'drizzle-orm'
import t from 'tap'
import { analyzeWhereNoAutovacuum, autovacuumRuns, churnedTables, vacuumChurnedTables } from '../../src/jobs/maintenance.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { createListingViaApi } from '../helpers/listings.ts'

// The embedded database has no autovacuum launcher, and a server may have autovacuum off: then the
// maintenance jobs vacuum the tables that churn all day, and analyze the database, themselves.
// Where a launcher runs they leave it to PostgreSQL.

const { app, db } = await buildTestApp(t)
const owner = await createMember(db)

const launcherRuns = async () =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum launcher'`)).rows[0]!.n > 0
const lastVacuums = async () =>
  (
    await db.execute<{ relname: string; last_vacuum: string | null; last_analyze: string | null }>(
      sql`select relname, last_vacuum::text, last_analyze::text from pg_stat_user_tables where schemaname = 'public'`,
    )
  ).rows

t.test('the churned tables are vacuumed where no autovacuum runs, and left alone where it does', async (t) => {
  // Rows to churn: a published listing appends to the facet counts, and their compaction deletes.
  const listing = await createListingViaApi(app, owner.auth)
  t.equal((await app.inject({ method: 'POST', url: `/v1/listings/${listing.id}/publish`, headers: owner.auth })).statusCode, 200)
  await db.execute(sql`select tx_facet_counts_compact()`)

  const runs = await launcherRuns()
  t.equal(await autovacuumRuns(db), runs, 'autovacuum is said to run exactly when its launcher does')
  const vacuumed = await vacuumChurnedTables(db)
  const after = new Map((await lastVacuums()).map((row) => [row.relname, row]))
  if (runs) {
    t.same(vacuumed, [], 'nothing: autovacuum does it')
  } else {
    const publicTables = churnedTables.filter((table) => !table.includes('.'))
    t.same(
      vacuumed.filter((table) => !table.includes('.')),
      publicTables,
      'every churned table of the schema',
    )
    for (const table of publicTables) t.ok(after.get(table)?.last_vacuum, `${table} was vacuumed`)
  }
})

t.test('the database is analyzed where no autovacuum runs', async (t) => {
  const runs = await launcherRuns()
  t.equal(await analyzeWhereNoAutovacuum(db), !runs)
  if (!runs) t.ok((await lastVacuums()).find((row) => row.relname === 'listings')?.last_analyze, 'listings analyzed')
})
