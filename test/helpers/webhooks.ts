import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import type { Db } from '../../src/db/client.ts'

// A webhook receiver on 127.0.0.1, as a subscriber would write one: it verifies each request's
// Standard Webhooks signature with its own code (node:crypto, not the sender's), records every
// hit, and answers as the test tells it per path.

type Auth = Record<string, string>

/** Verifies webhook-signature: HMAC-SHA256 over "<id>.<timestamp>.<body>", keyed with the base64 after whsec_. */
export function verifySignature(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const id = String(headers['webhook-id'] ?? '')
  const timestamp = String(headers['webhook-timestamp'] ?? '')
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest()
  // The header may carry several space-separated signatures (during a secret rotation).
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((entry) => {
      const [version, value] = entry.split(',')
      const given = Buffer.from(value ?? '', 'base64')
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
    })
}

export type Hit = {
  path: string
  id: string
  timestamp: number
  body: { type: string; timestamp: string; data: Record<string, unknown> }
  headers: Record<string, string | string[] | undefined>
  verified: boolean
  at: number
}

/** What a path answers: a status (and body), or 'hang' for never answering. */
export type Answer = { status: number; body?: string } | 'hang'

export type Receiver = {
  /** The URL of a path on this receiver. */
  url: (path: string) => string
  hits: Hit[]
  /** Secrets by path, to verify signatures. */
  secrets: Map<string, string>
  /** The answer for a path: a fixed one, or a function of the hits so far on that path. */
  answer: (path: string, answer: Answer | ((count: number) => Answer)) => void
  stop: () => Promise<void>
  /** Listens again on the same port. */
  start: () => Promise<void>
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const hits: Hit[] = []
  const secrets = new Map<string, string>()
  const answers = new Map<string, Answer | ((count: number) => Answer)>()
  let server: Server | undefined
  let boundPort = port
  const open = new Set<ServerResponse>()

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0]!
      const raw = Buffer.concat(chunks).toString('utf8')
      const secret = secrets.get(path)
      hits.push({
        path,
        id: String(request.headers['webhook-id']),
        timestamp: Number(request.headers['webhook-timestamp']),
        body: JSON.parse(raw) as Hit['body'],
        headers: request.headers,
        verified: secret !== undefined && verifySignature(secret, request.headers, raw),
        at: Date.now(),
      })
      const configured = answers.get(path) ?? { status: 204 }
      const answer = typeof configured === 'function' ? configured(hits.filter((hit) => hit.path === path).length) : configured
      if (answer === 'hang') {
        open.add(response)
        return
      }
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '')
    })
  }

  const start = async () => {
    server = createServer(handle)
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject)
      server!.listen(boundPort, '127.0.0.1', resolve)
    })
    boundPort = (server.address() as AddressInfo).port
  }
  const stop = async () => {
    for (const response of open) response.destroy()
    open.clear()
    const closing = server
    server = undefined
    if (!closing) return
    closing.closeAllConnections()
    await new Promise<void>((resolve) => closing.close(() => resolve()))
  }
  await start()
  return {
    url: (path) => `http://127.0.0.1:${boundPort}${path}`,
    hits,
    secrets,
    answer: (path, answer) => answers.set(path, answer),
    stop,
    start,
  }
}

/** Creates a webhook through the API and teaches the receiver its secret; the webhook and its secret. */
export async function subscribe(app: FastifyInstance, auth: Auth, receiver: Receiver, path: string, body: Record<string, unknown> = {}) {
  const response = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth, payload: { url: receiver.url(path), ...body } })
  if (response.statusCode !== 201) throw new Error(`createWebhook failed: ${response.statusCode} ${response.body}`)
  const created = response.json() as { webhook: { id: string; organizationId: string; version: number; status: string; createdAt: string }; secret: string }
  receiver.secrets.set(path, created.secret)
  return created
}

export type DeliveryBody = {
  id: string
  webhookId: string
  eventId: number
  eventType: string
  messageId: string
  status: string
  attempts: number
  nextAttemptAt: string | null
  lastStatusCode: number | null
  lastError: string | null
  attemptLog: Array<{ attempt: number; attemptedAt: string; durationMs: number; statusCode: number | null; error: string | null; responseBody: string | null }>
}

/** Every delivery of a webhook (newest first), through the API. */
export async function deliveriesOf(app: FastifyInstance, auth: Auth, webhookId: string, query = ''): Promise<DeliveryBody[]> {
  const items: DeliveryBody[] = []
  let cursor: string | null = null
  do {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/webhooks/${webhookId}/deliveries?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: auth,
    })
    if (response.statusCode !== 200) throw new Error(`listWebhookDeliveries failed: ${response.statusCode} ${response.body}`)
    const page = response.json() as { items: DeliveryBody[]; nextCursor: string | null }
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return items
}

/** The events a subscription of these organisations should receive: addressed to one of them, after it was created. */
export async function eventsFor(db: Db, organizationId: string, since: Date, types?: string[]): Promise<{ id: number; type: string }[]> {
  const result = await db.execute<{ id: number | string; type: string }>(sql`
    select id, type from outbox_events
    where ${organizationId}::uuid = any(organization_ids) and occurred_at >= ${since} and type <> 'webhook.ping'
    order by id`)
  return result.rows.map((row) => ({ id: Number(row.id), type: row.type })).filter((event) => !types || types.includes(event.type))
}

/** Polls until `done` holds, or throws after `timeoutMs` with what `describe` says of the state. */
export async function waitFor(done: () => Promise<boolean> | boolean, timeoutMs: number, describe: () => Promise<string> | string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting after ${timeoutMs} ms: ${await describe()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
