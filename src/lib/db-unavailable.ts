import { DrizzleQueryError } from 'drizzle-orm'
import { RetryLaterError } from './problem.ts'

/**
 * Seconds a client is asked to wait before retrying: about what the embedded database takes to be
 * back after its process dies (bench/README.md), or a PostgreSQL restart.
 */
export const databaseRetryAfterSeconds = 5

/** 503 `database_unavailable`; the error handler adds `Retry-After`. */
export class DatabaseUnavailableError extends RetryLaterError {
  constructor() {
    super(
      503,
      'database_unavailable',
      'Service unavailable',
      'The database is unreachable for a moment; retry after the time in Retry-After',
      databaseRetryAfterSeconds,
    )
  }
}

// The socket could not be opened, or broke: the server is down, restarting, or out of reach. ENOENT:
// a Unix socket's file is gone, as when a PostgreSQL server or the embedded database's thread stops.
const socketCodes = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
// SQLSTATE: class 08 (connection exception); 57P01-57P03 (shutting down, crashed, starting up);
// 53300 (too many connections).
const sqlStates = /^(08...|57P0[123]|53300)$/
// What node-postgres and pg-pool throw, without a code, for a connection that died under them.
const driverMessages = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
])

/**
 * Whether an error means the database could not be reached, rather than that it refused the query.
 * Socket codes and driver messages count only as thrown by pg itself or under drizzle's wrapper: the
 * same ECONNREFUSED under a failed fetch() is another server's outage, not the database's.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  const thrown = error instanceof DrizzleQueryError ? error.cause : error
  if (!thrown || typeof thrown !== 'object') return false
  const { code, message } = thrown as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && (socketCodes.has(code) || sqlStates.test(code))) return true
  return typeof message === 'string' && driverMessages.has(message)
}
