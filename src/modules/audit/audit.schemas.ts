import { Type, type Static } from 'typebox'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Nullable, Timestamp } from '../../http/fields.ts'

// Ids are a bigint identity: sent as a decimal string, so no client rounds one past 2^53.
const AuditEventId = Type.String({ pattern: '^[1-9][0-9]{0,17}$', maxLength: 18, description: 'The event id, a decimal number as a string' })

const Operation = Type.String({
  pattern: '^[a-z_]{1,40}\\.[a-z_]{1,40}$',
  maxLength: 81,
  description: '`<targetType>.<verb>`, e.g. organization.create, organization.update, listing.publish, listing.withdraw, demand.close, api_key.create',
})

const TargetType = Type.String({
  pattern: '^[a-z_]{1,40}$',
  maxLength: 40,
  description: 'What was changed: organization, listing, demand, api_key',
})

const Change = Type.Object(
  {
    before: Type.Optional(Type.Unknown({ description: 'The value before the write; absent when the write created the record' })),
    after: Type.Optional(Type.Unknown({ description: 'The value after the write; absent when the write removed the field' })),
  },
  { description: 'One changed field' },
)

export const AuditEvent = Type.Object(
  {
    id: AuditEventId,
    occurredAt: Timestamp,
    requestId: Nullable(Type.String({ description: 'The X-Request-Id of the request that made the change; null for the command line' })),
    keyId: Nullable({ ...Uuid, description: 'The API key used; null for the command line' }),
    actingOrganizationId: Nullable({ ...Uuid, description: "The key's organisation: who made the change" }),
    owningOrganizationId: Nullable({ ...Uuid, description: 'The organisation the changed record belongs to' }),
    operation: Operation,
    targetType: TargetType,
    targetId: Type.String({ description: 'The id of the changed record' }),
    changes: Type.Record(Type.String(), Change, {
      description: 'The fields that changed, with their values before and after (API shapes; version and updatedAt are left out). A creation has only `after`.',
    }),
  },
  { $id: 'AuditEvent', description: 'One write: who made it, what it changed, and when' },
)
export type AuditEvent = Static<typeof AuditEvent>

export const AuditEventQuery = Type.Object(
  {
    targetType: Type.Optional(TargetType),
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The id of the changed record' })),
    operation: Type.Optional(Operation),
    organizationId: Type.Optional({ ...Uuid, description: 'Events where this organisation acted or owns the changed record' }),
    keyId: Type.Optional({ ...Uuid, description: 'Events made with this API key' }),
    requestId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$', maxLength: 128, description: 'Events of this request' })),
    from: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'Events at or after this instant' })),
    to: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'Events before this instant' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type AuditEventQuery = Static<typeof AuditEventQuery>

export const AuditEventParams = Type.Object({ id: AuditEventId })

export const AuditEventPage = Type.Object({ items: Type.Array(ref(AuditEvent)), nextCursor: Nullable(Type.String()) }, { $id: 'AuditEventPage' })
export type AuditEventPage = Static<typeof AuditEventPage>

export const auditSchemas = [AuditEvent, AuditEventPage]
