import { and, eq, gte, inArray, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { preparedWhere } from '../../db/prepared.ts'
import { demands, organizations } from '../../db/schema/index.ts'
import type { DemandStatus } from '../../db/schema/index.ts'
import { columnsOf } from '../../core/catalogue-kind.ts'
import { demandFields } from './demands.kind.ts'

// Writes never name the search columns (search_vector, search_key_ids, search_body_ids): the database generates them.
export type DemandInsert = typeof demands.$inferInsert
export type DemandValues = Partial<Omit<DemandInsert, 'id' | 'ownerId' | 'version' | 'createdAt'>>

/** What a demand summary shows of the demand itself (search results, matches). */
export const demandSummaryFields = {
  id: demands.id,
  status: demands.status,
  titleVi: demands.titleVi,
  titleEn: demands.titleEn,
  sectors: demands.sectors,
  fields: demands.fields,
  minTrl: demands.minTrl,
  budgetMinVnd: demands.budgetMinVnd,
  budgetMaxVnd: demands.budgetMaxVnd,
  deadline: demands.deadline,
  provinceCode: demands.provinceCode,
  currentProvinceCode: demands.currentProvinceCode,
  openedAt: demands.openedAt,
  anonymous: demands.anonymous,
  source: demands.source,
  externalId: demands.externalId,
}

/** The columns a search result shows; the owner comes from the organisation row. */
export const summaryColumns = {
  ...demandSummaryFields,
  owner: { id: organizations.id, name: organizations.name, kind: organizations.kind },
}

/** Everything the API shows of one demand: explicit, so internal columns never leak. */
const demandColumns = {
  ...summaryColumns,
  ...columnsOf(demandFields),
  stewardId: demands.stewardId,
  closedAt: demands.closedAt,
  closeReason: demands.closeReason,
  closeNote: demands.closeNote,
  createdAt: demands.createdAt,
  updatedAt: demands.updatedAt,
  version: demands.version,
}

/** One demand with its owner; `lock` takes a row lock for a read-then-write in a transaction. */
export async function findDemand(db: DbOrTx, id: string, options: { lock?: boolean } = {}) {
  const query = db
    .select(demandColumns)
    .from(demands)
    .innerJoin(organizations, eq(organizations.id, demands.ownerId))
    .where(preparedWhere(eq(demands.id, id)))
  const [row] = options.lock ? await query.for('update', { of: demands }) : await query
  return row
}

export type DemandRow = NonNullable<Awaited<ReturnType<typeof findDemand>>>

/** Several demands with their owners, in one query (catalogue events of a bulk write). */
export async function findDemands(db: DbOrTx, ids: string[]): Promise<DemandRow[]> {
  if (ids.length === 0) return []
  return db.select(demandColumns).from(demands).innerJoin(organizations, eq(organizations.id, demands.ownerId)).where(inArray(demands.id, ids))
}

export async function insertDemand(db: DbOrTx, values: DemandInsert): Promise<string> {
  const [row] = await db.insert(demands).values(values).returning({ id: demands.id })
  return row!.id
}

/**
 * Applies an edit if the demand is not closed and, when given, still at `expectedVersion`.
 * Returns false when the conditions no longer hold; the caller finds out which.
 */
export async function updateDemand(db: DbOrTx, params: { id: string; expectedVersion?: number; values: DemandValues; now: Date }): Promise<boolean> {
  const rows = await db
    .update(demands)
    .set({ ...params.values, updatedAt: params.now, version: sql`${demands.version} + 1` })
    .where(
      and(
        eq(demands.id, params.id),
        ne(demands.status, 'closed'),
        params.expectedVersion === undefined ? undefined : eq(demands.version, params.expectedVersion),
      ),
    )
    .returning({ id: demands.id })
  return rows.length > 0
}

/**
 * Moves a demand from one state to the next in one statement, so two concurrent requests cannot
 * both win. `guard` adds a rule the row must still meet (say, a deadline not yet passed).
 */
export async function transitionDemand(
  db: DbOrTx,
  params: { id: string; from: DemandStatus; to: DemandStatus; values: DemandValues; now: Date; guard?: SQL },
): Promise<boolean> {
  const rows = await db
    .update(demands)
    .set({ ...params.values, status: params.to, updatedAt: params.now, version: sql`${demands.version} + 1` })
    .where(and(eq(demands.id, params.id), eq(demands.status, params.from), params.guard))
    .returning({ id: demands.id })
  return rows.length > 0
}

/**
 * Open demands whose deadline for offers is before `today`, oldest deadline first, locked for the
 * sweep that closes them. SKIP LOCKED: a demand an owner is editing now waits for the next sweep.
 */
export async function lockPastDeadline(db: DbOrTx, today: string, limit: number): Promise<DemandRow[]> {
  return db
    .select(demandColumns)
    .from(demands)
    .innerJoin(organizations, eq(organizations.id, demands.ownerId))
    .where(and(eq(demands.status, 'open'), lt(demands.deadline, today)))
    .orderBy(demands.deadline)
    .limit(limit)
    .for('update', { of: demands, skipLocked: true })
}

/** The deadline, if any, is `today` or later: a demand past it cannot open. */
export const deadlineNotBefore = (today: string): SQL => or(isNull(demands.deadline), gte(demands.deadline, today))!
