import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

const app = await buildApp(config)
let closing = false
function shutdown(reason: object, exitCode: number) {
  if (closing) return
  closing = true
  app.log.info(reason, 'shutting down')
  app.close().then(
    () => process.exit(exitCode),
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
  // Nobody else will stop a server whose database is gone for good: bound the drain.
  setTimeout(() => process.exit(1), 30_000).unref()
})
await app.listen({ port: config.PORT, host: config.HOST })
