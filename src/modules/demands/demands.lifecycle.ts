import type { DemandStatus } from '../../db/schema/index.ts'
import { defineProcess } from '../../core/process.ts'

// The demand lifecycle, a process of the engine (core/process.ts): draft -> open -> closed. Each
// transition starts from one state, so it is applied as `UPDATE ... WHERE status = <from>` and two
// concurrent requests cannot both win. Who acts for the owner is the access policy's to say.

export type Transition = 'open' | 'close' | 'expire'

/**
 * owner: keys of the owner, or of those acting for it (its delegates, its successor). system: the
 * deadline sweep, a job of the queue.
 */
export const demandProcess = defineProcess({
  subject: 'demand',
  states: [
    { name: 'draft' as DemandStatus, terminal: false, description: 'Being written; seen only by its owner and those acting for it' },
    { name: 'open', terminal: false, description: 'Public and open to offers: searched and matched' },
    { name: 'closed', terminal: true, description: 'Closed, with a reason; final' },
  ],
  roles: ['owner', 'operator', 'system'],
  guards: {},
  refusals: {},
  effects: {},
  transitions: [
    {
      name: 'open' as Transition,
      event: 'demand.opened',
      from: ['draft'],
      to: 'open',
      by: ['owner', 'operator'],
      guards: [],
      effects: [],
      description: 'Open it to offers (its deadline, if set, must be ahead)',
    },
    {
      name: 'close',
      event: 'demand.closed',
      from: ['open'],
      to: 'closed',
      by: ['owner', 'operator'],
      guards: [],
      effects: [],
      description: 'Close it, with a reason',
    },
    {
      name: 'expire',
      event: 'demand.closed',
      from: ['open'],
      to: 'closed',
      by: ['system'],
      guards: [],
      effects: [],
      description: 'The sweep: its deadline for offers passed, so it closes with reason deadline_passed',
    },
  ],
})

/** The transitions a caller may ask for in a state: what a 409 lists in `allowed`. */
export const allowedFrom = (status: DemandStatus): Transition[] => demandProcess.from(status, ['owner', 'operator']).map((transition) => transition.name)

/** The one state a transition starts from and the state it leads to. */
export function transitionOf(transition: Transition): { from: DemandStatus; to: DemandStatus } {
  const { from, to } = demandProcess.named(transition)!
  return { from: from[0]!, to }
}

/** Content can be edited until the demand is closed. */
export const isEditable = (status: DemandStatus) => status !== 'closed'

/** The table as a Mermaid state diagram, for docs/processes.md (a test keeps the copy current). */
export const demandDiagram = () => demandProcess.diagram({ starts: ['draft: create [owner, operator]'] })
