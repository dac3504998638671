import { and, desc, eq, isNull, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { apiKeys, organizations } from '../../db/schema/index.ts'

// Every column but the secret's hash, which never leaves the authentication check.
const keyColumns = {
  id: apiKeys.id,
  organizationId: apiKeys.organizationId,
  prefix: apiKeys.prefix,
  role: apiKeys.role,
  label: apiKeys.label,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  rotatedFromId: apiKeys.rotatedFromId,
}

export type KeyRow = {
  id: string
  organizationId: string
  prefix: string
  role: string
  label: string | null
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date | null
  revokedAt: Date | null
  rotatedFromId: string | null
}

/** One key; `forUpdate` locks its row until the transaction ends (rotation, so two cannot both win). */
export async function findKey(db: DbOrTx, id: string, options: { forUpdate?: boolean } = {}): Promise<KeyRow | undefined> {
  const query = db.select(keyColumns).from(apiKeys).where(eq(apiKeys.id, id))
  const [row] = options.forUpdate ? await query.for('update') : await query
  return row
}

export async function findOrganizationSummary(db: DbOrTx, id: string) {
  const [row] = await db
    .select({ id: organizations.id, kind: organizations.kind, name: organizations.name })
    .from(organizations)
    .where(eq(organizations.id, id))
  return row
}

/** Whether a key has already been replaced by rotation. */
export async function hasSuccessor(db: DbOrTx, id: string): Promise<boolean> {
  const [row] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.rotatedFromId, id)).limit(1)
  return row !== undefined
}

/** Revokes a key that is not revoked yet; undefined when it was (or does not exist). */
export async function revokeKey(db: DbOrTx, id: string, now: Date): Promise<KeyRow | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning(keyColumns)
  return row
}

export async function setKeyExpiry(db: DbOrTx, id: string, expiresAt: Date): Promise<KeyRow> {
  const [row] = await db.update(apiKeys).set({ expiresAt }).where(eq(apiKeys.id, id)).returning(keyColumns)
  return row!
}

// Creation times are compared at millisecond precision: the cursor carries a JavaScript date, while
// keys made by the command line get PostgreSQL's microsecond now().
const createdMs = sql`date_trunc('milliseconds', ${apiKeys.createdAt})`

/** An organisation's keys, newest first, after the cursor position when given. */
export async function listKeys(
  db: DbOrTx,
  filter: { organizationId: string; includeRevoked: boolean; after?: { createdAt: Date; id: string }; limit: number },
): Promise<KeyRow[]> {
  const conditions: Array<SQL | undefined> = [
    eq(apiKeys.organizationId, filter.organizationId),
    filter.includeRevoked ? undefined : isNull(apiKeys.revokedAt),
    filter.after ? sql`(${createdMs}, ${apiKeys.id}) < (${filter.after.createdAt.toISOString()}::timestamptz, ${filter.after.id}::uuid)` : undefined,
  ]
  return db
    .select(keyColumns)
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(desc(createdMs), desc(apiKeys.id))
    .limit(filter.limit)
}

/** Revokes every key of an organisation that is not revoked yet (a merge); the keys revoked. */
export async function revokeOrganizationKeys(db: DbOrTx, organizationId: string, now: Date): Promise<KeyRow[]> {
  return db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.organizationId, organizationId), isNull(apiKeys.revokedAt)))
    .returning(keyColumns)
}
