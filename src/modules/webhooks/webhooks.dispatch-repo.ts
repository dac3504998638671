import { sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'

// The job side's queries: the fan-out from the outbox to deliveries, and the claim and record of
// one delivery attempt. Each is one statement (or runs under the cursor's row lock), so two
// processes doing the same work at the same time do it once.

export type Position = { transactionId: string; eventId: number }

/**
 * The oldest transaction still running, as of now. Every event of an older transaction has
 * committed (or never will): reading below it, no later commit can slip in behind the cursor.
 * Taken before the transaction writes anything, so the reader's own transaction id does not hold it back.
 */
export async function commitHorizon(tx: DbOrTx): Promise<string> {
  const result = await tx.execute<{ xmin: string }>(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`)
  return result.rows[0]!.xmin
}

/** The fan-out position, locked until the transaction ends: one fan-out at a time. */
export async function lockCursor(tx: DbOrTx): Promise<Position> {
  await tx.execute(sql`insert into webhook_cursor (id) values (1) on conflict do nothing`)
  const result = await tx.execute<{ transaction_id: string; event_id: number | string }>(
    sql`select transaction_id::text as transaction_id, event_id from webhook_cursor where id = 1 for update`,
  )
  const row = result.rows[0]!
  return { transactionId: row.transaction_id, eventId: Number(row.event_id) }
}

export async function moveCursor(tx: DbOrTx, to: Position): Promise<void> {
  await tx.execute(sql`update webhook_cursor set transaction_id = ${to.transactionId}::xid8, event_id = ${to.eventId} where id = 1`)
}

/** The position of the last of the next `limit` events after `from`, below the horizon; undefined when there are none. */
export async function batchEnd(tx: DbOrTx, from: Position, horizon: string, limit: number): Promise<{ end: Position; count: number } | undefined> {
  const result = await tx.execute<{ transaction_id: string; id: number | string; count: number | string }>(sql`
    select transaction_id::text as transaction_id, id, count(*) over () as count
    from (
      select transaction_id, id from outbox_events
      where (transaction_id, id) > (${from.transactionId}::xid8, ${from.eventId}::bigint) and transaction_id < ${horizon}::xid8
      order by transaction_id, id
      limit ${limit}
    ) batch
    order by transaction_id desc, id desc
    limit 1`)
  const row = result.rows[0]
  return row ? { end: { transactionId: row.transaction_id, eventId: Number(row.id) }, count: Number(row.count) } : undefined
}

/**
 * Deliveries for the events in (from, to]: one per active subscription of an addressed
 * organisation that asked for the event's type, created no later than the event. A ping is
 * addressed to its subscription directly, and a subscription never hears of its own disabling.
 * An existing (subscription, event) pair is left alone, so a repeated fan-out adds nothing.
 */
export async function insertDeliveries(tx: DbOrTx, range: { from: Position; to: Position }, now: Date): Promise<string[]> {
  const result = await tx.execute<{ id: string }>(sql`
    insert into webhook_deliveries (subscription_id, event_id, status, attempts, next_attempt_at, created_at, updated_at)
    select s.id, e.id, 'pending', 0, ${now}, ${now}, ${now}
    from outbox_events e
    join webhook_subscriptions s on s.organization_id = any(e.organization_ids)
    where (e.transaction_id, e.id) > (${range.from.transactionId}::xid8, ${range.from.eventId}::bigint)
      and (e.transaction_id, e.id) <= (${range.to.transactionId}::xid8, ${range.to.eventId}::bigint)
      and s.status = 'active'
      and (cardinality(s.event_types) = 0 or e.type = any(s.event_types))
      and s.created_at <= e.occurred_at
      and e.type <> 'webhook.ping'
      and not (e.type = 'webhook.subscription_disabled' and e.payload->>'webhookId' = s.id::text)
    order by e.transaction_id, e.id, s.id
    on conflict (subscription_id, event_id) do nothing
    returning id`)
  return result.rows.map((row) => row.id)
}

/** What an attempt needs: the event, and where and how to send it. */
export type ClaimedDelivery = {
  id: string
  subscriptionId: string
  organizationId: string
  url: string
  secret: string
  eventId: number
  type: string
  payload: unknown
  occurredAt: Date
}

/**
 * Claims attempt `attempt` of a pending delivery of an active subscription: only the first of two
 * workers running it gets the row. An attempt that was claimed but never recorded (its process
 * died mid-request) may be claimed again once it is older than `staleBefore`.
 */
export async function claimAttempt(tx: DbOrTx, params: { id: string; attempt: number; now: Date; staleBefore: Date }): Promise<ClaimedDelivery | undefined> {
  const result = await tx.execute<{
    id: string
    subscription_id: string
    organization_id: string
    url: string
    secret: string
    event_id: number | string
    type: string
    payload: unknown
    occurred_at: Date | string
  }>(sql`
    update webhook_deliveries d
    set attempts = ${params.attempt}, last_attempt_at = ${params.now}, next_attempt_at = null, updated_at = ${params.now}
    from webhook_subscriptions s, outbox_events e
    where d.id = ${params.id} and s.id = d.subscription_id and e.id = d.event_id
      and d.status = 'pending' and s.status = 'active'
      and (
        d.attempts = ${params.attempt - 1}
        or (d.attempts = ${params.attempt} and d.last_attempt_at <= ${params.staleBefore}
            and not exists (select 1 from webhook_attempts a where a.delivery_id = d.id and a.attempt = ${params.attempt}))
      )
    returning d.id, d.subscription_id, s.organization_id, s.url, s.secret, e.id as event_id, e.type, e.payload, e.occurred_at`)
  const row = result.rows[0]
  if (!row) return undefined
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    organizationId: row.organization_id,
    url: row.url,
    secret: row.secret,
    eventId: Number(row.event_id),
    type: row.type,
    payload: row.payload,
    occurredAt: new Date(row.occurred_at),
  }
}

/** Why a claim found nothing: the delivery's state and its subscription's; undefined when it is gone. */
export async function deliveryState(
  tx: DbOrTx,
  id: string,
): Promise<{ status: string; attempts: number; lastAttemptAt: Date | null; logged: boolean; subscriptionStatus: string } | undefined> {
  const result = await tx.execute<{
    status: string
    attempts: number
    last_attempt_at: Date | string | null
    logged: boolean
    subscription_status: string
  }>(sql`
    select d.status, d.attempts, d.last_attempt_at, s.status as subscription_status,
      exists (select 1 from webhook_attempts a where a.delivery_id = d.id and a.attempt = d.attempts) as logged
    from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id
    where d.id = ${id}`)
  const row = result.rows[0]
  if (!row) return undefined
  return {
    status: row.status,
    attempts: Number(row.attempts),
    lastAttemptAt: row.last_attempt_at ? new Date(row.last_attempt_at) : null,
    logged: row.logged,
    subscriptionStatus: row.subscription_status,
  }
}

/**
 * The outcome of attempt `attempt`, if the delivery is still at that attempt (not deleted, not
 * redelivered meanwhile): the delivery's new state and the attempt's line in the log. False when
 * there was nothing to record it on.
 */
export async function recordAttempt(
  tx: DbOrTx,
  params: {
    id: string
    attempt: number
    attemptedAt: Date
    response: { statusCode: number | null; durationMs: number; error: string | null; responseBody: string | null }
    status: 'pending' | 'succeeded' | 'failed'
    nextAttemptAt: Date | null
    now: Date
  },
): Promise<boolean> {
  const { response } = params
  const updated = await tx.execute(sql`
    update webhook_deliveries
    set status = ${params.status}, next_attempt_at = ${params.nextAttemptAt}, last_status_code = ${response.statusCode}, last_error = ${response.error}, updated_at = ${params.now}
    where id = ${params.id} and attempts = ${params.attempt}
    returning id`)
  if (updated.rows.length === 0) return false
  // NUL cannot be stored in text; a receiver's answer may hold one.
  const body = response.responseBody?.replaceAll('\u0000', '') ?? null
  await tx.execute(sql`
    insert into webhook_attempts (delivery_id, attempt, attempted_at, duration_ms, status_code, error, response_body)
    values (${params.id}, ${params.attempt}, ${params.attemptedAt}, ${response.durationMs}, ${response.statusCode}, ${response.error}, ${body})
    on conflict do nothing`)
  return true
}

/** Stops a delivery whose subscription was disabled: it is failed, with the reason. */
export async function stopDelivery(tx: DbOrTx, id: string, reason: string, now: Date): Promise<void> {
  await tx.execute(
    sql`update webhook_deliveries set status = 'failed', next_attempt_at = null, last_error = ${reason}, updated_at = ${now} where id = ${id} and status = 'pending'`,
  )
}

/** Disables an active subscription; false when it was not active (someone else disabled it first). */
export async function disableSubscription(
  tx: DbOrTx,
  params: { id: string; reason: string; now: Date },
): Promise<{ organizationId: string; url: string } | undefined> {
  const result = await tx.execute<{ organization_id: string; url: string }>(sql`
    update webhook_subscriptions
    set status = 'disabled', disabled_at = ${params.now}, disabled_reason = ${params.reason}, updated_at = ${params.now}, version = version + 1
    where id = ${params.id} and status = 'active'
    returning organization_id, url`)
  const row = result.rows[0]
  return row ? { organizationId: row.organization_id, url: row.url } : undefined
}

/** Fails the other pending deliveries of a disabled subscription, so none waits for a retry that will not come. */
export async function stopPendingDeliveries(tx: DbOrTx, subscriptionId: string, reason: string, now: Date): Promise<number> {
  const result = await tx.execute(sql`
    update webhook_deliveries set status = 'failed', next_attempt_at = null, last_error = ${reason}, updated_at = ${now}
    where subscription_id = ${subscriptionId} and status = 'pending'
    returning id`)
  return result.rows.length
}

/**
 * Pending deliveries of active subscriptions whose attempt is long overdue: their job was lost
 * (it failed every pg-boss retry, say while the database was away). With the attempt to run and
 * the failures since the last success (the position in the retry schedule to resume from).
 */
export async function overdueDeliveries(tx: DbOrTx, before: Date, limit: number): Promise<{ id: string; attempt: number; failures: number }[]> {
  const result = await tx.execute<{ id: string; attempts: number; logged: boolean; failures: number | string }>(sql`
    select d.id, d.attempts,
      exists (select 1 from webhook_attempts a where a.delivery_id = d.id and a.attempt = d.attempts) as logged,
      (select count(*) from webhook_attempts a where a.delivery_id = d.id and a.error is not null
         and a.attempt > coalesce((select max(b.attempt) from webhook_attempts b where b.delivery_id = d.id and b.error is null), 0)) as failures
    from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id and s.status = 'active'
    where d.status = 'pending' and coalesce(d.next_attempt_at, d.last_attempt_at, d.created_at) < ${before}
    order by d.created_at
    limit ${limit}
    for update of d skip locked`)
  return result.rows.map((row) => ({
    id: row.id,
    attempt: row.logged || Number(row.attempts) === 0 ? Number(row.attempts) + 1 : Number(row.attempts),
    failures: Number(row.failures),
  }))
}

/** Marks an overdue delivery as requeued now, so the next sweep leaves it alone for a while. */
export async function markRequeued(tx: DbOrTx, id: string, now: Date): Promise<void> {
  await tx.execute(sql`update webhook_deliveries set next_attempt_at = ${now}, updated_at = ${now} where id = ${id}`)
}
