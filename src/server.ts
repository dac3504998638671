import { ConfigError, loadConfig, type Config } from './config.ts'
import { startEmbeddedFor } from './db/embedded.ts'
import type { SupervisorLog } from './db/supervisor.ts'
import { databaseOptions } from './database.ts'
import type { MigrationOutcome } from './migrate.ts'
import { startBanner, startFailure } from './start-messages.ts'

let config: Config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

/** Ends a start that cannot go on with one line that says why, and exit code 1. */
function failStart(error: unknown): never {
  console.error(startFailure(error, config))
  process.exit(1)
}

// The embedded database starts first, before this process loads anything heavy (pg, drizzle, the
// app): its thread loads PGlite meanwhile. Its lines wait for the app's logger.
const early: Array<(log: SupervisorLog) => void> = []
const logTo: { app?: SupervisorLog } = {}
const databaseLog: SupervisorLog = {
  info: (details, message) => (logTo.app ? logTo.app.info(details, message) : early.push((log) => log.info(details, message))),
  error: (details, message) => (logTo.app ? logTo.app.error(details, message) : early.push((log) => log.error(details, message))),
}
const options = databaseOptions(config, { log: databaseLog })
const embedded = options.databaseUrl ? undefined : startEmbeddedFor(options)
embedded?.started.catch(() => {}) // awaited through openingDatabase below
const { openDatabase } = await import('./db/client.ts')
// Early: the app registers its hooks and routes while the database opens, and waits for it after.
const openingDatabase = openDatabase({ ...options, embedded, early: true })
openingDatabase.catch(() => {}) // awaited by buildApp below; a failure is reported there

const { buildApp } = await import('./app.ts')
let migrations: MigrationOutcome | undefined
const app = await buildApp(config, { openingDatabase, onMigrated: (outcome) => (migrations = outcome) }).catch(failStart)
logTo.app = app.log
for (const line of early.splice(0)) line(app.log)

// SIGTERM (Docker, Kubernetes, systemd) or Ctrl-C: stop accepting connections, answer 503 to requests
// that still arrive on open ones, let in-flight requests and running jobs finish, close the pool;
// past SHUTDOWN_GRACE_SECONDS, exit 1 whatever is still running.
let closing = false
function shutdown(reason: object, exitCode: number) {
  if (closing) return
  closing = true
  app.log.info(reason, 'shutting down')
  setTimeout(() => {
    app.log.error({ graceSeconds: config.SHUTDOWN_GRACE_SECONDS }, 'shutdown grace period over: exiting with work unfinished')
    process.exit(1)
  }, config.SHUTDOWN_GRACE_SECONDS * 1000).unref()
  app.close().then(
    () => {
      app.log.info('shut down')
      process.exit(exitCode)
    },
    (error: unknown) => {
      app.log.error({ err: error }, 'shutdown failed')
      process.exit(1)
    },
  )
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => shutdown({ signal }, 0))
// The embedded database died and its restarts were used up: exit non-zero, so that Docker's restart
// policy or systemd starts the server afresh (and the failure shows), rather than serve 503s for ever.
void app.database.embedded?.failed.then((error) => {
  app.log.fatal({ err: error }, 'embedded database lost')
  shutdown({ reason: 'embedded database lost' }, 1)
})
if (config.FAULT_EMBEDDED_DB_CRASH_ON_SIGUSR2 === 'true') process.on('SIGUSR2', () => void app.database.embedded?.crash())
const address = await app.listen({ port: config.PORT, host: config.HOST }).catch(async (error: unknown) => {
  await app.close().catch(() => {})
  failStart(error)
})
console.error(await startBanner(app, config, { address, migrations }))
