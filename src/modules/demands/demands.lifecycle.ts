// The demand lifecycle in one place: draft -> open -> closed. Each transition names the one state
// it starts from, so it is applied as `UPDATE ... WHERE status = <from>` and two concurrent requests
// cannot both win.

export const demandStatuses = ['draft', 'open', 'closed'] as const
export type DemandStatus = (typeof demandStatuses)[number]

export type Transition = 'open' | 'close'

/** The state table: the transitions each state allows and the state each leads to. */
export const demandStates = {
  draft: { open: 'open' },
  open: { close: 'closed' },
  closed: {},
} as const satisfies Record<DemandStatus, Partial<Record<Transition, DemandStatus>>>

/** The transitions allowed from a state: what a 409 lists in `allowed`. */
export const allowedFrom = (status: DemandStatus): Transition[] => Object.keys(demandStates[status]) as Transition[]

/** The state a transition starts from and the state it leads to, read off the table. */
export function transitionOf(transition: Transition): { from: DemandStatus; to: DemandStatus } {
  for (const from of demandStatuses) {
    const to = (demandStates[from] as Partial<Record<Transition, DemandStatus>>)[transition]
    if (to) return { from, to }
  }
  throw new Error(`No state allows ${transition}`) // a programming error, caught by the tests
}

/** Content can be edited until the demand is closed. */
export const isEditable = (status: DemandStatus) => status !== 'closed'
