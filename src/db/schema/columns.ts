import { sql } from 'drizzle-orm'
import { customType, integer, timestamp, uuid } from 'drizzle-orm/pg-core'

/** A 64-bit transaction id (pg_current_xact_id()); read as a decimal string. */
export const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' })

export const id = () =>
  uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`)

/** created/updated stamps and the optimistic-concurrency version behind ETag / If-Match. */
export const stamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  version: integer('version').notNull().default(1),
})
