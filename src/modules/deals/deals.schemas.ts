import { Type, type Static, type TSchema } from 'typebox'
import { organizationKind } from '../reference/reference.schemas.ts'
import { Cursor, DiscriminatedUnion, HistoryEntryMember, Limit, ProcessState, Uuid, ref, type HistoryEntry } from '../../http/common.schemas.ts'
import { DateOnly, Enum, Nullable, Timestamp, Vnd } from '../../http/fields.ts'
import { Contact } from '../organizations/organizations.schemas.ts'
import { confidentialFields } from '../../core/disclosure.ts'
import { cancelReasons, declineReasons, EvidenceLink, OfferTermsInput, transitionInputs, type TransitionName } from './deals.inputs.ts'
import { dealRoles, dealStates } from './deals.process.ts'

// Request schemas are inline TypeBox (no ref()); responses use ref().

const stateNames = dealStates.map((state) => state.name)
const transitionNames = Object.keys(transitionInputs) as TransitionName[]
const DocumentLink = Type.Object({ url: Type.String(), title: Type.Optional(Type.String()) }, { title: 'DocumentLink' })

export const DealState = Enum(stateNames, { title: 'DealState', description: 'See GET /v1/deal-process' })
export const DealRole = Enum(dealRoles, { title: 'DealRole' })
const Role = DealRole

export const DealStart = Type.Object(
  {
    listingId: Type.Optional({
      ...Uuid,
      description: 'The listing: alone, an expression of interest by the seeker; with demandId, a proposal by the listing owner',
    }),
    demandId: Type.Optional({
      ...Uuid,
      description: "With listingId: the listing owner proposes its listing for this open demand; the demand's owner is the seeker",
    }),
    matchId: Type.Optional({ ...Uuid, description: "Alone: the demand owner starts from its shortlisted match (the match's listing and demand)" }),
    seekerId: Type.Optional({
      ...Uuid,
      description: "For an expression of interest: the organisation interested, if not the key's own (one that delegated to it)",
    }),
    message: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S', description: 'What the initiator wants, for the other side; not blank' }),
    eventId: Type.Optional({
      ...Uuid,
      description: 'The workshop or fair where the deal started (from its first day until 30 days after its last); its outcomes and the reports count the deal',
    }),
  },
  { additionalProperties: false },
)
export type DealStart = Static<typeof DealStart>

// The union of every transition's input fields: the body is checked here for shapes, then
// against the named transition's own schema (deals.inputs.ts) for what it requires and allows.
// decline_interest and cancel take `reason` from different lists: here it accepts either (the
// transition's own schema picks the list); a plain merge kept cancel's and refused decline reasons.
const inputFields = {
  ...(Object.assign({}, ...Object.values(transitionInputs).map((schema) => schema.properties)) as Record<string, never>),
  reason: Enum([...new Set([...declineReasons, ...cancelReasons])], `decline_interest: ${declineReasons.join(', ')}; cancel: ${cancelReasons.join(', ')}`),
}
export const DealTransitionRequest = Type.Object(
  {
    transition: Enum(transitionNames, {
      title: 'DealTransition',
      description: 'The transition to fire; GET /v1/deal-process lists each with its input, and a deal lists the ones its caller may fire now',
    }),
    side: Type.Optional(
      Enum(['provider', 'seeker'] as const, {
        title: 'DealSide',
        description: 'Only for a broker both parties delegated to: the side it acts for in this move',
      }),
    ),
    ...Object.fromEntries(Object.entries(inputFields).map(([name, schema]) => [name, Type.Optional(schema)])),
  },
  { additionalProperties: false },
)
export type DealTransitionRequest = { transition: TransitionName; side?: 'provider' | 'seeker' } & Record<string, unknown>

export const DealListQuery = Type.Object(
  {
    organizationId: Type.Optional({ ...Uuid, description: "Whose deals: an organisation the key acts for; default the key's own (the operator: every deal)" }),
    side: Type.Optional(
      Enum(['provider', 'seeker'] as const, { title: 'DealSide', description: 'Only deals where that organisation is the provider, or the seeker' }),
    ),
    state: Type.Optional(DealState),
    listingId: Type.Optional(Uuid),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type DealListQuery = Static<typeof DealListQuery>

export const PageQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false })
export type PageQuery = Static<typeof PageQuery>

export const DealMessageCreate = Type.Object(
  {
    body: Type.String({ minLength: 1, maxLength: 10_000, pattern: '\\S', description: 'The message; not blank' }),
    attachments: Type.Optional(Type.Array(EvidenceLink, { maxItems: 10, description: 'Links to documents; the exchange stores links, not files' })),
  },
  { additionalProperties: false },
)
export type DealMessageCreate = Static<typeof DealMessageCreate>

// Responses

export const DealParty = Type.Object(
  {
    id: Nullable({
      ...Uuid,
      description: 'null while the listing (for the provider) or the demand (for the seeker) is anonymous and the deal has not revealed its owner',
    }),
    name: Nullable(Type.String()),
    kind: organizationKind(),
  },
  { $id: 'DealParty' },
)

export const DealListing = Type.Object(
  {
    id: Uuid,
    titleVi: Type.String(),
    titleEn: Nullable(Type.String()),
    kind: Type.String(),
    status: Type.String(),
    trl: Nullable(Type.Integer()),
    anonymous: Type.Boolean(),
    priceType: Type.String(),
    priceVnd: Nullable(Vnd),
    iprStatus: Type.String(),
    iprNumbers: Nullable(Type.Array(Type.String())),
    contacts: Nullable(Type.Array(Contact)),
    redacted: Type.Array(Enum(confidentialFields, { title: 'ConfidentialField' }), {
      description: 'What the listing still hides from this caller at this stage of the deal (see GET /v1/deal-process, disclosure)',
    }),
  },
  { $id: 'DealListing', description: 'The listing as this deal has disclosed it to the caller' },
)

const Milestone = Type.Object({ title: Type.String(), dueDate: Nullable(DateOnly) })

const OfferTerms = Type.Object(
  {
    priceType: Enum(['amount', 'free'] as const, { title: 'OfferPriceType' }),
    priceVnd: Nullable(Vnd),
    transferForm: Type.String(),
    transferMethods: Type.Array(Type.String()),
    scope: Type.String(),
    milestones: Type.Array(Milestone),
  },
  { title: 'OfferTerms' },
)

export const DealOffer = Type.Object(
  {
    id: Uuid,
    number: Type.Integer({ description: '1 for the first offer of the deal, then 2, 3 ...' }),
    madeBy: Enum(['provider', 'seeker'] as const, { title: 'DealSide' }),
    counterOfId: Nullable(Uuid),
    status: Enum(['open', 'accepted', 'rejected', 'withdrawn', 'countered', 'lapsed'] as const, { title: 'OfferStatus' }),
    terms: OfferTerms,
    validUntil: Timestamp,
    decidedAt: Nullable(Timestamp),
    rejectNote: Nullable(Type.String()),
    createdAt: Timestamp,
  },
  { $id: 'DealOffer' },
)

export const DealMilestone = Type.Object(
  {
    id: Uuid,
    position: Type.Integer(),
    title: Type.String(),
    dueDate: Nullable(DateOnly),
    doneAt: Nullable(Timestamp),
    evidence: Type.Array(DocumentLink),
    note: Nullable(Type.String()),
  },
  { $id: 'DealMilestone' },
)

export const Deal = Type.Object(
  {
    id: Uuid,
    state: DealState,
    origin: Enum(['interest', 'proposal', 'match'] as const, { title: 'DealOrigin' }),
    initiatedBy: Enum(['provider', 'seeker'] as const, { title: 'DealSide' }),
    listing: ref(DealListing),
    provider: ref(DealParty),
    seeker: ref(DealParty),
    demandId: Nullable(Uuid),
    matchId: Nullable(Uuid),
    message: Type.String(),
    respondBy: Nullable({ ...Timestamp, description: 'While interest_expressed: when it expires unanswered' }),
    closeReason: Nullable(Type.String({ description: `Why it was declined (${declineReasons.join(', ')}) or cancelled (${cancelReasons.join(', ')})` })),
    closeNote: Nullable(Type.String()),
    disputedFrom: Nullable(DealState),
    offers: Type.Array(ref(DealOffer)),
    milestones: Type.Array(ref(DealMilestone)),
    contractSignedOn: Nullable(DateOnly),
    contractReference: Nullable(Type.String()),
    transferValueVnd: Nullable(Vnd),
    completedOn: Nullable(DateOnly),
    yourRoles: Type.Array(Role, { description: "The caller's roles on this deal" }),
    allowedTransitions: Type.Array(Enum(transitionNames, { title: 'DealTransition' }), {
      description: 'What the caller may fire now (state, role and guards checked): the buttons to show',
    }),
    stateChangedAt: Timestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer({ description: 'Increases with every move; the ETag carries it' }),
  },
  { $id: 'Deal', description: 'A deal between a provider (the listing owner) and a seeker' },
)
export type Deal = Static<typeof Deal>

export const DealPage = Type.Object({ items: Type.Array(ref(Deal)), nextCursor: Nullable(Type.String()) }, { $id: 'DealPage' })
export type DealPage = Static<typeof DealPage>

// A history entry is a oneOf discriminated by `transition`, so a generated client narrows the
// payload (what the transition recorded, deals.transitions.ts) by the transition's name.
export const dealHistoryMembers: Array<{ title: string; transitions: Array<TransitionName | 'start'>; payload: Record<string, TSchema>; description: string }> =
  [
    {
      title: 'DealStartedEntry',
      transitions: ['start'],
      payload: {
        origin: Enum(['interest', 'proposal', 'match'] as const, { title: 'DealOrigin' }),
        message: Type.String(),
        demandId: Nullable(Uuid),
        matchId: Nullable(Uuid),
      },
      description: 'The deal started: an expression of interest, a proposal for a demand, or a shortlisted match',
    },
    { title: 'InterestAcceptedEntry', transitions: ['accept_interest'], payload: { note: Nullable(Type.String()) }, description: 'The interest was accepted' },
    {
      title: 'DealClosedEntry',
      transitions: ['decline_interest', 'cancel'],
      payload: { reason: Type.String({ description: 'A decline or cancel reason (see DeclineReason, CancelReason)' }), note: Nullable(Type.String()) },
      description: 'The interest was declined, or the deal cancelled',
    },
    { title: 'DealAdvancedEntry', transitions: ['expire_interest', 'start_transfer'], payload: {}, description: 'A move that records nothing more' },
    {
      title: 'OfferMadeEntry',
      transitions: ['make_offer'],
      payload: { offerId: Uuid, number: Type.Integer(), counterOfId: Nullable(Uuid), terms: OfferTerms },
      description: 'An offer was made (or countered): its terms as recorded',
    },
    {
      title: 'OfferClosedEntry',
      transitions: ['withdraw_offer', 'reject_offer', 'lapse_offer'],
      payload: { offerId: Uuid, note: Type.Optional(Type.String()) },
      description: 'The open offer was withdrawn, rejected or lapsed',
    },
    {
      title: 'OfferAcceptedEntry',
      transitions: ['accept_offer'],
      payload: { offerId: Uuid, terms: OfferTerms },
      description: 'The open offer was accepted: the agreed terms',
    },
    {
      title: 'ContractSignedEntry',
      transitions: ['sign_contract'],
      payload: { signedOn: DateOnly, contractReference: Nullable(Type.String()) },
      description: 'The contract was signed',
    },
    {
      title: 'MilestoneCompletedEntry',
      transitions: ['complete_milestone'],
      payload: { milestoneId: Uuid, evidence: Type.Array(DocumentLink), note: Nullable(Type.String()) },
      description: 'A milestone was marked done, with its evidence',
    },
    {
      title: 'TransferCompletedEntry',
      transitions: ['complete'],
      payload: { completedOn: DateOnly, transferValueVnd: Type.Integer() },
      description: 'The transfer completed',
    },
    {
      title: 'DisputeOpenedEntry',
      transitions: ['open_dispute'],
      payload: { note: Nullable(Type.String()), disputedFrom: DealState },
      description: 'A dispute was opened',
    },
    {
      title: 'DisputeResolvedEntry',
      transitions: ['resolve_dispute'],
      payload: {
        outcome: Enum(['resume', 'cancel'] as const, { title: 'DisputeOutcome' }),
        note: Nullable(Type.String()),
        resumedAt: Type.Optional({ ...DealState, description: 'The state the deal went back to (outcome resume)' }),
      },
      description: 'The operator resolved a dispute: the deal resumed, or was cancelled',
    },
  ]

/** The transitions a history member stands for; named when several, as the webhook messages share it. */
export const dealMoveTransition = ({ title, transitions }: (typeof dealHistoryMembers)[number]) =>
  Enum(transitions, {
    ...(transitions.length > 1 ? { title: title.replace(/Entry$/, 'Transition') } : {}),
    description: 'A transition of the process, or start',
  })

const historyEntry = (member: (typeof dealHistoryMembers)[number]) => {
  const { title, payload, description } = member
  return HistoryEntryMember({ title, description, transition: dealMoveTransition(member), state: DealState, role: Role, payload })
}

export type DealHistoryEntry = HistoryEntry<Static<typeof DealState>, Static<typeof Role>>
export const DealHistoryEntry = DiscriminatedUnion<DealHistoryEntry>({
  $id: 'DealHistoryEntry',
  description: 'One move of a deal',
  property: 'transition',
  members: dealHistoryMembers.map((member) => ({ schema: historyEntry(member), values: member.transitions })),
})
// Every transition has its entry, once: a new transition without one fails here, at start-up.
const covered = dealHistoryMembers.flatMap((member) => member.transitions)
if (covered.length !== new Set(covered).size || covered.length !== transitionNames.length + 1 || !transitionNames.every((name) => covered.includes(name))) {
  throw new Error('DealHistoryEntry: every transition (and start) needs exactly one history member')
}
export const DealHistory = Type.Object({ items: Type.Array(ref(DealHistoryEntry)), nextCursor: Nullable(Type.String()) }, { $id: 'DealHistory' })
export type DealHistory = Static<typeof DealHistory>

export const DealMessage = Type.Object(
  {
    id: Uuid,
    author: Type.Object({
      organizationId: Nullable({ ...Uuid, description: "null while the author's party is anonymous to the caller (see the deal's provider and seeker)" }),
      role: Role,
    }),
    body: Type.String(),
    attachments: Type.Array(DocumentLink),
    createdAt: Timestamp,
  },
  { $id: 'DealMessage' },
)
export type DealMessage = Static<typeof DealMessage>
export const DealMessagePage = Type.Object({ items: Type.Array(ref(DealMessage)), nextCursor: Nullable(Type.String()) }, { $id: 'DealMessagePage' })
export type DealMessagePage = Static<typeof DealMessagePage>

export const DealProcess = Type.Object(
  {
    states: Type.Array(ProcessState),
    roles: Type.Array(Type.String()),
    transitions: Type.Array(
      Type.Object({
        name: Type.String(),
        from: Type.Array(Type.String()),
        to: Type.String({ description: 'The target state; disputed_from: the state the dispute interrupted' }),
        by: Type.Array(Type.String()),
        guards: Type.Array(Type.String()),
        effects: Type.Array(Type.String()),
        description: Type.String(),
        input: Type.Unknown({ description: 'JSON Schema of the fields the transition takes besides `transition`' }),
      }),
    ),
    guards: Type.Record(Type.String(), Type.String()),
    effects: Type.Record(Type.String(), Type.String()),
    disclosure: Type.Array(Type.Object({ field: Type.String(), hiddenWhen: Type.String(), revealedAt: Type.String() })),
    timers: Type.Object({
      responseDays: Type.Integer({ description: 'An interest not answered within this many days expires' }),
      responseReminderDays: Type.Integer({ description: 'Days before it expires that a reminder goes out' }),
      offerValidityDays: Type.Integer({ description: "An offer's validity when it names none" }),
      offerReminderHours: Type.Integer({ description: 'Hours before an offer lapses that a reminder goes out' }),
    }),
  },
  { $id: 'DealProcess', description: 'The deal process as data: the table the API enforces' },
)
export type DealProcess = Static<typeof DealProcess>

export const dealSchemas = [
  DealParty,
  DealListing,
  DealOffer,
  DealMilestone,
  Deal,
  DealPage,
  DealHistoryEntry,
  DealHistory,
  DealMessage,
  DealMessagePage,
  DealProcess,
]

export { OfferTermsInput }
