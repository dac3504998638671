import { and, asc, desc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import type { DealState } from '../../db/schema/index.ts'
import { relationTo as relationOf, type Relation } from '../../core/access.ts'
import { dealMessages, dealMilestones, dealOffers, deals, dealTransitions, demands, listings } from '../../db/schema/index.ts'

export type DealRow = typeof deals.$inferSelect
export type DealInsert = typeof deals.$inferInsert
export type OfferRow = typeof dealOffers.$inferSelect
export type MilestoneRow = typeof dealMilestones.$inferSelect
export type TransitionRow = typeof dealTransitions.$inferSelect
export type MessageRow = typeof dealMessages.$inferSelect

export async function findDeal(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<DealRow | undefined> {
  const query = db.select().from(deals).where(eq(deals.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

export async function findOpenDeal(db: DbOrTx, listingId: string, seekerId: string): Promise<DealRow | undefined> {
  const [row] = await db
    .select()
    .from(deals)
    .where(and(eq(deals.listingId, listingId), eq(deals.seekerId, seekerId), sql`${deals.state} not in ('completed', 'declined', 'expired', 'cancelled')`))
  return row
}

export async function insertDeal(tx: DbOrTx, values: DealInsert): Promise<DealRow> {
  const [row] = await tx.insert(deals).values(values).returning()
  return row!
}

/**
 * Applies a move only if the deal is still at the version it was read at: with the row lock the
 * service takes this never misses, and it keeps the rule visible in the statement itself.
 */
export async function updateDeal(tx: DbOrTx, id: string, version: number, values: Partial<DealInsert>, now: Date): Promise<DealRow | undefined> {
  const [row] = await tx
    .update(deals)
    .set({ ...values, updatedAt: now, version: sql`${deals.version} + 1` })
    .where(and(eq(deals.id, id), eq(deals.version, version)))
    .returning()
  return row
}

/** How an organisation stands to a party: the party itself, its successor after a merge, its delegate, or none. */
export async function relationTo(db: DbOrTx, actorOrganizationId: string, partyId: string): Promise<Relation> {
  return (await relationOf(db, actorOrganizationId, partyId)).relation
}

export const dealListingColumns = {
  id: listings.id,
  ownerId: listings.ownerId,
  status: listings.status,
  kind: listings.kind,
  titleVi: listings.titleVi,
  titleEn: listings.titleEn,
  trl: listings.trl,
  validUntil: listings.validUntil,
  priceType: listings.priceType,
  priceVnd: listings.priceVnd,
  iprStatus: listings.iprStatus,
  iprNumbers: listings.iprNumbers,
  contacts: listings.contacts,
  anonymous: listings.anonymous,
  disclosure: listings.disclosure,
}
export type DealListingRow = { [K in keyof typeof dealListingColumns]: (typeof dealListingColumns)[K]['_']['data'] }

export async function findDealListing(db: DbOrTx, listingId: string): Promise<DealListingRow | undefined> {
  return (await findDealListings(db, [listingId])).get(listingId)
}

/** Which of these demands (a page of deals' demandIds) are anonymous. */
export async function findAnonymousDemands(db: DbOrTx, demandIds: Array<string | null>): Promise<Set<string>> {
  const ids = [...new Set(demandIds.filter((id) => id !== null))]
  if (ids.length === 0) return new Set()
  const rows = await db
    .select({ id: demands.id })
    .from(demands)
    .where(and(inArray(demands.id, ids), eq(demands.anonymous, true)))
  return new Set(rows.map((row) => row.id))
}

/** The listings of a page of deals, by id. */
export async function findDealListings(db: DbOrTx, listingIds: string[]): Promise<Map<string, DealListingRow>> {
  const ids = [...new Set(listingIds)]
  if (ids.length === 0) return new Map()
  const rows = (await db.select(dealListingColumns).from(listings).where(inArray(listings.id, ids))) as DealListingRow[]
  return new Map(rows.map((row) => [row.id, row]))
}

/** Rows grouped by their deal, every deal of `dealIds` present (with no rows if it has none), in the rows' order. */
function byDeal<Row extends { dealId: string }>(dealIds: string[], rows: Row[]): Map<string, Row[]> {
  const grouped = new Map(dealIds.map((id) => [id, [] as Row[]]))
  for (const row of rows) grouped.get(row.dealId)?.push(row)
  return grouped
}

// Offers

/** The offers of several deals, each deal's in order. */
export async function listOffers(db: DbOrTx, dealIds: string[]): Promise<Map<string, OfferRow[]>> {
  if (dealIds.length === 0) return new Map()
  return byDeal(dealIds, await db.select().from(dealOffers).where(inArray(dealOffers.dealId, dealIds)).orderBy(asc(dealOffers.number)))
}

export async function insertOffer(tx: DbOrTx, values: typeof dealOffers.$inferInsert): Promise<OfferRow> {
  const [row] = await tx.insert(dealOffers).values(values).returning()
  return row!
}

export async function closeOffer(tx: DbOrTx, id: string, values: { status: string; decidedAt: Date; rejectNote?: string | null }): Promise<void> {
  await tx
    .update(dealOffers)
    .set(values)
    .where(and(eq(dealOffers.id, id), eq(dealOffers.status, 'open')))
}

// Milestones

/** The milestones of several deals, each deal's in order. */
export async function listMilestones(db: DbOrTx, dealIds: string[]): Promise<Map<string, MilestoneRow[]>> {
  if (dealIds.length === 0) return new Map()
  return byDeal(dealIds, await db.select().from(dealMilestones).where(inArray(dealMilestones.dealId, dealIds)).orderBy(asc(dealMilestones.position)))
}

export async function insertMilestones(tx: DbOrTx, values: Array<typeof dealMilestones.$inferInsert>): Promise<void> {
  if (values.length > 0) await tx.insert(dealMilestones).values(values)
}

export async function markMilestoneDone(
  tx: DbOrTx,
  id: string,
  values: { doneAt: Date; evidence: MilestoneRow['evidence']; note: string | null },
): Promise<void> {
  await tx.update(dealMilestones).set(values).where(eq(dealMilestones.id, id))
}

// History

export async function insertTransition(tx: DbOrTx, values: typeof dealTransitions.$inferInsert): Promise<void> {
  await tx.insert(dealTransitions).values(values)
}

export async function listTransitions(db: DbOrTx, dealId: string, options: { afterId?: number; limit: number }): Promise<TransitionRow[]> {
  return db
    .select()
    .from(dealTransitions)
    .where(and(eq(dealTransitions.dealId, dealId), options.afterId !== undefined ? gt(dealTransitions.id, options.afterId) : undefined))
    .orderBy(asc(dealTransitions.id))
    .limit(options.limit)
}

// Messages

export async function insertMessage(tx: DbOrTx, values: typeof dealMessages.$inferInsert): Promise<MessageRow> {
  const [row] = await tx.insert(dealMessages).values(values).returning()
  return row!
}

export async function listMessages(db: DbOrTx, dealId: string, options: { after?: { createdAt: Date; id: string }; limit: number }): Promise<MessageRow[]> {
  const after = options.after
  return db
    .select()
    .from(dealMessages)
    .where(
      and(
        eq(dealMessages.dealId, dealId),
        after ? or(gt(dealMessages.createdAt, after.createdAt), and(eq(dealMessages.createdAt, after.createdAt), gt(dealMessages.id, after.id))) : undefined,
      ),
    )
    .orderBy(asc(dealMessages.createdAt), asc(dealMessages.id))
    .limit(options.limit)
}

// Lists

export type DealFilter = {
  /** Deals where one of these is a party; undefined: every deal (the operator). */
  partyIds?: string[]
  side?: 'provider' | 'seeker'
  states?: DealState[]
  listingId?: string
  after?: { updatedAt: Date; id: string }
  limit: number
}

export async function listDeals(db: DbOrTx, filter: DealFilter): Promise<DealRow[]> {
  const ids = filter.partyIds
  const parties =
    ids === undefined
      ? undefined
      : filter.side === 'provider'
        ? inArray(deals.providerId, ids)
        : filter.side === 'seeker'
          ? inArray(deals.seekerId, ids)
          : or(inArray(deals.providerId, ids), inArray(deals.seekerId, ids))
  const after = filter.after
  return db
    .select()
    .from(deals)
    .where(
      and(
        parties,
        filter.states ? inArray(deals.state, filter.states) : undefined,
        filter.listingId ? eq(deals.listingId, filter.listingId) : undefined,
        after ? or(sql`${deals.updatedAt} < ${after.updatedAt}`, and(eq(deals.updatedAt, after.updatedAt), sql`${deals.id} < ${after.id}`)) : undefined,
      ),
    )
    .orderBy(desc(deals.updatedAt), desc(deals.id))
    .limit(filter.limit)
}

// Timers

export async function dueInterests(db: DbOrTx, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: deals.id })
    .from(deals)
    .where(and(eq(deals.state, 'interest_expressed'), lte(deals.respondBy, now)))
    .orderBy(asc(deals.respondBy))
    .limit(limit)
  return rows.map((row) => row.id)
}

export async function dueOffers(db: DbOrTx, now: Date, limit: number): Promise<Array<{ dealId: string; offerId: string }>> {
  return db
    .select({ dealId: dealOffers.dealId, offerId: dealOffers.id })
    .from(dealOffers)
    .where(and(eq(dealOffers.status, 'open'), lte(dealOffers.validUntil, now)))
    .orderBy(asc(dealOffers.validUntil))
    .limit(limit)
}

/** Claims due interest reminders: the conditional update is what makes each go out once. */
export async function claimInterestReminders(tx: DbOrTx, now: Date, limit: number): Promise<DealRow[]> {
  const due = tx
    .select({ id: deals.id })
    .from(deals)
    .where(and(eq(deals.state, 'interest_expressed'), lte(deals.respondReminderAt, now), isNull(deals.respondRemindedAt)))
    .limit(limit)
    .for('update', { skipLocked: true })
  return tx
    .update(deals)
    .set({ respondRemindedAt: now })
    .where(and(inArray(deals.id, due), isNull(deals.respondRemindedAt)))
    .returning()
}

export async function claimOfferReminders(tx: DbOrTx, now: Date, limit: number): Promise<OfferRow[]> {
  const due = tx
    .select({ id: dealOffers.id })
    .from(dealOffers)
    .where(and(eq(dealOffers.status, 'open'), lte(dealOffers.reminderAt, now), isNull(dealOffers.remindedAt)))
    .limit(limit)
    .for('update', { skipLocked: true })
  return tx
    .update(dealOffers)
    .set({ remindedAt: now })
    .where(and(inArray(dealOffers.id, due), isNull(dealOffers.remindedAt)))
    .returning()
}
