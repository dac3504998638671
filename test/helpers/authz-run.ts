import type { Test } from 'tap'
import { buildTestApp } from './app.ts'
import { expectedStatus, matrix } from './authz-matrix.ts'
import { builders, injectOptions, readerOf, targetSnapshot } from './authz-requests.ts'
import { authOf, callers, createWorld, ensureDelegation } from './authz-world.ts'
import { tableCounts } from './factories.ts'
import { documentOf, operationsOf } from './fuzz-schema.ts'

// The authorisation matrix, generated from the OpenAPI document: every operation x scenario x
// caller gets a fresh valid request and must answer the status declared in authz-matrix.ts. A
// refused write must leave the database as it was. The operations are dealt round-robin to the
// shards in test/authz/, so that the files share the CPU's cores and each stays well inside tap's
// time limit for a file.

/** Runs shard `shard` (from 0) of `shards`; shard 0 also checks that every operation has its entry. */
export async function runAuthorizationMatrix(t: Test, shard: number, shards: number) {
  // A shard takes 40-70 s on a quiet 2-core machine, but three times that when both suites and a
  // benchmark share it: tap's 180 s would fail a correct matrix.
  t.setTimeout(600_000)
  // Thousands of requests from a handful of keys: the rate limits would turn them into 429s.
  const { app, db } = await buildTestApp(t, { RATE_LIMIT_MAX: '0', RATE_LIMIT_ANONYMOUS_MAX: '0', RATE_LIMIT_AUTH_FAILURES_MAX: '0' })
  const operations = operationsOf(await documentOf(app))
  const world = await createWorld(app, db)

  if (shard === 0)
    t.test('every operation of the document has a matrix entry and a request builder', async (t) => {
      const ids = operations.map((operation) => operation.operationId)
      t.ok(ids.length > 30, `the document has operations (${ids.length})`)
      t.same(
        ids.filter((id) => !matrix[id]),
        [],
        'operations without an entry in test/helpers/authz-matrix.ts',
      )
      t.same(
        ids.filter((id) => !builders[id]),
        [],
        'operations without a request builder in test/helpers/authz-requests.ts',
      )
      t.same(
        Object.keys(matrix).filter((id) => !ids.includes(id)),
        [],
        'matrix entries for operations that no longer exist',
      )
      for (const id of ids) {
        if (matrix[id] && builders[id])
          t.same(Object.keys(builders[id]).sort(), Object.keys(matrix[id]).sort(), `${id}: the same scenarios in matrix and builders`)
      }
    })

  let cells = 0
  let scenarios = 0
  for (const [index, operation] of operations.entries()) {
    if (index % shards !== shard) continue
    const entry = matrix[operation.operationId]
    const build = builders[operation.operationId]
    if (!entry || !build) continue
    t.test(`${operation.operationId}: ${operation.method} ${operation.path}`, async (t) => {
      for (const [scenario, expectation] of Object.entries(entry)) {
        const builder = build[scenario]
        if (!builder) continue
        scenarios += 1
        for (const caller of callers) {
          cells += 1
          const expected = expectedStatus(expectation, caller)
          // An endDelegation cell ends the world's delegation: start it again for the next request.
          await ensureDelegation(world)
          const parts = await builder(world, caller)
          const reader = operation.isWrite ? readerOf(operations, operation) : undefined
          const before = operation.isWrite
            ? { counts: await tableCounts(db), target: await targetSnapshot(app, reader, parts.params, world.operator.key.auth) }
            : undefined
          const response = await app.inject(injectOptions(operation, parts, authOf(world, caller)))
          const label = `${scenario}, ${caller.name}: ${expected}`
          t.equal(response.statusCode, expected, label, { body: response.statusCode === expected ? undefined : response.body.slice(0, 300) })
          if (response.statusCode >= 400) {
            t.match(response.headers['content-type'], /^application\/problem\+json/, `${label} is a problem`)
          }
          if (before && response.statusCode >= 400) {
            t.same(await tableCounts(db), before.counts, `${label}: nothing written`)
            t.same(await targetSnapshot(app, reader, parts.params, world.operator.key.auth), before.target, `${label}: the target is unchanged`)
          }
        }
      }
    })
  }

  // Subtests run in order, so this one sees the totals.
  t.test('matrix size', async (t) => {
    t.ok(cells > 50, 'the shard has cells')
    t.comment(
      `authorisation matrix, shard ${shard + 1} of ${shards}: ${operations.length} operations in all, ${scenarios} scenarios x ${callers.length} callers = ${cells} cells`,
    )
  })
}
