import { and, eq, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.ts'
import {
  dealMilestones,
  dealOffers,
  deals,
  dealTransitions,
  demands,
  exchangeEventListings,
  exchangeEventOrganizations,
  exchangeEvents,
  listings,
  matches,
  matchRuns,
  organizations,
  successStories,
  taskFunding,
  taskPartners,
  tasks,
  valueChains,
  valueChainStageListings,
  valueChainStageOrganizations,
  valueChainStages,
} from '../db/schema/index.ts'
import type { Clock } from '../lib/clock.ts'
import type { RequestMatches } from '../core/match-requests.ts'
import { demandRows, demoIds, demoOperatorId, listingRows, organizationRows } from './dataset.ts'
import { demoDealRows, demoDeals } from './deals.ts'
import { historyRows } from './history.ts'
import { provinceMergers } from './organizations.ts'
import { demoId } from './types.ts'

export type TableReport = { added: number; present: number }

export type SeedReport = {
  organizations: TableReport
  listings: TableReport
  demands: TableReport
  deals: TableReport
  /** The ten years of activity behind the catalogue (history.ts): withdrawn listings, completed transfers, tasks, the value chain. */
  history: { listings: number; deals: number; tasks: number; valueChains: number; events: number }
  /** The organisations merged by the 2025 mergers of provinces (organizations.ts). */
  mergers: number
  /** What was deliberately left out, in words. */
  notes: string[]
}

export type ResetReport = { organizations: number; listings: number; demands: number; deals: number; keptOrganizations: string[] }

const report = (total: number, added: number): TableReport => ({ added, present: total - added })

/**
 * Loads the demo data set. Rows have fixed ids and are inserted with ON CONFLICT DO NOTHING, so a
 * second run adds nothing and rows changed since (through the API) are left as they are.
 * Inserts straight into the tables: the demo does not depend on the services' rules.
 */
export async function seedDemoData(db: DbOrTx, clock: Clock, requestMatches?: RequestMatches): Promise<SeedReport> {
  const now = clock.now()
  return db.transaction(async (tx) => {
    const notes: string[] = []
    let orgRows = organizationRows(now)

    // A fresh install bootstrapped with `keys create --operator` already has its operator: keep one.
    const [otherOperator] = await tx
      .select({ name: organizations.name })
      .from(organizations)
      .where(and(eq(organizations.kind, 'exchange_operator'), ne(organizations.id, demoOperatorId)))
      .limit(1)
    if (otherOperator) {
      orgRows = orgRows.filter((row) => row.id !== demoOperatorId)
      notes.push(`The demo operator organisation was not added: ${otherOperator.name} already operates this exchange.`)
    }

    // Parents first, so a centre never points at a DOST that is not there yet.
    let addedOrganizations = 0
    for (const rows of [orgRows.filter((row) => !row.parentId), orgRows.filter((row) => row.parentId)]) {
      if (rows.length === 0) continue
      const added = await tx.insert(organizations).values(rows).onConflictDoNothing().returning({ id: organizations.id })
      addedOrganizations += added.length
    }

    // An enterprise whose tax code someone else registered meanwhile is not added; neither is what it owns.
    const owners = new Set(
      (await tx.select({ id: organizations.id }).from(organizations).where(inArray(organizations.id, demoIds.organizations))).map((row) => row.id),
    )
    const owned = <T extends { ownerId: string }>(rows: T[], what: string) => {
      const kept = rows.filter((row) => owners.has(row.ownerId))
      if (kept.length < rows.length) notes.push(`${rows.length - kept.length} demo ${what} were not added: their organisation could not be.`)
      return kept
    }
    const listingValues = owned(listingRows(now), 'listings')
    const demandValues = owned(demandRows(now), 'demands')

    const addedListings = listingValues.length
      ? await tx.insert(listings).values(listingValues).onConflictDoNothing().returning({ id: listings.id, status: listings.status })
      : []
    const addedDemands = demandValues.length
      ? await tx.insert(demands).values(demandValues).onConflictDoNothing().returning({ id: demands.id, status: demands.status })
      : []
    // The demo comes with matches: a job per published listing and open demand, in this
    // transaction, for the server's worker (or a recompute) to run.
    if (requestMatches) {
      for (const row of addedListings) if (row.status === 'published') await requestMatches(tx, 'listing', row.id)
      for (const row of addedDemands) if (row.status === 'open') await requestMatches(tx, 'demand', row.id)
    }

    const addedDeals = await seedDemoDeals(tx, now, notes)
    const history = await seedHistory(tx, now, notes)
    const mergers = await seedMergers(tx, now, notes)

    return {
      organizations: report(orgRows.length, addedOrganizations),
      listings: report(listingValues.length, addedListings.length),
      demands: report(demandValues.length, addedDemands.length),
      deals: report(demoDeals.length, addedDeals),
      history,
      mergers,
      notes,
    }
  })
}

/** The demo organisations the 2025 mergers merge: the merged provinces' DOSTs and centres. */
const mergedDemoIds = () => provinceMergers.merged.flatMap(({ from }) => [demoId('organization', `dost-${from}`), demoId('organization', `centre-${from}`)])

/**
 * The 2025 mergers of provinces: the merged provinces' DOSTs and centres merged into the new
 * province's, in force from 1 July 2025, so the reports count their history before that day for
 * them and after it for their successors. Applied to rows already there too (a demo loaded before
 * the mergers were in it), but never to an organisation someone made keys or delegations for:
 * merging it would need the API's merge, which revokes and closes them.
 */
async function seedMergers(tx: DbOrTx, now: Date, notes: string[]): Promise<number> {
  const effectiveOn = provinceMergers.effectiveOn
  // 00:00 in Vietnam on that day; a clock before it merges nothing.
  const inForce = new Date(`${effectiveOn}T00:00:00+07:00`)
  if (now < inForce) return 0
  let merged = 0
  for (const { from, into } of provinceMergers.merged) {
    for (const kind of ['dost', 'centre']) {
      const rows = await tx
        .update(organizations)
        .set({ mergedIntoId: demoId('organization', `${kind}-${into}`), mergedAt: inForce, mergeEffectiveOn: effectiveOn })
        .where(
          and(
            eq(organizations.id, demoId('organization', `${kind}-${from}`)),
            isNull(organizations.mergedIntoId),
            sql`not exists (select 1 from api_keys where api_keys.organization_id = organizations.id and api_keys.revoked_at is null)`,
            sql`not exists (select 1 from delegations where organizations.id in (delegations.agent_organization_id, delegations.member_organization_id) and delegations.status in ('proposed', 'active'))`,
            sql`exists (select 1 from organizations as successor where successor.id = ${demoId('organization', `${kind}-${into}`)} and successor.merged_into_id is null)`,
          ),
        )
        .returning({ id: organizations.id })
      merged += rows.length
    }
  }
  const expected = provinceMergers.merged.length * 2
  const already = (
    await tx
      .select({ id: organizations.id })
      .from(organizations)
      .where(and(inArray(organizations.id, mergedDemoIds()), isNotNull(organizations.mergedIntoId)))
  ).length
  if (already < expected)
    notes.push(`${expected - already} of the 2025 mergers were not applied: the organisation has API keys or delegations (merge it through the API).`)
  return merged
}

const demoDealIds = () => demoDeals.map((deal) => demoId('deal', deal.key))

/**
 * The demo deals, with their offer, milestones and history. A deal is added with its rows or not
 * at all: one whose listing or parties are missing, or whose pair already has an open deal made
 * through the API, is left out (and said so).
 */
async function seedDemoDeals(tx: DbOrTx, now: Date, notes: string[]): Promise<number> {
  const rows = demoDealRows(now)
  const present = new Set(
    (
      await tx
        .select({ id: listings.id })
        .from(listings)
        .where(
          inArray(
            listings.id,
            rows.deals.map((deal) => deal.listingId),
          ),
        )
    ).map((row) => row.id),
  )
  const parties = new Set(
    (
      await tx
        .select({ id: organizations.id })
        .from(organizations)
        .where(
          inArray(
            organizations.id,
            rows.deals.flatMap((deal) => [deal.providerId, deal.seekerId]),
          ),
        )
    ).map((row) => row.id),
  )
  const open = await tx
    .select({ listingId: deals.listingId, seekerId: deals.seekerId })
    .from(deals)
    .where(
      and(
        inArray(deals.listingId, [...present]),
        sql`${deals.state} not in ('completed', 'declined', 'expired', 'cancelled')`,
        sql`${deals.id} not in ${demoDealIds()}`,
      ),
    )
  const blocked = new Set(open.map((row) => `${row.listingId} ${row.seekerId}`))
  const wanted = rows.deals.filter(
    (deal) => present.has(deal.listingId) && parties.has(deal.providerId) && parties.has(deal.seekerId) && !blocked.has(`${deal.listingId} ${deal.seekerId}`),
  )
  if (wanted.length < rows.deals.length)
    notes.push(
      `${rows.deals.length - wanted.length} demo deals were not added: their listing or organisations are missing, or the pair already has an open deal.`,
    )
  if (wanted.length === 0) return 0
  const added = new Set((await tx.insert(deals).values(wanted).onConflictDoNothing().returning({ id: deals.id })).map((row) => row.id))
  const ofAdded = <T extends { dealId: string }>(values: T[]) => values.filter((value) => added.has(value.dealId))
  if (ofAdded(rows.offers).length) await tx.insert(dealOffers).values(ofAdded(rows.offers))
  if (ofAdded(rows.milestones).length) await tx.insert(dealMilestones).values(ofAdded(rows.milestones))
  if (ofAdded(rows.transitions).length) await tx.insert(dealTransitions).values(ofAdded(rows.transitions))
  return added.size
}

/**
 * The history behind the catalogue, all or nothing: it needs every demo centre, DOST and buyer,
 * and the two demo listings the value chain links.
 */
async function seedHistory(tx: DbOrTx, now: Date, notes: string[]) {
  const rows = historyRows(now)
  const needed = [
    ...new Set([
      ...rows.listings.map((row) => row.ownerId),
      ...rows.deals.map((row) => row.seekerId),
      ...rows.taskPartners.map((row) => row.organizationId),
      ...rows.valueChains.map((row) => row.ownerId),
    ]),
  ]
  const present = await tx.select({ id: organizations.id }).from(organizations).where(inArray(organizations.id, needed))
  const linked = await tx
    .select({ id: listings.id })
    .from(listings)
    .where(
      inArray(
        listings.id,
        rows.valueChainStageListings.map((row) => row.listingId),
      ),
    )
  if (present.length < needed.length || linked.length < new Set(rows.valueChainStageListings.map((row) => row.listingId)).size) {
    notes.push('The ten years of history (reports) were not added: some demo organisations or listings are missing.')
    return { listings: 0, deals: 0, tasks: 0, valueChains: 0, events: 0 }
  }
  const addedListings = await tx.insert(listings).values(rows.listings).onConflictDoNothing().returning({ id: listings.id })
  // The fair before the deals that name it.
  const addedEvents = rows.exchangeEvents.length
    ? await tx.insert(exchangeEvents).values(rows.exchangeEvents).onConflictDoNothing().returning({ id: exchangeEvents.id })
    : []
  if (addedEvents.length) {
    if (rows.exchangeEventOrganizations.length) await tx.insert(exchangeEventOrganizations).values(rows.exchangeEventOrganizations)
    if (rows.exchangeEventListings.length) await tx.insert(exchangeEventListings).values(rows.exchangeEventListings)
  }
  const addedDeals = await tx.insert(deals).values(rows.deals).onConflictDoNothing().returning({ id: deals.id })
  // The published stories of some transfers, placed in their seeker's province as the API places a new one's.
  if (rows.successStories.length) {
    const seekers = await tx
      .select({ id: organizations.id, currentProvinceCode: organizations.currentProvinceCode })
      .from(organizations)
      .where(
        inArray(
          organizations.id,
          rows.successStories.map((story) => story.seekerId),
        ),
      )
    const provinceOf = new Map(seekers.map((seeker) => [seeker.id, seeker.currentProvinceCode]))
    await tx
      .insert(successStories)
      .values(rows.successStories.map((story) => ({ ...story, currentProvinceCode: provinceOf.get(story.seekerId) ?? null })))
      .onConflictDoNothing()
  }
  const addedTasks = await tx.insert(tasks).values(rows.tasks).onConflictDoNothing().returning({ id: tasks.id })
  const newTasks = new Set(addedTasks.map((row) => row.id))
  const ofNewTasks = <T extends { taskId: string }>(values: T[]) => values.filter((value) => newTasks.has(value.taskId))
  if (ofNewTasks(rows.taskPartners).length) await tx.insert(taskPartners).values(ofNewTasks(rows.taskPartners))
  if (ofNewTasks(rows.taskFunding).length) await tx.insert(taskFunding).values(ofNewTasks(rows.taskFunding))
  const addedChains = await tx.insert(valueChains).values(rows.valueChains).onConflictDoNothing().returning({ id: valueChains.id })
  if (addedChains.length) {
    await tx.insert(valueChainStages).values(rows.valueChainStages)
    if (rows.valueChainStageListings.length) await tx.insert(valueChainStageListings).values(rows.valueChainStageListings)
    if (rows.valueChainStageOrganizations.length) await tx.insert(valueChainStageOrganizations).values(rows.valueChainStageOrganizations)
  }
  return { listings: addedListings.length, deals: addedDeals.length, tasks: addedTasks.length, valueChains: addedChains.length, events: addedEvents.length }
}

// An organisation is removed only when nothing outside the demo set still refers to it
// (an API key made for it, a listing or demand created through the API, a child organisation).
const unreferenced = sql`not exists (select 1 from api_keys where api_keys.organization_id = organizations.id)
  and not exists (select 1 from listings where listings.owner_id = organizations.id)
  and not exists (select 1 from demands where demands.owner_id = organizations.id)
  and not exists (select 1 from organizations as child where child.parent_id = organizations.id)`

/** Deletes the demo rows (those with the demo ids, nothing else). */
export async function resetDemoData(db: DbOrTx): Promise<ResetReport> {
  return db.transaction(async (tx) => {
    // The demo deals go with their offers, milestones, history and messages (cascade).
    const history = historyRows(new Date())
    // The history's tasks and value chain go with their partners, funding and stages (cascade).
    await tx.delete(tasks).where(
      inArray(
        tasks.id,
        history.tasks.map((row) => row.id!),
      ),
    )
    await tx.delete(valueChains).where(
      inArray(
        valueChains.id,
        history.valueChains.map((row) => row.id!),
      ),
    )
    // The stories of the demo's transfers go before the transfers they tell.
    await tx.delete(successStories).where(
      inArray(
        successStories.id,
        history.successStories.map((row) => row.id!),
      ),
    )
    const removedDeals = await tx
      .delete(deals)
      .where(inArray(deals.id, [...demoDealIds(), ...history.deals.map((row) => row.id!)]))
      .returning({ id: deals.id })
    await tx.delete(exchangeEvents).where(
      inArray(
        exchangeEvents.id,
        history.exchangeEvents.map((row) => row.id!),
      ),
    )
    // Matches are derived from the demo rows: they go with them.
    const demo = or(inArray(matches.listingId, demoIds.listings), inArray(matches.demandId, demoIds.demands))
    await tx.delete(matches).where(demo)
    await tx.delete(matchRuns).where(inArray(matchRuns.subjectId, [...demoIds.listings, ...demoIds.demands]))
    const removedListings = await tx
      .delete(listings)
      .where(inArray(listings.id, [...demoIds.listings, ...history.listings.map((row) => row.id!)]))
      .returning({ id: listings.id })
    const removedDemands = await tx.delete(demands).where(inArray(demands.id, demoIds.demands)).returning({ id: demands.id })
    let removedOrganizations = 0
    // The demo's mergers undone first: a successor is not removed while another row points at it.
    await tx
      .update(organizations)
      .set({ mergedIntoId: null, mergedAt: null, mergeEffectiveOn: null })
      .where(and(inArray(organizations.id, mergedDemoIds()), inArray(organizations.mergedIntoId, demoIds.organizations)))
    // Children (centres, connection points) before their parents (the DOSTs).
    for (const level of [isNotNull(organizations.parentId), isNull(organizations.parentId)]) {
      const removed = await tx
        .delete(organizations)
        .where(and(inArray(organizations.id, demoIds.organizations), level, unreferenced))
        .returning({ id: organizations.id })
      removedOrganizations += removed.length
    }
    const kept = await tx.select({ name: organizations.name }).from(organizations).where(inArray(organizations.id, demoIds.organizations))
    return {
      organizations: removedOrganizations,
      listings: removedListings.length,
      demands: removedDemands.length,
      deals: removedDeals.length,
      keptOrganizations: kept.map((row) => row.name),
    }
  })
}
