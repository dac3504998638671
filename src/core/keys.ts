import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { and, eq, isNull } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.ts'
import { preparedWhere } from '../db/prepared.ts'
import { apiKeys, organizations } from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import type { KeyIdentity, Role } from './actor.ts'

// The API key as a credential: its format, how one is made and how a bearer key resolves to its
// caller. The key management routes live in modules/api-keys; authentication (http/auth.ts), the
// rate limiter and the command line need only this.

// Key format: txk_<12-char public prefix>_<43-char secret>. The prefix finds the row; only a
// SHA-256 of the whole key is stored (keys are 256-bit random, so a slow hash adds nothing).
const keyPattern = /^txk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/
const bearerPrefixPattern = /^Bearer\s+txk_([A-Za-z0-9]{12})_/i

/**
 * The public prefix of the key in an Authorization header, read without touching the database (the
 * rate limiter counts per key with it). Undefined when the header does not look like one of our keys.
 */
export function keyPrefixOf(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : bearerPrefixPattern.exec(authorization)?.[1]
}

const hashKey = (key: string) => createHash('sha256').update(key).digest()

export type CreatedKey = { id: string; key: string; prefix: string; role: Role; organizationId: string }

export async function createApiKey(
  db: DbOrTx,
  params: { organizationId: string; role: Role; label?: string; expiresAt?: Date; rotatedFromId?: string; createdAt?: Date },
): Promise<CreatedKey> {
  const prefix = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)
  const key = `txk_${prefix}_${randomBytes(32).toString('base64url')}`
  const [row] = await db
    .insert(apiKeys)
    .values({
      organizationId: params.organizationId,
      prefix,
      secretHash: hashKey(key).toString('hex'),
      role: params.role,
      label: params.label,
      expiresAt: params.expiresAt,
      rotatedFromId: params.rotatedFromId,
      // The API passes its clock's time; the command line leaves it to the database.
      ...(params.createdAt ? { createdAt: params.createdAt } : {}),
    })
    .returning({ id: apiKeys.id })
  return { id: row!.id, key, prefix, role: params.role, organizationId: params.organizationId }
}

/** Resolves a bearer key to its actor, or null when it is unknown, revoked, expired or malformed. */
export async function authenticateKey(db: DbOrTx, clock: Clock, key: string): Promise<KeyIdentity | null> {
  const match = keyPattern.exec(key)
  if (!match) return null
  const now = clock.now()
  const [row] = await db
    .select({
      id: apiKeys.id,
      secretHash: apiKeys.secretHash,
      role: apiKeys.role,
      organizationId: apiKeys.organizationId,
      organizationKind: organizations.kind,
      lastUsedAt: apiKeys.lastUsedAt,
      lastWriteAt: apiKeys.lastWriteAt,
      expiresAt: apiKeys.expiresAt,
    })
    .from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .where(preparedWhere(and(eq(apiKeys.prefix, match[1]!), isNull(apiKeys.revokedAt))))
  if (!row) return null
  if (!timingSafeEqual(Buffer.from(row.secretHash, 'hex'), hashKey(key))) return null
  if (row.expiresAt && row.expiresAt <= now) return null
  // Record use at most once a minute per key, so reads don't each cost a write.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id))
  }
  return { keyId: row.id, organizationId: row.organizationId, organizationKind: row.organizationKind, role: row.role as Role, lastWriteAt: row.lastWriteAt }
}
