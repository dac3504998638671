import type { TaskState } from '../../db/schema/index.ts'
import { defineProcess, type ProcessState, type ProcessTransition } from '../../core/process.ts'

// THE joint-task process, as data, like the deal process (deals.process.ts): the service enforces
// exactly this table and GET /v1/task-process serves it.

export const taskStates = [
  { name: 'proposed', terminal: false, description: 'The lead organisation proposed the task; its partners, funding and links may still change' },
  {
    name: 'approved',
    terminal: false,
    description: 'An authority among the partners (a Department of Science and Technology) or the operator approved it; it is public from now on',
  },
  { name: 'in_progress', terminal: false, description: 'The work is under way; outputs are recorded as they come' },
  { name: 'completed', terminal: true, description: 'The task is done; its outputs and funding count in the reports' },
  { name: 'cancelled', terminal: true, description: 'The task was stopped, with a reason' },
] as const satisfies readonly ProcessState<TaskState>[]

/**
 * Who acts on a task. lead: keys of the lead organisation (or of its successor after a merge, or
 * of an organisation it delegated to). partner: keys of a partner that accepted. authority: keys of
 * such a partner in the authority role. invitee: keys of an organisation the lead named as a
 * partner that has not answered yet: it sees the task and accepts or declines, nothing more.
 * operator: the exchange. Each acts through those who act for it (its delegates, its successor).
 */
export const taskRoles = ['lead', 'partner', 'authority', 'invitee', 'operator'] as const
export type TaskRole = (typeof taskRoles)[number]

export const partnerRoles = ['st_organization', 'enterprise', 'centre', 'authority'] as const
export const fundingSources = ['state', 'provincial', 'enterprise', 'other'] as const
export const outputKinds = ['technology', 'product', 'process', 'model', 'training', 'publication', 'patent', 'other'] as const

/** Conditions beyond the state, checked under the task's row lock. */
export const taskGuards = {
  has_partner: 'The task has at least one partner besides its lead that accepted',
  has_outputs: 'At least one output is recorded',
} as const
export type TaskGuard = keyof typeof taskGuards

/** What a transition does besides changing the state. */
export const taskEffects = {
  record_approval: 'Records when the task was approved; from then on anyone may read it',
  record_completion: 'Records the completion date (default: today in Vietnam) for the reports',
  record_cancellation: 'Records the reason',
} as const
export type TaskEffect = keyof typeof taskEffects

export type TaskTransitionName = 'approve' | 'start' | 'complete' | 'cancel'

export type TaskTransition = ProcessTransition<TaskTransitionName, TaskState, TaskRole, TaskGuard, TaskEffect>

export const taskTransitions: readonly TaskTransition[] = [
  {
    name: 'approve',
    event: 'task.approved',
    from: ['proposed'],
    to: 'approved',
    by: ['authority', 'operator'],
    guards: ['has_partner'],
    effects: ['record_approval'],
    description: 'Approve the proposed task',
  },
  {
    name: 'start',
    event: 'task.started',
    from: ['approved'],
    to: 'in_progress',
    by: ['lead', 'operator'],
    guards: [],
    effects: [],
    description: 'Start the work',
  },
  {
    name: 'complete',
    event: 'task.completed',
    from: ['in_progress'],
    to: 'completed',
    by: ['lead', 'operator'],
    guards: ['has_outputs'],
    effects: ['record_completion'],
    description: 'Close the task as done, with its outputs recorded',
  },
  {
    name: 'cancel',
    event: 'task.cancelled',
    from: ['proposed', 'approved', 'in_progress'],
    to: 'cancelled',
    by: ['lead', 'authority', 'operator'],
    guards: [],
    effects: ['record_cancellation'],
    description: 'Stop the task, with a reason',
  },
]

/** The joint-task process: the table above, with what the engine derives from it (core/process.ts). */
export const taskProcess = defineProcess({
  subject: 'task',
  states: taskStates,
  roles: taskRoles,
  guards: taskGuards,
  refusals: {
    has_partner: 'A joint task needs at least one partner that accepted before it is approved',
    has_outputs: 'Record at least one output (PATCH outputs) before completing the task',
  },
  effects: taskEffects,
  transitions: taskTransitions,
})

/** The table as a Mermaid state diagram, for docs/processes.md (a test keeps the copy current). */
export const taskDiagram = () => taskProcess.diagram({ starts: ['proposed: create [lead]'] })
