import { Type, type Static } from 'typebox'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Nullable, ShortText, Timestamp } from '../../http/fields.ts'

// Request schemas are inline TypeBox (no ref()): the validator does not resolve $ref.

export const DelegationCreate = Type.Object(
  {
    memberOrganizationId: { ...Uuid, description: 'The member organisation (enterprise, transfer centre, research institute or university)' },
    agentOrganizationId: Type.Optional({
      ...Uuid,
      description: "The connection point or DOST that will act for the member: operator only; other callers' own organisation is the agent",
    }),
  },
  { additionalProperties: false },
)
export type DelegationCreate = Static<typeof DelegationCreate>

export const DelegationEnd = Type.Object(
  { reason: Type.Optional(ShortText({ description: 'Why the delegation ends' })) },
  { additionalProperties: false },
)
export type DelegationEnd = Static<typeof DelegationEnd>

export const DelegationListQuery = Type.Object(
  {
    agentOrganizationId: Type.Optional(Uuid),
    memberOrganizationId: Type.Optional(Uuid),
    active: Type.Optional(Type.Boolean({ description: 'true: only active delegations; false: only ended ones' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type DelegationListQuery = Static<typeof DelegationListQuery>

export const Delegation = Type.Object(
  {
    id: Uuid,
    agentOrganizationId: Uuid,
    memberOrganizationId: Uuid,
    active: Type.Boolean(),
    createdAt: Timestamp,
    createdByKeyId: Nullable(Uuid),
    endedAt: Nullable(Timestamp),
    endedByOrganizationId: Nullable(Uuid),
    endReason: Nullable(Type.String()),
  },
  { $id: 'Delegation', description: 'A connection point or DOST (the agent) acting for a member organisation' },
)
export type Delegation = Static<typeof Delegation>

export const DelegationPage = Type.Object({ items: Type.Array(ref(Delegation)), nextCursor: Nullable(Type.String()) }, { $id: 'DelegationPage' })
export type DelegationPage = Static<typeof DelegationPage>

export const delegationSchemas = [Delegation, DelegationPage]
