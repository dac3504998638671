import fc from 'fast-check'
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'
import { builders, readerOf, targetSnapshot, type RequestParts } from './helpers/authz-requests.ts'
import { callerNamed, createWorld } from './helpers/authz-world.ts'
import { tableCounts } from './helpers/factories.ts'
import { Outcomes, describeFinding, responseProblem } from './helpers/fuzz-check.ts'
import { baselineCase, fuzzCases, fuzzInjectOptions } from './helpers/fuzz-mutations.ts'
import { documentOf, exampleOf, operationsOf, type Operation } from './helpers/fuzz-schema.ts'

// Bad-input fuzzing of every operation in the OpenAPI document. Each operation starts from a valid
// request on a real fixture (test/helpers/authz-requests.ts) signed by the operator or the owner's
// admin key, and fast-check breaks it: wrong types, missing and unknown fields, over-long strings,
// NUL bytes, lone surrogates, deep nesting, too many items, bad ids and cursors, injection text,
// bad If-Match, wrong content types, bad keys. No response may be a 5xx; every 4xx is a problem
// document; a broken write is refused and leaves the database as it was. Seeds are fixed (one per
// operationId), so a run is reproducible: the seed is printed with the outcome counts.

// Runs per operation: FUZZ_RUNS (default 120, which keeps the suite a quick tool on every push;
// `FUZZ_RUNS=1000 npm test -- test/fuzz.test.ts` digs deeper). Operations without parameters or
// body offer fewer ways to go wrong: half as many.
const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 120)
const runsFor = (operation: Operation) => (operation.parameters.length > 0 || operation.body ? fuzzRuns : Math.ceil(fuzzRuns / 2))
const baseSeed = 20260302

// Findings in modules this test may not fix, left out of the fuzzing until they are fixed (each is
// described in the issue-3 report). Names are mutation names from helpers/fuzz-mutations.ts.
const leftOut: Record<string, string[]> = {}

// Thousands of requests from two keys: the rate limits would turn them into 429s.
const { app, db } = await buildTestApp(t, { RATE_LIMIT_MAX: '0', RATE_LIMIT_ANONYMOUS_MAX: '0', RATE_LIMIT_AUTH_FAILURES_MAX: '0' })
const operations = operationsOf(await documentOf(app))
const world = await createWorld(app, db)
const operatorAuth = world.operator.key.auth

/** A stable seed per operation, so adding an operation does not change the others' cases. */
const seedOf = (operationId: string) => [...operationId].reduce((hash, char) => Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0, baseSeed)

/** The valid request to break: the operation's first matrix scenario, or one derived from its schemas. */
async function validRequest(operation: Operation): Promise<RequestParts> {
  const scenarios = builders[operation.operationId]
  const build = scenarios ? Object.values(scenarios)[0] : undefined
  if (build) return build(world, callerNamed('own:admin'))
  const parameters = (where: string) =>
    Object.fromEntries(
      operation.parameters
        .filter((parameter) => parameter.in === where && parameter.required)
        .map((parameter) => [parameter.name, String(exampleOf(parameter.schema))]),
    )
  return { params: parameters('path'), query: parameters('query'), body: operation.body ? exampleOf(operation.body) : undefined }
}

const total = new Outcomes()

for (const operation of operations) {
  t.test(`${operation.operationId}: ${operation.method} ${operation.path}`, async (t) => {
    const parts = await validRequest(operation)
    const reader = operation.isWrite ? readerOf(operations, operation) : undefined
    const target = await targetSnapshot(app, reader, parts.params, operatorAuth)
    const before = await tableCounts(db)
    const version = typeof target?.body.version === 'number' ? target.body.version : 1

    const outcomes = new Outcomes()
    const findings: string[] = []
    const seed = seedOf(operation.operationId)
    const property = fc.asyncProperty(fuzzCases(operation, baselineCase(parts), version, leftOut[operation.operationId]), async (fuzzCase) => {
      const auth = fuzzCase.caller === 'operator' ? operatorAuth : world.own.keys.admin.auth
      const request = fuzzInjectOptions(operation, fuzzCase, auth)
      const response = await app.inject(request)
      outcomes.add(response.statusCode)
      const problem = responseProblem(operation, response)
      if (problem && findings.length < 10) findings.push(describeFinding(operation, fuzzCase.labels, request, response, problem))
    })
    // A case that throws (rather than getting a bad answer) stops the run: no slow shrinking.
    const details = await fc.check(property, { seed, numRuns: runsFor(operation), endOnFailure: true })
    t.notOk(details.failed, 'every case ran', { report: details.failed ? fc.defaultReportMessage(details) : undefined })

    t.same(findings, [], `no 5xx, every 4xx a problem document${operation.isWrite ? ', every malformed write refused' : ''}`)
    t.equal(outcomes.serverErrors, 0, 'no 5xx')
    t.same(await tableCounts(db), before, operation.isWrite ? 'the refused writes wrote nothing' : 'reads write nothing')
    if (reader) t.same(await targetSnapshot(app, reader, parts.params, operatorAuth), target, 'the target is unchanged')
    t.comment(`seed ${seed}: ${outcomes}`)
    total.merge(outcomes)
  })
}

// Subtests run in order, so this one sees every operation's outcomes.
t.test('totals', async (t) => {
  t.equal(
    total.total,
    operations.reduce((sum, operation) => sum + runsFor(operation), 0),
    'every case was sent',
  )
  t.equal(total.serverErrors, 0, 'no 5xx at all')
  t.comment(`fuzzed ${operations.length} operations: ${total}`)
})
