import { sql } from 'drizzle-orm'
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, stamps, xid8 } from './columns.ts'
import { outboxEvents } from './outbox.ts'
import { organizations } from './organizations.ts'

/**
 * Other exchanges and portals whose records this exchange mirrors (federation). The operator
 * registers a source and the organisation that runs it; that organisation's keys write its records
 * through PUT /v1/sources/{source}/...
 */
export const sources = pgTable(
  'sources',
  {
    // A short slug, part of every global id minted for the source's records.
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    homepage: text('homepage'),
    ...stamps(),
  },
  (table) => [check('sources_id_check', sql`${table.id} ~ '^[a-z0-9][a-z0-9-]{1,62}$'`), index('sources_organization_idx').on(table.organizationId)],
)

/** An organisation's webhook: where to POST which events, and the secret that signs them. */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    url: text('url').notNull(),
    // Event types delivered; empty: every event addressed to the organisation.
    eventTypes: text('event_types')
      .array()
      .notNull()
      .default(sql`'{}'`),
    description: text('description'),
    // Standard Webhooks secret ("whsec_" + base64). Kept readable: signing needs it.
    secret: text('secret').notNull(),
    status: text('status').notNull().default('active'),
    disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
    disabledReason: text('disabled_reason'),
    ...stamps(),
  },
  (table) => [
    check('webhook_subscriptions_status_check', sql`${table.status} in ('active', 'disabled')`),
    index('webhook_subscriptions_organization_idx').on(table.organizationId),
  ],
)

/** One event for one subscription: delivered once, retried with backoff until it succeeds or dies. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => outboxEvents.id, { onDelete: 'restrict' }),
    // pending (an attempt is queued), succeeded, failed (retries exhausted or the subscription disabled).
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    check('webhook_deliveries_status_check', sql`${table.status} in ('pending', 'succeeded', 'failed')`),
    // Two processes fanning out the same event insert one delivery: the second insert does nothing.
    uniqueIndex('webhook_deliveries_subscription_event_key').on(table.subscriptionId, table.eventId),
    index('webhook_deliveries_subscription_idx').on(table.subscriptionId, table.createdAt.desc(), table.id.desc()),
    // What /metrics counts at every scrape (src/http/metrics.ts), without reading the delivered ones.
    index('webhook_deliveries_pending_idx')
      .on(table.createdAt)
      .where(sql`${table.status} = 'pending'`),
    index('webhook_deliveries_failed_idx')
      .on(table.updatedAt)
      .where(sql`${table.status} = 'failed'`),
  ],
)

/** The delivery log: every attempt, with what the receiver answered. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true, mode: 'date' }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    statusCode: integer('status_code'),
    // Why it failed (timeout, refused address, connection error, non-2xx), null on success.
    error: text('error'),
    // The first bytes of the receiver's answer, for debugging.
    responseBody: text('response_body'),
  },
  (table) => [primaryKey({ columns: [table.deliveryId, table.attempt] })],
)

/** Where the fan-out from the outbox to deliveries has got to (one row, locked by the fan-out). */
export const webhookCursor = pgTable('webhook_cursor', {
  id: integer('id').primaryKey().default(1),
  transactionId: xid8('transaction_id')
    .notNull()
    .default(sql`'0'::xid8`),
  eventId: bigint('event_id', { mode: 'number' }).notNull().default(0),
})

/** A bulk import: its file (in import_chunks), processed by a job in batches, with its progress. */
export const imports = pgTable(
  'imports',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    apiKeyId: uuid('api_key_id').notNull(),
    kind: text('kind').notNull(),
    format: text('format').notNull(),
    status: text('status').notNull().default('queued'),
    totalRows: integer('total_rows').notNull().default(0),
    rowsDone: integer('rows_done').notNull().default(0),
    rowsCreated: integer('rows_created').notNull().default(0),
    rowsUpdated: integer('rows_updated').notNull().default(0),
    rowsFailed: integer('rows_failed').notNull().default(0),
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    check('imports_kind_check', sql`${table.kind} in ('listings', 'demands', 'organizations')`),
    check('imports_format_check', sql`${table.format} in ('csv', 'ndjson')`),
    check('imports_status_check', sql`${table.status} in ('queued', 'running', 'completed', 'failed')`),
    index('imports_organization_idx').on(table.organizationId, table.createdAt.desc()),
  ],
)

/**
 * An uploaded file, in pieces of text, written as the upload streams in (so no process holds a whole
 * file) and read back in order by the import's job. The pieces are written before the import row
 * exists, which is created once the whole file is in and checked: hence no foreign key. Pieces whose
 * import never came (an upload cut off by a crash) are swept by a maintenance job.
 */
export const importChunks = pgTable(
  'import_chunks',
  {
    importId: uuid('import_id').notNull(),
    seq: integer('seq').notNull(),
    content: text('content').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.importId, table.seq] })],
)

/** A row an import could not take, with its line number in the file and what was wrong. */
export const importErrors = pgTable(
  'import_errors',
  {
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    errors: jsonb('errors').$type<{ pointer: string; detail: string }[]>().notNull(),
  },
  (table) => [primaryKey({ columns: [table.importId, table.line] })],
)
