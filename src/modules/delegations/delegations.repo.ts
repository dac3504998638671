import { and, desc, eq, isNotNull, isNull, lt, or, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { delegations } from '../../db/schema/index.ts'

export type DelegationRow = typeof delegations.$inferSelect
export type DelegationInsert = typeof delegations.$inferInsert

/** Whether `agent` may act for `member` right now. */
export async function hasActiveDelegation(db: DbOrTx, params: { agentOrganizationId: string; memberOrganizationId: string }): Promise<boolean> {
  const [row] = await db
    .select({ id: delegations.id })
    .from(delegations)
    .where(
      and(
        eq(delegations.agentOrganizationId, params.agentOrganizationId),
        eq(delegations.memberOrganizationId, params.memberOrganizationId),
        isNull(delegations.endedAt),
      ),
    )
    .limit(1)
  return row !== undefined
}

/** One delegation; `lock` takes a row lock for a read-then-write in a transaction. */
export async function findDelegation(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<DelegationRow | undefined> {
  const query = db.select().from(delegations).where(eq(delegations.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

export async function insertDelegation(db: DbOrTx, values: DelegationInsert): Promise<DelegationRow> {
  const [row] = await db.insert(delegations).values(values).returning()
  return row!
}

/** Ends an active delegation; undefined when it had already ended. */
export async function endDelegation(
  db: DbOrTx,
  params: { id: string; endedAt: Date; endedByOrganizationId: string; endReason: string | null },
): Promise<DelegationRow | undefined> {
  const [row] = await db
    .update(delegations)
    .set({ endedAt: params.endedAt, endedByOrganizationId: params.endedByOrganizationId, endReason: params.endReason })
    .where(and(eq(delegations.id, params.id), isNull(delegations.endedAt)))
    .returning()
  return row
}

export type DelegationFilter = {
  /** Only delegations this organisation is agent or member of; undefined for the operator. */
  visibleTo?: string
  agentOrganizationId?: string
  memberOrganizationId?: string
  active?: boolean
  after?: { createdAt: Date; id: string }
  limit: number
}

/** Newest first, by creation time then id. */
export async function listDelegations(db: DbOrTx, filter: DelegationFilter): Promise<DelegationRow[]> {
  const conditions: Array<SQL | undefined> = [
    filter.visibleTo
      ? or(eq(delegations.agentOrganizationId, filter.visibleTo), eq(delegations.memberOrganizationId, filter.visibleTo))
      : undefined,
    filter.agentOrganizationId ? eq(delegations.agentOrganizationId, filter.agentOrganizationId) : undefined,
    filter.memberOrganizationId ? eq(delegations.memberOrganizationId, filter.memberOrganizationId) : undefined,
    filter.active === undefined ? undefined : filter.active ? isNull(delegations.endedAt) : isNotNull(delegations.endedAt),
    filter.after
      ? or(lt(delegations.createdAt, filter.after.createdAt), and(eq(delegations.createdAt, filter.after.createdAt), lt(delegations.id, filter.after.id)))
      : undefined,
  ]
  return db
    .select()
    .from(delegations)
    .where(and(...conditions))
    .orderBy(desc(delegations.createdAt), desc(delegations.id))
    .limit(filter.limit)
}

/** Ends every active delegation an organisation is agent or member of (a merge); the rows as ended. */
export async function endDelegationsOf(
  db: DbOrTx,
  params: { organizationId: string; endedAt: Date; endedByOrganizationId: string; endReason: string },
): Promise<DelegationRow[]> {
  return db
    .update(delegations)
    .set({ endedAt: params.endedAt, endedByOrganizationId: params.endedByOrganizationId, endReason: params.endReason })
    .where(
      and(
        or(eq(delegations.agentOrganizationId, params.organizationId), eq(delegations.memberOrganizationId, params.organizationId)),
        isNull(delegations.endedAt),
      ),
    )
    .returning()
}
