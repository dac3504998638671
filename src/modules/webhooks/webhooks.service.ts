import type { Db, DbOrTx } from '../../db/client.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, preconditionFailed, unprocessable } from '../../lib/problem.ts'
import { actsFor, organizationMerged } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { findOrganization } from '../organizations/organizations.repo.ts'
import { deliverJob, type DeliverJob } from './webhooks.dispatch.ts'
import * as repo from './webhooks.repo.ts'
import type {
  DeliveryListQuery,
  Webhook,
  WebhookCreate,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookListQuery,
  WebhookPage,
  WebhookUpdate,
  WebhookWithSecret,
} from './webhooks.schemas.ts'
import { messageIdOf, newSecret } from './webhooks.signing.ts'
import { refusalOf } from './webhooks.addresses.ts'
import { hostOf, resolveHost } from './webhooks.transport.ts'

// Who manages an organisation's webhooks: its admin keys, the admin keys of an organisation acting
// for it (a delegate, or its successor after a merge), and the operator. To anyone who does not
// act for the organisation its webhooks do not exist (404); keys that act for it without the admin
// role get 403. Webhooks carry a secret and reach out to the network: editors and readers keep off.

const adminOnly = "Only the organisation's admin keys (or its delegates', or the operator) manage its webhooks"

export function toWebhook(row: repo.SubscriptionRow): Webhook {
  return {
    id: row.id,
    organizationId: row.organizationId,
    url: row.url,
    eventTypes: row.eventTypes,
    description: row.description,
    status: row.status as Webhook['status'],
    disabledAt: row.disabledAt?.toISOString() ?? null,
    disabledReason: row.disabledReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  }
}

function toDelivery(row: repo.DeliveryRow, attempts: repo.AttemptRow[]): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.subscriptionId,
    eventId: row.eventId,
    eventType: row.eventType,
    messageId: messageIdOf(row.eventId),
    status: row.status as WebhookDelivery['status'],
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    attemptLog: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      attemptedAt: attempt.attemptedAt.toISOString(),
      durationMs: attempt.durationMs,
      statusCode: attempt.statusCode,
      error: attempt.error,
      responseBody: attempt.responseBody,
    })),
  }
}

const managesWebhooks = (actor: Actor) => actor.role === 'operator' || actor.role === 'admin'

export function createWebhookService(deps: { db: Db; clock: Clock; jobs: Pick<JobQueue, 'send'>; allowPrivate: boolean; cursors: Cursors }) {
  const { db, clock, jobs, allowPrivate, cursors } = deps

  /** A (createdAt, id) keyset cursor. */
  function afterOf(cursor: string | undefined, sort: string): { createdAt: Date; id: string } | undefined {
    if (!cursor) return undefined
    const [createdAt, id] = cursors.decode(cursor, sort, ['instant', 'uuid'])
    return { createdAt, id }
  }

  /**
   * A subscriber URL as stored, or 422 on `pointer`: http or https, and a host that resolves, to
   * public unicast addresses only (webhooks.addresses.ts), unless private ones are allowed.
   * Deliveries check the address again when they connect: DNS may have changed since.
   */
  async function checkedUrl(value: string, pointer: string): Promise<string> {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw unprocessable('invalid_url', `${value} is not a URL`, [{ pointer, detail: 'is not a URL' }])
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw unprocessable('invalid_url', 'A webhook URL is http or https', [{ pointer, detail: 'is not http or https' }])
    }
    const host = hostOf(url)
    const addresses = await resolveHost(host)
    if (addresses.length === 0)
      throw unprocessable('url_unresolvable', `${host} does not resolve to an address`, [{ pointer, detail: 'has a host that does not resolve' }])
    const refused = addresses.flatMap((address) => {
      const refusal = refusalOf(address)
      return refusal === null ? [] : [`${address}: ${refusal}`]
    })
    if (!allowPrivate && refused.length > 0) {
      throw unprocessable(
        'url_not_allowed',
        `${host} resolves to an address that is not public (${refused.join('; ')}); webhooks go to public addresses only`,
        [{ pointer, detail: 'resolves to a private, loopback, link-local, reserved or documentation address' }],
      )
    }
    return url.href
  }

  /** The subscription, if the actor may manage it: 404 when it may not even know of it, 403 when not an admin. */
  async function managed(conn: DbOrTx, actor: Actor, id: string, options: { lock?: boolean } = {}): Promise<repo.SubscriptionRow> {
    const row = await repo.findSubscription(conn, id, options)
    if (!row || !(await actsFor(conn, actor, row.organizationId))) throw notFound('Webhook', id)
    if (!managesWebhooks(actor)) throw forbidden(adminOnly)
    return row
  }

  /** The organisation whose webhooks a create or list is about: one the actor acts for, as an admin. */
  async function organizationFor(actor: Actor, requested: string | undefined, pointer: string): Promise<string> {
    if (!managesWebhooks(actor)) throw forbidden(adminOnly)
    const organizationId = requested ?? actor.organizationId
    if (!(await actsFor(db, actor, organizationId))) {
      throw forbidden('A key manages the webhooks of its own organisation, or of one that delegated to it', [
        { pointer, detail: 'is not an organisation this key acts for' },
      ])
    }
    return organizationId
  }

  type Shown = Record<string, unknown> | null
  const audit = (tx: DbOrTx, actor: Actor, operation: string, row: repo.SubscriptionRow, before: Shown, after: Shown, now: Date) =>
    recordAudit(tx, { actor, owningOrganizationId: row.organizationId, operation, targetType: 'webhook', targetId: row.id, before, after, occurredAt: now })

  async function create(actor: Actor, input: WebhookCreate): Promise<WebhookWithSecret> {
    const organizationId = await organizationFor(actor, input.organizationId, '#/organizationId')
    const url = await checkedUrl(input.url, '#/url')
    const now = clock.now()
    return db.transaction(async (tx) => {
      const organization = await findOrganization(tx, organizationId)
      if (!organization) {
        throw unprocessable('unknown_organization', `No organisation has id ${organizationId}`, [
          { pointer: '#/organizationId', detail: 'is not a known organisation' },
        ])
      }
      if (organization.mergedIntoId) throw organizationMerged(organizationId, organization.mergedIntoId)
      const secret = newSecret()
      const row = await repo.insertSubscription(tx, {
        organizationId,
        url,
        eventTypes: input.eventTypes ?? [],
        description: input.description ?? null,
        secret,
        createdAt: now,
        updatedAt: now,
      })
      const webhook = toWebhook(row)
      await audit(tx, actor, 'webhook.create', row, null, webhook, now)
      return { webhook, secret }
    })
  }

  async function list(actor: Actor, query: WebhookListQuery): Promise<WebhookPage> {
    const organizationId = await organizationFor(actor, query.organizationId, '#/query/organizationId')
    const limit = query.limit ?? 20
    const rows = await repo.listSubscriptions(db, { organizationId, after: afterOf(query.cursor, 'webhooks'), limit: limit + 1 })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return { items: page.map(toWebhook), nextCursor: rows.length > limit && last ? cursors.encode('webhooks', [last.createdAt, last.id]) : null }
  }

  async function get(actor: Actor, id: string): Promise<Webhook> {
    return toWebhook(await managed(db, actor, id))
  }

  async function update(actor: Actor, id: string, input: WebhookUpdate, expectedVersion?: number): Promise<Webhook> {
    const url = input.url === undefined ? undefined : await checkedUrl(input.url, '#/url')
    const now = clock.now()
    return db.transaction(async (tx) => {
      const row = await managed(tx, actor, id, { lock: true })
      if (expectedVersion !== undefined && expectedVersion !== row.version) throw preconditionFailed()
      const values: Partial<repo.SubscriptionInsert> = {}
      if (url !== undefined) values.url = url
      if (input.eventTypes !== undefined) values.eventTypes = input.eventTypes
      if (input.description !== undefined) values.description = input.description
      if (input.status === 'active' && row.status !== 'active') Object.assign(values, { status: 'active', disabledAt: null, disabledReason: null })
      if (input.status === 'disabled' && row.status !== 'disabled')
        Object.assign(values, { status: 'disabled', disabledAt: now, disabledReason: 'Disabled by its owner' })
      const updated = await repo.updateSubscription(tx, { id, expectedVersion: row.version, values, now })
      if (!updated) throw preconditionFailed()
      const webhook = toWebhook(updated)
      await audit(tx, actor, 'webhook.update', updated, toWebhook(row), webhook, now)
      return webhook
    })
  }

  async function remove(actor: Actor, id: string): Promise<void> {
    const now = clock.now()
    await db.transaction(async (tx) => {
      const row = await managed(tx, actor, id, { lock: true })
      await repo.deleteSubscription(tx, id)
      await audit(tx, actor, 'webhook.delete', row, toWebhook(row), null, now)
    })
  }

  /** A new secret, effective for the next attempt of every delivery; the old one stops at once. */
  async function rotateSecret(actor: Actor, id: string): Promise<WebhookWithSecret> {
    const now = clock.now()
    return db.transaction(async (tx) => {
      const row = await managed(tx, actor, id, { lock: true })
      const secret = newSecret()
      const updated = (await repo.updateSubscription(tx, { id, expectedVersion: row.version, values: { secret }, now }))!
      const webhook = toWebhook(updated)
      // The audit trail shows that the secret changed, never the secret.
      await audit(tx, actor, 'webhook.rotate_secret', updated, toWebhook(row), { ...webhook, secretRotatedAt: now.toISOString() }, now)
      return { webhook, secret }
    })
  }

  async function deliveries(actor: Actor, id: string, query: DeliveryListQuery): Promise<WebhookDeliveryPage> {
    await managed(db, actor, id)
    const limit = query.limit ?? 20
    const rows = await repo.listDeliveries(db, { subscriptionId: id, status: query.status, after: afterOf(query.cursor, 'deliveries'), limit: limit + 1 })
    const page = rows.slice(0, limit)
    const attempts = await repo.attemptsOf(
      db,
      page.map((row) => row.id),
    )
    const last = page.at(-1)
    return {
      items: page.map((row) =>
        toDelivery(
          row,
          attempts.filter((attempt) => attempt.deliveryId === row.id),
        ),
      ),
      nextCursor: rows.length > limit && last ? cursors.encode('deliveries', [last.createdAt, last.id]) : null,
    }
  }

  async function deliveryView(conn: DbOrTx, subscriptionId: string, deliveryId: string): Promise<WebhookDelivery> {
    const row = (await repo.findDelivery(conn, subscriptionId, deliveryId))!
    return toDelivery(row, await repo.attemptsOf(conn, [deliveryId]))
  }

  const assertActive = (row: repo.SubscriptionRow) => {
    if (row.status !== 'active')
      throw conflict(
        'webhook_disabled',
        `The webhook is disabled (${row.disabledReason ?? 'no reason given'}); re-enable it with PATCH {"status": "active"} first`,
      )
  }

  /** A finished delivery (succeeded or failed) starts a new cycle of attempts, from the first. */
  async function redeliver(actor: Actor, id: string, deliveryId: string): Promise<WebhookDelivery> {
    const now = clock.now()
    return db.transaction(async (tx) => {
      const row = await managed(tx, actor, id, { lock: true })
      const delivery = await repo.findDelivery(tx, id, deliveryId, { lock: true })
      if (!delivery) throw notFound('Delivery', deliveryId)
      assertActive(row)
      if (delivery.status === 'pending') {
        throw conflict(
          'delivery_pending',
          `The delivery is still being attempted${delivery.nextAttemptAt ? `; the next attempt is due at ${delivery.nextAttemptAt.toISOString()}` : ''}`,
        )
      }
      await repo.requeueDelivery(tx, deliveryId, now)
      await jobs.send(deliverJob, { deliveryId, attempt: delivery.attempts + 1, retry: 0 } satisfies DeliverJob, { tx })
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.organizationId,
        operation: 'webhook.redeliver',
        targetType: 'webhook',
        targetId: id,
        after: { deliveryId },
        occurredAt: now,
      })
      return deliveryView(tx, id, deliveryId)
    })
  }

  /** A webhook.ping event for this webhook alone: a way to test the receiver and its signature check. */
  async function ping(actor: Actor, id: string): Promise<WebhookDelivery> {
    const now = clock.now()
    return db.transaction(async (tx) => {
      const row = await managed(tx, actor, id, { lock: true })
      assertActive(row)
      const deliveryId = await repo.insertDirectEvent(tx, {
        type: 'webhook.ping',
        subscriptionId: id,
        organizationId: row.organizationId,
        payload: { webhookId: id, message: 'A test event from tech-exchange: your receiver is reachable if it answers 2xx' },
        now,
      })
      await jobs.send(deliverJob, { deliveryId, attempt: 1, retry: 0 } satisfies DeliverJob, { tx })
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.organizationId,
        operation: 'webhook.ping',
        targetType: 'webhook',
        targetId: id,
        after: { deliveryId },
        occurredAt: now,
      })
      return deliveryView(tx, id, deliveryId)
    })
  }

  return { create, list, get, update, remove, rotateSecret, deliveries, redeliver, ping }
}

export type WebhookService = ReturnType<typeof createWebhookService>
