import { and, count, eq } from 'drizzle-orm'
import t, { type Test } from 'tap'
import * as schema from '../../src/db/schema/index.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createMember } from '../helpers/factories.ts'
import { listingInput } from '../helpers/listings.ts'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts'

// Exactly-once under a crash (issue 15, finding 2): a real server process kills itself (SIGKILL,
// FAULT_KILL_AFTER_COMMIT) right after a request's commit and before its answer goes out. The client
// sees the connection drop; its retry, on a new process, gets the answer that was committed with the
// write, and nothing is written twice. Before, the answer was stored after the commit: a retry after
// 60 s created a second listing, and a retried deal move answered 409.

const database = await openTestDatabase({ poolSize: 4 })
t.teardown(() => database.close())
const { db } = database

const post = (server: ServerProcess, path: string, headers: Record<string, string>, body: unknown = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })

async function crashes(t: Test, server: ServerProcess, request: Promise<Response>) {
  await t.rejects(request, 'the connection drops: no answer reaches the client')
  t.same(await server.exited, { code: null, signal: 'SIGKILL' }, 'the process was killed')
}

t.test('a create and a deal move, each killed between commit and answer, are replayed by their retry and written once', async (t) => {
  const provider = await createMember(db, { kind: 'research_institute' })
  const seeker = await createMember(db)
  const listingsOf = async (ownerId: string) => (await db.select({ n: count() }).from(schema.listings).where(eq(schema.listings.ownerId, ownerId)))[0]!.n

  const first = await startServerProcess(t, database.url, { FAULT_KILL_AFTER_COMMIT: 'crash-create' })
  const create = { ...provider.auth, 'idempotency-key': 'crash-create' }
  await crashes(t, first, post(first, '/v1/listings', create, listingInput()))
  t.equal(await listingsOf(provider.organization.id), 1, 'the listing committed')
  const [stored] = await db.select().from(schema.idempotencyKeys).where(eq(schema.idempotencyKeys.key, 'crash-create'))
  t.equal(stored?.status, 201, 'and its answer with it')

  const second = await startServerProcess(t, database.url, { FAULT_KILL_AFTER_COMMIT: 'crash-move' })
  const retried = await post(second, '/v1/listings', create, listingInput())
  t.equal(retried.status, 201)
  t.equal(retried.headers.get('idempotent-replayed'), 'true', 'replayed')
  const listing = (await retried.json()) as { id: string }
  t.equal(retried.headers.get('location'), `/v1/listings/${listing.id}`)
  t.equal(await listingsOf(provider.organization.id), 1, 'one listing, not two')

  // A deal on the listing, then a move that crashes after its commit.
  t.equal((await post(second, `/v1/listings/${listing.id}/publish`, provider.auth)).status, 200)
  const started = await post(second, '/v1/deals', seeker.auth, { listingId: listing.id, message: 'Chúng tôi quan tâm.' })
  t.equal(started.status, 201)
  const deal = (await started.json()) as { id: string }
  const move = { ...provider.auth, 'idempotency-key': 'crash-move' }
  await crashes(t, second, post(second, `/v1/deals/${deal.id}/transitions`, move, { transition: 'accept_interest' }))

  const third = await startServerProcess(t, database.url)
  const replayed = await post(third, `/v1/deals/${deal.id}/transitions`, move, { transition: 'accept_interest' })
  t.equal(replayed.status, 200, 'the move is replayed, not refused as a second move (409)')
  t.equal(replayed.headers.get('idempotent-replayed'), 'true')
  t.equal(((await replayed.json()) as { state: string }).state, 'accepted')
  const accepted = await db
    .select({ n: count() })
    .from(schema.dealTransitions)
    .where(and(eq(schema.dealTransitions.dealId, deal.id), eq(schema.dealTransitions.transition, 'accept_interest')))
  t.equal(accepted[0]!.n, 1, 'moved once')
})
