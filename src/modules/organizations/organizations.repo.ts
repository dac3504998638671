import { and, asc, eq, gt, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { isOneOf } from '../../db/filters.ts'
import { organizations } from '../../db/schema/index.ts'

export type OrganizationRow = typeof organizations.$inferSelect
export type OrganizationInsert = typeof organizations.$inferInsert

const nameDocument = sql`tx_search_text(${organizations.name} || ' ' || coalesce(${organizations.nameEn}, '') || ' ' || coalesce(${organizations.shortName}, ''))`

export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`

/** One organisation; `lock` takes a row lock for a read-then-write in a transaction. */
export async function findOrganization(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<OrganizationRow | undefined> {
  const query = db.select().from(organizations).where(eq(organizations.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

/** Several organisations in one query (catalogue events of a bulk write). */
export async function findOrganizations(db: DbOrTx, ids: string[]): Promise<OrganizationRow[]> {
  if (ids.length === 0) return []
  return db.select().from(organizations).where(inArray(organizations.id, ids))
}

/** What another record shows of the organisations it names, and whether each was merged away. */
export type OrganizationSummary = { id: string; name: string; kind: string; mergedIntoId: string | null }

/** Several organisations' summaries in one query, by id; unknown ids are absent. */
export async function findOrganizationSummaries(db: DbOrTx, ids: string[]): Promise<Map<string, OrganizationSummary>> {
  if (ids.length === 0) return new Map()
  const rows = await db
    .select({ id: organizations.id, name: organizations.name, kind: organizations.kind, mergedIntoId: organizations.mergedIntoId })
    .from(organizations)
    .where(inArray(organizations.id, ids))
  return new Map(rows.map((row) => [row.id, row]))
}

/** The organisations merged into this one (directly). */
export async function organizationsMergedInto(db: DbOrTx, id: string): Promise<string[]> {
  const rows = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.mergedIntoId, id))
  return rows.map((row) => row.id)
}

export async function insertOrganization(db: DbOrTx, values: OrganizationInsert): Promise<OrganizationRow> {
  const [row] = await db.insert(organizations).values(values).returning()
  return row!
}

/** Applies a change if the row is still at `expectedVersion` (when given); undefined if not. */
export async function updateOrganization(
  db: DbOrTx,
  params: { id: string; expectedVersion?: number; values: Partial<OrganizationInsert>; now: Date },
): Promise<OrganizationRow | undefined> {
  const [row] = await db
    .update(organizations)
    .set({ ...params.values, updatedAt: params.now, version: sql`${organizations.version} + 1` })
    .where(and(eq(organizations.id, params.id), params.expectedVersion === undefined ? undefined : eq(organizations.version, params.expectedVersion)))
    .returning()
  return row
}

export type OrganizationFilter = {
  /** Any of these kinds, any of these 2025 provinces (each list non-empty when present). */
  kinds?: readonly string[]
  currentProvinceCodes?: readonly string[]
  parentId?: string
  q?: string
  merged?: boolean
  after?: { name: string; id: string }
  limit: number
}

export async function listOrganizations(db: DbOrTx, filter: OrganizationFilter): Promise<OrganizationRow[]> {
  const conditions: Array<SQL | undefined> = [
    filter.kinds ? isOneOf(organizations.kind, filter.kinds) : undefined,
    filter.currentProvinceCodes ? isOneOf(organizations.currentProvinceCode, filter.currentProvinceCodes) : undefined,
    filter.parentId ? eq(organizations.parentId, filter.parentId) : undefined,
    filter.merged === undefined ? undefined : filter.merged ? isNotNull(organizations.mergedIntoId) : isNull(organizations.mergedIntoId),
    filter.q ? sql`${nameDocument} like tx_search_text(${likePattern(filter.q)})` : undefined,
    filter.after
      ? or(gt(organizations.name, filter.after.name), and(eq(organizations.name, filter.after.name), gt(organizations.id, filter.after.id)))
      : undefined,
  ]
  return db
    .select()
    .from(organizations)
    .where(and(...conditions))
    .orderBy(asc(organizations.name), asc(organizations.id))
    .limit(filter.limit)
}
