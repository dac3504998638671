import { dealProcess, type DealRole } from './deals.process.ts'

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
 * copy differs, so the picture is always the table the API enforces). resolve_dispute leads back
 * to the state the dispute interrupted, or to cancelled: it is drawn as both.
 */
export function dealDiagram(): string {
  const disputable = dealProcess.named('open_dispute')!.from
  return dealProcess.diagram({
    starts: ['interest_expressed: start [seeker side, or provider side proposing]'],
    whoFires,
    edges: (transition, from) =>
      transition.to !== 'disputed_from'
        ? undefined
        : [
            ...disputable.map((back) => `    ${from} --> ${back}: ${transition.name} resume [${whoFires(transition.by)}]`),
            `    ${from} --> cancelled: ${transition.name} cancel [${whoFires(transition.by)}]`,
          ],
  })
}
