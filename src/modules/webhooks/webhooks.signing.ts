import { createHmac, randomBytes } from 'node:crypto'

// Standard Webhooks (https://www.standardwebhooks.com): the secret is "whsec_" + base64 of random
// bytes; each request is signed with HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>"
// keyed with the decoded secret, sent as "v1,<base64 signature>".

const secretPrefix = 'whsec_'

/** A new signing secret: 24 random bytes (192 bits), base64, after "whsec_". */
export const newSecret = () => `${secretPrefix}${randomBytes(24).toString('base64')}`

/** The key bytes of a secret: the base64 after "whsec_". */
const keyOf = (secret: string) => Buffer.from(secret.slice(secretPrefix.length), 'base64')

/** The webhook-signature header value for one message. */
export function signature(secret: string, message: { id: string; timestamp: number; body: string }): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${message.id}.${message.timestamp}.${message.body}`).digest('base64')
  return `v1,${mac}`
}

/** The webhook-id of an event: the same for every attempt and redelivery, so receivers can drop repeats. */
export const messageIdOf = (eventId: number) => `evt_${eventId}`

/** The body sent: Standard Webhooks' envelope around the event's payload. */
export const messageBody = (event: { type: string; occurredAt: Date; payload: unknown }) =>
  JSON.stringify({ type: event.type, timestamp: event.occurredAt.toISOString(), data: event.payload })
