import type { Config } from './config.ts'
import type { DatabaseOptions } from './db/client.ts'
import type { SupervisorLog } from './db/supervisor.ts'
import { currentEmbeddedTemplate } from './embedded-template.ts'

/** The database the configuration names: PostgreSQL at DATABASE_URL, else the embedded one in DATA_DIR. */
export function databaseOptions(config: Config, options: { poolSize?: number; log?: SupervisorLog } = {}): DatabaseOptions {
  return {
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: options.poolSize ?? config.DATABASE_POOL_SIZE,
    embeddedMaxRestarts: config.EMBEDDED_DB_RESTARTS,
    embeddedSharedBuffersMb: config.EMBEDDED_DB_SHARED_BUFFERS_MB,
    templateDir: config.DATABASE_URL ? undefined : currentEmbeddedTemplate(),
    log: options.log,
  }
}
