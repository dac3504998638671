import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { buildApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { openDatabase } from '../db/client.ts'
import { migrateDatabase } from '../migrate.ts'

/**
 * Builds the app on a throw-away in-memory database (no server, no listening socket) and returns
 * the OpenAPI document its routes describe. The config is fixed here rather than read from
 * process.env, so the committed openapi/openapi.json does not depend on who generated it
 * (PUBLIC_BASE_URL unset -> servers: http://localhost:3000).
 */
export async function generateOpenApiDocument(): Promise<object> {
  const database = await openDatabase({ dataDir: 'memory://', poolSize: 1 })
  try {
    await migrateDatabase(database)
    // No worker: building the document runs no jobs and schedules no timers.
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', JOBS_WORKER: 'false' }), { database })
    try {
      await app.ready()
      // A deep copy: app.swagger() hands out its cached object, which must outlive app.close().
      return JSON.parse(JSON.stringify(app.swagger())) as object
    } finally {
      await app.close()
    }
  } finally {
    await database.close()
  }
}

/** The document as committed: 2-space JSON with a trailing newline, so diffs stay readable. */
export const formatOpenApiDocument = (document: object) => `${JSON.stringify(document, null, 2)}\n`

export async function writeOpenApiDocument(file = 'openapi/openapi.json'): Promise<string> {
  const text = formatOpenApiDocument(await generateOpenApiDocument())
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  return file
}
