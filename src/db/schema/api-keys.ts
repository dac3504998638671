import { sql } from 'drizzle-orm'
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core'
import { id } from './columns.ts'
import { organizations } from './organizations.ts'

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    // The public part of the key, used to find the row; the secret itself is only stored hashed.
    prefix: text('prefix').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    role: text('role').notNull(),
    label: text('label'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    // The key's last successful write, kept only with read replicas configured: its GETs read from
    // the primary for READ_YOUR_WRITES_SECONDS after it (src/http/replica-reads.ts).
    lastWriteAt: timestamp('last_write_at', { withTimezone: true, mode: 'date' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    // The key this one replaced by rotation. Unique: a key is rotated once; rotate its successor next.
    rotatedFromId: uuid('rotated_from_id').references((): AnyPgColumn => apiKeys.id, { onDelete: 'restrict' }),
  },
  (table) => [
    check('api_keys_role_check', sql`${table.role} in ('operator', 'admin', 'editor', 'reader')`),
    index('api_keys_organization_idx').on(table.organizationId),
    uniqueIndex('api_keys_rotated_from_idx').on(table.rotatedFromId),
  ],
)
