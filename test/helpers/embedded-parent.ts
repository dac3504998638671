// A process that starts an embedded database and keeps it, for tests that kill it (embedded-orphan).
import { startEmbeddedDatabase } from '../../src/db/embedded.ts'

await startEmbeddedDatabase({ dataDir: process.env.EMBEDDED_PARENT_DATA_DIR!, templateDir: process.env.EMBEDDED_PARENT_TEMPLATE })
