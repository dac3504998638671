import { readFileSync } from 'node:fs'
import t from 'tap'
import { dealStateNames, demandStatuses, listingStoredStatuses, taskStateNames } from '../../src/db/schema/index.ts'
import { defineProcess, tableFaults } from '../../src/core/process.ts'
import { AppError } from '../../src/lib/problem.ts'
import { dealDiagram } from '../../src/modules/deals/deals.diagram.ts'
import { dealProcess } from '../../src/modules/deals/deals.process.ts'
import { demandDiagram, demandProcess } from '../../src/modules/demands/demands.lifecycle.ts'
import { listingDiagram, listingProcess } from '../../src/modules/listings/listings.lifecycle.ts'
import { taskDiagram, taskProcess } from '../../src/modules/tasks/tasks.process.ts'

// Every process of the engine, with the states its table column may hold (src/db/schema), the
// doc that draws it, and its diagram. A new process is added here.
const processes = [
  { process: dealProcess, stored: dealStateNames, derived: [], doc: 'docs/deals.md', diagram: dealDiagram, computedTargets: ['disputed_from'] },
  { process: taskProcess, stored: taskStateNames, derived: [], doc: 'docs/processes.md', diagram: taskDiagram, computedTargets: [] },
  { process: listingProcess, stored: listingStoredStatuses, derived: ['expired'], doc: 'docs/processes.md', diagram: listingDiagram, computedTargets: [] },
  { process: demandProcess, stored: demandStatuses, derived: [], doc: 'docs/processes.md', diagram: demandDiagram, computedTargets: [] },
]

for (const { process, stored, derived, doc, diagram, computedTargets } of processes) {
  t.test(`the ${process.subject} process`, async (t) => {
    t.same(tableFaults({ ...process, computedTargets }), [], 'the table is whole: every name declared, terminal states final, the rest with a way out')
    t.same(
      process.states.map((state) => state.name).sort(),
      [...stored, ...derived].sort(),
      'its states are the ones its column may hold (and those derived from them)',
    )
    t.ok(readFileSync(doc, 'utf8').includes('```mermaid\n' + diagram() + '\n```'), `${doc} draws the current table: regenerate its diagram`)
  })
}

// The engine itself, on a table of its own: the checks and refusals every process shares.
const door = defineProcess({
  subject: 'door',
  states: [
    { name: 'shut', terminal: false, description: 'Shut' },
    { name: 'open', terminal: false, description: 'Open' },
    { name: 'gone', terminal: true, description: 'Removed' },
  ],
  roles: ['keeper', 'guest'],
  guards: { unlocked: 'The door is not locked' },
  refusals: { unlocked: 'The door is locked' },
  effects: {},
  transitions: [
    { name: 'open', event: 'door.opened', from: ['shut'], to: 'open', by: ['keeper', 'guest'], guards: ['unlocked'], effects: [], description: 'Open it' },
    { name: 'shut', event: 'door.shut', from: ['open'], to: 'shut', by: ['keeper', 'guest'], guards: [], effects: [], description: 'Shut it' },
    { name: 'remove', event: 'door.removed', from: ['shut', 'open'], to: 'gone', by: ['keeper'], guards: [], effects: [], description: 'Take it away' },
  ],
})

t.test('the engine: lookups and the moves allowed now', async (t) => {
  t.equal(door.named('open')?.to, 'open')
  t.equal(door.named('fly'), undefined)
  t.same(door.terminalStates, ['gone'])
  t.same(
    door.from('shut').map((transition) => transition.name),
    ['open', 'remove'],
  )
  t.same(
    door.from('shut', ['guest']).map((transition) => transition.name),
    ['open'],
  )
  t.same(door.allowedNow('shut', ['keeper']), ['open', 'remove'])
  t.same(
    door.allowedNow('shut', ['keeper'], () => false),
    ['remove'],
    'a guard that does not hold takes its transition out',
  )
  t.same(door.allowedNow('gone', ['keeper']), [])
})

/** The AppError a call throws, as the error handler would render its parts. */
function refusal(call: () => unknown) {
  try {
    call()
  } catch (error) {
    if (error instanceof AppError) return { status: error.status, code: error.code, detail: error.detail, allowed: error.extensions.allowed }
    throw error
  }
  return undefined
}

t.test('the engine: state, then role, then guards, each with its refusal', async (t) => {
  const open = door.named('open')!
  const remove = door.named('remove')!
  const allowed = () => ['shut']
  t.same(
    refusal(() => door.eligibleRoles(open, 'open', ['keeper'], allowed)),
    {
      status: 409,
      code: 'invalid_transition',
      detail: 'open is not possible while the door is open',
      allowed: ['shut'],
    },
  )
  t.match(
    refusal(() => door.eligibleRoles(remove, 'shut', ['guest'], allowed)),
    { status: 403, detail: 'remove is fired by keeper; this key is guest on this door' },
  )
  t.match(
    refusal(() => door.eligibleRoles(remove, 'shut', [], allowed)),
    { status: 403, detail: /this key is no party on this door/ },
  )
  t.same(door.eligibleRoles(open, 'shut', ['guest', 'keeper'], allowed), ['keeper', 'guest'], 'in the order of the table')
  t.equal(
    door.roleWithGuards(open, ['keeper', 'guest'], (_guard, role) => role === 'guest', allowed),
    'guest',
    'the first role for which the guards hold',
  )
  t.same(
    refusal(() => door.roleWithGuards(open, ['keeper'], () => false, allowed)),
    {
      status: 409,
      code: 'guard_unlocked',
      detail: 'The door is locked',
      allowed: ['shut'],
    },
  )
})

t.test('the engine: check makes every check of a move in order', async (t) => {
  const open = door.named('open')!
  const order: string[] = []
  const between = (eligible: readonly string[]) => {
    order.push(`between ${eligible.join(',')}`)
  }
  t.match(
    refusal(() => door.check({ transition: open, state: 'open', roles: ['keeper'], holds: () => true, between })),
    { code: 'invalid_transition' },
  )
  t.same(order, [], 'a state that does not allow the move is refused before anything else is looked at')
  t.match(
    refusal(() => door.check({ transition: door.named('remove')!, state: 'shut', roles: ['guest'], holds: () => true, between })),
    { status: 403 },
  )
  t.same(order, [], 'so is a role that may not fire it')
  t.same(
    refusal(() =>
      door.check({
        transition: open,
        state: 'shut',
        roles: ['keeper'],
        holds: () => false,
        allowedHolds: () => true,
        between,
      }),
    ),
    { status: 409, code: 'guard_unlocked', detail: 'The door is locked', allowed: ['open', 'remove'] },
    'the guards come last; `allowed` is judged with allowedHolds',
  )
  t.same(order, ['between keeper'], 'the kind checks between the role and the guards')
  t.equal(door.check({ transition: open, state: 'shut', roles: ['guest'], holds: () => true }), 'guest')
})

t.test('the engine: a table with faults is told so', async (t) => {
  const faults = tableFaults({
    states: [
      { name: 'a', terminal: false, description: '' },
      { name: 'z', terminal: true, description: '' },
    ],
    roles: ['r'],
    guards: {},
    refusals: {},
    effects: {},
    transitions: [
      { name: 'go', event: 'x.go', from: ['a', 'q'], to: 'b', by: ['s'], guards: ['g'], effects: ['e'], description: '' },
      { name: 'back', event: 'x.back', from: ['z'], to: 'a', by: [], guards: [], effects: [], description: '' },
    ],
  })
  t.same(
    faults.sort(),
    [
      'nobody fires back',
      'effect e of go is not described',
      'go is fired by s, which is not a role',
      'go leads to b, which is not a state',
      'go leaves q, which is not a state',
      'guard g of go has no refusal',
      'guard g of go is not described',
      'z is terminal, yet back leave it',
    ].sort(),
  )
})

t.test('the document a process serves is its table, without the outbox events', async (t) => {
  const document = door.document()
  t.same(
    document.states.map((state) => state.name),
    ['shut', 'open', 'gone'],
  )
  t.same(document.transitions[0], {
    name: 'open',
    from: ['shut'],
    to: 'open',
    by: ['keeper', 'guest'],
    guards: ['unlocked'],
    effects: [],
    description: 'Open it',
  })
  t.same(document.guards, { unlocked: 'The door is not locked' })
})
