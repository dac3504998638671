import { existsSync } from 'node:fs'
import path from 'node:path'
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
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'true',
    embeddedMaxRestarts: config.EMBEDDED_DB_RESTARTS,
    embeddedSharedBuffersMb: config.EMBEDDED_DB_SHARED_BUFFERS_MB,
    embeddedWasmTier: config.EMBEDDED_DB_WASM_TIER,
    // Looked for only when DATA_DIR is new: finding it hashes every migration.
    templateDir: config.DATABASE_URL || existsSync(path.join(config.DATA_DIR, 'PG_VERSION')) ? undefined : currentEmbeddedTemplate(),
    log: options.log,
  }
}
