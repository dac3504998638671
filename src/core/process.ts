import { conflict, forbidden, type AppError } from '../lib/problem.ts'

// The one process engine. A process is a table: its states, the roles that act on a record, the
// guards (conditions beyond the state) and effects (what a move does besides changing the state),
// and the transitions between states, each naming who may fire it. Deals, joint tasks,
// delegations, listings and demands each declare one (`defineProcess`); this file derives from the
// table what every process needs the same way: lookups, the moves allowed now, the order of the
// checks and their refusals, the document GET /v1/<kind>-process serves, and the Mermaid diagram
// in docs/. As in Sharetribe's transaction process and Medusa's workflows, the table is data the
// service enforces and the API serves, so a client renders the buttons a caller may press.

export type ProcessState<State extends string> = { name: State; terminal: boolean; description: string }

export type ProcessTransition<
  Name extends string,
  State extends string,
  Role extends string,
  Guard extends string,
  Effect extends string,
  Target extends string = State,
> = {
  name: Name
  /** The outbox event it writes, in the same transaction. */
  event: string
  from: readonly State[]
  to: Target
  by: readonly Role[]
  guards: readonly Guard[]
  effects: readonly Effect[]
  description: string
}

export type ProcessSpec<Name extends string, State extends string, Role extends string, Guard extends string, Effect extends string, Target extends string> = {
  /** What the process moves, as refusals name it: "publish is not possible while the listing is draft". */
  subject: string
  states: readonly ProcessState<State>[]
  roles: readonly Role[]
  /** Each guard's description, as served. */
  guards: Readonly<Record<Guard, string>>
  /** Each guard's refusal, the detail of a 409 guard_<name> when it does not hold. */
  refusals: Readonly<Record<Guard, string>>
  effects: Readonly<Record<Effect, string>>
  transitions: readonly ProcessTransition<Name, State, Role, Guard, Effect, Target>[]
}

/** Whether a guard holds for a role firing a transition (a process without guards never asks). */
export type GuardCheck<Guard extends string, Role extends string> = (guard: Guard, role: Role) => boolean

export function defineProcess<
  Name extends string,
  State extends string,
  Role extends string,
  Guard extends string,
  Effect extends string,
  Target extends string = State,
>(spec: ProcessSpec<Name, State, Role, Guard, Effect, Target>) {
  type Transition = ProcessTransition<Name, State, Role, Guard, Effect, Target>
  const always: GuardCheck<Guard, Role> = () => true
  const terminalStates: readonly string[] = spec.states.filter((state) => state.terminal).map((state) => state.name)

  const named = (name: string): Transition | undefined => spec.transitions.find((transition) => transition.name === name)
  const leaves = (transition: Transition, state: string) => (transition.from as readonly string[]).includes(state)

  /** The transitions that leave a state (and that one of `roles` may fire, when given). */
  const from = (state: string, roles?: readonly Role[]): Transition[] =>
    spec.transitions.filter((transition) => leaves(transition, state) && (!roles || transition.by.some((role) => roles.includes(role))))

  /** The transitions `roles` may fire from `state` now: the table's state and role rules, and guards as far as `holds` knows them. */
  const allowedNow = (state: string, roles: readonly Role[], holds: GuardCheck<Guard, Role> = always): Name[] =>
    from(state, roles)
      .filter((transition) => transition.by.some((role) => roles.includes(role) && transition.guards.every((guard) => holds(guard, role))))
      .map((transition) => transition.name)

  const invalidTransition = (name: string, state: string, allowed: readonly string[]): AppError =>
    conflict('invalid_transition', `${name} is not possible while the ${spec.subject} is ${state}`, [...allowed])

  /**
   * The first checks of a move, in the order every process makes them: the state (409
   * invalid_transition, with what is allowed now), then the caller's roles (403). Returns the roles
   * of the caller that may fire it.
   */
  function eligibleRoles(transition: Transition, state: string, roles: readonly Role[], allowed: () => readonly string[]): Role[] {
    if (!leaves(transition, state)) throw invalidTransition(transition.name, state, allowed())
    const eligible = transition.by.filter((role) => roles.includes(role))
    if (eligible.length === 0) {
      throw forbidden(`${transition.name} is fired by ${transition.by.join(', ')}; this key is ${roles.join(', ') || `no party`} on this ${spec.subject}`)
    }
    return eligible
  }

  /** The last check: the first eligible role for which every guard holds; otherwise 409 guard_<the first that fails>. */
  function roleWithGuards(transition: Transition, eligible: readonly Role[], holds: GuardCheck<Guard, Role>, allowed: () => readonly string[]): Role {
    const role = eligible.find((candidate) => transition.guards.every((guard) => holds(guard, candidate)))
    if (role !== undefined) return role
    const failed = transition.guards.find((guard) => !holds(guard, eligible[0]!))!
    throw conflict(`guard_${failed}`, spec.refusals[failed], [...allowed()])
  }

  /**
   * All the checks of a move, in the order every process makes them: the state (409
   * invalid_transition, with what is allowed now), the caller's roles (403), what the kind checks
   * between (`between`: a deal's side and the transition's input), then the guards (409
   * guard_<name>). Returns the role the move is made in. `allowedHolds` judges the guards for the
   * `allowed` list when `holds` needs the request's input.
   */
  function check(move: {
    transition: Transition
    state: string
    roles: readonly Role[]
    holds: GuardCheck<Guard, Role>
    allowedHolds?: GuardCheck<Guard, Role>
    between?: (eligible: readonly Role[]) => void
  }): Role {
    const allowed = () => allowedNow(move.state, move.roles, move.allowedHolds ?? move.holds)
    const eligible = eligibleRoles(move.transition, move.state, move.roles, allowed)
    move.between?.(eligible)
    return roleWithGuards(move.transition, eligible, move.holds, allowed)
  }

  /** The table as GET /v1/<kind>-process serves it (the outbox event names stay internal). */
  const document = () => ({
    states: spec.states.map((state) => ({ ...state })),
    roles: [...spec.roles],
    transitions: spec.transitions.map(({ event: _event, ...transition }) => ({
      ...transition,
      from: [...transition.from],
      by: [...transition.by],
      guards: [...transition.guards],
      effects: [...transition.effects],
    })),
    guards: { ...spec.guards },
    effects: { ...spec.effects },
  })

  /**
   * The table as a Mermaid state diagram, for docs/ (a test fails when a doc's copy differs, so the
   * picture is always the table the API enforces). `starts` are the edges from [*]; `moves` are
   * changes of state that are no transition (time passing); `whoFires` words a transition's roles;
   * `edges` may draw a transition with a computed target its own way.
   */
  function diagram(options: {
    starts: readonly string[]
    moves?: readonly string[]
    whoFires?: (roles: readonly Role[]) => string
    edges?: (transition: Transition, from: State, label: string) => string[] | undefined
  }): string {
    const whoFires = options.whoFires ?? ((roles: readonly Role[]) => roles.join(', '))
    const lines = ['stateDiagram-v2', ...options.starts.map((start) => `    [*] --> ${start}`), ...(options.moves ?? []).map((move) => `    ${move}`)]
    for (const transition of spec.transitions) {
      const label = `${transition.name}${transition.guards.length > 0 ? ` if ${transition.guards.join(', ')}` : ''} [${whoFires(transition.by)}]`
      for (const state of transition.from) {
        const drawn = options.edges?.(transition, state, label)
        lines.push(...(drawn ?? [`    ${state} --> ${transition.to}: ${label}`]))
      }
    }
    for (const state of terminalStates) lines.push(`    ${state} --> [*]`)
    return lines.join('\n')
  }

  return { ...spec, terminalStates, named, from, allowedNow, invalidTransition, eligibleRoles, roleWithGuards, check, document, diagram }
}

/** What every process table must hold, whatever its kind; the conformance test runs it over each. */
export function tableFaults(
  process: Omit<ProcessSpec<string, string, string, string, string, string>, 'subject'> & {
    /** Targets that are not states (a deal's `disputed_from`: the state a dispute interrupted). */
    computedTargets?: readonly string[]
  },
): string[] {
  const faults: string[] = []
  const states = new Set(process.states.map((state) => state.name))
  const names = new Set<string>()
  for (const transition of process.transitions) {
    if (names.has(transition.name)) faults.push(`${transition.name} is declared twice`)
    names.add(transition.name)
    for (const state of transition.from) if (!states.has(state)) faults.push(`${transition.name} leaves ${state}, which is not a state`)
    if (!states.has(transition.to) && !(process.computedTargets ?? []).includes(transition.to))
      faults.push(`${transition.name} leads to ${transition.to}, which is not a state`)
    if (transition.by.length === 0) faults.push(`nobody fires ${transition.name}`)
    for (const role of transition.by) if (!process.roles.includes(role)) faults.push(`${transition.name} is fired by ${role}, which is not a role`)
    for (const guard of transition.guards) {
      if (!process.guards[guard]) faults.push(`guard ${guard} of ${transition.name} is not described`)
      if (!process.refusals[guard]) faults.push(`guard ${guard} of ${transition.name} has no refusal`)
    }
    for (const effect of transition.effects) if (!process.effects[effect]) faults.push(`effect ${effect} of ${transition.name} is not described`)
  }
  for (const state of process.states) {
    const leaving = process.transitions.filter((transition) => transition.from.includes(state.name))
    if (state.terminal && leaving.length > 0) faults.push(`${state.name} is terminal, yet ${leaving.map((transition) => transition.name).join(', ')} leave it`)
    if (!state.terminal && leaving.length === 0) faults.push(`${state.name} is not terminal, yet no transition leaves it`)
  }
  return faults
}
