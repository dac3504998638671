import { Type, type Static } from 'typebox'
import { Cursor, Limit, Uuid, ref } from '../../http/common.schemas.ts'
import { Enum, Nullable, ShortText, Timestamp } from '../../http/fields.ts'
import { delegationStates } from './delegations.process.ts'

// Request schemas are inline TypeBox (no ref()): the validator does not resolve $ref.

const statusNames = delegationStates.map((state) => state.name)
const DelegationStatus = Enum(statusNames, {
  title: 'DelegationStatus',
  description: "proposed: waiting for the member's admin (grants nothing); active: the agent acts for the member; declined, expired, withdrawn, ended: closed",
})

export const DelegationCreate = Type.Object(
  {
    memberOrganizationId: { ...Uuid, description: 'The member organisation (enterprise, transfer centre, research institute or university)' },
    agentOrganizationId: Type.Optional({
      ...Uuid,
      description: "The connection point or DOST that will act for the member: operator only; other callers' own organisation is the agent",
    }),
    basis: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        pattern: '\\S',
        description:
          "Operator only: why the delegation takes effect without the member's acceptance (e.g. the signed mandate's reference); not blank. Kept on the delegation and in the audit trail. Without it the delegation is proposed",
      }),
    ),
  },
  { additionalProperties: false },
)
export type DelegationCreate = Static<typeof DelegationCreate>

export const DelegationClose = Type.Object({ reason: Type.Optional(ShortText({ description: 'Why; shown to both sides' })) }, { additionalProperties: false })
export type DelegationClose = Static<typeof DelegationClose>

export const DelegationListQuery = Type.Object(
  {
    agentOrganizationId: Type.Optional(Uuid),
    memberOrganizationId: Type.Optional(Uuid),
    status: Type.Optional(DelegationStatus),
    active: Type.Optional(Type.Boolean({ description: 'true: only active delegations; false: every other status' })),
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
    status: DelegationStatus,
    active: Type.Boolean({ description: 'status is active: the agent acts for the member now' }),
    origin: Enum(['proposal', 'onboarding', 'operator'] as const, {
      title: 'DelegationOrigin',
      description:
        "proposal: the agent proposed and the member's admin answers; onboarding: the agent registered the member itself; operator: the operator recorded it with a basis",
    }),
    basis: Nullable(Type.String({ description: "Why the operator recorded it without the member's acceptance" })),
    createdAt: Timestamp,
    createdByKeyId: Nullable(Uuid),
    expiresAt: Nullable({ ...Timestamp, description: 'When a proposal lapses unless the member answers it' }),
    acceptedAt: Nullable(Timestamp),
    acceptedByKeyId: Nullable(Uuid),
    endedAt: Nullable({ ...Timestamp, description: 'When it closed: declined, expired, withdrawn or ended' }),
    endedByOrganizationId: Nullable({ ...Uuid, description: 'Who closed it; null for an expiry' }),
    endReason: Nullable(Type.String()),
  },
  { $id: 'Delegation', description: 'A connection point or DOST (the agent) acting, or proposing to act, for a member organisation' },
)
export type Delegation = Static<typeof Delegation>

export const DelegationPage = Type.Object({ items: Type.Array(ref(Delegation)), nextCursor: Nullable(Type.String()) }, { $id: 'DelegationPage' })
export type DelegationPage = Static<typeof DelegationPage>

export const delegationSchemas = [Delegation, DelegationPage]
