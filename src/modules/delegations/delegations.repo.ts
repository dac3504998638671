import { and, asc, desc, eq, gt, inArray, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { delegations, type DelegationStatus } from '../../db/schema/index.ts'

export type DelegationRow = typeof delegations.$inferSelect
export type DelegationInsert = typeof delegations.$inferInsert

const openStatuses: DelegationStatus[] = ['proposed', 'active']

/** The open (proposed or active) delegation of a pair, if any: at most one, by the open-pair index. */
export async function findOpenDelegation(db: DbOrTx, params: { agentOrganizationId: string; memberOrganizationId: string }, options: { lock?: boolean } = {}) {
  const query = db
    .select()
    .from(delegations)
    .where(
      and(
        eq(delegations.agentOrganizationId, params.agentOrganizationId),
        eq(delegations.memberOrganizationId, params.memberOrganizationId),
        inArray(delegations.status, openStatuses),
      ),
    )
  const [row] = options.lock ? await query.for('update') : await query
  return row
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

/**
 * Moves a delegation from `from` to another state with the columns that go with it; undefined when
 * it was no longer in `from` (the caller holds the row lock, so this is only a safety net).
 */
export async function moveDelegation(db: DbOrTx, id: string, from: DelegationStatus, values: Partial<DelegationInsert>): Promise<DelegationRow | undefined> {
  const [row] = await db
    .update(delegations)
    .set(values)
    .where(and(eq(delegations.id, id), eq(delegations.status, from)))
    .returning()
  return row
}

/**
 * Marks up to `limit` proposals past their expiry as expired, closed at the instant they lapsed;
 * the rows as changed. SKIP LOCKED: a proposal being answered right now is left to that answer.
 */
export async function expireProposals(
  db: DbOrTx,
  params: { now: Date; limit: number; pair?: { agentOrganizationId: string; memberOrganizationId: string } },
): Promise<DelegationRow[]> {
  const due = db
    .select({ id: delegations.id })
    .from(delegations)
    .where(
      and(
        eq(delegations.status, 'proposed'),
        lte(delegations.expiresAt, params.now),
        params.pair ? eq(delegations.agentOrganizationId, params.pair.agentOrganizationId) : undefined,
        params.pair ? eq(delegations.memberOrganizationId, params.pair.memberOrganizationId) : undefined,
      ),
    )
    .orderBy(asc(delegations.expiresAt))
    .limit(params.limit)
    .for('update', { skipLocked: true })
  const ids = (await due).map((row) => row.id)
  if (ids.length === 0) return []
  const rows = await db
    .update(delegations)
    .set({ status: 'expired', endedAt: sql`${delegations.expiresAt}`, endReason: 'expired' })
    .where(and(inArray(delegations.id, ids), eq(delegations.status, 'proposed')))
    .returning()
  return rows.sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime() || a.id.localeCompare(b.id))
}

/** The status as of `now`: a proposal past its expiry reads as expired before the sweep marks it. */
export const effectiveStatus = (row: Pick<DelegationRow, 'status' | 'expiresAt'>, now: Date): DelegationStatus =>
  row.status === 'proposed' && row.expiresAt !== null && row.expiresAt <= now ? 'expired' : row.status

export type DelegationFilter = {
  /** Only delegations this organisation is agent or member of; undefined for the operator. */
  visibleTo?: string
  agentOrganizationId?: string
  memberOrganizationId?: string
  active?: boolean
  /** By the status as of `now` (see effectiveStatus). */
  status?: DelegationStatus
  now: Date
  after?: { createdAt: Date; id: string }
  limit: number
}

function statusIs(status: DelegationStatus, now: Date): SQL {
  if (status === 'proposed') return and(eq(delegations.status, 'proposed'), gt(delegations.expiresAt, now))!
  if (status === 'expired') return or(eq(delegations.status, 'expired'), and(eq(delegations.status, 'proposed'), lte(delegations.expiresAt, now)))!
  return eq(delegations.status, status)
}

/** Newest first, by creation time then id. */
export async function listDelegations(db: DbOrTx, filter: DelegationFilter): Promise<DelegationRow[]> {
  const conditions: Array<SQL | undefined> = [
    filter.visibleTo ? or(eq(delegations.agentOrganizationId, filter.visibleTo), eq(delegations.memberOrganizationId, filter.visibleTo)) : undefined,
    filter.agentOrganizationId ? eq(delegations.agentOrganizationId, filter.agentOrganizationId) : undefined,
    filter.memberOrganizationId ? eq(delegations.memberOrganizationId, filter.memberOrganizationId) : undefined,
    filter.active === undefined ? undefined : filter.active ? eq(delegations.status, 'active') : ne(delegations.status, 'active'),
    filter.status ? statusIs(filter.status, filter.now) : undefined,
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

/**
 * Closes every open delegation an organisation is agent or member of (a merge): active ones end,
 * proposals are withdrawn. The rows as they were, and as closed.
 */
export async function closeDelegationsOf(
  db: DbOrTx,
  params: { organizationId: string; endedAt: Date; endedByOrganizationId: string; endReason: string },
): Promise<Array<{ before: DelegationRow; after: DelegationRow }>> {
  const before = await db
    .select()
    .from(delegations)
    .where(
      and(
        or(eq(delegations.agentOrganizationId, params.organizationId), eq(delegations.memberOrganizationId, params.organizationId)),
        inArray(delegations.status, openStatuses),
      ),
    )
    .orderBy(asc(delegations.createdAt), asc(delegations.id))
    .for('update')
  const closed: Array<{ before: DelegationRow; after: DelegationRow }> = []
  for (const row of before) {
    const after = await moveDelegation(db, row.id, row.status, {
      status: row.status === 'active' ? 'ended' : 'withdrawn',
      endedAt: params.endedAt,
      endedByOrganizationId: params.endedByOrganizationId,
      endReason: params.endReason,
    })
    if (after) closed.push({ before: row, after })
  }
  return closed
}
