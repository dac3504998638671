import { OrganizationSummary } from '../organizations/organizations.schemas.ts'
import { Type, type Static, type TSchema } from 'typebox'
import { ProvinceCode } from '../reference/reference.schemas.ts'
import { Cursor, DiscriminatedUnion, HistoryEntryMember, Limit, ProcessState, Uuid, ref, type HistoryEntry } from '../../http/common.schemas.ts'
import { DateOnly, Enum, LongText, Nullable, ShortText, Timestamp, Url, Vnd } from '../../http/fields.ts'
import { fundingSources, outputKinds, partnerRoles, taskRoles, taskStates, taskTransitions } from './tasks.process.ts'

// Request schemas are inline TypeBox (no ref()); responses use ref().

export const TaskState = Enum(
  taskStates.map((state) => state.name),
  { title: 'TaskState', description: 'See GET /v1/task-process' },
)

const PartnerInput = Type.Object(
  {
    organizationId: Uuid,
    role: Enum(partnerRoles, {
      title: 'TaskPartnerRole',
      description:
        'st_organization: a research institute or university; enterprise; centre: a centre for technology application and transfer; authority: a Department of Science and Technology or another authority, which approves the task',
    }),
    contribution: Type.Optional(ShortText({ description: 'What the partner brings' })),
  },
  { additionalProperties: false, title: 'TaskPartnerInput' },
)

const FundingInput = Type.Object(
  {
    source: Enum(fundingSources, { title: 'FundingSource', description: 'state: the national budget; provincial: the province; enterprise; other' }),
    amountVnd: Vnd,
    note: Type.Optional(ShortText()),
  },
  { additionalProperties: false, title: 'TaskFundingInput' },
)

const OutputInput = Type.Object(
  {
    title: ShortText(),
    kind: Enum(outputKinds, { title: 'TaskOutputKind' }),
    url: Type.Optional(Url),
    deliveredOn: Type.Optional(DateOnly),
  },
  { additionalProperties: false, title: 'TaskOutputInput' },
)

const LinkIds = (what: string) => Type.Array(Uuid, { maxItems: 50, uniqueItems: true, description: what })

/** The fields a task's lead sets when proposing it and may change until it ends. */
const editable = {
  title: ShortText({ description: 'The title of the task' }),
  objectives: LongText('What the task sets out to do, for which market need or key product'),
  provinceCode: Nullable(ProvinceCode),
  keyProduct: Nullable(ShortText({ description: "The province's key product the task serves (e.g. lúa gạo, dê núi, hải sản)" })),
  startsOn: DateOnly,
  endsOn: { ...DateOnly, description: 'The planned end; not before startsOn' },
  partners: Type.Array(PartnerInput, {
    maxItems: 50,
    description:
      'The organisations the lead asks to work with it, each once, never the lead itself. A new one (or one named in another role) is invited: it is shown as a partner, and holds partner rights, only once its own writing keys accept. Replaced as given: send the accepted partners and the invitations to keep; one named again in the same role keeps its answer',
  }),
  funding: Type.Array(FundingInput, { maxItems: 20, description: 'The funding lines' }),
  listingIds: LinkIds('Listings (technologies) the task builds on or transfers: published ones, or drafts of the lead'),
  demandIds: LinkIds('Demands the task answers: open or closed ones, or drafts of the lead'),
  dealIds: LinkIds('Deals the task carries: deals whose party is the lead or a partner'),
  outputs: Type.Array(OutputInput, { maxItems: 50, description: 'What the task produced so far' }),
}

export const TaskCreate = Type.Object(
  {
    leadId: Type.Optional({ ...Uuid, description: "The lead organisation, if not the key's own (one that delegated to it)" }),
    title: editable.title,
    objectives: editable.objectives,
    provinceCode: Type.Optional(editable.provinceCode),
    keyProduct: Type.Optional(editable.keyProduct),
    startsOn: editable.startsOn,
    endsOn: editable.endsOn,
    partners: Type.Optional(editable.partners),
    funding: Type.Optional(editable.funding),
    listingIds: Type.Optional(editable.listingIds),
    demandIds: Type.Optional(editable.demandIds),
    dealIds: Type.Optional(editable.dealIds),
    outputs: Type.Optional(editable.outputs),
  },
  { additionalProperties: false },
)
export type TaskCreate = Static<typeof TaskCreate>

export const TaskUpdate = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 })
export type TaskUpdate = Static<typeof TaskUpdate>

export const TaskTransitionRequest = Type.Object(
  {
    transition: Enum(
      taskTransitions.map((transition) => transition.name),
      { title: 'TaskTransition', description: 'The transition to fire; GET /v1/task-process lists them, and a task lists the ones its caller may fire now' },
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'cancel: why the task stops (required); not blank' })),
    completedOn: Type.Optional({ ...DateOnly, description: 'complete: the day the task was completed; default today in Vietnam' }),
  },
  { additionalProperties: false },
)
export type TaskTransitionRequest = Static<typeof TaskTransitionRequest>

export const TaskPartnerParams = Type.Object({ id: Uuid, organizationId: { ...Uuid, description: 'The invited organisation' } })

export const TaskListQuery = Type.Object(
  {
    status: Type.Optional(TaskState),
    organizationId: Type.Optional({ ...Uuid, description: 'Tasks this organisation leads or is a partner of (having accepted)' }),
    provinceCode: Type.Optional({ ...ProvinceCode, description: 'Tasks serving this province (a legacy code means the 2025 unit it became)' }),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type TaskListQuery = Static<typeof TaskListQuery>

// Responses

const TaskPartner = Type.Object(
  { organization: ref(OrganizationSummary), role: Enum(partnerRoles, { title: 'TaskPartnerRole' }), contribution: Nullable(Type.String()) },
  { title: 'TaskPartner' },
)

export const Task = Type.Object(
  {
    id: Uuid,
    title: Type.String(),
    objectives: Type.String(),
    lead: ref(OrganizationSummary),
    provinceCode: Nullable(Type.String()),
    currentProvinceCode: Nullable(Type.String({ description: 'The 2025 unit of provinceCode' })),
    keyProduct: Nullable(Type.String()),
    startsOn: DateOnly,
    endsOn: DateOnly,
    status: TaskState,
    partners: Type.Array(TaskPartner, {
      description: 'The partners that accepted; only they hold partner rights (an authority partner approves)',
    }),
    invitedPartners: Type.Array(TaskPartner, {
      description:
        "Organisations named as partners that have not accepted yet: all of them for the lead's keys and the operator, its own invitation for an invitee, none for anyone else. Each accepts or declines with POST /v1/tasks/{id}/partners/{organizationId}/accept or /decline",
    }),
    funding: Type.Array(
      Type.Object(
        { source: Enum(fundingSources, { title: 'FundingSource' }), amountVnd: Type.Integer(), note: Nullable(Type.String()) },
        { title: 'TaskFunding' },
      ),
    ),
    fundingTotalVnd: Type.Integer({ description: 'The sum of the funding lines' }),
    listingIds: Type.Array(Uuid),
    demandIds: Type.Array(Uuid),
    dealIds: Type.Array(Uuid),
    outputs: Type.Array(
      Type.Object(
        {
          title: Type.String(),
          kind: Enum(outputKinds, { title: 'TaskOutputKind' }),
          url: Type.Optional(Type.String()),
          deliveredOn: Type.Optional(DateOnly),
        },
        { title: 'TaskOutput' },
      ),
    ),
    approvedAt: Nullable(Timestamp),
    completedOn: Nullable(DateOnly),
    cancelReason: Nullable(Type.String()),
    statusChangedAt: Timestamp,
    roles: Type.Array(Enum(taskRoles, { title: 'TaskRole' }), { description: "The caller's roles on the task" }),
    allowedTransitions: Type.Array(Type.String(), { description: 'The transitions the caller may fire now' }),
    version: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Task' },
)
export type Task = Static<typeof Task>

export const TaskPage = Type.Object({ items: Type.Array(ref(Task)), nextCursor: Nullable(Type.String()) }, { $id: 'TaskPage' })
export type TaskPage = Static<typeof TaskPage>

// A history entry is a oneOf discriminated by `transition`, so a generated client narrows the
// payload (what the move recorded, tasks.service.ts) by its name.
const transitionNames = taskTransitions.map((transition) => transition.name)
export const taskHistoryMembers: Array<{ title: string; transitions: string[]; payload: Record<string, TSchema>; description: string }> = [
  { title: 'TaskProposedEntry', transitions: ['propose'], payload: { title: Type.String() }, description: 'The lead proposed the task' },
  {
    title: 'TaskUpdatedEntry',
    transitions: ['update'],
    payload: { changed: Type.Array(Type.String(), { description: 'The fields the update set' }) },
    description: 'The task was edited',
  },
  {
    title: 'TaskMovedEntry',
    transitions: transitionNames,
    payload: { reason: Type.Optional(Type.String()), completedOn: Type.Optional(DateOnly) },
    description: 'A transition of the process (GET /v1/task-process), with its reason or completion date when it takes one',
  },
  {
    title: 'TaskPartnerAnsweredEntry',
    transitions: ['partner_accepted', 'partner_declined'],
    payload: { organizationId: Uuid, role: Enum(partnerRoles, { title: 'TaskPartnerRole' }) },
    description: 'An invited partner accepted or declined',
  },
]

/**
 * The transitions a history member stands for: the process's own are the TaskTransition
 * vocabulary; the others are this entry's, named when several, as the webhook messages share it.
 */
export const taskMoveTransition = ({ title, transitions }: (typeof taskHistoryMembers)[number]) =>
  transitions === transitionNames
    ? Enum(transitions, { title: 'TaskTransition', description: 'A transition of the process' })
    : Enum(transitions, {
        ...(transitions.length > 1 ? { title: title.replace(/Entry$/, 'Transition') } : {}),
        description: "What happened: propose, update, or a partner's answer",
      })

const historyEntry = (member: (typeof taskHistoryMembers)[number]) =>
  HistoryEntryMember({
    title: member.title,
    description: member.description,
    transition: taskMoveTransition(member),
    state: TaskState,
    role: Enum(taskRoles, { title: 'TaskRole' }),
    payload: member.payload,
  })

export type TaskHistoryEntry = HistoryEntry<Static<typeof TaskState>, (typeof taskRoles)[number]>
export const TaskHistoryEntry = DiscriminatedUnion<TaskHistoryEntry>({
  $id: 'TaskHistoryEntry',
  description: 'One move of a task',
  property: 'transition',
  members: taskHistoryMembers.map((member) => ({ schema: historyEntry(member), values: member.transitions })),
})
export const TaskHistory = Type.Object({ items: Type.Array(ref(TaskHistoryEntry)), nextCursor: Nullable(Type.String()) }, { $id: 'TaskHistory' })
export type TaskHistory = Static<typeof TaskHistory>

export const TaskProcess = Type.Object(
  {
    states: Type.Array(ProcessState),
    roles: Type.Array(Type.String()),
    transitions: Type.Array(
      Type.Object({
        name: Type.String(),
        from: Type.Array(Type.String()),
        to: Type.String(),
        by: Type.Array(Type.String()),
        guards: Type.Array(Type.String()),
        effects: Type.Array(Type.String()),
        description: Type.String(),
      }),
    ),
    guards: Type.Record(Type.String(), Type.String()),
    effects: Type.Record(Type.String(), Type.String()),
    partnerRoles: Type.Array(Type.String()),
    fundingSources: Type.Array(Type.String()),
    outputKinds: Type.Array(Type.String()),
  },
  { $id: 'TaskProcess' },
)
export type TaskProcess = Static<typeof TaskProcess>

export const taskSchemas = [Task, TaskPage, TaskHistoryEntry, TaskHistory, TaskProcess]
