import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { performance } from 'node:perf_hooks'
import { refusalOf } from './webhooks.addresses.ts'

// The one way out to a subscriber's URL. Server-side request forgery is the risk: a webhook URL
// must not reach the exchange's own network. Addresses (webhooks.addresses.ts) are checked where
// the socket connects — the `lookup` below hands the socket only public addresses, and an address
// written in the URL is checked before connecting —, not only when the URL is saved, so a name that
// resolves to a public address then to 127.0.0.1 (DNS rebinding) is still refused. No redirect is
// followed.

/** A URL's host as an address or a name: "[::1]" is "::1". */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1')

/** Every address a name resolves to (an address resolves to itself); [] when it does not resolve in time. */
export async function resolveHost(host: string, timeoutMs = 5000): Promise<string[]> {
  if (isIP(host)) return [host]
  const resolved = new Promise<string[]>((resolve) => {
    dnsLookup(host, { all: true }, (error, addresses) => resolve(error ? [] : addresses.map((entry) => entry.address)))
  })
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), timeoutMs)))
  try {
    return await Promise.race([resolved, expired])
  } finally {
    clearTimeout(timer)
  }
}

export type WebhookRequest = { url: string; headers: Record<string, string>; body: string }

/** One attempt as the delivery log records it. */
export type WebhookResponse = {
  /** The receiver's status code; null when no answer came (refused address, connection error, timeout). */
  statusCode: number | null
  durationMs: number
  /** Why it failed; null on a 2xx. */
  error: string | null
  /** The first bytes of the answer. */
  responseBody: string | null
}

export type WebhookSender = (request: WebhookRequest) => Promise<WebhookResponse>

const keptResponseBytes = 2048
const userAgent = 'tech-exchange-webhooks/1.0 (+https://www.standardwebhooks.com)'

class RefusedAddress extends Error {
  code = 'EREFUSEDADDRESS'
}

/** dns.lookup that hands the socket only addresses it may connect to. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0)
      const allowed = allowPrivate ? addresses : addresses.filter((entry) => refusalOf(entry.address) === null)
      if (allowed.length === 0) {
        const found = addresses.map((entry) => `${entry.address}: ${refusalOf(entry.address)}`).join('; ')
        const refused = new RefusedAddress(`refused: ${hostname} resolves to no public address (${found})`)
        return callback(refused, '', 0)
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed)
      callback(null, allowed[0]!.address, allowed[0]!.family)
    })
  }
}

function describeError(error: Error & { code?: string }): string {
  if (error instanceof RefusedAddress) return error.message
  return error.code ? `${error.code}: ${error.message}` : error.message
}

/** POSTs a signed message; never throws: every outcome is a WebhookResponse. */
export function createWebhookSender(options: { timeoutMs: number; allowPrivate: boolean }): WebhookSender {
  return (request) => {
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    const failed = (error: string, statusCode: number | null = null, responseBody: string | null = null): WebhookResponse => ({
      statusCode,
      durationMs: elapsed(),
      error,
      responseBody,
    })

    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return Promise.resolve(failed('invalid URL'))
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.resolve(failed(`refused: ${url.protocol} is not http or https`))
    // An address in the URL is connected to without a lookup: check it here.
    const host = hostOf(url)
    const refusal = isIP(host) && !options.allowPrivate ? refusalOf(host) : null
    if (refusal !== null) return Promise.resolve(failed(`refused: ${host} is not a public address (${refusal})`))

    return new Promise<WebhookResponse>((resolve) => {
      let settled = false
      const finish = (result: WebhookResponse) => {
        if (settled) return
        settled = true
        clearTimeout(deadline)
        resolve(result)
      }
      const client = url.protocol === 'https:' ? https : http
      const outgoing = client.request(url, {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(options.allowPrivate),
        headers: {
          ...request.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(request.body),
          'user-agent': userAgent,
          connection: 'close',
        },
      })
      // One deadline for the whole exchange: connecting, sending, the status line and the kept bytes.
      const deadline = setTimeout(() => {
        finish(failed(`timeout: no answer within ${options.timeoutMs} ms`))
        outgoing.destroy()
      }, options.timeoutMs)
      outgoing.on('error', (error) => finish(failed(describeError(error))))
      outgoing.on('response', (response) => {
        const chunks: Buffer[] = []
        let kept = 0
        const done = () => {
          const statusCode = response.statusCode ?? 0
          const responseBody = Buffer.concat(chunks).subarray(0, keptResponseBytes).toString('utf8')
          const ok = statusCode >= 200 && statusCode < 300
          finish({ statusCode, durationMs: elapsed(), error: ok ? null : `HTTP ${statusCode}`, responseBody })
          response.destroy()
        }
        response.on('data', (chunk: Buffer) => {
          if (kept < keptResponseBytes) chunks.push(chunk)
          kept += chunk.length
          if (kept >= keptResponseBytes) done()
        })
        response.on('end', done)
        response.on('error', done)
      })
      outgoing.end(request.body)
    })
  }
}
