import { Writable } from 'node:stream'
import t from 'tap'
import { eq } from 'drizzle-orm'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { apiKeys } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { TestClock } from '../helpers/app.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createMember, createOperator, tableCounts } from '../helpers/factories.ts'
import { assertProblem } from '../helpers/problem.ts'
import { checkContract } from '../helpers/contract.ts'

// Built by hand rather than with buildTestApp: this app logs everything, at trace, to lines we keep,
// so we can prove no key ever reaches a log.
const logLines: string[] = []
const stream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk))
    done()
  },
})
const database = await openTestDatabase()
const clock = new TestClock()
const app = checkContract(await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database, clock, logger: { level: 'trace', stream } }))
// What a debugging aid might do: log a request's headers. Redaction must still hide the key.
app.get('/test/log-headers', async (request) => {
  request.log.info({ headers: request.headers }, 'headers seen')
  return { ok: true }
})
t.teardown(async () => {
  await app.close()
  await database.close()
})
const db = database.db

const operator = await createOperator(db)
const payload = { kind: 'enterprise', name: 'Công ty Cổ phần Dệt may Nam Định' }
const create = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/organizations', headers, payload })
// The 43-character secret after `txk_<prefix>_`. Not split('_').pop(): the secret is base64url and
// may hold an underscore itself, which left a tail short enough to turn up in a log line by chance.
const secretOf = (key: string) => key.slice('txk_'.length + 12 + 1)

// A key of the right shape that was never issued.
const unknownKey = `txk_${'A'.repeat(12)}_${'b'.repeat(43)}`

t.test('a write without a valid key is 401 and writes nothing', async (t) => {
  const before = await tableCounts(db)
  const secret = secretOf(operator.key)
  const refusals: [string, Record<string, string>][] = [
    ['no header', {}],
    ['Basic', { authorization: `Basic ${Buffer.from(`operator:${operator.key}`).toString('base64')}` }],
    ['bare key', { authorization: operator.key }],
    ['Bearer without a key', { authorization: 'Bearer ' }],
    ['two tokens', { authorization: `Bearer ${operator.key} extra` }],
    ['not a key', { authorization: 'Bearer hello' }],
    ['unknown key', { authorization: `Bearer ${unknownKey}` }],
    ['right prefix, wrong secret', { authorization: `Bearer ${operator.key.replace(secret, 'c'.repeat(43))}` }],
  ]
  for (const [label, headers] of refusals) {
    const response = await create(headers)
    t.equal(assertProblem(t, response, 401, 'unauthorized').instance, '/v1/organizations', label)
  }
  t.same(await tableCounts(db), before, 'nothing written')

  const lowerCase = await create({ authorization: `bearer ${operator.key}` })
  t.equal(lowerCase.statusCode, 201, 'the scheme is case-insensitive')
})

t.test('a wrong key is 401 even on a public read', async (t) => {
  const anonymous = await app.inject({ method: 'GET', url: '/v1/organizations' })
  t.equal(anonymous.statusCode, 200, 'public without a key')
  const wrong = await app.inject({ method: 'GET', url: '/v1/organizations', headers: { authorization: `Bearer ${unknownKey}` } })
  assertProblem(t, wrong, 401, 'unauthorized')
  const reference = await app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { authorization: 'Bearer broken' } })
  assertProblem(t, reference, 401, 'unauthorized')
})

t.test('a revoked key is refused', async (t) => {
  const member = await createMember(db)
  const url = `/v1/organizations/${member.organization.id}`
  const patch = () => app.inject({ method: 'PATCH', url, headers: member.auth, payload: { nameEn: 'Revoked Ltd' } })
  t.equal((await patch()).statusCode, 200, 'works before revocation')
  await db.update(apiKeys).set({ revokedAt: clock.now() }).where(eq(apiKeys.organizationId, member.organization.id))
  assertProblem(t, await patch(), 401, 'unauthorized')
  const read = await app.inject({ method: 'GET', url, headers: member.auth })
  assertProblem(t, read, 401, 'unauthorized')
})

t.test('expiry is judged by the injected clock', async (t) => {
  const member = await createMember(db, { role: 'reader' })
  const now = clock.now().getTime()
  const expired = await createApiKey(db, { organizationId: member.organization.id, role: 'admin', expiresAt: new Date(now - 1000) })
  const endsNow = await createApiKey(db, { organizationId: member.organization.id, role: 'admin', expiresAt: new Date(now) })
  // Valid by the test clock, even if the wall clock has passed it.
  const later = await createApiKey(db, { organizationId: member.organization.id, role: 'admin', expiresAt: new Date(now + 86_400_000) })
  const patch = (key: string) =>
    app.inject({
      method: 'PATCH',
      url: `/v1/organizations/${member.organization.id}`,
      headers: { authorization: `Bearer ${key}` },
      payload: { nameEn: 'Expiry test' },
    })
  assertProblem(t, await patch(expired.key), 401, 'unauthorized')
  assertProblem(t, await patch(endsNow.key), 401, 'unauthorized')
  t.equal((await patch(later.key)).statusCode, 200)
  clock.advanceDays(2)
  assertProblem(t, await patch(later.key), 401, 'unauthorized')
})

t.test('lastUsedAt records use, at most once a minute', async (t) => {
  const member = await createMember(db)
  const lastUsed = async () => {
    const [row] = await db.select({ lastUsedAt: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.organizationId, member.organization.id))
    return row!.lastUsedAt
  }
  t.equal(await lastUsed(), null, 'never used')
  const read = () => app.inject({ method: 'GET', url: '/v1/organizations', headers: member.auth })
  const first = clock.now()
  t.equal((await read()).statusCode, 200)
  t.same(await lastUsed(), first, 'set to the clock on first use')
  clock.set(new Date(first.getTime() + 30_000))
  await read()
  t.same(await lastUsed(), first, 'not rewritten within the minute')
  const later = new Date(first.getTime() + 61_000)
  clock.set(later)
  await read()
  t.same(await lastUsed(), later, 'updated after a minute')
})

t.test('no key ever reaches the logs', async (t) => {
  const member = await createMember(db)
  const secret = secretOf(member.key)
  logLines.length = 0
  await app.inject({ method: 'GET', url: '/v1/organizations', headers: member.auth })
  await app.inject({ method: 'POST', url: '/v1/organizations', headers: member.auth, payload }) // 403: not an operator
  await app.inject({ method: 'GET', url: '/v1/organizations', headers: { authorization: `Basic ${member.key}` } })
  await app.inject({ method: 'GET', url: '/v1/organizations', headers: { authorization: `Bearer ${member.key}x` } })
  const logged = await app.inject({ method: 'GET', url: '/test/log-headers', headers: member.auth })
  t.equal(logged.statusCode, 200)

  t.ok(logLines.length >= 10, `requests were logged (${logLines.length} lines)`)
  const headerLine = logLines.find((line) => line.includes('headers seen'))
  t.match(headerLine, /"authorization":"\[redacted\]"/, 'the header is there, redacted')
  t.same(
    logLines.filter((line) => line.includes(secret) || line.includes(member.key)),
    [],
    'the secret appears in no line',
  )
})
