import { createHash } from 'node:crypto'
import t from 'tap'
import { and, count, eq, sql } from 'drizzle-orm'
import { auditEvents, listings, outboxEvents, webhookDeliveries } from '../../src/db/schema/index.ts'
import { requestManyMatchesVia } from '../../src/core/match-requests.ts'
import { createImportRunner, queueImportVia } from '../../src/modules/imports/imports.runner.ts'
import { recordEventsVia } from '../../src/core/outbox.ts'
import { catalogueEventsVia } from '../../src/modules/feed/feed.catalog.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'

// An import never holds the catalogue: the event feed and webhook fan-out read only below the
// oldest writing transaction still open, so one long import transaction held back every listing
// published after it (329 s on a catalogue of 100k similar titles). Here each row written costs
// 20 ms (a trigger sleeps), so a batch of the old fixed 500 rows, or this whole 200-row file, would
// hold its transaction for 4 s; batches sized to a time budget keep each to about a second, and a
// listing published meanwhile reaches the feed and the webhook fan-out while the import still runs.

const rowCost = 0.02
const rows = 200

// Titles unlike each other: no row has near-duplicates to look up, so the rows' cost is the trigger's.
const title = (index: number) => createHash('sha256').update(String(index)).digest('hex').slice(0, 16)

const { app, db, clock } = await buildTestApp(t, { WEBHOOK_ALLOW_PRIVATE: 'true', RATE_LIMIT_ANONYMOUS_MAX: '0' })
const importer = await createMember(db, { name: 'Viện Nghiên cứu Rau quả' })
const publisher = await createMember(db, { name: 'Trung tâm Ứng dụng tiến bộ KH&CN Thái Bình' })

t.test('a listing published during a large import reaches the feed and the webhook fan-out within seconds', async (t) => {
  await db.execute(
    sql.raw(`
    create function test_slow_listing_write() returns trigger language plpgsql as $$
    begin perform pg_sleep(${rowCost}); return new; end $$;
    create trigger test_slow_listing_write before insert on listings for each row execute function test_slow_listing_write();
  `),
  )
  const hook = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: publisher.auth,
    payload: { url: 'http://127.0.0.1:9/hook', eventTypes: ['listing.published'] },
  })
  t.equal(hook.statusCode, 201, hook.body)

  const csv = `externalId,kind,titleVi,descriptionVi,status\n${Array.from({ length: rows }, (_, index) => `R-${index},technology,Giống cam ${title(index)},Nhân giống bằng ghép mắt,published`).join('\n')}\n`
  const upload = await app.inject({ method: 'POST', url: '/v1/imports?kind=listings', headers: { ...importer.auth, 'content-type': 'text/csv' }, payload: csv })
  t.equal(upload.statusCode, 202, upload.body)
  const importId = (upload.json() as { id: string }).id
  // The production runner (its default budget of 1 s a batch), run here rather than by a worker.
  const runner = createImportRunner({
    db,
    clock,
    recordEvents: recordEventsVia(app.jobs),
    catalogueEvents: catalogueEventsVia('tech-exchange').catalogueEvents,
    requestMatches: requestManyMatchesVia(app.jobs),
    queueImport: queueImportVia(app.jobs),
    exchangeId: 'tech-exchange',
  })
  const running = runner.run(importId)
  const progress = async () =>
    (await app.inject({ method: 'GET', url: `/v1/imports/${importId}`, headers: importer.auth })).json() as { status: string; rowsDone: number }
  // Once the first batch is in (the whole file, were it one transaction), the next ones follow.
  while ((await progress()).rowsDone === 0) await sleep(20)

  // Published now, while a batch of the import is open.
  const started = performance.now()
  const created = await app.inject({
    method: 'POST',
    url: '/v1/listings',
    headers: publisher.auth,
    payload: { kind: 'technology', titleVi: 'Máy bóc vỏ hạt điều', descriptionVi: 'Bóc vỏ hạt điều không vỡ nhân' },
  })
  const listingId = (created.json() as { id: string }).id
  t.equal((await app.inject({ method: 'POST', url: `/v1/listings/${listingId}/publish`, headers: publisher.auth })).statusCode, 200)
  let inFeed: number | undefined
  let fannedOut: number | undefined
  while (inFeed === undefined || fannedOut === undefined) {
    const feed = (await app.inject({ method: 'GET', url: '/v1/events?types=listing.published&limit=1000' })).json() as {
      items: Array<{ subject: { id: string } }>
    }
    if (inFeed === undefined && feed.items.some((item) => item.subject.id === listingId)) inFeed = (performance.now() - started) / 1000
    await app.services.webhookDispatch.fanOut()
    const delivered = await db
      .select({ n: count() })
      .from(webhookDeliveries)
      .innerJoin(outboxEvents, eq(outboxEvents.id, webhookDeliveries.eventId))
      .where(and(eq(outboxEvents.subjectId, listingId), eq(outboxEvents.type, 'listing.published')))
    if (fannedOut === undefined && delivered[0]!.n > 0) fannedOut = (performance.now() - started) / 1000
    if ((performance.now() - started) / 1000 > 30) break
    await sleep(50)
  }
  const then = await progress()
  t.comment(`in the feed after ${inFeed?.toFixed(2)} s, fanned out after ${fannedOut?.toFixed(2)} s; the import at ${then.rowsDone} of ${rows} rows`)
  t.equal(then.status, 'running', 'the import was still running')
  t.ok(then.rowsDone < rows, 'with rows to go')
  t.ok(inFeed !== undefined && inFeed < 4, `in the feed within seconds (${inFeed?.toFixed(2)} s)`)
  t.ok(fannedOut !== undefined && fannedOut < 4, `handed to the webhook within seconds (${fannedOut?.toFixed(2)} s)`)

  await running
  const ended = await progress()
  t.match(ended, { status: 'completed', rowsDone: rows })
  const written = await db.select({ n: count() }).from(listings).where(eq(listings.ownerId, importer.organization.id))
  t.equal(written[0]!.n, rows, 'every row written once')
  const batches = await db
    .select({ n: count() })
    .from(auditEvents)
    .where(and(eq(auditEvents.targetId, importId), eq(auditEvents.operation, 'listing.import')))
  t.ok(batches[0]!.n >= 4, `in ${batches[0]!.n} batches`)
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
