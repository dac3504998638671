import type { TaskRole } from './tasks.process.ts'
import type { FundingRow, LinkRow, PartnerRow, TaskRow, TaskTransitionRow } from './tasks.repo.ts'
import type { Task, TaskHistory } from './tasks.schemas.ts'
import type { OrganizationSummary } from '../organizations/organizations.repo.ts'

export type TaskParts = { partners: PartnerRow[]; funding: FundingRow[]; links: LinkRow[] }

type Item = TaskHistory['items'][number]

function organizationOf(organizations: Map<string, OrganizationSummary>, id: string) {
  const organization = organizations.get(id)!
  return { id, name: organization.name, kind: organization.kind as Task['lead']['kind'] }
}

/**
 * The task as a caller sees it: `partners` are those that accepted; `invitations` are the ones
 * still invited that this caller is shown (all to the lead, its own to an invitee).
 */
export function toTask(
  loaded: { task: TaskRow; parts: TaskParts },
  organizations: Map<string, OrganizationSummary>,
  caller: { roles: TaskRole[]; allowed: string[]; invitations: PartnerRow[] },
): Task {
  const { task, parts } = loaded
  const { roles, allowed } = caller
  const partnerView = (partner: PartnerRow) => ({
    organization: organizationOf(organizations, partner.organizationId),
    role: partner.role as Task['partners'][number]['role'],
    contribution: partner.contribution,
  })
  const linked = (kind: 'listingId' | 'demandId' | 'dealId') => parts.links.filter((link) => link[kind] !== null).map((link) => link[kind]!)
  return {
    id: task.id,
    title: task.title,
    objectives: task.objectives,
    lead: organizationOf(organizations, task.leadId),
    provinceCode: task.provinceCode,
    currentProvinceCode: task.currentProvinceCode,
    keyProduct: task.keyProduct,
    startsOn: task.startsOn,
    endsOn: task.endsOn,
    status: task.status,
    partners: parts.partners.filter((partner) => partner.status === 'accepted').map(partnerView),
    invitedPartners: caller.invitations.map(partnerView),
    funding: parts.funding.map((line) => ({ source: line.source as Task['funding'][number]['source'], amountVnd: line.amountVnd, note: line.note })),
    fundingTotalVnd: parts.funding.reduce((sum, line) => sum + line.amountVnd, 0),
    listingIds: linked('listingId'),
    demandIds: linked('demandId'),
    dealIds: linked('dealId'),
    outputs: task.outputs as Task['outputs'],
    approvedAt: task.approvedAt?.toISOString() ?? null,
    completedOn: task.completedOn,
    cancelReason: task.cancelReason,
    statusChangedAt: task.statusChangedAt.toISOString(),
    roles,
    allowedTransitions: allowed,
    version: task.version,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
  }
}

export function toHistoryEntry(row: TaskTransitionRow): Item {
  return {
    id: row.id,
    transition: row.transition,
    fromState: row.fromState,
    toState: row.toState,
    actorRole: row.actorRole as Item['actorRole'],
    actorOrganizationId: row.actorOrganizationId,
    payload: row.payload as Record<string, unknown>,
    occurredAt: row.occurredAt.toISOString(),
  }
}
