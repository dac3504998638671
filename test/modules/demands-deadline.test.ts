import t from 'tap'
import { demandDeadlineJob } from '../../src/modules/demands/demands.service.ts'
import { buildTestApp } from '../helpers/app.ts'
import { auditTrailOf } from '../helpers/audit.ts'
import { fileDemand, fileOpenDemand } from '../helpers/demands.ts'
import { createMember, createOperator } from '../helpers/factories.ts'

// A demand's deadline is the last day (in Vietnam) offers are wanted. Past it, the sweep closes the
// demand with reason deadline_passed, and tells the feed and the webhooks as a close by its owner would.

const { app, db, clock } = await buildTestApp(t)
const operator = await createOperator(db)
const enterprise = await createMember(db, { kind: 'enterprise', name: 'Công ty TNHH Chế biến Nông sản Hải Hậu' })

const get = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/demands/${id}`, headers: enterprise.auth })).json()
const sweep = async () => {
  await app.jobs.send(demandDeadlineJob, {})
  await app.jobs.runPending()
}

t.test('past its deadline an open demand closes with reason deadline_passed, its event and an audit entry with no key', async (t) => {
  // The clock starts on 2 March 2026, 10:00 in Vietnam.
  const due = await fileOpenDemand(app, enterprise.auth, { deadline: '2026-03-10' })
  const later = await fileOpenDemand(app, enterprise.auth, { deadline: '2026-03-11' })
  const undated = await fileOpenDemand(app, enterprise.auth, { deadline: null })
  const draft = await fileDemand(app, enterprise.auth, { deadline: '2026-03-05' })

  clock.set('2026-03-10T16:59:00Z') // 23:59 on the 10th in Vietnam: the deadline day is not over
  await sweep()
  t.equal((await get(due.id)).status, 'open', 'open through the whole of its last day')

  clock.set('2026-03-10T17:01:00Z') // 00:01 on the 11th in Vietnam
  await sweep()
  const closed = await get(due.id)
  t.match(closed, {
    status: 'closed',
    closeReason: 'deadline_passed',
    closeNote: null,
    closedAt: clock.now().toISOString(),
    deadlinePassed: true,
    version: due.version + 1,
  })
  t.equal((await get(later.id)).status, 'open', 'a deadline of today stays open')
  t.equal((await get(undated.id)).status, 'open', 'a demand without a deadline stays open')
  t.equal((await get(draft.id)).status, 'draft', 'a draft is not the sweep’s: it cannot open with a past deadline anyway')

  const feed = (await app.inject({ method: 'GET', url: '/v1/events?types=demand.closed' })).json() as {
    items: Array<{ subject: { id: string }; payload?: unknown; data?: unknown }>
  }
  const events = feed.items.filter((item) => item.subject.id === due.id)
  t.equal(events.length, 1, 'one demand.closed in the public feed')
  t.match(events[0], { type: 'demand.closed', tombstone: true })
  t.match(JSON.stringify(events[0]), /"reason":"deadline_passed"/, 'with its public reason')

  t.match((await auditTrailOf(db, due.id)).at(-1), {
    operation: 'demand.expire',
    keyId: null,
    actingOrganizationId: null,
    owningOrganizationId: enterprise.organization.id,
  })

  t.equal(await app.services.demands.closePastDeadline(), 0, 'a second sweep finds nothing')
  t.equal((await auditTrailOf(db, due.id)).length, 3, 'and writes nothing: create, open, expire')

  // The owner cannot act on it any more, as on any closed demand; the 409 lists no transition of the sweep's.
  const reopen = await app.inject({ method: 'POST', url: `/v1/demands/${due.id}/close`, headers: enterprise.auth, payload: { reason: 'fulfilled' } })
  t.equal(reopen.statusCode, 409)
  t.same(reopen.json().allowed, [])
})

t.test('the 409 of an open demand lists what a caller may do, not the sweep', async (t) => {
  clock.set('2026-03-12T03:00:00Z')
  const demand = await fileOpenDemand(app, enterprise.auth, { deadline: '2026-04-30' })
  const refused = await app.inject({ method: 'POST', url: `/v1/demands/${demand.id}/open`, headers: operator.auth })
  t.equal(refused.statusCode, 409)
  t.same(refused.json().allowed, ['close'])
})

t.test('a backlog larger than one batch closes in one sweep', async (t) => {
  clock.set('2026-03-12T03:00:00Z')
  const ids: string[] = []
  for (let index = 0; index < 105; index++) {
    ids.push((await fileOpenDemand(app, enterprise.auth, { deadline: '2026-03-20', titleVi: `Cần dây chuyền sấy số ${index}` })).id)
  }
  clock.set('2026-03-21T03:00:00Z')
  t.ok((await app.services.demands.closePastDeadline()) >= 105, 'every one past its deadline, in batches of 100')
  const statuses = new Set(await Promise.all(ids.map(async (id) => (await get(id)).status)))
  t.same([...statuses], ['closed'])
})
