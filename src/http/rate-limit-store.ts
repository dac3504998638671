import type pg from 'pg'

// @fastify/rate-limit's store, kept in PostgreSQL (rate_limit_counters, migration 0041) so that every
// API process on one database counts against the same budget, as Redis does for the plugin's own
// RedisStore, with no server beside PostgreSQL (the embedded database included). One statement per
// count: an upsert that starts a new fixed window when the old one has ended, as the plugin's
// LocalStore and RedisStore do. Ended windows are deleted by a maintenance job (jobs/maintenance.ts).

type Answer = { current: number; ttl: number }
type Callback = (error: Error | null, answer?: Answer) => void

const countSql = `
  insert into rate_limit_counters as counter (key, count, expires_at)
  values ($1, 1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
  on conflict (key) do update set
    count = case when counter.expires_at <= clock_timestamp() then 1 else counter.count + 1 end,
    expires_at = case when counter.expires_at <= clock_timestamp() then excluded.expires_at else counter.expires_at end
  returning count, greatest(0, ceil(extract(epoch from expires_at - clock_timestamp()) * 1000))::int as ttl`

const readSql = `
  select count, greatest(0, ceil(extract(epoch from expires_at - clock_timestamp()) * 1000))::int as ttl
  from rate_limit_counters where key = $1 and expires_at > clock_timestamp()`

/** A store class for the plugin's `store` option (it constructs the class itself), bound to a pool. */
export function databaseRateLimitStore(pool: pg.Pool) {
  const answer = (callback: Callback) => ({
    ok: ({ rows }: pg.QueryResult<{ count: number; ttl: number }>) => callback(null, { current: rows[0]?.count ?? 0, ttl: rows[0]?.ttl ?? 0 }),
    failed: (error: Error) => callback(error),
  })
  return class DatabaseRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number) {
      const { ok, failed } = answer(callback)
      pool.query<{ count: number; ttl: number }>(countSql, [key, timeWindow]).then(ok, failed)
    }

    /** What `incr` would see, without counting (the plugin's `{ increment: false }`). */
    read(key: string, callback: Callback) {
      const { ok, failed } = answer(callback)
      pool.query<{ count: number; ttl: number }>(readSql, [key]).then(ok, failed)
    }

    /** The plugin asks for a store per limiter; the limiters' keys never collide, so one serves all. */
    child() {
      return this
    }
  }
}
