import type { OutboxEvent } from '../../core/outbox.ts'
import type { TaskRole } from './tasks.process.ts'
import type { PartnerRow, TaskRow } from './tasks.repo.ts'
import type { TaskUpdate } from './tasks.schemas.ts'

// A task's partners consent: the lead invites, and an invited organisation becomes a partner
// (shown in `partners`, with a partner's roles and rights) only once it accepts. The rules on the
// list of partners, apart from the service's transactions.

/** The organisations a task's moves are told to: its lead and the partners that accepted. */
export const membersOf = (task: TaskRow, partners: PartnerRow[]) => [
  task.leadId,
  ...partners.filter((partner) => partner.status === 'accepted').map((partner) => partner.organizationId),
]

/** The invitations a caller is shown: all of them to the lead and the operator, its own to an invitee. */
export function invitationsFor(partners: PartnerRow[], roles: TaskRole[], actedFor: Set<string> | undefined): PartnerRow[] {
  const invited = partners.filter((partner) => partner.status === 'invited')
  if (roles.includes('lead') || roles.includes('operator')) return invited
  return invited.filter((partner) => actedFor?.has(partner.organizationId))
}

/**
 * The partners as the lead lists them now, and the invitations that are new. A partner named again
 * in the same role keeps its answer; a new one, or one named in another role (which it did not
 * agree to), is invited and must accept.
 */
export function partnersAsListed(taskId: string, current: PartnerRow[], listed: NonNullable<TaskUpdate['partners']>) {
  const before = new Map(current.map((partner) => [partner.organizationId, partner]))
  const invited: PartnerRow[] = []
  const rows = listed.map((partner) => {
    const was = before.get(partner.organizationId)
    const kept = was !== undefined && was.role === partner.role
    const row = {
      organizationId: partner.organizationId,
      role: partner.role,
      contribution: partner.contribution ?? null,
      status: kept ? was.status : ('invited' as const),
      respondedAt: kept ? was.respondedAt : null,
    }
    if (!kept) invited.push({ taskId, ...row })
    return row
  })
  return { rows, invited }
}

/** One task.partner_invited event per new invitation, to the lead and the organisation invited. */
export const invitationEvents = (task: TaskRow, invited: PartnerRow[], occurredAt: Date): OutboxEvent[] =>
  invited.map((partner) => ({
    type: 'task.partner_invited',
    subjectType: 'task',
    subjectId: task.id,
    organizationIds: [task.leadId, partner.organizationId],
    payload: {
      taskId: task.id,
      title: task.title,
      state: task.status,
      organizationId: partner.organizationId,
      role: partner.role,
      contribution: partner.contribution,
    },
    occurredAt,
  }))
