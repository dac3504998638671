import { and, asc, desc, eq, gte, inArray, lte, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { deals, exchangeEventListings, exchangeEventOrganizations, exchangeEvents, listings, organizations } from '../../db/schema/index.ts'

export type EventRow = typeof exchangeEvents.$inferSelect
export type EventInsert = typeof exchangeEvents.$inferInsert

export async function findEvent(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<EventRow | undefined> {
  const query = db.select().from(exchangeEvents).where(eq(exchangeEvents.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

export async function insertEvent(tx: DbOrTx, values: EventInsert): Promise<EventRow> {
  const [row] = await tx.insert(exchangeEvents).values(values).returning()
  return row!
}

export async function updateEvent(tx: DbOrTx, id: string, version: number, values: Partial<EventInsert>, now: Date): Promise<EventRow | undefined> {
  const [row] = await tx
    .update(exchangeEvents)
    .set({ ...values, updatedAt: now, version: sql`${exchangeEvents.version} + 1` })
    .where(and(eq(exchangeEvents.id, id), eq(exchangeEvents.version, version)))
    .returning()
  return row
}

export async function replaceOrganizations(tx: DbOrTx, eventId: string, role: 'organizer' | 'participant', organizationIds: string[]): Promise<void> {
  await tx.delete(exchangeEventOrganizations).where(and(eq(exchangeEventOrganizations.eventId, eventId), eq(exchangeEventOrganizations.role, role)))
  if (organizationIds.length) await tx.insert(exchangeEventOrganizations).values(organizationIds.map((organizationId) => ({ eventId, organizationId, role })))
}

export async function replaceListings(tx: DbOrTx, eventId: string, listingIds: string[]): Promise<void> {
  await tx.delete(exchangeEventListings).where(eq(exchangeEventListings.eventId, eventId))
  if (listingIds.length) await tx.insert(exchangeEventListings).values(listingIds.map((listingId) => ({ eventId, listingId })))
}

/** The organisations, showcased listings and deal outcomes of some events. */
export async function findEventParts(db: DbOrTx, eventIds: string[]) {
  if (eventIds.length === 0) return { organizations: [], listings: [], outcomes: [] }
  const [organizationRows, listingRows, outcomeRows] = await Promise.all([
    db
      .select({
        eventId: exchangeEventOrganizations.eventId,
        role: exchangeEventOrganizations.role,
        id: organizations.id,
        name: organizations.name,
        kind: organizations.kind,
      })
      .from(exchangeEventOrganizations)
      .innerJoin(organizations, eq(organizations.id, exchangeEventOrganizations.organizationId))
      .where(inArray(exchangeEventOrganizations.eventId, eventIds))
      .orderBy(asc(organizations.name), asc(organizations.id)),
    db
      .select({ eventId: exchangeEventListings.eventId, id: listings.id, titleVi: listings.titleVi, status: listings.status })
      .from(exchangeEventListings)
      .innerJoin(listings, eq(listings.id, exchangeEventListings.listingId))
      .where(inArray(exchangeEventListings.eventId, eventIds))
      .orderBy(asc(listings.titleVi), asc(listings.id)),
    db
      .select({
        eventId: sql<string>`${deals.exchangeEventId}`,
        state: deals.state,
        n: sql<number>`count(*)::int`,
        value: sql<string>`coalesce(sum(${deals.transferValueVnd}) filter (where ${deals.state} = 'completed'), 0)::text`,
      })
      .from(deals)
      .where(inArray(deals.exchangeEventId, eventIds))
      .groupBy(deals.exchangeEventId, deals.state),
  ])
  return { organizations: organizationRows, listings: listingRows, outcomes: outcomeRows }
}

export type EventFilter = {
  currentProvinceCode?: string
  kind?: string
  from?: string
  to?: string
  organizationId?: string
  after?: { startsOn: string; id: string }
  limit: number
}

/** Events, latest first. */
export async function listEvents(db: DbOrTx, filter: EventFilter): Promise<EventRow[]> {
  const { after } = filter
  return db
    .select()
    .from(exchangeEvents)
    .where(
      and(
        filter.currentProvinceCode ? eq(exchangeEvents.currentProvinceCode, filter.currentProvinceCode) : undefined,
        filter.kind ? eq(exchangeEvents.kind, filter.kind) : undefined,
        filter.from ? gte(exchangeEvents.endsOn, filter.from) : undefined,
        filter.to ? lte(exchangeEvents.startsOn, filter.to) : undefined,
        filter.organizationId
          ? or(
              eq(exchangeEvents.organizerId, filter.organizationId),
              sql`exists (select 1 from ${exchangeEventOrganizations} where ${exchangeEventOrganizations.eventId} = ${exchangeEvents.id} and ${exchangeEventOrganizations.organizationId} = ${filter.organizationId})`,
            )
          : undefined,
        after ? sql`(${exchangeEvents.startsOn}, ${exchangeEvents.id}) < (${after.startsOn}::date, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(exchangeEvents.startsOn), desc(exchangeEvents.id))
    .limit(filter.limit)
}
