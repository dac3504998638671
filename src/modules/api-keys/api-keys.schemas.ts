import { Type, type Static } from 'typebox'
import { organizationKind } from '../reference/reference.schemas.ts'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, Nullable, Timestamp } from '../../http/fields.ts'
import { roles } from '../../core/actor.ts'

export const keyStatuses = ['active', 'expired', 'revoked'] as const
export type KeyStatus = (typeof keyStatuses)[number]

const KeyRole = Enum(roles, { title: 'KeyRole', description: 'operator (the exchange operator only), admin, editor or reader' })
const Label = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'A note to recognise the key by, e.g. "portal Nam Định"' })
const ExpiresAt = Type.String({
  format: 'date-time',
  maxLength: 64,
  description: 'When the key stops working; must be in the future. Omit for a key that does not expire',
})

export const ApiKeyCreate = Type.Object(
  {
    organizationId: Type.Optional({ ...Uuid, description: "The organisation the key acts for; default: the caller's own" }),
    role: KeyRole,
    label: Type.Optional(Label),
    expiresAt: Type.Optional(ExpiresAt),
  },
  { additionalProperties: false },
)
export type ApiKeyCreate = Static<typeof ApiKeyCreate>

export const ApiKeyRotate = Type.Object(
  {
    overlapSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 604_800,
        default: 86_400,
        description: 'How long the old key keeps working (0-604800 seconds, default 86400 = one day)',
      }),
    ),
    expiresAt: Type.Optional({ ...ExpiresAt, description: "The new key's expiry; must be in the future. Omit for a key that does not expire" }),
  },
  { additionalProperties: false },
)
export type ApiKeyRotate = Static<typeof ApiKeyRotate>

export const ApiKeyListQuery = Type.Object(
  {
    organizationId: Type.Optional({ ...Uuid, description: "Whose keys; default: the caller's own organisation. Other organisations: operator only" }),
    includeRevoked: Type.Optional(Type.Boolean({ default: false, description: 'Include revoked keys (default false)' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type ApiKeyListQuery = Static<typeof ApiKeyListQuery>

export const ApiKey = Type.Object(
  {
    id: Uuid,
    organizationId: Uuid,
    prefix: Type.String({ description: 'The public part of the key (txk_<prefix>_...), to recognise it by' }),
    role: KeyRole,
    label: Nullable(Type.String()),
    status: Enum(keyStatuses, { title: 'KeyStatus', description: 'active, expired (past expiresAt) or revoked' }),
    createdAt: Timestamp,
    lastUsedAt: Nullable({ ...Timestamp, description: 'Last successful use, recorded at most once a minute' }),
    expiresAt: Nullable(Timestamp),
    revokedAt: Nullable(Timestamp),
    rotatedFromId: Nullable({ ...Uuid, description: 'The key this one replaced by rotation' }),
  },
  { $id: 'ApiKey', description: 'An API key without its secret, which is never shown again after creation' },
)
export type ApiKey = Static<typeof ApiKey>

export const ApiKeyCreated = Type.Object(
  {
    apiKey: ref(ApiKey),
    secret: Type.String({ description: 'The key itself, txk_...: send it as Authorization: Bearer <secret>. Shown only in this response' }),
  },
  { $id: 'ApiKeyCreated' },
)
export type ApiKeyCreated = Static<typeof ApiKeyCreated>

export const ApiKeyPage = Type.Object({ items: Type.Array(ref(ApiKey)), nextCursor: Nullable(Type.String()) }, { $id: 'ApiKeyPage' })
export type ApiKeyPage = Static<typeof ApiKeyPage>

export const CurrentApiKey = Type.Object(
  {
    apiKey: ref(ApiKey),
    organization: Type.Object({ id: Uuid, kind: organizationKind(), name: Type.String() }),
  },
  { $id: 'CurrentApiKey', description: 'The calling key and the organisation it acts for' },
)
export type CurrentApiKey = Static<typeof CurrentApiKey>

export const apiKeySchemas = [ApiKey, ApiKeyCreated, ApiKeyPage, CurrentApiKey]
