import { getTableName } from 'drizzle-orm'
import type { FastifyRequest } from 'fastify'
import pino, { type DestinationStream, type LoggerOptions } from 'pino'
import type { Config } from '../config.ts'
import { apiKeys, idempotencyKeys, sharedSecrets, webhookSubscriptions } from '../db/schema/index.ts'
import { redactQueryParameters, redacted, scrubSecrets } from '../lib/redaction.ts'

// Log lines carry no secret (README, "Logging"). Three layers, each for what the one before cannot
// know: pino's redact paths drop the Authorization header and fields named key or secret; the
// serializers below redact secret-named query parameters from request URLs and the parameters of
// failed statements on tables that hold secrets; and every serialised line passes scrubSecrets,
// which removes any API key or webhook secret shape and secret-named parameter left anywhere.

/** Tables whose statements carry secrets in their parameters: keys' hashes, webhook secrets, the cursor key, stored answers (a new key, a new secret). */
const secretTables = [apiKeys, webhookSubscriptions, sharedSecrets, idempotencyKeys].map((table) => getTableName(table))
const touchesSecrets = new RegExp(`\\b(${secretTables.join('|')})\\b`, 'i')

type FailedQuery = { query: string; params: unknown[] }

/** drizzle's DrizzleQueryError (or anything shaped like it) on a secret table, in an error or its causes. */
function secretQueriesIn(error: unknown): FailedQuery[] {
  const found: FailedQuery[] = []
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as Partial<FailedQuery> & { cause?: unknown }
    if (typeof candidate.query === 'string' && Array.isArray(candidate.params) && touchesSecrets.test(candidate.query)) found.push(candidate as FailedQuery)
    current = candidate.cause
  }
  return found
}

/**
 * pino's error serializer, then: a failed statement on a secret table keeps its SQL but not its
 * parameters, which drizzle also writes into the message (and so the stack).
 */
function errorForLog(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown
  if (serialized === error || !serialized || typeof serialized !== 'object') return serialized
  const fields = serialized as Record<string, unknown>
  for (const failed of secretQueriesIn(error)) {
    const shown = `params: ${String(failed.params)}`
    for (const name of ['message', 'stack']) {
      const text = fields[name]
      if (typeof text === 'string') fields[name] = text.replaceAll(shown, `params: ${redacted}`)
    }
    // The serializer copies the original array: replace it, never change the error itself.
    if (fields.params === failed.params) fields.params = failed.params.map(() => redacted)
  }
  return fields
}

/** Fastify's request serializer, with secret-named query parameters redacted from the URL. */
const requestForLog = (request: FastifyRequest) => ({
  method: request.method,
  url: redactQueryParameters(request.url),
  version: request.headers?.['accept-version'],
  host: request.host,
  remoteAddress: request.ip,
  remotePort: request.socket?.remotePort,
})

/** The logger options, the redaction applied after `given` so no caller can drop it. */
export function loggerOptions(
  level: Config['LOG_LEVEL'],
  given: { level?: Config['LOG_LEVEL']; stream?: DestinationStream } = {},
): LoggerOptions & { stream?: DestinationStream } {
  return {
    level,
    ...given,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.key', '*.secret'], censor: redacted },
    serializers: { req: requestForLog, err: errorForLog },
    hooks: { streamWrite: scrubSecrets },
  }
}
