import path from 'node:path'

// Where the embedded database listens. A Unix socket, not TCP on 127.0.0.1: every query and every
// result crosses it, and on loopback TCP each write runs the whole TCP stack of both ends. pgbench
// of `select 1` on this project's 2-core machine: 39,000 tps over 127.0.0.1, 64,700 over the
// PostgreSQL server's Unix socket (docs/operations.md). Windows has no such socket for node-postgres
// to reach, so there the database listens on TCP as before.

/** The port named in the socket file's name, as PostgreSQL names its own (`.s.PGSQL.5432`); no TCP port is opened. */
export const socketPort = 5432

/** The socket file in `dir`, where node-postgres looks for it given host=`dir` and port socketPort. */
export const socketPath = (dir: string) => path.join(dir, `.s.PGSQL.${socketPort}`)

/** Whether this platform can serve the embedded database on a Unix socket. */
export const unixSockets = process.platform !== 'win32'
