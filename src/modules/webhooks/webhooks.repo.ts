import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { outboxEvents, webhookAttempts, webhookDeliveries, webhookSubscriptions } from '../../db/schema/index.ts'

// Subscriptions and the delivery log, as the HTTP side reads and writes them. The fan-out and the
// delivery attempts (the job side) are in webhooks.dispatch-repo.ts.

export type SubscriptionRow = typeof webhookSubscriptions.$inferSelect
export type SubscriptionInsert = typeof webhookSubscriptions.$inferInsert

export async function insertSubscription(db: DbOrTx, values: SubscriptionInsert): Promise<SubscriptionRow> {
  const [row] = await db.insert(webhookSubscriptions).values(values).returning()
  return row!
}

/** One subscription; `lock` for a read-then-write in a transaction. */
export async function findSubscription(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<SubscriptionRow | undefined> {
  const query = db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

/** An organisation's subscriptions, newest first. */
export async function listSubscriptions(
  db: DbOrTx,
  filter: { organizationId: string; after?: { createdAt: Date; id: string }; limit: number },
): Promise<SubscriptionRow[]> {
  const after = filter.after
  return db
    .select()
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.organizationId, filter.organizationId),
        after
          ? or(
              lt(webhookSubscriptions.createdAt, after.createdAt),
              and(eq(webhookSubscriptions.createdAt, after.createdAt), lt(webhookSubscriptions.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(webhookSubscriptions.createdAt), desc(webhookSubscriptions.id))
    .limit(filter.limit)
}

/** Applies a change and bumps the version; undefined when `expectedVersion` no longer matches. */
export async function updateSubscription(
  db: DbOrTx,
  params: { id: string; expectedVersion: number; values: Partial<SubscriptionInsert>; now: Date },
): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .update(webhookSubscriptions)
    .set({ ...params.values, updatedAt: params.now, version: sql`${webhookSubscriptions.version} + 1` })
    .where(and(eq(webhookSubscriptions.id, params.id), eq(webhookSubscriptions.version, params.expectedVersion)))
    .returning()
  return row
}

/** Deletes a subscription; its deliveries and their attempts go with it (foreign keys cascade). */
export async function deleteSubscription(db: DbOrTx, id: string): Promise<void> {
  await db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, id))
}

const deliveryColumns = {
  id: webhookDeliveries.id,
  subscriptionId: webhookDeliveries.subscriptionId,
  eventId: webhookDeliveries.eventId,
  eventType: outboxEvents.type,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
  lastAttemptAt: webhookDeliveries.lastAttemptAt,
  lastStatusCode: webhookDeliveries.lastStatusCode,
  lastError: webhookDeliveries.lastError,
  createdAt: webhookDeliveries.createdAt,
}

export type DeliveryRow = {
  id: string
  subscriptionId: string
  eventId: number
  eventType: string
  status: string
  attempts: number
  nextAttemptAt: Date | null
  lastAttemptAt: Date | null
  lastStatusCode: number | null
  lastError: string | null
  createdAt: Date
}

/** One delivery of one subscription; `lock` for a read-then-write in a transaction. */
export async function findDelivery(db: DbOrTx, subscriptionId: string, id: string, options: { lock?: boolean } = {}): Promise<DeliveryRow | undefined> {
  const query = db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(outboxEvents, eq(outboxEvents.id, webhookDeliveries.eventId))
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.subscriptionId, subscriptionId)))
  const [row] = options.lock ? await query.for('update', { of: webhookDeliveries }) : await query
  return row
}

/** A subscription's deliveries, newest first (the index on subscription, created_at desc, id desc). */
export async function listDeliveries(
  db: DbOrTx,
  filter: { subscriptionId: string; status?: string; after?: { createdAt: Date; id: string }; limit: number },
): Promise<DeliveryRow[]> {
  const after = filter.after
  const conditions: (SQL | undefined)[] = [
    eq(webhookDeliveries.subscriptionId, filter.subscriptionId),
    filter.status ? eq(webhookDeliveries.status, filter.status) : undefined,
    after
      ? or(lt(webhookDeliveries.createdAt, after.createdAt), and(eq(webhookDeliveries.createdAt, after.createdAt), lt(webhookDeliveries.id, after.id)))
      : undefined,
  ]
  return db
    .select(deliveryColumns)
    .from(webhookDeliveries)
    .innerJoin(outboxEvents, eq(outboxEvents.id, webhookDeliveries.eventId))
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(filter.limit)
}

export type AttemptRow = typeof webhookAttempts.$inferSelect

/** The attempts of these deliveries, oldest first. */
export async function attemptsOf(db: DbOrTx, deliveryIds: string[]): Promise<AttemptRow[]> {
  if (deliveryIds.length === 0) return []
  return db
    .select()
    .from(webhookAttempts)
    .where(inArray(webhookAttempts.deliveryId, deliveryIds))
    .orderBy(asc(webhookAttempts.deliveryId), asc(webhookAttempts.attempt))
}

/** Puts a finished delivery back in line for a new cycle of attempts. */
export async function requeueDelivery(db: DbOrTx, id: string, now: Date): Promise<void> {
  await db.update(webhookDeliveries).set({ status: 'pending', nextAttemptAt: now, updatedAt: now }).where(eq(webhookDeliveries.id, id))
}

/** An event for one subscription only (a ping), with its delivery, bypassing the fan-out. */
export async function insertDirectEvent(
  db: DbOrTx,
  event: { type: string; subscriptionId: string; organizationId: string; payload: Record<string, unknown>; now: Date },
): Promise<string> {
  const [inserted] = await db
    .insert(outboxEvents)
    .values({
      type: event.type,
      subjectType: 'webhook',
      subjectId: event.subscriptionId,
      organizationIds: [event.organizationId],
      payload: event.payload,
      occurredAt: event.now,
    })
    .returning({ id: outboxEvents.id })
  const [delivery] = await db
    .insert(webhookDeliveries)
    .values({
      subscriptionId: event.subscriptionId,
      eventId: inserted!.id,
      status: 'pending',
      nextAttemptAt: event.now,
      createdAt: event.now,
      updatedAt: event.now,
    })
    .returning({ id: webhookDeliveries.id })
  return delivery!.id
}
