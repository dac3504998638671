import t, { type Test } from 'tap'
import { count } from 'drizzle-orm'
import { Problem } from '../../src/http/common.schemas.ts'
import { apiKeys } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { assertProblem } from '../helpers/problem.ts'

// Small limits so the tests reach them; a long window so that no window ends while a test runs
// (the limiter counts in real time, not on the test clock).
const { app, db } = await buildTestApp(t, {
  RATE_LIMIT_MAX: '3',
  RATE_LIMIT_ANONYMOUS_MAX: '2',
  RATE_LIMIT_AUTH_FAILURES_MAX: '2',
  RATE_LIMIT_WINDOW_SECONDS: '3600',
})

type Response = Awaited<ReturnType<typeof app.inject>>
let nextAddress = 1
/** A fresh client address, so each test starts with untouched per-IP counters. */
const freshAddress = () => `192.0.2.${nextAddress++}`
const read = (headers: Record<string, string>, remoteAddress: string) => app.inject({ method: 'GET', url: '/v1/reference/regions', headers, remoteAddress })
const limitHeaders = (response: Response) => ({
  limit: response.headers['ratelimit-limit'],
  remaining: response.headers['ratelimit-remaining'],
})
/** A well-formed key that was never issued, with a prefix of its own. */
const madeUpKey = (n: number) => `Bearer txk_${`Guess${n}`.padEnd(12, 'x')}_${'g'.repeat(43)}`

function assertTooMany(t: Test, response: Response) {
  const problem = assertProblem(t, response, 429, 'rate_limited')
  const retryAfter = Number(response.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 3600, `Retry-After is a number of seconds (${response.headers['retry-after']})`)
  const allowed = Object.keys(Problem.properties)
  t.same(
    Object.keys(problem).filter((name) => !allowed.includes(name)),
    [],
    'the body has only Problem members',
  )
}

t.test('a key: RateLimit headers count down, then 429 problem+json; another key is counted apart', async (t) => {
  const member = await createMember(db)
  const address = freshAddress()
  for (const remaining of ['2', '1', '0']) {
    const response = await read(member.auth, address)
    t.equal(response.statusCode, 200)
    t.same(limitHeaders(response), { limit: '3', remaining })
    const reset = Number(response.headers['ratelimit-reset'])
    t.ok(reset > 0 && reset <= 3600, `RateLimit-Reset is the seconds left in the window (${reset})`)
  }
  const before = await db.select({ n: count() }).from(apiKeys)
  const blocked = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: member.auth, payload: { role: 'reader' }, remoteAddress: address })
  assertTooMany(t, blocked)
  t.same(limitHeaders(blocked), { limit: '3', remaining: '0' })
  t.same(await db.select({ n: count() }).from(apiKeys), before, 'a limited write writes nothing')

  const second = await createApiKey(db, { organizationId: member.organization.id, role: 'reader' })
  const other = await read({ authorization: `Bearer ${second.key}` }, address)
  t.equal(other.statusCode, 200, 'a second key of the same organisation, from the same address, has its own budget')
  t.same(limitHeaders(other), { limit: '3', remaining: '2' })
  const anonymous = await read({}, address)
  t.equal(anonymous.statusCode, 200, 'anonymous requests from that address are counted apart')
  t.same(limitHeaders(anonymous), { limit: '2', remaining: '1' })
})

t.test('anonymous requests: per address', async (t) => {
  const first = freshAddress()
  const second = freshAddress()
  t.same(limitHeaders(await read({}, first)), { limit: '2', remaining: '1' })
  t.same(limitHeaders(await read({}, first)), { limit: '2', remaining: '0' })
  assertTooMany(t, await read({}, first))
  const notFound = await app.inject({ method: 'GET', url: '/v1/no-such-thing', remoteAddress: first })
  assertTooMany(t, notFound)
  const elsewhere = await read({}, second)
  t.equal(elsewhere.statusCode, 200, 'another address is not affected')
  t.same(limitHeaders(elsewhere), { limit: '2', remaining: '1' })
})

t.test('failed key checks: past the limit, every key from that address is refused for the window', async (t) => {
  const victim = await createMember(db)
  const attacker = freshAddress()
  // The victim's public prefix with made-up secrets: the per-key limit counts these against the victim.
  const wrongSecret = { authorization: `Bearer ${victim.key.slice(0, 17)}${'w'.repeat(43)}` }
  assertProblem(t, await read(wrongSecret, attacker), 401, 'unauthorized')
  assertProblem(t, await read({ authorization: 'Basic dXNlcjpwYXNz' }, attacker), 401, 'unauthorized')
  const blocked = await read(wrongSecret, attacker)
  assertTooMany(t, blocked)
  t.match(blocked.json().detail, /kiểm tra khóa API sai quá nhiều lần/)
  t.same(limitHeaders(blocked), { limit: '2', remaining: '0' }, 'the headers describe the failure limit')
  for (let index = 0; index < 3; index++) assertTooMany(t, await read(wrongSecret, attacker))
  assertTooMany(t, await read({ authorization: madeUpKey(1) }, attacker))
  const valid = await read(victim.auth, attacker)
  assertTooMany(t, valid)
  t.pass('a valid key from that address is refused too, so a lucky guess does not show')

  const anonymous = await read({}, attacker)
  t.equal(anonymous.statusCode, 200, 'anonymous reads from that address still work')
  const elsewhere = await read(victim.auth, freshAddress())
  t.equal(elsewhere.statusCode, 200, 'the victim works from its own address')
  t.same(
    limitHeaders(elsewhere),
    { limit: '3', remaining: '1' },
    'only the one failure that reached the key counter used its budget; the refused attempts did not',
  )
})

t.test('successful key checks and refusals other than 401 do not count as failures', async (t) => {
  const member = await createMember(db, { role: 'reader' })
  const address = freshAddress()
  const payload = { kind: 'enterprise', name: 'Công ty thử giới hạn' }
  for (let index = 0; index < 3; index++) {
    const forbidden = await app.inject({ method: 'POST', url: '/v1/organizations', headers: member.auth, payload, remoteAddress: address })
    t.equal(forbidden.statusCode, 403)
  }
  const other = await createMember(db)
  t.equal((await read(other.auth, address)).statusCode, 200, 'three 403s did not trip the failure limit')
})

t.test('the probes are never limited and carry no RateLimit headers', async (t) => {
  const address = freshAddress()
  for (let index = 0; index < 4; index++) {
    for (const url of ['/health', '/ready']) {
      const response = await app.inject({ method: 'GET', url, remoteAddress: address })
      t.equal(response.statusCode, 200, `${url} #${index + 1}`)
      t.equal(response.headers['ratelimit-limit'], undefined)
    }
  }
})

t.test('0 turns a limit off', async (t) => {
  const unlimited = await buildTestApp(t, { RATE_LIMIT_MAX: '0', RATE_LIMIT_ANONYMOUS_MAX: '0', RATE_LIMIT_AUTH_FAILURES_MAX: '0' })
  const member = await createMember(unlimited.db)
  for (let index = 0; index < 4; index++) {
    const anonymous = await unlimited.app.inject({ method: 'GET', url: '/v1/reference/regions' })
    t.equal(anonymous.statusCode, 200)
    t.equal(anonymous.headers['ratelimit-limit'], undefined, 'no RateLimit headers without a limit')
    t.equal((await unlimited.app.inject({ method: 'GET', url: '/v1/reference/regions', headers: member.auth })).statusCode, 200)
    const guess = await unlimited.app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { authorization: madeUpKey(index) } })
    assertProblem(t, guess, 401, 'unauthorized')
  }
  const defaults = await buildTestApp(t)
  const response = await defaults.app.inject({ method: 'GET', url: '/v1/reference/regions' })
  t.same(limitHeaders(response), { limit: '300', remaining: '299' }, 'the default anonymous limit')
})

t.test('behind a trusted proxy, anonymous clients are told apart by X-Forwarded-For', async (t) => {
  // inject() connects from 127.0.0.1: the proxy here.
  const proxied = await buildTestApp(t, { RATE_LIMIT_ANONYMOUS_MAX: '1', RATE_LIMIT_WINDOW_SECONDS: '3600', TRUST_PROXY: '127.0.0.1' })
  const from = (client: string) => proxied.app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { 'x-forwarded-for': client } })
  t.equal((await from('203.0.113.7')).statusCode, 200)
  assertTooMany(t, await from('203.0.113.7'))
  t.equal((await from('203.0.113.8')).statusCode, 200, 'another client behind the same proxy has its own budget')
})
