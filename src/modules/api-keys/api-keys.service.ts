import type { Db, DbOrTx } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Actor, Role } from '../../core/actor.ts'
import { createApiKey } from '../../core/keys.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, unauthorized, unprocessable } from '../../lib/problem.ts'
import { organizationMerged } from '../../core/access.ts'
import { recordAudit } from '../../core/audit.ts'
import { findOrganization } from '../organizations/organizations.repo.ts'
import * as repo from './api-keys.repo.ts'
import type { ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyListQuery, ApiKeyPage, ApiKeyRotate, CurrentApiKey, KeyStatus } from './api-keys.schemas.ts'

// ---------------------------------------------------------------------------------------------
// Key management over HTTP. Who may do what:
// - the operator: every key of every organisation;
// - an admin key: the keys of its own organisation, except operator keys (only the exchange
//   operator's organisation has them, and only operator keys manage them);
// - any key: read itself (GET /current or by id) and revoke itself.
// Keys of other organisations are 404, as if they did not exist.

export function statusOf(row: Pick<repo.KeyRow, 'revokedAt' | 'expiresAt'>, now: Date): KeyStatus {
  if (row.revokedAt) return 'revoked'
  if (row.expiresAt && row.expiresAt <= now) return 'expired'
  return 'active'
}

export function toApiKey(row: repo.KeyRow, now: Date): ApiKey {
  return {
    id: row.id,
    organizationId: row.organizationId,
    prefix: row.prefix,
    role: row.role as Role,
    label: row.label,
    status: statusOf(row, now),
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    rotatedFromId: row.rotatedFromId,
  }
}

const adminOnly = "Only an organisation's admin key (or the operator) manages its API keys"
const operatorKeysOnly = 'Operator keys are created and managed by operator keys only'

/** Reading a key: the key itself, the operator, or an admin of its organisation. */
function assertMaySee(actor: Actor, row: repo.KeyRow) {
  if (row.id === actor.keyId || actor.role === 'operator') return
  if (row.organizationId !== actor.organizationId) throw notFound('API key', row.id)
  if (actor.role !== 'admin') throw forbidden(adminOnly)
}

/** Revoking or rotating: as for reading, and operator keys only by the operator. */
function assertMayManage(actor: Actor, row: repo.KeyRow) {
  assertMaySee(actor, row)
  if (row.role === 'operator' && actor.role !== 'operator') throw forbidden(operatorKeysOnly)
}

/** A requested expiry: a future instant, else 422 on `pointer`. */
function futureExpiry(value: string | undefined, now: Date, pointer: string): Date | undefined {
  if (value === undefined) return undefined
  const expiresAt = new Date(value)
  if (!(expiresAt.getTime() > now.getTime())) {
    throw unprocessable('expiry_not_in_future', 'expiresAt must be in the future', [{ pointer, detail: 'is not in the future' }])
  }
  return expiresAt
}

/**
 * A merge revokes the merged organisation's keys: one audit row per key, as if each had been revoked
 * on its own, so a search of the trail for a key finds why it stopped.
 */
export async function revokeKeysOfMerged(tx: DbOrTx, actor: Actor, organizationId: string, now: Date): Promise<void> {
  for (const key of await repo.revokeOrganizationKeys(tx, organizationId, now)) {
    await recordAudit(tx, {
      actor,
      owningOrganizationId: organizationId,
      operation: 'api_key.revoke',
      targetType: 'api_key',
      targetId: key.id,
      before: toApiKey({ ...key, revokedAt: null }, now),
      after: toApiKey(key, now),
      occurredAt: now,
    })
  }
}

export function createApiKeyService(deps: { db: Db; clock: Clock; cursors: Cursors }) {
  const { db, clock, cursors } = deps

  async function create(actor: Actor, input: ApiKeyCreate): Promise<ApiKeyCreated> {
    const organizationId = input.organizationId ?? actor.organizationId
    if (actor.role !== 'operator') {
      if (actor.role !== 'admin') throw forbidden(adminOnly)
      if (organizationId !== actor.organizationId) throw forbidden('An admin key creates keys for its own organisation only')
      if (input.role === 'operator') throw forbidden(operatorKeysOnly)
    }
    const now = clock.now()
    const expiresAt = futureExpiry(input.expiresAt, now, '#/expiresAt')
    return db.transaction(async (tx) => {
      const organization = await repo.findOrganizationSummary(tx, organizationId)
      if (!organization) {
        throw unprocessable('unknown_organization', `No organisation has id ${organizationId}`, [
          { pointer: '#/organizationId', detail: 'is not a known organisation' },
        ])
      }
      // A merged organisation no longer acts: its keys were revoked at the merge and none are issued.
      const mergedIntoId = (await findOrganization(tx, organizationId))?.mergedIntoId
      if (mergedIntoId) throw organizationMerged(organizationId, mergedIntoId)
      // The same rule as `keys create` on the command line: an operator key may do anything.
      if (input.role === 'operator' && organization.kind !== 'exchange_operator') {
        throw unprocessable('invalid_role', 'The operator role is reserved for the exchange operator organisation', [
          { pointer: '#/role', detail: `is not allowed for a ${organization.kind}` },
        ])
      }
      const created = await createApiKey(tx, { organizationId, role: input.role, label: input.label, expiresAt, createdAt: now })
      const apiKey = toApiKey((await repo.findKey(tx, created.id))!, now)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: organizationId,
        operation: 'api_key.create',
        targetType: 'api_key',
        targetId: apiKey.id,
        before: null,
        after: apiKey,
        occurredAt: now,
      })
      return { apiKey, secret: created.key }
    })
  }

  async function list(actor: Actor, query: ApiKeyListQuery): Promise<ApiKeyPage> {
    const organizationId = query.organizationId ?? actor.organizationId
    if (actor.role !== 'operator') {
      if (organizationId !== actor.organizationId) throw forbidden("Only the operator lists another organisation's keys")
      if (actor.role !== 'admin') throw forbidden(adminOnly)
    }
    const limit = query.limit ?? 20
    const after = query.cursor ? cursors.decode(query.cursor, 'created', ['instant', 'uuid']) : undefined
    const rows = await repo.listKeys(db, {
      organizationId,
      includeRevoked: query.includeRevoked ?? false,
      after: after ? { createdAt: after[0], id: after[1] } : undefined,
      limit: limit + 1,
    })
    const now = clock.now()
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      items: page.map((row) => toApiKey(row, now)),
      nextCursor: rows.length > limit && last ? cursors.encode('created', [last.createdAt, last.id]) : null,
    }
  }

  async function get(actor: Actor, id: string): Promise<ApiKey> {
    const row = await repo.findKey(db, id)
    if (!row) throw notFound('API key', id)
    assertMaySee(actor, row)
    return toApiKey(row, clock.now())
  }

  async function current(actor: Actor): Promise<CurrentApiKey> {
    const row = await repo.findKey(db, actor.keyId)
    const organization = await repo.findOrganizationSummary(db, actor.organizationId)
    // The key authenticated a moment ago; if it vanished since, it no longer stands for anyone.
    if (!row || !organization) throw unauthorized('The API key is unknown, revoked or expired')
    return { apiKey: toApiKey(row, clock.now()), organization: { ...organization, kind: organization.kind as CurrentApiKey['organization']['kind'] } }
  }

  async function revoke(actor: Actor, id: string): Promise<ApiKey> {
    const now = clock.now()
    return db.transaction(async (tx) => {
      const row = await repo.findKey(tx, id, { forUpdate: true })
      if (!row) throw notFound('API key', id)
      assertMayManage(actor, row)
      if (row.revokedAt) throw conflict('key_revoked', `The key was already revoked at ${row.revokedAt.toISOString()}`)
      const revoked = toApiKey((await repo.revokeKey(tx, id, now))!, now)
      await recordAudit(tx, {
        actor,
        owningOrganizationId: row.organizationId,
        operation: 'api_key.revoke',
        targetType: 'api_key',
        targetId: id,
        before: toApiKey(row, now),
        after: revoked,
        occurredAt: now,
      })
      return revoked
    })
  }

  async function rotate(actor: Actor, id: string, input: ApiKeyRotate): Promise<ApiKeyCreated> {
    const now = clock.now()
    const newExpiry = futureExpiry(input.expiresAt, now, '#/expiresAt')
    const cutoff = new Date(now.getTime() + (input.overlapSeconds ?? 86_400) * 1000)
    return db.transaction(async (tx) => {
      // Locked, so two rotations of one key cannot both create a successor.
      const row = await repo.findKey(tx, id, { forUpdate: true })
      if (!row) throw notFound('API key', id)
      assertMayManage(actor, row)
      if (actor.role !== 'operator' && actor.role !== 'admin') throw forbidden(adminOnly)
      const status = statusOf(row, now)
      if (status === 'revoked') throw conflict('key_revoked', 'A revoked key cannot be rotated; create a new key instead')
      if (status === 'expired') throw conflict('key_expired', 'An expired key cannot be rotated; create a new key instead')
      if (await repo.hasSuccessor(tx, id)) throw conflict('key_already_rotated', 'The key has already been rotated; rotate its successor instead')

      // The old key works until the overlap ends, or until its own earlier expiry.
      const oldExpiry = row.expiresAt && row.expiresAt < cutoff ? row.expiresAt : cutoff
      const retiring = toApiKey(await repo.setKeyExpiry(tx, id, oldExpiry), now)
      const created = await createApiKey(tx, {
        organizationId: row.organizationId,
        role: row.role as Role,
        label: row.label ?? undefined,
        expiresAt: newExpiry,
        rotatedFromId: id,
        createdAt: now,
      })
      const apiKey = toApiKey((await repo.findKey(tx, created.id))!, now)
      const common = { actor, owningOrganizationId: row.organizationId, targetType: 'api_key', occurredAt: now }
      await recordAudit(tx, {
        ...common,
        operation: 'api_key.rotate',
        targetId: id,
        before: toApiKey(row, now),
        after: { ...retiring, replacedById: apiKey.id },
      })
      await recordAudit(tx, { ...common, operation: 'api_key.create', targetId: apiKey.id, before: null, after: apiKey })
      return { apiKey, secret: created.key }
    })
  }

  return { create, list, get, current, revoke, rotate }
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>
