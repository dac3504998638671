import { Writable } from 'node:stream'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { TestClock } from '../helpers/app.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { createMember } from '../helpers/factories.ts'
import { listingInput } from '../helpers/listings.ts'
import { assertProblem } from '../helpers/problem.ts'

// No key or webhook secret reaches a log line (src/http/logging.ts), wherever a client or a
// failure puts it: in query parameters named like secrets, in a path or a search, in the parameters
// of a statement that fails while rotating a secret, in a database error's message. Everything the
// app logs, at trace, is kept and searched.

const lines: string[] = []
const stream = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk))
    done()
  },
})
const database = await openTestDatabase()
// No contract check here (test/helpers/contract.ts): these tests make statements fail on purpose, a 500.
const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database, clock: new TestClock(), logger: { level: 'trace', stream } })
t.teardown(async () => {
  await app.close()
  await database.close()
})
const db = database.db
const member = await createMember(db)
const key = member.key
const secretPart = key.slice('txk_'.length + 13)

// Statements that fail as a database error would: a webhook secret rotation, a key creation, and a
// listing whose title the error message quotes.
await db.execute(
  sql.raw(`
  create function tx_test_refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by a test trigger'; end $$;
  create function tx_test_refuse_quoting() returns trigger language plpgsql as $$ begin raise exception 'refused: %', new.title_vi; end $$;
  create trigger tx_test_rotation before update on webhook_subscriptions for each row when (new.secret <> old.secret) execute function tx_test_refuse();
  create trigger tx_test_key before insert on api_keys for each row when (new.label = 'refuse me') execute function tx_test_refuse();
  create trigger tx_test_listing before insert on listings for each row when (new.title_vi like 'txk%') execute function tx_test_refuse_quoting();
`),
)

const requested: string[] = []
let whsec = ''
async function get(url: string, headers: Record<string, string> = {}) {
  requested.push(url)
  return app.inject({ method: 'GET', url, headers })
}

t.test('keys and secrets in URLs', async (t) => {
  const webhook = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: member.auth, payload: { url: 'https://93.184.215.14/hooks/tech-exchange' } })
  t.equal(webhook.statusCode, 201)
  whsec = (webhook.json() as { secret: string }).secret
  for (const name of ['api_key', 'access_token', 'API_KEY', 'Access_Token', 'key', 'token', 'secret', 'apiKey', 'client_secret', 'x-api-key']) {
    for (const value of [key, whsec])
      t.equal((await get(`/v1/listings?kind=technology&${name}=${encodeURIComponent(value)}&limit=5`)).statusCode, 400, `?${name}= is an unknown parameter`)
  }
  t.equal((await get(`/v1/listings?q=${encodeURIComponent(key)}`)).statusCode, 200, 'a key pasted into a search')
  assertProblem(t, await get(`/v1/api-keys/${key}`, member.auth), 400, 'validation_failed')
  assertProblem(t, await get(`/v1/listings/%zz?api_key=${key}`), 400, 'malformed_url')
  assertProblem(t, await get(`/v1/organizations?cursor=${key}`), 400, 'invalid_cursor')
})

t.test('secrets in failing statements', async (t) => {
  const [hook] = (await db.execute<{ id: string; secret: string }>(sql`select id, secret from webhook_subscriptions limit 1`)).rows
  assertProblem(t, await app.inject({ method: 'POST', url: `/v1/webhooks/${hook!.id}/secret`, headers: member.auth }), 500, 'internal_error')
  assertProblem(
    t,
    await app.inject({ method: 'POST', url: '/v1/api-keys', headers: member.auth, payload: { role: 'reader', label: 'refuse me' } }),
    500,
    'internal_error',
  )
  assertProblem(
    t,
    await app.inject({ method: 'POST', url: '/v1/listings', headers: member.auth, payload: listingInput({ titleVi: key }) }),
    500,
    'internal_error',
  )

  const failures = lines
    .filter((line) => line.includes('"request failed"'))
    .map((line) => JSON.parse(line) as { err: { message: string; stack: string; params?: unknown[] } })
  t.equal(failures.length, 3, 'each failure is logged, with its error')
  const [rotation, keyCreation, listing] = failures
  for (const [failure, table] of [
    [rotation, 'webhook_subscriptions'],
    [keyCreation, 'api_keys'],
  ] as const) {
    t.match(failure!.err.message, `"${table}"`, `${table}: the statement is logged`)
    t.match(failure!.err.message, 'params: [redacted]', `${table}: its parameters are not`)
    t.match(failure!.err.stack, 'params: [redacted]')
    t.ok(failure!.err.params!.length > 0 && failure!.err.params!.every((value) => value === '[redacted]'), `${table}: every parameter redacted`)
  }
  t.notMatch(JSON.stringify(rotation), hook!.secret.slice(6, 30), 'the old secret is not logged either')
  t.match(listing!.err.message, 'refused: [redacted]', 'a database message quoting a key loses the key')
})

t.test('no line holds a key, a webhook secret or a secret-named parameter', async (t) => {
  const text = lines.join('')
  t.ok(lines.length > 40, `everything was logged (${lines.length} lines)`)
  t.ok(lines.filter((line) => line.includes('"incoming request"')).length >= requested.length, 'every request was logged')
  for (const shape of ['txk_', secretPart, 'whsec_', whsec.slice(6)]) t.notOk(text.includes(shape), `no ${shape}`)
  t.match(text, '"url":"/v1/listings?kind=technology&api_key=[redacted]&limit=5"', 'a URL keeps its other parameters')
  t.match(text, '&x-api-key=[redacted]')
  t.match(text, '&client_secret=[redacted]')
  t.notMatch(text, /[?&](api_key|access_token|key|token|secret|apikey|client_secret)=(?!\[redacted\])/i, 'every secret-named parameter redacted')
})
