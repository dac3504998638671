import { dealStates, dealTransitions, type DealRole } from './deals.process.ts'

const sides: Array<[label: string, roles: DealRole[]]> = [
  ['parties', ['provider', 'provider_broker', 'seeker', 'seeker_broker']],
  ['provider side', ['provider', 'provider_broker']],
  ['seeker side', ['seeker', 'seeker_broker']],
]

/** Who fires a transition, briefly: "parties", "provider side", "seeker side", plus any other role. */
function whoFires(roles: readonly DealRole[]): string {
  const rest = [...roles]
  const labels: string[] = []
  for (const [label, group] of sides) {
    if (group.every((role) => rest.includes(role))) {
      labels.push(label)
      for (const role of group) rest.splice(rest.indexOf(role), 1)
    }
  }
  return [...labels, ...rest].join(', ')
}

/**
 * The process table as a Mermaid state diagram, for docs/deals.md (a test fails when the doc's
 * copy differs, so the picture is always the table the API enforces).
 */
export function dealDiagram(): string {
  const lines = ['stateDiagram-v2', '    [*] --> interest_expressed: start [seeker side, or provider side proposing]']
  const disputable = dealTransitions.find((transition) => transition.name === 'open_dispute')!.from
  for (const transition of dealTransitions) {
    const label = `${transition.name}${transition.guards.length > 0 ? ` if ${transition.guards.join(', ')}` : ''} [${whoFires(transition.by)}]`
    for (const from of transition.from) {
      if (transition.to !== 'disputed_from') {
        lines.push(`    ${from} --> ${transition.to}: ${label}`)
        continue
      }
      for (const back of disputable) lines.push(`    ${from} --> ${back}: ${transition.name} resume [${whoFires(transition.by)}]`)
      lines.push(`    ${from} --> cancelled: ${transition.name} cancel [${whoFires(transition.by)}]`)
    }
  }
  for (const state of dealStates.filter((candidate) => candidate.terminal)) lines.push(`    ${state.name} --> [*]`)
  return lines.join('\n')
}
