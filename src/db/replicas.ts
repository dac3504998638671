import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { PreparingClient } from './prepared.ts'
import type { Db } from './client.ts'
import * as schema from './schema/index.ts'
import { describeDatabaseUrl } from '../lib/redaction.ts'

// Streaming replicas of the primary, for reads that tolerate a little staleness. Each process
// checks every replica's lag every few seconds (a cache of what the replicas say, not state of its
// own) and reads only from replicas that answer and are within the allowed lag; with none, reads go
// to the primary. The same policy as GitLab's database load balancer and Rails' automatic role
// switching: writes, transactions and a caller's reads just after its own write stay on the primary.

export type Replica = {
  /** The URL without its password, for logs, /ready and metrics. */
  name: string
  pool: pg.Pool
  db: Db
  /** Seconds behind the primary at the last check; null when the last check failed. */
  lagSeconds: number | null
}

export type Replicas = {
  list: Replica[]
  /** A replica further behind than this is not read from. */
  maxLagSeconds: number
  /** A replica within the allowed lag, round robin; undefined when none is. */
  pick: () => Replica | undefined
  /** Asks every replica for its lag now (also done every `checkEveryMs`). */
  check: () => Promise<void>
  close: () => Promise<void>
}

// Zero when the replica has replayed all it received (an idle primary sends nothing, and the last
// replayed transaction's age would read as lag); otherwise the age of the last replayed transaction.
const lagSql = `select case when not pg_is_in_recovery() then null
  when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
  else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end as lag, pg_is_in_recovery() as replica`

export async function openReplicas(
  urls: string[],
  options: {
    poolSize: number
    maxLagSeconds: number
    /** Named statements for those marked `prepared` (db/prepared.ts); default true. */
    preparedStatements?: boolean
    checkEveryMs?: number
    log?: { warn: (details: object, message: string) => void }
  },
): Promise<Replicas> {
  const list: Replica[] = urls.map((url) => {
    // A replica that does not answer must not hold a request for long: the check marks it down.
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize,
      connectionTimeoutMillis: 2000,
      ...(options.preparedStatements !== false ? { Client: PreparingClient } : {}),
    })
    pool.on('error', () => {})
    return { name: describeDatabaseUrl(url), pool, db: drizzle(pool, { schema, casing: 'snake_case' }), lagSeconds: null }
  })
  const check = async () => {
    await Promise.all(
      list.map(async (replica) => {
        const was = replica.lagSeconds
        try {
          const { rows } = await replica.pool.query<{ lag: number | null; replica: boolean }>({ text: lagSql, query_timeout: 2000 } as pg.QueryConfig)
          // A server that is not in recovery is no replica (a promoted one, or a misconfigured URL).
          replica.lagSeconds = rows[0]?.replica ? (rows[0].lag ?? 0) : null
        } catch {
          replica.lagSeconds = null
        }
        if ((was === null) !== (replica.lagSeconds === null)) {
          options.log?.warn(
            { replica: replica.name, lagSeconds: replica.lagSeconds },
            replica.lagSeconds === null ? 'read replica unavailable' : 'read replica available',
          )
        }
      }),
    )
  }
  await check()
  const timer = setInterval(() => void check(), options.checkEveryMs ?? 5000)
  timer.unref()
  let next = 0
  return {
    list,
    maxLagSeconds: options.maxLagSeconds,
    check,
    pick: () => {
      for (let tried = 0; tried < list.length; tried++) {
        const replica = list[next++ % list.length]!
        if (replica.lagSeconds !== null && replica.lagSeconds <= options.maxLagSeconds) return replica
      }
      return undefined
    },
    close: async () => {
      clearInterval(timer)
      await Promise.all(list.map((replica) => replica.pool.end()))
    },
  }
}
