import { Type, type Static, type TSchema } from 'typebox'
import { Cursor, DiscriminatedUnion, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, Nullable, Timestamp } from '../../http/fields.ts'
import { ApiKey } from '../api-keys/api-keys.schemas.ts'
import { DealState } from '../deals/deals.schemas.ts'
import { Delegation } from '../delegations/delegations.schemas.ts'
import { Demand, PossibleDemandDuplicate } from '../demands/demands.schemas.ts'
import { StoredFile } from '../files/files.schemas.ts'
import { storyStatuses } from '../success-stories/success-stories.schemas.ts'
import { ImportColumn, ImportKind, importFormats } from '../imports/imports.schemas.ts'
import { Listing, PossibleDuplicate } from '../listings/listings.schemas.ts'
import { dismissReasons, matchOrigins, matchStatuses } from '../matching/matching.schemas.ts'
import { Organization } from '../organizations/organizations.schemas.ts'
import { metricNames, metrics } from '../reports/reports.schemas.ts'
import { Source } from '../sources/sources.schemas.ts'
import { TaskState } from '../tasks/tasks.schemas.ts'
import { ThesaurusEntry } from '../thesaurus/thesaurus.schemas.ts'
import { Webhook } from '../webhooks/webhooks.schemas.ts'

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

/**
 * One changed field, { before?, after? }. A generated client gets one type per kind of value, not
 * one per field: a named component (an enum, an object) keeps its name (DealStateChange), and
 * other values are typed by their JSON type (TextChange, NullableIntegerChange). Lengths and
 * patterns are left out: they bind what a client sends, not what the trail shows.
 */
function Change(value: TSchema): TSchema {
  const { name, schema } = valueOf(value)
  return Type.Object(
    { before: Type.Optional(schema), after: Type.Optional(schema) },
    { title: `${name}Change`, description: 'The value before the write (absent when it created the record) and after it (absent when it removed the record)' },
  )
}

type Shape = TSchema & { title?: string; $ref?: string; anyOf?: TSchema[]; type?: string; items?: TSchema }

function valueOf(value: TSchema): { name: string; schema: TSchema } {
  const shape = value as Shape
  const nullable = shape.anyOf?.length === 2 && shape.anyOf.some((member) => (member as Shape).type === 'null')
  if (nullable) {
    const inner = valueOf(shape.anyOf!.find((member) => (member as Shape).type !== 'null')!)
    return { name: `Nullable${inner.name}`, schema: Nullable(inner.schema) }
  }
  if (shape.$ref) return { name: shape.$ref.replace(/#$/, ''), schema: Type.Ref(shape.$ref) }
  if (shape.title) {
    // The component as it is: an object with its own description, an enum without the site's.
    const { description: _description, ...bare } = shape as Shape & { description?: string }
    return { name: shape.title, schema: (shape as { enum?: unknown }).enum ? (bare as TSchema) : value }
  }
  if (shape.type === 'array' && shape.items) {
    const item = valueOf(shape.items)
    return { name: `${item.name}List`, schema: Type.Array(item.schema) }
  }
  const plain: Record<string, () => TSchema> = { string: Type.String, integer: Type.Integer, number: Type.Number, boolean: Type.Boolean }
  const make = plain[shape.type ?? '']
  if (!make) throw new Error(`An audited field has a value the trail cannot type: ${JSON.stringify(value).slice(0, 200)}`)
  return { name: shape.type === 'string' ? 'Text' : shape.type![0]!.toUpperCase() + shape.type!.slice(1), schema: make() }
}

const Strings = (description: string) => Type.Array(Type.String(), { description })
const propertiesOf = (schema: TSchema) => (schema as unknown as { properties: Record<string, TSchema> }).properties

/**
 * The fields each kind of record can show in `changes`, with their schemas: the record's API
 * shape where the write recorded it whole, and the few values a move records otherwise.
 */
const changedFields: Array<{ targetType: string; title: string; fields: Record<string, TSchema> }> = [
  { targetType: 'listing', title: 'Listing', fields: { ...propertiesOf(Listing), possibleDuplicates: Type.Array(ref(PossibleDuplicate)) } },
  { targetType: 'demand', title: 'Demand', fields: { ...propertiesOf(Demand), possibleDuplicates: Type.Array(ref(PossibleDemandDuplicate)) } },
  {
    targetType: 'organization',
    title: 'Organization',
    fields: { ...propertiesOf(Organization), reason: Nullable(Type.String({ description: 'Why it was merged' })) },
  },
  { targetType: 'api_key', title: 'ApiKey', fields: { ...propertiesOf(ApiKey), replacedById: Uuid } },
  {
    targetType: 'webhook',
    title: 'Webhook',
    fields: { ...propertiesOf(Webhook), secretRotatedAt: Timestamp, deliveryId: Uuid },
  },
  { targetType: 'delegation', title: 'Delegation', fields: propertiesOf(Delegation) },
  { targetType: 'source', title: 'Source', fields: propertiesOf(Source) },
  { targetType: 'thesaurus_entry', title: 'ThesaurusEntry', fields: propertiesOf(ThesaurusEntry) },
  { targetType: 'file', title: 'StoredFile', fields: propertiesOf(StoredFile) },
  {
    targetType: 'success_story',
    title: 'SuccessStory',
    fields: {
      status: Enum(storyStatuses, { title: 'SuccessStoryStatus' }),
      title: Type.String(),
      changed: Strings('The fields an edit set'),
    },
  },
  {
    targetType: 'report_target',
    title: 'ReportTarget',
    fields: Object.fromEntries(metricNames.map((metric) => [metric, Nullable(Type.Integer({ description: `The year's target: ${metrics[metric]}` }))])),
  },
  { targetType: 'value_chain', title: 'ValueChain', fields: { changed: Strings('The fields the write set') } },
  { targetType: 'exchange_event', title: 'ExchangeEvent', fields: { changed: Strings('The fields the write set') } },
  {
    targetType: 'match',
    title: 'Match',
    fields: {
      status: Enum(matchStatuses, { title: 'MatchStatus' }),
      dismissReason: Enum(dismissReasons, { title: 'DismissReason' }),
      dismissNote: Nullable(Type.String()),
      demandId: Uuid,
      listingId: Uuid,
      origin: Enum(matchOrigins, { title: 'MatchOrigin' }),
      proposalNote: Nullable(Type.String()),
    },
  },
  { targetType: 'deal', title: 'Deal', fields: { state: DealState } },
  { targetType: 'task', title: 'Task', fields: { state: TaskState, changed: Strings('The fields an edit set') } },
  {
    targetType: 'import',
    title: 'Import',
    fields: {
      kind: ImportKind,
      format: Enum(importFormats, { title: 'FileFormat' }),
      totalRows: Type.Integer(),
      columns: Type.Array(ImportColumn, { description: 'CSV: the field each header was read as' }),
      ignoredColumns: Strings('CSV: headers that name no field'),
      lines: Type.Array(Type.Integer(), { description: 'The first and last line of a batch' }),
      created: Type.Array(Uuid, { description: 'The records a batch created' }),
      updated: Type.Array(Uuid, { description: 'The records a batch updated' }),
      failed: Type.Array(Type.Integer(), { description: 'The lines a batch refused' }),
    },
  },
]

/** The record kinds the trail holds (the audit event's targetType). */
export const auditTargetTypes = changedFields.map((entry) => entry.targetType)

const auditEventMember = ({ targetType, title, fields }: (typeof changedFields)[number]) =>
  Type.Object(
    {
      id: AuditEventId,
      occurredAt: Timestamp,
      requestId: Nullable(Type.String({ description: 'The X-Request-Id of the request that made the change; null for the command line' })),
      keyId: Nullable({ ...Uuid, description: 'The API key used; null for the command line' }),
      actingOrganizationId: Nullable({ ...Uuid, description: "The key's organisation: who made the change" }),
      owningOrganizationId: Nullable({ ...Uuid, description: 'The organisation the changed record belongs to' }),
      operation: Operation,
      targetType: Enum([targetType], 'What was changed'),
      targetId: Type.String({ description: 'The id of the changed record' }),
      changes: Type.Object(Object.fromEntries(Object.entries(fields).map(([name, schema]) => [name, Type.Optional(Change(schema))])), {
        title: `${title}AuditChanges`,
        additionalProperties: false,
        description:
          'The fields that changed, with their values before and after (API shapes; version and updatedAt are left out). A creation has only `after`.',
      }),
    },
    { title: `${title}AuditEvent`, description: `A write to a ${targetType.replaceAll('_', ' ')}` },
  )

/** An audit event as the service builds it; the union below says which changes come with which targetType. */
export type AuditEvent = {
  id: string
  occurredAt: string
  requestId: string | null
  keyId: string | null
  actingOrganizationId: string | null
  owningOrganizationId: string | null
  operation: string
  targetType: string
  targetId: string
  changes: Record<string, { before?: unknown; after?: unknown }>
}

// oneOf by targetType, so a generated client narrows `changes` to the record's fields.
export const AuditEvent = DiscriminatedUnion<AuditEvent>({
  $id: 'AuditEvent',
  description: 'One write: who made it, what it changed, and when',
  property: 'targetType',
  members: changedFields.map((entry) => ({ schema: auditEventMember(entry), values: [entry.targetType] })),
})

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
