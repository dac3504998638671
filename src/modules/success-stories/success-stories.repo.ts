import { and, arrayOverlaps, desc, eq, inArray, ne, or, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { successStories } from '../../db/schema/index.ts'

export type StoryRow = typeof successStories.$inferSelect

export async function insertStory(db: DbOrTx, values: typeof successStories.$inferInsert): Promise<StoryRow> {
  const [row] = await db.insert(successStories).values(values).returning()
  return row!
}

export async function findStory(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<StoryRow | undefined> {
  const query = db.select().from(successStories).where(eq(successStories.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

/** The deal's story, unless retracted (success_stories_deal_key). */
export async function findStoryOfDeal(db: DbOrTx, dealId: string): Promise<StoryRow | undefined> {
  const [row] = await db
    .select()
    .from(successStories)
    .where(and(eq(successStories.dealId, dealId), ne(successStories.status, 'retracted')))
  return row
}

export async function findStories(db: DbOrTx, ids: string[]): Promise<StoryRow[]> {
  if (ids.length === 0) return []
  return db.select().from(successStories).where(inArray(successStories.id, ids))
}

/** Writes the changes and bumps the version, if the row is still at `version`; undefined when it is not. */
export async function updateStory(db: DbOrTx, id: string, version: number, values: Partial<typeof successStories.$inferInsert>): Promise<StoryRow | undefined> {
  const [row] = await db
    .update(successStories)
    .set({ ...values, version: version + 1 })
    .where(and(eq(successStories.id, id), eq(successStories.version, version)))
    .returning()
  return row
}

export type StoryFilter = {
  provinceCodes?: string[]
  sectors?: string[]
  year?: number
  organizationId?: string
  after?: { publishedAt: string; id: string }
  limit: number
}

/** Published stories, newest first (success_stories_published_idx), after a keyset position. */
export function listPublished(db: DbOrTx, filter: StoryFilter): Promise<StoryRow[]> {
  const { after } = filter
  return db
    .select()
    .from(successStories)
    .where(
      and(
        eq(successStories.status, 'published'),
        filter.provinceCodes ? inArray(successStories.currentProvinceCode, filter.provinceCodes) : undefined,
        filter.sectors ? arrayOverlaps(successStories.sectors, filter.sectors) : undefined,
        filter.year !== undefined ? eq(successStories.year, filter.year) : undefined,
        filter.organizationId ? or(eq(successStories.providerId, filter.organizationId), eq(successStories.seekerId, filter.organizationId)) : undefined,
        after ? sql`(${successStories.publishedAt}, ${successStories.id}) < (${after.publishedAt}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(successStories.publishedAt), desc(successStories.id))
    .limit(filter.limit)
}

/**
 * Published stories of transfers completed in the years [fromYear, toYear], of an organisation (as
 * provider or seeker) or a province, newest first: the "successful models" of an activity report.
 */
export function listModels(
  db: DbOrTx,
  filter: { fromYear: number; toYear: number; organizationIds?: string[]; currentProvinceCode?: string; limit: number },
): Promise<StoryRow[]> {
  return db
    .select()
    .from(successStories)
    .where(
      and(
        eq(successStories.status, 'published'),
        sql`${successStories.year} between ${filter.fromYear} and ${filter.toYear}`,
        filter.organizationIds
          ? or(inArray(successStories.providerId, filter.organizationIds), inArray(successStories.seekerId, filter.organizationIds))
          : undefined,
        filter.currentProvinceCode ? eq(successStories.currentProvinceCode, filter.currentProvinceCode) : undefined,
      ),
    )
    .orderBy(desc(successStories.year), desc(successStories.publishedAt))
    .limit(filter.limit)
}
