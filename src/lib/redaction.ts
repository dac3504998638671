// What must never reach a log line: API keys, webhook secrets, and query parameters named like
// secrets (a key sent as ?api_key= is refused for authentication, but the URL is still logged).
import { parse as parseConnectionString } from 'pg-connection-string'

export const redacted = '[redacted]'

/** A parameter whose name says it holds a secret: api_key, access_token, key, token, secret, apiKey, client_secret, X-Amz-Signature, ... */
export const isSecretName = (name: string): boolean => /(key|token|secret|password|passwd|signature)$/i.test(name.replace(/[^A-Za-z]/g, ''))

function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

// name=value after ? or & (or ;), wherever it appears: a URL, an error message quoting one, a JSON
// log line. Values end where a URL or a JSON string would.
const queryParameter = /([?&;])([^=&#?;\s"'\\<>]{1,200})=([^&#;\s"'\\<>]*)/g

/** The text with the value of every secret-named query parameter replaced. */
export const redactQueryParameters = (text: string): string =>
  text.replace(queryParameter, (whole, separator: string, name: string) => (isSecretName(decoded(name)) ? `${separator}${name}=${redacted}` : whole))

// The shapes of this API's own secrets (src/modules/api-keys, src/modules/webhooks/webhooks.signing.ts),
// wherever they turn up: a path, a search text, a value in a failed statement, a database message.
const apiKey = /txk_[A-Za-z0-9_-]+/g
const webhookSecret = /whsec_[A-Za-z0-9+/=]+/g

/** The last line of defence, run on every serialised log line: no key or secret shape survives it. */
export const scrubSecrets = (line: string): string => redactQueryParameters(line).replace(apiKey, redacted).replace(webhookSecret, redacted)

/**
 * A database URL as it may be shown: host, port and database, never the user or the password. Read
 * as node-postgres reads it (pg-connection-string), so every URL that connects can be shown: a Unix
 * socket's `postgresql://techx@/techx?host=/var/run/postgresql` has no host for WHATWG's URL, whose
 * parser threw on it and ended a start that had connected.
 */
export function describeDatabaseUrl(url: string): string {
  // Only where the server is: the parser warns of SSL modes (sslmode=require), as pg does anyway.
  const [base, query = ''] = url.split('?', 2)
  const where = [...new URLSearchParams(query)].filter(([name]) => name === 'host' || name === 'port')
  const { host, port, database } = parseConnectionString(where.length > 0 ? `${base}?${new URLSearchParams(where)}` : base!)
  const server = host?.startsWith('/') ? `socket ${host}` : (host ?? 'localhost')
  return `${server}${port ? `:${port}` : ''}/${database ?? ''}`
}
