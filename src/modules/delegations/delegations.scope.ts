import { unprocessable } from '../../lib/problem.ts'
import type { OrganizationRow } from '../organizations/organizations.repo.ts'

// Where an agent may take members. A DOST serves its own province. A connection point serves the
// scope the operator declared for it (provinces and/or VSIC sections); without one it takes no
// members on its own (the operator may still record one). Checked when a delegation is proposed
// or an organisation onboarded; the operator is not bound by it.

const outsideScope = (detail: string, pointer: string) =>
  unprocessable('outside_scope', detail, [{ pointer, detail: "is outside the connection point's declared scope" }])

/**
 * Throws 422 outside_province / outside_scope when `member` lies outside `agent`'s reach.
 * `pointers` name the request fields that place the member: its id when proposing, its province
 * and sectors when onboarding.
 */
export function assertWithinReach(
  agent: OrganizationRow,
  member: Pick<OrganizationRow, 'currentProvinceCode' | 'sectors'>,
  pointers: { province: string; sectors: string },
): void {
  if (agent.kind === 'authority') {
    if (agent.currentProvinceCode === null || agent.currentProvinceCode !== member.currentProvinceCode) {
      throw unprocessable('outside_province', 'An authority (DOST) may only act for members in its own province', [
        { pointer: pointers.province, detail: "is not in the authority's province" },
      ])
    }
    return
  }
  const scope = agent.delegationScope
  if (!scope) {
    throw outsideScope(
      "The operator has not declared this connection point's scope (provinces, sectors), so it takes no members yet; ask the operator",
      pointers.province,
    )
  }
  if (scope.provinceCodes.length > 0 && (member.currentProvinceCode === null || !scope.provinceCodes.includes(member.currentProvinceCode))) {
    throw outsideScope(
      `This connection point serves members in ${scope.provinceCodes.join(', ')}; this one is in ${member.currentProvinceCode ?? 'no province'}`,
      pointers.province,
    )
  }
  if (scope.sectors.length > 0 && !member.sectors.some((sector) => scope.sectors.includes(sector))) {
    throw outsideScope(
      `This connection point serves members working in sectors ${scope.sectors.join(', ')}; this one declares ${member.sectors.join(', ') || 'none'}`,
      pointers.sectors,
    )
  }
}
