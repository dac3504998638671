import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig, webhookRetryDelays } from '../src/config.ts'

t.test('defaults when nothing is set', async (t) => {
  t.same(loadConfig({}), {
    PORT: 3000,
    HOST: '0.0.0.0',
    DATA_DIR: './data',
    DATABASE_POOL_SIZE: 10,
    DATABASE_PREPARED_STATEMENTS: 'true',
    EMBEDDED_DB_RESTARTS: 3,
    EMBEDDED_DB_SHARED_BUFFERS_MB: 32,
    EMBEDDED_DB_WASM_TIER: 'baseline',
    SHUTDOWN_GRACE_SECONDS: 25,
    READ_YOUR_WRITES_SECONDS: 10,
    DATABASE_REPLICA_MAX_LAG_SECONDS: 30,
    RATE_LIMIT_STORE: 'database',
    LOG_LEVEL: 'info',
    BODY_LIMIT_BYTES: 1024 * 1024,
    RATE_LIMIT_MAX: 600,
    RATE_LIMIT_ANONYMOUS_MAX: 300,
    RATE_LIMIT_AUTH_FAILURES_MAX: 30,
    RATE_LIMIT_WINDOW_SECONDS: 60,
    JOBS_WORKER: 'true',
    JOBS_POLL_SECONDS: 2,
    JOBS_EXPIRE_SECONDS: 30,
    MATCH_WEIGHT_TEXT: 0.75,
    MATCH_WEIGHT_TAXONOMY: 0.08,
    MATCH_WEIGHT_TRL: 0.08,
    MATCH_WEIGHT_LOCATION: 0.04,
    MATCH_WEIGHT_PRICE: 0.03,
    MATCH_WEIGHT_FRESHNESS: 0.02,
    MATCH_TOP_N: 20,
    MATCH_MIN_SCORE: 0.05,
    DEAL_RESPONSE_DAYS: 14,
    DEAL_REMINDER_DAYS: 3,
    DEAL_OFFER_VALIDITY_DAYS: 30,
    DEAL_OFFER_REMINDER_HOURS: 48,
    LISTING_RENEWAL_REMINDER_DAYS: 30,
    LISTING_ARCHIVE_AFTER_DAYS: 365,
    DELEGATION_PROPOSAL_DAYS: 14,
    EXCHANGE_ID: 'tech-exchange',
    WEBHOOK_RETRY_SECONDS: '5,300,1800,7200,18000,36000,36000,36000,36000,43200,43200',
    WEBHOOK_TIMEOUT_MS: 10000,
    WEBHOOK_ALLOW_PRIVATE: 'false',
    IMPORT_MAX_BYTES: 104857600,
    FILE_STORAGE: 'local',
    FILE_MAX_BYTES: 20971520,
    FILE_RETENTION_DAYS: 90,
    S3_REGION: 'us-east-1',
  })
  t.equal(
    webhookRetryDelays(loadConfig({})).reduce((sum, delay) => sum + delay, 0),
    257_705,
    'the default retries span about 3 days (71.6 h)',
  )
})

t.test('values are read and coerced to their types', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '127.0.0.1',
    DATABASE_URL: 'postgresql://tx:secret@db.internal:5432/tech_exchange',
    DATA_DIR: '/var/lib/tech-exchange',
    DATABASE_POOL_SIZE: '25',
    DATABASE_PREPARED_STATEMENTS: 'false',
    EMBEDDED_DB_RESTARTS: '0',
    EMBEDDED_DB_SHARED_BUFFERS_MB: '64',
    EMBEDDED_DB_WASM_TIER: 'optimizing',
    SHUTDOWN_GRACE_SECONDS: '5',
    READ_YOUR_WRITES_SECONDS: '0',
    DATABASE_REPLICA_MAX_LAG_SECONDS: '2.5',
    DATABASE_REPLICA_URLS: 'postgresql://r1.internal/techx, postgres://r2.internal:6432/techx',
    LOG_LEVEL: 'debug',
    BODY_LIMIT_BYTES: '2048',
    PUBLIC_BASE_URL: 'https://api.techmart.example.vn',
    RATE_LIMIT_MAX: '1200',
    RATE_LIMIT_ANONYMOUS_MAX: '0',
    RATE_LIMIT_AUTH_FAILURES_MAX: '10',
    RATE_LIMIT_WINDOW_SECONDS: '300',
    RATE_LIMIT_STORE: 'memory',
    TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    CORS_ORIGINS: 'https://portal.namdinh.example.vn, http://localhost:5173',
    DEAL_RESPONSE_DAYS: '7',
    DEAL_OFFER_REMINDER_HOURS: '24',
    LISTING_RENEWAL_REMINDER_DAYS: '14',
    LISTING_ARCHIVE_AFTER_DAYS: '730',
    DELEGATION_PROPOSAL_DAYS: '30',
    EXCHANGE_ID: 'techport-hanoi',
    WEBHOOK_RETRY_SECONDS: '1,2,3',
    WEBHOOK_TIMEOUT_MS: '2500',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    IMPORT_MAX_BYTES: '2048',
    FILE_STORAGE: 's3',
    FILE_MAX_BYTES: '5000000',
    FILE_RETENTION_DAYS: '0',
    S3_ENDPOINT: 'https://s3.hn.example.vn',
    S3_BUCKET: 'tech-exchange-files',
    S3_REGION: 'hn-1',
    S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    S3_SECRET_ACCESS_KEY: 'not-a-real-secret',
    JOBS_EXPIRE_SECONDS: '45',
    UNRELATED: 'ignored',
  })
  t.same(config, {
    PORT: 8080,
    HOST: '127.0.0.1',
    DATABASE_URL: 'postgresql://tx:secret@db.internal:5432/tech_exchange',
    DATA_DIR: '/var/lib/tech-exchange',
    DATABASE_POOL_SIZE: 25,
    DATABASE_PREPARED_STATEMENTS: 'false',
    EMBEDDED_DB_RESTARTS: 0,
    EMBEDDED_DB_SHARED_BUFFERS_MB: 64,
    EMBEDDED_DB_WASM_TIER: 'optimizing',
    SHUTDOWN_GRACE_SECONDS: 5,
    READ_YOUR_WRITES_SECONDS: 0,
    DATABASE_REPLICA_MAX_LAG_SECONDS: 2.5,
    DATABASE_REPLICA_URLS: 'postgresql://r1.internal/techx, postgres://r2.internal:6432/techx',
    LOG_LEVEL: 'debug',
    BODY_LIMIT_BYTES: 2048,
    PUBLIC_BASE_URL: 'https://api.techmart.example.vn',
    RATE_LIMIT_MAX: 1200,
    RATE_LIMIT_ANONYMOUS_MAX: 0,
    RATE_LIMIT_AUTH_FAILURES_MAX: 10,
    RATE_LIMIT_WINDOW_SECONDS: 300,
    RATE_LIMIT_STORE: 'memory',
    TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    CORS_ORIGINS: 'https://portal.namdinh.example.vn, http://localhost:5173',
    JOBS_WORKER: 'true',
    JOBS_POLL_SECONDS: 2,
    JOBS_EXPIRE_SECONDS: 45,
    MATCH_WEIGHT_TEXT: 0.75,
    MATCH_WEIGHT_TAXONOMY: 0.08,
    MATCH_WEIGHT_TRL: 0.08,
    MATCH_WEIGHT_LOCATION: 0.04,
    MATCH_WEIGHT_PRICE: 0.03,
    MATCH_WEIGHT_FRESHNESS: 0.02,
    MATCH_TOP_N: 20,
    MATCH_MIN_SCORE: 0.05,
    DEAL_RESPONSE_DAYS: 7,
    DEAL_REMINDER_DAYS: 3,
    DEAL_OFFER_VALIDITY_DAYS: 30,
    DEAL_OFFER_REMINDER_HOURS: 24,
    LISTING_RENEWAL_REMINDER_DAYS: 14,
    LISTING_ARCHIVE_AFTER_DAYS: 730,
    DELEGATION_PROPOSAL_DAYS: 30,
    EXCHANGE_ID: 'techport-hanoi',
    WEBHOOK_RETRY_SECONDS: '1,2,3',
    WEBHOOK_TIMEOUT_MS: 2500,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    IMPORT_MAX_BYTES: 2048,
    FILE_STORAGE: 's3',
    FILE_MAX_BYTES: 5000000,
    FILE_RETENTION_DAYS: 0,
    S3_ENDPOINT: 'https://s3.hn.example.vn',
    S3_BUCKET: 'tech-exchange-files',
    S3_REGION: 'hn-1',
    S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    S3_SECRET_ACCESS_KEY: 'not-a-real-secret',
  })
  t.same(webhookRetryDelays(config), [1, 2, 3])
  t.equal(typeof config.PORT, 'number')
  t.equal(loadConfig({ CORS_ORIGINS: '*' }).CORS_ORIGINS, '*', 'CORS_ORIGINS=* allows any origin')
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY, 'true')
  t.equal(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY, '2', 'a hop count')
  t.equal(loadConfig({ DATABASE_URL: 'postgres://localhost/x' }).DATABASE_URL, 'postgres://localhost/x', 'postgres:// works too')
  t.equal(loadConfig({ PORT: ' 4000 ' }).PORT, 4000, 'surrounding spaces are ignored')
})

t.test('empty strings count as unset', async (t) => {
  const config = loadConfig({ PORT: '', HOST: '', DATABASE_URL: '', DATA_DIR: '  ', LOG_LEVEL: '', PUBLIC_BASE_URL: '' })
  t.same(config, loadConfig({}))
  t.equal(config.DATABASE_URL, undefined, 'an empty DATABASE_URL means the embedded database')
})

t.test('a bad value throws a ConfigError naming the variable', async (t) => {
  const cases: [Record<string, string>, string, RegExp?][] = [
    [{ PORT: 'abc' }, 'PORT', /must be integer/],
    [{ PORT: '3000.5' }, 'PORT'],
    [{ PORT: 'true' }, 'PORT'],
    [{ PORT: '0x50' }, 'PORT'],
    [{ PORT: '1e3' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE', />= 1/],
    [{ DATABASE_POOL_SIZE: '201' }, 'DATABASE_POOL_SIZE'],
    [{ DATABASE_PREPARED_STATEMENTS: 'yes' }, 'DATABASE_PREPARED_STATEMENTS'],
    [{ EMBEDDED_DB_RESTARTS: '-1' }, 'EMBEDDED_DB_RESTARTS'],
    [{ EMBEDDED_DB_RESTARTS: '101' }, 'EMBEDDED_DB_RESTARTS'],
    [{ EMBEDDED_DB_SHARED_BUFFERS_MB: '4' }, 'EMBEDDED_DB_SHARED_BUFFERS_MB'],
    [{ EMBEDDED_DB_WASM_TIER: 'turbo' }, 'EMBEDDED_DB_WASM_TIER'],
    [{ SHUTDOWN_GRACE_SECONDS: '0' }, 'SHUTDOWN_GRACE_SECONDS'],
    [{ DATABASE_REPLICA_URLS: 'postgresql://r1/techx,mysql://r2/techx' }, 'DATABASE_REPLICA_URLS'],
    [{ DATABASE_REPLICA_MAX_LAG_SECONDS: '0' }, 'DATABASE_REPLICA_MAX_LAG_SECONDS'],
    [{ BODY_LIMIT_BYTES: '10kb' }, 'BODY_LIMIT_BYTES'],
    [{ BODY_LIMIT_BYTES: '100' }, 'BODY_LIMIT_BYTES'],
    [{ PUBLIC_BASE_URL: 'ftp://files.example.vn' }, 'PUBLIC_BASE_URL'],
    [{ RATE_LIMIT_MAX: '-1' }, 'RATE_LIMIT_MAX'],
    [{ RATE_LIMIT_MAX: 'lots' }, 'RATE_LIMIT_MAX'],
    [{ RATE_LIMIT_ANONYMOUS_MAX: '1.5' }, 'RATE_LIMIT_ANONYMOUS_MAX'],
    [{ RATE_LIMIT_AUTH_FAILURES_MAX: '-5' }, 'RATE_LIMIT_AUTH_FAILURES_MAX'],
    [{ RATE_LIMIT_WINDOW_SECONDS: '0' }, 'RATE_LIMIT_WINDOW_SECONDS'],
    [{ RATE_LIMIT_WINDOW_SECONDS: '86401' }, 'RATE_LIMIT_WINDOW_SECONDS'],
    [{ CORS_ORIGINS: 'portal.example.vn' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://portal.example.vn/app' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: '*, https://portal.example.vn' }, 'CORS_ORIGINS'],
    [{ TRUST_PROXY: 'yes please' }, 'TRUST_PROXY'],
    [{ DEAL_RESPONSE_DAYS: '0' }, 'DEAL_RESPONSE_DAYS', />= 1/],
    [{ DEAL_RESPONSE_DAYS: '1.5' }, 'DEAL_RESPONSE_DAYS'],
    [{ DEAL_RESPONSE_DAYS: '366' }, 'DEAL_RESPONSE_DAYS'],
    [{ DELEGATION_PROPOSAL_DAYS: '0' }, 'DELEGATION_PROPOSAL_DAYS', />= 1/],
    [{ DELEGATION_PROPOSAL_DAYS: '91' }, 'DELEGATION_PROPOSAL_DAYS'],
    [{ DEAL_REMINDER_DAYS: '-1' }, 'DEAL_REMINDER_DAYS'],
    [{ DEAL_REMINDER_DAYS: '14' }, 'DEAL_REMINDER_DAYS', /less than DEAL_RESPONSE_DAYS \(14\)/],
    [{ DEAL_OFFER_VALIDITY_DAYS: 'a month' }, 'DEAL_OFFER_VALIDITY_DAYS'],
    [{ DEAL_OFFER_REMINDER_HOURS: '8761' }, 'DEAL_OFFER_REMINDER_HOURS'],
    [{ LISTING_RENEWAL_REMINDER_DAYS: '366' }, 'LISTING_RENEWAL_REMINDER_DAYS'],
    [{ LISTING_ARCHIVE_AFTER_DAYS: '3651' }, 'LISTING_ARCHIVE_AFTER_DAYS'],
    [{ EXCHANGE_ID: 'Tech Exchange' }, 'EXCHANGE_ID'],
    [{ EXCHANGE_ID: 'a:b' }, 'EXCHANGE_ID'],
    [{ WEBHOOK_RETRY_SECONDS: '5, 300' }, 'WEBHOOK_RETRY_SECONDS'],
    [{ WEBHOOK_RETRY_SECONDS: '5,,300' }, 'WEBHOOK_RETRY_SECONDS'],
    [{ WEBHOOK_RETRY_SECONDS: '1.5' }, 'WEBHOOK_RETRY_SECONDS'],
    [{ WEBHOOK_TIMEOUT_MS: '50' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ WEBHOOK_ALLOW_PRIVATE: 'yes' }, 'WEBHOOK_ALLOW_PRIVATE', /must be one of true, false/],
    [{ IMPORT_MAX_BYTES: '100' }, 'IMPORT_MAX_BYTES'],
    [{ FILE_STORAGE: 'ftp' }, 'FILE_STORAGE', /must be one of local, s3/],
    [{ FILE_MAX_BYTES: '200000000' }, 'FILE_MAX_BYTES'],
    [{ S3_ENDPOINT: 's3.example.vn' }, 'S3_ENDPOINT'],
    [{ S3_BUCKET: 'Bad_Bucket' }, 'S3_BUCKET'],
  ]
  for (const [env, name, message] of cases) {
    const value = Object.values(env)[0]!
    const error = t.throws(() => loadConfig(env), `${name}=${value} is refused`)
    t.ok(error instanceof ConfigError, 'a ConfigError')
    t.match((error as Error).message, `${name}=${JSON.stringify(value)}`, 'names the variable and its value')
    if (message) t.match((error as Error).message, message)
  }
})

t.test('S3 storage needs its endpoint, bucket and credentials', async (t) => {
  const error = t.throws(() => loadConfig({ FILE_STORAGE: 's3', S3_BUCKET: 'files' })) as Error
  t.match(error.message, 'FILE_STORAGE="s3": set S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY as well')
})

t.test('a bad secret is named, never shown', async (t) => {
  const secret = t.throws(() => loadConfig({ CURSOR_SECRET: 'short-but-secret' })) as Error
  t.match(secret.message, 'CURSOR_SECRET=[redacted]: must')
  t.notMatch(secret.message, 'short-but-secret')
  const url = t.throws(() => loadConfig({ DATABASE_URL: 'mysql://tx:hunter2@db.internal/x' })) as Error
  t.match(url.message, 'DATABASE_URL="mysql://tx:[redacted]@db.internal/x"')
  t.notMatch(url.message, 'hunter2')
})

t.test('every bad variable is reported at once, each once', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_POOL_SIZE: '0' })) as Error
  const lines = error.message
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split('=')[0])
  t.same(lines, ['PORT', 'DATABASE_POOL_SIZE', 'LOG_LEVEL'])
})

t.test('the server refuses to start on a bad value, naming it', async (t) => {
  // A scratch DATA_DIR: should config checking ever break, the server must not touch ./data.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tx-config-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const server = path.resolve('src/server.ts')
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', server],
      { env: { PATH: process.env.PATH, PORT: 'abc', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
    )
  })
  t.not(result.code, 0, 'exits non-zero')
  t.not(result.code, null, 'exits by itself, not killed by the timeout')
  t.match(result.stderr, /PORT="abc"/)
  t.same(readdirSync(dataDir), [], 'no database was opened')
})

t.test('match weights are decimal numbers, and not all of them may be zero', async (t) => {
  const config = loadConfig({ MATCH_WEIGHT_TEXT: '0.7', MATCH_WEIGHT_PRICE: '0', MATCH_MIN_SCORE: '0.35', JOBS_POLL_SECONDS: '0.5' })
  t.equal(config.MATCH_WEIGHT_TEXT, 0.7)
  t.equal(config.MATCH_WEIGHT_PRICE, 0)
  t.equal(config.MATCH_WEIGHT_TAXONOMY, 0.08, 'the others keep their defaults')
  t.equal(config.MATCH_MIN_SCORE, 0.35)
  t.equal(config.JOBS_POLL_SECONDS, 0.5)
  t.throws(() => loadConfig({ MATCH_WEIGHT_TEXT: '1e3' }), /MATCH_WEIGHT_TEXT="1e3"/)
  t.throws(() => loadConfig({ MATCH_WEIGHT_TEXT: '-1' }), /MATCH_WEIGHT_TEXT="-1"/)
  t.throws(() => loadConfig({ MATCH_MIN_SCORE: '1.5' }), /MATCH_MIN_SCORE/)
  const zeros = {
    MATCH_WEIGHT_TEXT: '0',
    MATCH_WEIGHT_TAXONOMY: '0',
    MATCH_WEIGHT_TRL: '0',
    MATCH_WEIGHT_LOCATION: '0',
    MATCH_WEIGHT_PRICE: '0',
    MATCH_WEIGHT_FRESHNESS: '0',
  }
  t.throws(() => loadConfig(zeros), /at least one match weight must be above 0/)
  t.throws(() => loadConfig({ JOBS_WORKER: 'yes' }), /JOBS_WORKER="yes": must be one of true, false/)
})

t.test('a bad DATABASE_REPLICA_URLS is reported without any of its passwords', async (t) => {
  const error = t.throws(() =>
    loadConfig({ DATABASE_REPLICA_URLS: 'postgresql://u:first-secret@r1/techx, postgresql://u:second-secret@r2/techx, mysql://x' }),
  ) as Error
  t.match(error.message, /DATABASE_REPLICA_URLS=/)
  t.notMatch(error.message, 'first-secret')
  t.notMatch(error.message, 'second-secret')
})
