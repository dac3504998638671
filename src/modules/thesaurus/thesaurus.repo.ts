import { and, eq, getTableColumns, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { thesaurusEntries } from '../../db/schema/index.ts'
import { occurrences, probesOf, syllablesOf } from './thesaurus.fold.ts'
import type { ThesaurusApplication } from './thesaurus.schemas.ts'

export type EntryRow = typeof thesaurusEntries.$inferSelect
export type EntryInsert = typeof thesaurusEntries.$inferInsert

export async function findEntry(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<EntryRow | undefined> {
  const query = db.select().from(thesaurusEntries).where(eq(thesaurusEntries.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

export async function insertEntry(tx: DbOrTx, values: EntryInsert): Promise<EntryRow> {
  const [row] = await tx.insert(thesaurusEntries).values(values).returning()
  return row!
}

export async function updateEntry(tx: DbOrTx, id: string, version: number, values: Partial<EntryInsert>, now: Date): Promise<EntryRow | undefined> {
  const [row] = await tx
    .update(thesaurusEntries)
    .set({ ...values, updatedAt: now, version: sql`${thesaurusEntries.version} + 1` })
    .where(and(eq(thesaurusEntries.id, id), eq(thesaurusEntries.version, version)))
    .returning()
  return row
}

export async function deleteEntry(tx: DbOrTx, id: string): Promise<void> {
  await tx.delete(thesaurusEntries).where(eq(thesaurusEntries.id, id))
}

/** An entry's name in lists: its trigger, or its first phrase, folded; byte order, the same on every server. */
const label = sql<string>`(coalesce(${thesaurusEntries.foldedTrigger}, ${thesaurusEntries.foldedPhrases}[1]) collate "C")`

export type EntryFilter = { kind?: string; q?: string; after?: { label: string; id: string }; limit: number }

/** Entries in the order of their label; q (folded) narrows to those with a phrase containing it. */
export async function listEntries(db: DbOrTx, filter: EntryFilter): Promise<Array<EntryRow & { label: string }>> {
  const { after } = filter
  return db
    .select({ ...getTableColumns(thesaurusEntries), label })
    .from(thesaurusEntries)
    .where(
      and(
        filter.kind ? eq(thesaurusEntries.kind, filter.kind as EntryRow['kind']) : undefined,
        filter.q !== undefined
          ? sql`strpos(coalesce(${thesaurusEntries.foldedTrigger}, '') || ' | ' || array_to_string(${thesaurusEntries.foldedPhrases}, ' | '), ${filter.q}) > 0`
          : undefined,
        after ? sql`(${label}, ${thesaurusEntries.id}) > (${after.label} collate "C", ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(label, thesaurusEntries.id)
    .limit(filter.limit)
}

const { id, kind, trigger, phrases, foldedTrigger, foldedPhrases, keys, foldedExceptions, weight } = thesaurusEntries

type Candidate = Pick<EntryRow, 'id' | 'kind' | 'trigger' | 'phrases' | 'foldedTrigger' | 'foldedPhrases' | 'keys' | 'foldedExceptions' | 'weight'>

/**
 * The thesaurus entries that apply to a query, and what each adds, in one round trip.
 *
 * `queryText` is folded again here (folding is idempotent), so raw, tx_search_text'ed or folded
 * text all work. An entry applies when one of its keys (a synonym's member, an expansion's
 * trigger) occurs in the query as consecutive whole syllables ("nuoc thai" in "xu ly nuoc thai
 * chan nuoi", but not in "nuoc thai ly" reordered, nor "heo" in "heozon") and not inside one of
 * the entry's exceptions. The GIN index on the keys' heads (first two syllables, or
 * the only one) picks candidates from the query's syllables and neighbour pairs; the database then
 * keeps the entries whose key occurs between spaces in the padded query, and TypeScript finds
 * where (and checks exceptions). Every entry that applies is returned, overlapping ones included;
 * `subsumed` marks a match inside a longer match of another entry. An entry adds its phrases that
 * are not in the query already (a synonym: its other members; an expansion: its targets).
 */
export async function findThesaurusExpansions(db: DbOrTx, queryText: string): Promise<ThesaurusApplication[]> {
  const query = syllablesOf(queryText)
  if (query.length === 0) return []
  // Folded syllables hold only letters and digits, so a comma separates them safely.
  const probes = probesOf(query).join(',')
  const padded = ` ${query.join(' ')} `
  const rows: Candidate[] = await db
    .select({ id, kind, trigger, phrases, foldedTrigger, foldedPhrases, keys, foldedExceptions, weight })
    .from(thesaurusEntries)
    .where(
      and(
        sql`${thesaurusEntries.heads} && string_to_array(${probes}, ',')`,
        sql`exists (select 1 from unnest(${thesaurusEntries.keys}) as key where strpos(${padded}, ' ' || key || ' ') > 0)`,
      ),
    )
  return applyEntries(query, rows)
}

/** The applications of candidate entries to a query's syllables (see findThesaurusExpansions). */
export function applyEntries(query: string[], rows: Candidate[]): ThesaurusApplication[] {
  const inQuery = (folded: string) => occurrences(query, folded).length > 0
  const applied: ThesaurusApplication[] = []
  for (const row of rows) {
    // Spans covered by an exception of the entry: a key's match inside one does not count.
    const blocked = row.foldedExceptions.flatMap((exception) => occurrences(query, exception).map((start) => [start, start + exception.split(' ').length] as const))
    let best: { key: string; start: number; length: number } | undefined
    for (const key of row.keys) {
      const length = key.split(' ').length
      for (const start of occurrences(query, key)) {
        if (blocked.some(([from, to]) => from <= start && start + length <= to)) continue
        if (!best || start < best.start || (start === best.start && length > best.length)) best = { key, start, length }
      }
    }
    if (!best) continue
    const written = row.kind === 'expansion' ? row.trigger! : row.phrases[row.foldedPhrases.indexOf(best.key)]!
    applied.push({
      entryId: row.id,
      kind: row.kind,
      matched: { phrase: written, folded: best.key, start: best.start, length: best.length },
      subsumed: false,
      weight: row.weight,
      add: row.phrases.flatMap((phrase, index) => (inQuery(row.foldedPhrases[index]!) ? [] : [{ phrase, folded: row.foldedPhrases[index]!, weight: row.weight }])),
    })
  }
  for (const application of applied) {
    const { start, length } = application.matched
    application.subsumed = applied.some((other) => other.matched.length > length && other.matched.start <= start && start + length <= other.matched.start + other.matched.length)
  }
  return applied.sort((a, b) => a.matched.start - b.matched.start || b.matched.length - a.matched.length || a.kind.localeCompare(b.kind) || a.entryId.localeCompare(b.entryId))
}
