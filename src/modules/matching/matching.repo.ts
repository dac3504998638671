import { and, desc, eq, inArray, notInArray, sql, type SQL } from 'drizzle-orm'
import { alias } from 'drizzle-orm/pg-core'
import type { DbOrTx } from '../../db/client.ts'
import { isAnyOf } from '../../db/filters.ts'
import { preparedWhere } from '../../db/prepared.ts'
import { demands, listings, matches, matchRuns, organizations } from '../../db/schema/index.ts'
import { demandSummaryFields } from '../demands/demands.repo.ts'
import { listingSummaryColumns } from '../listings/listings.repo.ts'
import type { Direction } from '../../core/match-requests.ts'

export type MatchRow = typeof matches.$inferSelect
export type MatchInsert = typeof matches.$inferInsert

const proposer = sql<{
  id: string
  name: string
} | null>`(select json_build_object('id', o.id, 'name', o.name) from ${organizations} o where o.id = ${matches.proposedById})`

export type MatchWithProposer = MatchRow & { proposedBy: { id: string; name: string } | null }

export async function findMatch(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<MatchWithProposer | undefined> {
  const query = db.select({ match: matches, proposedBy: proposer }).from(matches).where(eq(matches.id, id))
  const [row] = options.lock ? await query.for('update', { of: matches }) : await query
  return row ? { ...row.match, proposedBy: row.proposedBy } : undefined
}

export async function findPair(db: DbOrTx, demandId: string, listingId: string, options: { lock?: boolean } = {}): Promise<MatchRow | undefined> {
  const query = db
    .select()
    .from(matches)
    .where(and(eq(matches.demandId, demandId), eq(matches.listingId, listingId)))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

export async function insertMatch(tx: DbOrTx, values: MatchInsert): Promise<MatchRow> {
  const [row] = await tx.insert(matches).values(values).returning()
  return row!
}

export async function updateMatch(tx: DbOrTx, id: string, values: Partial<MatchInsert>, now: Date): Promise<MatchRow> {
  const [row] = await tx
    .update(matches)
    .set({ ...values, updatedAt: now, version: sql`${matches.version} + 1` })
    .where(eq(matches.id, id))
    .returning()
  return row!
}

/** A run's own earlier suggestions that it no longer ranks: curated and brokered pairs stay. */
export async function deleteStaleSuggestions(tx: DbOrTx, direction: Direction, subjectId: string, keepIds: string[]): Promise<number> {
  const column = direction === 'demand' ? matches.demandId : matches.listingId
  const deleted = await tx
    .delete(matches)
    .where(
      and(
        eq(column, subjectId),
        eq(matches.origin, 'computed'),
        eq(matches.status, 'suggested'),
        // A demand's run decides its whole list (whichever side's run stored a pair); a listing's
        // run takes back only what it stored itself.
        direction === 'listing' ? eq(matches.computedFrom, direction) : undefined,
        keepIds.length > 0 ? notInArray(matches.id, keepIds) : undefined,
      ),
    )
    .returning({ id: matches.id })
  return deleted.length
}

/**
 * Keeps each given demand's `keep` best computed suggestions and deletes the rest, in one statement:
 * MATCH_TOP_N holds whichever side's run added a pair.
 */
export async function trimSuggestions(tx: DbOrTx, demandIds: string[], keep: number): Promise<number> {
  if (demandIds.length === 0) return 0
  const ranked = tx
    .select({
      id: matches.id,
      rank: sql<number>`row_number() over (partition by ${matches.demandId} order by ${matches.score} desc, ${matches.id})`.as('rank'),
    })
    .from(matches)
    .where(and(inArray(matches.demandId, demandIds), eq(matches.origin, 'computed'), eq(matches.status, 'suggested')))
    .as('ranked')
  const beyond = tx
    .select({ id: ranked.id })
    .from(ranked)
    .where(sql`${ranked.rank} > ${keep}`)
  const deleted = await tx.delete(matches).where(inArray(matches.id, beyond)).returning({ id: matches.id })
  return deleted.length
}

export async function recordRun(tx: DbOrTx, run: { direction: Direction; subjectId: string; computedAt: Date; candidates: number; durationMs: number }) {
  const values = { subjectType: run.direction, subjectId: run.subjectId, computedAt: run.computedAt, candidates: run.candidates, durationMs: run.durationMs }
  await tx
    .insert(matchRuns)
    .values(values)
    .onConflictDoUpdate({
      target: [matchRuns.subjectType, matchRuns.subjectId],
      set: { computedAt: values.computedAt, candidates: values.candidates, durationMs: values.durationMs },
    })
}

export async function lastRun(db: DbOrTx, direction: Direction, subjectId: string): Promise<Date | null> {
  const [row] = await db
    .select({ computedAt: matchRuns.computedAt })
    .from(matchRuns)
    .where(and(eq(matchRuns.subjectType, direction), eq(matchRuns.subjectId, subjectId)))
  return row?.computedAt ?? null
}

const listingOwners = alias(organizations, 'listing_owner')
const demandOwners = alias(organizations, 'demand_owner')

/** A match with both sides' summaries and owners, as the API shows it. */
const viewColumns = {
  match: matches,
  proposedBy: proposer,
  listing: listingSummaryColumns,
  listingOwner: { id: listingOwners.id, name: listingOwners.name, kind: listingOwners.kind },
  demand: demandSummaryFields,
  demandOwner: { id: demandOwners.id, name: demandOwners.name, kind: demandOwners.kind },
}

function selectViews(db: DbOrTx) {
  return db
    .select(viewColumns)
    .from(matches)
    .innerJoin(listings, eq(listings.id, matches.listingId))
    .innerJoin(listingOwners, eq(listingOwners.id, listings.ownerId))
    .innerJoin(demands, eq(demands.id, matches.demandId))
    .innerJoin(demandOwners, eq(demandOwners.id, demands.ownerId))
}

export type MatchView = Awaited<ReturnType<typeof selectViews>>[number]

export async function findMatchView(db: DbOrTx, id: string): Promise<MatchView | undefined> {
  const [row] = await selectViews(db).where(eq(matches.id, id))
  return row
}

/**
 * A subject's matches, best first. Only live counterparts are shown (published, unexpired
 * listings; open demands): a withdrawn listing is not the public's to see.
 */
export async function listMatches(
  db: DbOrTx,
  direction: Direction,
  subjectId: string,
  options: { statuses: string[]; today: string; limit: number; after?: { score: number; id: string } },
): Promise<MatchView[]> {
  const subject = direction === 'demand' ? eq(matches.demandId, subjectId) : eq(matches.listingId, subjectId)
  const live: SQL =
    direction === 'demand'
      ? sql`${listings.status} = 'published' and (${listings.validUntil} is null or ${listings.validUntil} >= ${options.today}::date)`
      : sql`${demands.status} = 'open'`
  return selectViews(db)
    .where(
      preparedWhere(
        and(
          subject,
          isAnyOf(matches.status, options.statuses, 'text'),
          live,
          // Keyset: after the last row of the previous page in (score desc, id) order.
          options.after
            ? sql`(${matches.score} < ${options.after.score} or (${matches.score} = ${options.after.score} and ${matches.id} > ${options.after.id}::uuid))`
            : undefined,
        ),
      ),
    )
    .orderBy(desc(matches.score), matches.id)
    .limit(options.limit)
}

/** The owners of both sides of a pair. */
export type PairOwners = { demandOwnerId: string; listingOwnerId: string }

export async function ownersOf(db: DbOrTx, demandId: string, listingId: string): Promise<PairOwners> {
  const [row] = await db
    .select({ demandOwnerId: demands.ownerId, listingOwnerId: sql<string>`(select owner_id from ${listings} where id = ${listingId}::uuid)` })
    .from(demands)
    .where(eq(demands.id, demandId))
  return row!
}

/** The owners of several pairs in one statement, by "<demandId>/<listingId>". */
export async function ownersOfPairs(db: DbOrTx, pairs: { demandId: string; listingId: string }[]): Promise<Map<string, PairOwners>> {
  const result = await db.execute<{ demand_id: string; listing_id: string; demand_owner_id: string; listing_owner_id: string }>(sql`
    select p."demandId" as demand_id, p."listingId" as listing_id, d.owner_id as demand_owner_id, l.owner_id as listing_owner_id
    from jsonb_to_recordset(${JSON.stringify(pairs.map(({ demandId, listingId }) => ({ demandId, listingId })))}::jsonb) as p("demandId" uuid, "listingId" uuid)
    join ${demands} d on d.id = p."demandId"
    join ${listings} l on l.id = p."listingId"`)
  return new Map(result.rows.map((row) => [`${row.demand_id}/${row.listing_id}`, { demandOwnerId: row.demand_owner_id, listingOwnerId: row.listing_owner_id }]))
}

/** The stored rows of these (demand, listing) pairs, locked, in id order (one statement for a run's whole list). */
export async function lockPairs(tx: DbOrTx, pairs: { demandId: string; listingId: string }[]): Promise<MatchRow[]> {
  if (pairs.length === 0) return []
  const wanted = sql`(${matches.demandId}, ${matches.listingId}) in (select * from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as p("demandId" uuid, "listingId" uuid))`
  return tx.select().from(matches).where(wanted).orderBy(matches.id).for('update')
}

/** New suggestions of one run in one statement; pairs that appeared meanwhile (the other side's run) are left out of the answer. */
export async function insertSuggestions(tx: DbOrTx, values: MatchInsert[]): Promise<MatchRow[]> {
  if (values.length === 0) return []
  return tx
    .insert(matches)
    .values(values)
    .onConflictDoNothing({ target: [matches.demandId, matches.listingId] })
    .returning()
}

/** New scores from a run, in one statement: not a curation, so version (and thus ETags) stay as they are. */
export async function updateScores(
  tx: DbOrTx,
  rows: { id: string; score: number; explanation: unknown }[],
  values: { computedAt: Date; computedFrom: Direction },
): Promise<void> {
  if (rows.length === 0) return
  await tx.execute(sql`
    update ${matches} set score = v.score, explanation = v.explanation, computed_at = ${values.computedAt.toISOString()}::timestamptz, computed_from = ${values.computedFrom}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id uuid, score float8, explanation jsonb)
    where ${matches.id} = v.id`)
}
