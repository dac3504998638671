import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { isSecretName, redacted } from './lib/redaction.ts'

// The one place that reads process.env. Every variable is listed in README.md.
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  // Read replicas (src/db/replicas.ts): comma-separated postgres URLs of streaming replicas of
  // DATABASE_URL. GETs that tolerate a little staleness (search, browsing, reference data, reports,
  // the public feed) read from them; everything else, and a key's GETs within
  // READ_YOUR_WRITES_SECONDS of its last write, stay on the primary. A replica more than
  // DATABASE_REPLICA_MAX_LAG_SECONDS behind, or unreachable, is skipped until it catches up.
  DATABASE_REPLICA_URLS: Type.Optional(Type.String({ maxLength: 4000, pattern: '^postgres(ql)?://[^,\\s]+(\\s*,\\s*postgres(ql)?://[^,\\s]+)*$' })),
  READ_YOUR_WRITES_SECONDS: Type.Integer({ minimum: 0, maximum: 3600, default: 10 }),
  DATABASE_REPLICA_MAX_LAG_SECONDS: Type.Number({ minimum: 0.1, maximum: 3600, default: 30 }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  // The hottest statements of fixed text go as named prepared statements (src/db/prepared.ts) on a
  // PostgreSQL server. 'false' behind a proxy that cannot carry them or pins a session that makes
  // them (Amazon RDS Proxy pins), or to rule out a cached generic plan while diagnosing one.
  DATABASE_PREPARED_STATEMENTS: Type.Union([Type.Literal('true'), Type.Literal('false')], { default: 'true' }),
  // The embedded database's process is restarted if it dies, this many times a minute at most; one
  // death more and the server exits 1, for Docker or systemd to restart. 0: exit at the first death.
  EMBEDDED_DB_RESTARTS: Type.Integer({ minimum: 0, maximum: 100, default: 3 }),
  // The embedded database's shared_buffers, in MB: most of the memory its thread holds (PGlite's
  // memory grows to what PostgreSQL touches and never shrinks).
  EMBEDDED_DB_SHARED_BUFFERS_MB: Type.Integer({ minimum: 8, maximum: 4096, default: 32 }),
  // How the embedded database's WebAssembly is compiled. 'baseline' (V8's Liftoff only) starts in
  // half the time and holds ~90 MB less; 'optimizing' adds V8's optimising tier, for ~15% more
  // throughput on a busy embedded database (docs/operations.md has the figures).
  EMBEDDED_DB_WASM_TIER: Type.Union([Type.Literal('baseline'), Type.Literal('optimizing')], { default: 'baseline' }),
  // Spelled out (not mapped from an array) so that Config['LOG_LEVEL'] is the union of these literals.
  LOG_LEVEL: Type.Union(
    [
      Type.Literal('fatal'),
      Type.Literal('error'),
      Type.Literal('warn'),
      Type.Literal('info'),
      Type.Literal('debug'),
      Type.Literal('trace'),
      Type.Literal('silent'),
    ],
    { default: 'info' },
  ),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 50 * 1024 * 1024, default: 1024 * 1024 }),
  PUBLIC_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  // Abuse limits (src/http/rate-limit.ts): requests per window, counted in the database and shared by every process. 0 turns a limit off.
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 600 }),
  RATE_LIMIT_ANONYMOUS_MAX: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 300 }),
  RATE_LIMIT_AUTH_FAILURES_MAX: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 30 }),
  // Where the counters live: 'database' (shared by every process on the database) or 'memory' (this
  // process only: for a single process, one database round trip less per request).
  RATE_LIMIT_STORE: Type.Union([Type.Literal('database'), Type.Literal('memory')], { default: 'database' }),
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
  // Who may see the client's address behind a reverse proxy (X-Forwarded-For): per-IP limits need it.
  // 'true' (any), a hop count, or comma-separated addresses/CIDRs of the proxies.
  TRUST_PROXY: Type.Optional(Type.String({ maxLength: 1000, pattern: '^(true|false|[0-9]{1,2}|[0-9A-Fa-f.:/]+(\\s*,\\s*[0-9A-Fa-f.:/]+)*)$' })),
  // Graceful shutdown (src/server.ts): how long SIGTERM waits for in-flight requests and running jobs
  // before the process exits anyway, with code 1. Keep it below the orchestrator's own grace period
  // (Kubernetes' terminationGracePeriodSeconds, 30 s by default; Docker's stop timeout, 10 s).
  SHUTDOWN_GRACE_SECONDS: Type.Integer({ minimum: 1, maximum: 600, default: 25 }),
  // /metrics (src/http/metrics.ts): unset, anyone who can reach the port may read it (keep it on an
  // internal network); set, a scrape must send Authorization: Bearer <METRICS_TOKEN>.
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
  // Browser origins allowed to call the API (src/http/security.ts): comma-separated, or '*'. Unset: no CORS.
  CORS_ORIGINS: Type.Optional(Type.String({ maxLength: 4000, pattern: '^(\\*|https?://[^\\s,/]+(\\s*,\\s*https?://[^\\s,/]+)*)$' })),
  // Background jobs (pg-boss): whether this process works the queue, and how often it polls.
  JOBS_WORKER: Type.Union([Type.Literal('true'), Type.Literal('false')], { default: 'true' }),
  JOBS_POLL_SECONDS: Type.Number({ minimum: 0.5, maximum: 300, default: 2 }),
  // How long a running job may go without its worker's heartbeat before another worker runs it again
  // (a process killed mid-job): heartbeats and expiry checks come every third of it. See src/jobs/queue.ts.
  JOBS_EXPIRE_SECONDS: Type.Integer({ minimum: 3, maximum: 3600, default: 30 }),
  // Matching (src/modules/matching): the weight of each score component (any non-negative numbers;
  // the score divides by their sum), how many suggestions a run keeps, and the lowest score kept.
  // The defaults were chosen on the evaluation set (bench/quality): text relevance must dominate,
  // or listings that merely share sector, TRL and province crowd out the ones about the problem.
  MATCH_WEIGHT_TEXT: Type.Number({ minimum: 0, maximum: 100, default: 0.75 }),
  MATCH_WEIGHT_TAXONOMY: Type.Number({ minimum: 0, maximum: 100, default: 0.08 }),
  MATCH_WEIGHT_TRL: Type.Number({ minimum: 0, maximum: 100, default: 0.08 }),
  MATCH_WEIGHT_LOCATION: Type.Number({ minimum: 0, maximum: 100, default: 0.04 }),
  MATCH_WEIGHT_PRICE: Type.Number({ minimum: 0, maximum: 100, default: 0.03 }),
  MATCH_WEIGHT_FRESHNESS: Type.Number({ minimum: 0, maximum: 100, default: 0.02 }),
  MATCH_TOP_N: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  MATCH_MIN_SCORE: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
  // Deal timers (src/modules/deals/deals.timers.ts): days to answer an interest before it expires,
  // days before that a reminder goes out, an offer's validity when it names none, and the hours
  // before an offer lapses that its reminder goes out.
  DEAL_RESPONSE_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 14 }),
  DEAL_REMINDER_DAYS: Type.Integer({ minimum: 0, maximum: 364, default: 3 }),
  DEAL_OFFER_VALIDITY_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
  DEAL_OFFER_REMINDER_HOURS: Type.Integer({ minimum: 0, maximum: 8760, default: 48 }),
  // Listings (src/modules/listings/listings.renewal.ts): days before a published listing's validUntil
  // that its owner is reminded to renew it (listing.renewal_due), 0: no reminders; and days after
  // validUntil that the sweep archives it (listings.service.ts), 0: never.
  LISTING_RENEWAL_REMINDER_DAYS: Type.Integer({ minimum: 0, maximum: 365, default: 30 }),
  LISTING_ARCHIVE_AFTER_DAYS: Type.Integer({ minimum: 0, maximum: 3650, default: 365 }),
  // Delegations (src/modules/delegations): days a proposal waits for the member's answer before it expires.
  DELEGATION_PROPOSAL_DAYS: Type.Integer({ minimum: 1, maximum: 90, default: 14 }),
  // Federation (src/modules/sources): this exchange's own source id, the first part of the global id
  // of every record it owns.
  EXCHANGE_ID: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', default: 'tech-exchange' }),
  // Webhooks (src/modules/webhooks): the delay before each retry, in seconds, comma-separated (the
  // default spreads 11 retries over 3 days); a delivery that fails them all is given up and its
  // subscription disabled. Per attempt, the receiver has WEBHOOK_TIMEOUT_MS to answer. Private,
  // loopback, link-local, reserved and documentation addresses are refused unless
  // WEBHOOK_ALLOW_PRIVATE=true (tests, intranets).
  WEBHOOK_RETRY_SECONDS: Type.String({ pattern: '^\\d{1,7}(,\\d{1,7}){0,29}$', default: '5,300,1800,7200,18000,36000,36000,36000,36000,43200,43200' }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  WEBHOOK_ALLOW_PRIVATE: Type.Union([Type.Literal('true'), Type.Literal('false')], { default: 'false' }),
  // The key that signs list cursors (src/lib/cursor.ts). Unset: a random key kept in the database,
  // shared by every process without configuration. Set it only to pin the key yourself.
  CURSOR_SECRET: Type.Optional(Type.String({ minLength: 32, maxLength: 512 })),
  // Bulk imports (src/modules/imports): the largest file accepted, in bytes.
  IMPORT_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 500 * 1024 * 1024, default: 100 * 1024 * 1024 }),
  // Files (src/modules/files): where their bytes go ('local': FILE_STORAGE_DIR, by default the
  // files/ folder of DATA_DIR; 's3': an S3-compatible bucket, addressed path-style as
  // S3_ENDPOINT/S3_BUCKET/key, which every process behind a load balancer shares), the largest upload
  // in bytes (an upload is held in memory while it is checked), and the days a withdrawn or closed
  // record keeps its files before the sweep removes them (0: keep them).
  FILE_STORAGE: Type.Union([Type.Literal('local'), Type.Literal('s3')], { default: 'local' }),
  FILE_STORAGE_DIR: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  FILE_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 20 * 1024 * 1024 }),
  FILE_RETENTION_DAYS: Type.Integer({ minimum: 0, maximum: 3650, default: 90 }),
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$', maxLength: 2000 })),
  S3_BUCKET: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' })),
  S3_REGION: Type.String({ pattern: '^[a-z0-9-]{1,64}$', default: 'us-east-1' }),
  S3_ACCESS_KEY_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  // Fault injection, for tests only (test/http/idempotency-faults.test.ts); leave unset. The
  // Idempotency-Key of one request after whose commit the process SIGKILLs itself before answering,
  // and of one whose answer fails to be stored (a database error, so nothing commits).
  FAULT_KILL_AFTER_COMMIT: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  FAULT_FAIL_ANSWER: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  // 'true': SIGUSR2 ends the embedded database's thread as a crash would (test/db/embedded-exit.test.ts).
  FAULT_EMBEDDED_DB_CRASH_ON_SIGUSR2: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
})

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {}

/** Parses the environment once; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const given: Record<string, string> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]?.trim()
    if (value !== undefined && value !== '') given[key] = value
  }
  // Numbers are coerced strictly: Value.Convert would quietly read PORT=3000.5 as 3000 and
  // PORT=true as 1. Anything but plain digits (and, for non-integers, one decimal point) stays a
  // string and fails validation below.
  const raw: Record<string, unknown> = { ...given }
  for (const [key, schema] of Object.entries(ConfigSchema.properties)) {
    const type = (schema as { type?: string }).type
    if (type === 'integer' && /^-?\d{1,16}$/.test(given[key] ?? '')) raw[key] = Number(given[key])
    if (type === 'number' && /^-?\d{1,16}(\.\d{1,16})?$/.test(given[key] ?? '')) raw[key] = Number(given[key])
  }
  const value = Value.Default(ConfigSchema, raw)
  const problems = new Map<string, string>()
  for (const error of Value.Errors(ConfigSchema, value)) {
    const name = error.instancePath.replace(/^\//, '') || 'environment'
    if (!problems.has(name)) problems.set(name, `${name}=${shown(name, given[name] ?? '')}: ${describe(name, error.message)}`)
  }
  // A score is a weighted mean: with every weight 0 it would divide by zero.
  if (problems.size === 0 && Object.values(matchWeights(value as Config)).every((weight) => weight === 0)) {
    problems.set('MATCH_WEIGHT', 'MATCH_WEIGHT_*: at least one match weight must be above 0')
  }
  // A reminder due before the interest was even expressed would go out at once.
  const config = value as Config
  if (problems.size === 0 && config.DEAL_REMINDER_DAYS >= config.DEAL_RESPONSE_DAYS) {
    problems.set(
      'DEAL_REMINDER_DAYS',
      `DEAL_REMINDER_DAYS=${JSON.stringify(given.DEAL_REMINDER_DAYS ?? '')}: must be less than DEAL_RESPONSE_DAYS (${config.DEAL_RESPONSE_DAYS})`,
    )
  }
  // S3 storage needs its bucket and credentials; a half-configured store would fail at the first upload.
  if (problems.size === 0 && config.FILE_STORAGE === 's3') {
    const missing = (['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter((name) => config[name] === undefined)
    if (missing.length > 0) problems.set('FILE_STORAGE', `FILE_STORAGE="s3": set ${missing.join(', ')} as well`)
  }
  if (problems.size > 0) throw new ConfigError(`Invalid configuration:\n  ${[...problems.values()].join('\n  ')}`)
  return value as Config
}

/** A value as an error message quotes it: never a secret's, nor a password in a URL. */
function shown(name: string, value: string): string {
  if (isSecretName(name)) return redacted
  return JSON.stringify(value.replace(/(:\/\/[^:/@\s]*:)[^@\s]*@/g, `$1${redacted}@`))
}

/** The webhook retry schedule: seconds before each retry after the first attempt. */
export const webhookRetryDelays = (config: Config): number[] => config.WEBHOOK_RETRY_SECONDS.split(',').map(Number)

/** A union of literals (LOG_LEVEL) is best explained by listing its values. */
function describe(name: string, message: string): string {
  const schema = (ConfigSchema.properties as Record<string, { anyOf?: { const?: unknown }[] }>)[name]
  const allowed = schema?.anyOf?.map((option) => option.const).filter((option) => option !== undefined)
  return allowed?.length ? `must be one of ${allowed.join(', ')}` : message
}

export const matchComponents = ['text', 'taxonomy', 'trl', 'location', 'price', 'freshness'] as const
export type MatchComponent = (typeof matchComponents)[number]

/** The configured weight of each match score component. */
export function matchWeights(config: Config): Record<MatchComponent, number> {
  return {
    text: config.MATCH_WEIGHT_TEXT,
    taxonomy: config.MATCH_WEIGHT_TAXONOMY,
    trl: config.MATCH_WEIGHT_TRL,
    location: config.MATCH_WEIGHT_LOCATION,
    price: config.MATCH_WEIGHT_PRICE,
    freshness: config.MATCH_WEIGHT_FRESHNESS,
  }
}
