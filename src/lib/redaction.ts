// What must never reach a log line: API keys, webhook secrets, and query parameters named like
// secrets (a key sent as ?api_key= is refused for authentication, but the URL is still logged).

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

/** A database URL as it may be shown: host, port and database, never the user or the password. */
export function describeDatabaseUrl(url: string): string {
  const parsed = new URL(url)
  return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`
}
