import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config.ts'
import type { MigrationOutcome } from './migrate.ts'
import { describeDatabaseUrl } from './lib/redaction.ts'

// What the server tells whoever started it, on stderr, in plain words: where it listens and keeps
// its data, what the migrations did, where the docs are and how to get the first key; or, when it
// cannot start, one line that says why (the JSON log lines on stdout are for machines).

/** Where the database is, without a password. */
function describeDatabase(config: Config, app?: FastifyInstance): string {
  if (config.DATABASE_URL) return `PostgreSQL at ${describeDatabaseUrl(config.DATABASE_URL)}`
  const where = config.DATA_DIR.startsWith('memory://') ? 'in memory (gone when the server stops)' : `in ${path.resolve(config.DATA_DIR)}`
  const made = app?.database.embedded?.fromTemplate ? ', new: made from the built-in template' : ''
  return `embedded PostgreSQL (PGlite) ${where}${made}`
}

export async function startBanner(app: FastifyInstance, config: Config, started: { address: string; migrations?: MigrationOutcome }): Promise<string> {
  const base = config.PUBLIC_BASE_URL ?? started.address
  const { migrations } = started
  const lines = [
    `tech-exchange API listening on ${started.address}`,
    `  database    ${describeDatabase(config, app)}`,
    migrations ? `  migrations  ${migrations.total} in all, ${migrations.applied ? `${migrations.applied} applied now` : 'none pending'}` : undefined,
    `  docs        ${base}/docs (the OpenAPI document: ${base}/openapi.json)`,
  ]
  const { rows } = await app.database.pool.query<{ any: boolean }>('select exists (select 1 from api_keys) as any')
  if (!rows[0]?.any) {
    const command = 'npm run cli -- keys create --operator'
    lines.push(
      config.DATABASE_URL
        ? `  first key   none exists yet: run \`${command}\` with the same DATABASE_URL`
        : `  first key   none exists yet: stop the server (Ctrl-C), run \`${command}\`, and start it again`,
    )
  }
  return lines.filter((line) => line !== undefined).join('\n')
}

// ENOENT: a Unix socket DATABASE_URL whose socket file is not there (no server, or another directory).
const databaseErrorCodes = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '28P01', '28000', '3D000'])

/** The error's code, or that of the first of several (a host name that resolves to two addresses). */
function codeOf(error: unknown): string | undefined {
  const { code, errors } = (error ?? {}) as { code?: unknown; errors?: unknown[] }
  if (typeof code === 'string') return code
  return Array.isArray(errors) ? codeOf(errors[0]) : undefined
}

/** One line that says why the server could not start, and what to do about it. */
export function startFailure(error: unknown, config: Config): string {
  const code = codeOf(error)
  const message = error instanceof Error ? error.message || String(code) : String(error)
  if (code === 'EADDRINUSE') return `Cannot start: port ${config.PORT} on ${config.HOST} is in use by another process. Stop it, or set PORT to a free port.`
  if (code === 'EACCES' && /listen/.test(message)) return `Cannot start: no permission to listen on port ${config.PORT}. Use a port above 1023, or set PORT.`
  if (code === 'EADDRNOTAVAIL') return `Cannot start: HOST ${config.HOST} is not an address of this machine. Set HOST to one, or to 0.0.0.0.`
  if (/^DATA_DIR .+ is in use/.test(message)) return `Cannot start: ${message}.`
  if (config.DATABASE_URL && code && databaseErrorCodes.has(code)) {
    return `Cannot start: the database at DATABASE_URL (${describeDatabase(config)}) refused or cannot be reached: ${message}. Check DATABASE_URL.`
  }
  const stack = error instanceof Error && error.stack ? `\n${error.stack}` : ''
  return `Cannot start: ${message}${stack}`
}
