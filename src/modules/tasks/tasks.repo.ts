import { and, asc, desc, eq, gt, inArray, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { findListingStates } from '../listings/listings.repo.ts'
import { deals, demands, taskFunding, taskLinks, taskPartners, tasks, taskTransitions, type PartnerStatus, type TaskState } from '../../db/schema/index.ts'

export type TaskRow = typeof tasks.$inferSelect
export type TaskInsert = typeof tasks.$inferInsert
export type PartnerRow = { taskId: string; organizationId: string; role: string; contribution: string | null; status: PartnerStatus; respondedAt: Date | null }
export type FundingRow = { taskId: string; source: string; amountVnd: number; note: string | null }
export type LinkRow = { taskId: string; listingId: string | null; demandId: string | null; dealId: string | null }
export type TaskTransitionRow = typeof taskTransitions.$inferSelect

export async function findTask(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<TaskRow | undefined> {
  const query = db.select().from(tasks).where(eq(tasks.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

export async function insertTask(tx: DbOrTx, values: TaskInsert): Promise<TaskRow> {
  const [row] = await tx.insert(tasks).values(values).returning()
  return row!
}

/** Applies a change if the version is still `version`; undefined otherwise. */
export async function updateTask(tx: DbOrTx, id: string, version: number, values: Partial<TaskInsert>, now: Date): Promise<TaskRow | undefined> {
  const [row] = await tx
    .update(tasks)
    .set({ ...values, updatedAt: now, version: sql`${tasks.version} + 1` })
    .where(and(eq(tasks.id, id), eq(tasks.version, version)))
    .returning()
  return row
}

/** The partners, funding lines and links of some tasks, each in the order they were given. */
export async function findTaskParts(db: DbOrTx, taskIds: string[]) {
  if (taskIds.length === 0) return { partners: [] as PartnerRow[], funding: [] as FundingRow[], links: [] as LinkRow[] }
  const [partners, funding, links] = await Promise.all([
    db
      .select({
        taskId: taskPartners.taskId,
        organizationId: taskPartners.organizationId,
        role: taskPartners.role,
        contribution: taskPartners.contribution,
        status: taskPartners.status,
        respondedAt: taskPartners.respondedAt,
      })
      .from(taskPartners)
      .where(inArray(taskPartners.taskId, taskIds))
      .orderBy(taskPartners.position),
    db
      .select({ taskId: taskFunding.taskId, source: taskFunding.source, amountVnd: taskFunding.amountVnd, note: taskFunding.note })
      .from(taskFunding)
      .where(inArray(taskFunding.taskId, taskIds))
      .orderBy(taskFunding.position),
    db
      .select({ taskId: taskLinks.taskId, listingId: taskLinks.listingId, demandId: taskLinks.demandId, dealId: taskLinks.dealId })
      .from(taskLinks)
      .where(inArray(taskLinks.taskId, taskIds))
      .orderBy(taskLinks.position),
  ])
  return { partners, funding, links }
}

/** The partners as given, each with its status (an answer kept, or a new invitation). */
export async function replacePartners(tx: DbOrTx, taskId: string, partners: Array<Omit<PartnerRow, 'taskId'>>): Promise<void> {
  await tx.delete(taskPartners).where(eq(taskPartners.taskId, taskId))
  if (partners.length > 0) await tx.insert(taskPartners).values(partners.map((partner, position) => ({ ...partner, taskId, position })))
}

/** A partner's answer to its invitation: accepted (kept, with when), or declined (the row goes). */
export async function answerInvitation(tx: DbOrTx, params: { taskId: string; organizationId: string; accept: boolean; now: Date }): Promise<boolean> {
  const where = and(eq(taskPartners.taskId, params.taskId), eq(taskPartners.organizationId, params.organizationId), eq(taskPartners.status, 'invited'))
  const rows = params.accept
    ? await tx.update(taskPartners).set({ status: 'accepted', respondedAt: params.now }).where(where).returning({ taskId: taskPartners.taskId })
    : await tx.delete(taskPartners).where(where).returning({ taskId: taskPartners.taskId })
  return rows.length === 1
}

export async function replaceFunding(tx: DbOrTx, taskId: string, lines: Array<Omit<FundingRow, 'taskId'>>): Promise<void> {
  await tx.delete(taskFunding).where(eq(taskFunding.taskId, taskId))
  if (lines.length > 0) await tx.insert(taskFunding).values(lines.map((line, position) => ({ ...line, taskId, position })))
}

export async function replaceLinks(tx: DbOrTx, taskId: string, links: Array<Omit<LinkRow, 'taskId'>>): Promise<void> {
  await tx.delete(taskLinks).where(eq(taskLinks.taskId, taskId))
  if (links.length > 0) await tx.insert(taskLinks).values(links.map((link, position) => ({ ...link, taskId, position })))
}

/** What a link's check needs of the records it names. */
export async function findLinkTargets(db: DbOrTx, ids: { listingIds: string[]; demandIds: string[]; dealIds: string[] }) {
  const [linkedListings, demandRows, dealRows] = await Promise.all([
    findListingStates(db, ids.listingIds),
    ids.demandIds.length
      ? db.select({ id: demands.id, ownerId: demands.ownerId, status: demands.status }).from(demands).where(inArray(demands.id, ids.demandIds))
      : [],
    ids.dealIds.length
      ? db.select({ id: deals.id, providerId: deals.providerId, seekerId: deals.seekerId }).from(deals).where(inArray(deals.id, ids.dealIds))
      : [],
  ])
  return {
    listings: linkedListings,
    demands: new Map(demandRows.map((row) => [row.id, row])),
    deals: new Map(dealRows.map((row) => [row.id, row])),
  }
}

export async function insertTransition(tx: DbOrTx, values: typeof taskTransitions.$inferInsert): Promise<void> {
  await tx.insert(taskTransitions).values(values)
}

export async function listTransitions(db: DbOrTx, taskId: string, options: { afterId?: number; limit: number }): Promise<TaskTransitionRow[]> {
  return db
    .select()
    .from(taskTransitions)
    .where(and(eq(taskTransitions.taskId, taskId), options.afterId !== undefined ? gt(taskTransitions.id, options.afterId) : undefined))
    .orderBy(asc(taskTransitions.id))
    .limit(options.limit)
}

export type TaskFilter = {
  /** Besides approved (public) tasks, the ones these organisations lead, are partners of or are invited to; undefined: every task (the operator). */
  privateFor?: string[]
  status?: TaskState
  organizationId?: string
  currentProvinceCode?: string
  after?: { updatedAt: Date; id: string }
  limit: number
}

/** Tasks these organisations lead or are partners of; with `invited`, or are invited to. */
const involves = (organizationIds: string[], options: { invited: boolean }): SQL =>
  or(
    inArray(tasks.leadId, organizationIds),
    sql`exists (select 1 from ${taskPartners} where ${taskPartners.taskId} = ${tasks.id} and ${inArray(taskPartners.organizationId, organizationIds)}${options.invited ? sql`` : sql` and ${taskPartners.status} = 'accepted'`})`,
  )!

/** Tasks, most recently changed first, as far as the caller may see them. */
export async function listTasks(db: DbOrTx, filter: TaskFilter): Promise<TaskRow[]> {
  const { after } = filter
  return db
    .select()
    .from(tasks)
    .where(
      and(
        // An invitee sees the proposed task it is asked to join, so that it can answer.
        filter.privateFor ? or(isNotNull(tasks.approvedAt), filter.privateFor.length ? involves(filter.privateFor, { invited: true }) : undefined) : undefined,
        filter.status ? eq(tasks.status, filter.status) : undefined,
        filter.organizationId ? involves([filter.organizationId], { invited: false }) : undefined,
        filter.currentProvinceCode ? eq(tasks.currentProvinceCode, filter.currentProvinceCode) : undefined,
        after ? or(lt(tasks.updatedAt, after.updatedAt), and(eq(tasks.updatedAt, after.updatedAt), lt(tasks.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(tasks.updatedAt), desc(tasks.id))
    .limit(filter.limit)
}
