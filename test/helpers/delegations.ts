import type { FastifyInstance } from 'fastify'

// Delegations as the API makes them, for tests that need an agent acting for a member.

type Auth = Record<string, string>

/**
 * The agent proposes and the member's admin accepts: the delegation is active. The agent needs a
 * scope that covers the member (a DOST: the member's province). Returns the delegation's id.
 */
export async function delegate(app: FastifyInstance, agent: Auth, memberAdmin: Auth, memberOrganizationId: string): Promise<string> {
  const proposed = await app.inject({ method: 'POST', url: '/v1/delegations', headers: agent, payload: { memberOrganizationId } })
  if (proposed.statusCode !== 201) throw new Error(`proposing the delegation failed: ${proposed.statusCode} ${proposed.body}`)
  const id = (proposed.json() as { id: string }).id
  const accepted = await app.inject({ method: 'POST', url: `/v1/delegations/${id}/accept`, headers: memberAdmin })
  if (accepted.statusCode !== 200) throw new Error(`accepting the delegation failed: ${accepted.statusCode} ${accepted.body}`)
  return id
}

/** The operator records an active delegation on a stated basis. Returns the delegation's id. */
export async function recordDelegation(app: FastifyInstance, operator: Auth, agentOrganizationId: string, memberOrganizationId: string): Promise<string> {
  const payload = { agentOrganizationId, memberOrganizationId, basis: 'Giấy ủy quyền số 12/UQ-2026 (test fixture)' }
  const recorded = await app.inject({ method: 'POST', url: '/v1/delegations', headers: operator, payload })
  if (recorded.statusCode !== 201) throw new Error(`recording the delegation failed: ${recorded.statusCode} ${recorded.body}`)
  return (recorded.json() as { id: string }).id
}
