import { randomUUID } from 'node:crypto'
import { and, eq, getTableColumns, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { prepared } from '../../db/prepared.ts'
import { thesaurusEntries, thesaurusHeads } from '../../db/schema/index.ts'
import type { ThesaurusLookup } from '../retrieval/query.ts'
import { occurrences, probesOf, syllablesWithMarks, type Syllables } from './thesaurus.fold.ts'
import type { ThesaurusApplication } from './thesaurus.schemas.ts'

export type EntryRow = typeof thesaurusEntries.$inferSelect
export type EntryInsert = typeof thesaurusEntries.$inferInsert

export async function findEntry(db: DbOrTx, id: string, options: { lock?: boolean } = {}): Promise<EntryRow | undefined> {
  const query = db.select().from(thesaurusEntries).where(eq(thesaurusEntries.id, id))
  const [row] = options.lock ? await query.for('update') : await query
  return row
}

/** An entry's columns and the heads that find it (EntryValues, from thesaurus.rules.ts). */
export type EntryWrite = EntryInsert & { heads: string[] }

/** Inserts entries with their heads; returns the rows in the order given. */
export async function insertEntries(tx: DbOrTx, entries: EntryWrite[]): Promise<EntryRow[]> {
  if (entries.length === 0) return []
  // Ids are made here, so each entry's heads name it whatever order RETURNING gives the rows in.
  const withIds = entries.map((entry) => ({ ...entry, id: entry.id ?? randomUUID() }))
  const rows = await tx
    .insert(thesaurusEntries)
    .values(withIds.map(({ heads: _heads, ...columns }) => columns))
    .returning()
  const heads = withIds.flatMap((entry) => entry.heads.map((head) => ({ head, entryId: entry.id })))
  for (let index = 0; index < heads.length; index += 1000) await tx.insert(thesaurusHeads).values(heads.slice(index, index + 1000))
  const byId = new Map(rows.map((row) => [row.id, row]))
  return withIds.map((entry) => byId.get(entry.id)!)
}

export async function insertEntry(tx: DbOrTx, entry: EntryWrite): Promise<EntryRow> {
  return (await insertEntries(tx, [entry]))[0]!
}

export async function updateEntry(tx: DbOrTx, id: string, version: number, entry: Partial<EntryWrite>, now: Date): Promise<EntryRow | undefined> {
  const { heads, ...columns } = entry
  const [row] = await tx
    .update(thesaurusEntries)
    .set({ ...columns, updatedAt: now, version: sql`${thesaurusEntries.version} + 1` })
    .where(and(eq(thesaurusEntries.id, id), eq(thesaurusEntries.version, version)))
    .returning()
  if (row && heads) {
    await tx.delete(thesaurusHeads).where(eq(thesaurusHeads.entryId, id))
    await tx.insert(thesaurusHeads).values(heads.map((head) => ({ head, entryId: id })))
  }
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

type Candidate = Pick<EntryRow, 'id' | 'kind' | 'trigger' | 'phrases' | 'foldedPhrases' | 'keys' | 'exceptions' | 'weight'>

/**
 * The thesaurus entries that apply to a query, and what each adds, in one round trip.
 *
 * Pass the query as typed: its diacritics make matching precise where folding would merge words
 * ("lợn" brings in "heo", "lớn" does not; see occursAt in thesaurus.fold.ts). Folded text (or
 * tx_search_text's) works too, matching every word it could be. An entry applies when one of its
 * phrases that sets it off (a synonym's members, an expansion's trigger) occurs in the query as
 * consecutive whole syllables ("nước thải" in "xử lý nước thải chăn nuôi", but not in "thải nước",
 * nor "heo" in "heozon"), and not inside one of the entry's exceptions ("bắp" in "bắp cải").
 *
 * The phrases' heads (first two folded syllables, or the only one; table thesaurus_heads) are
 * probed with the query's syllables and neighbour pairs; the database keeps the entries whose folded
 * phrase occurs between spaces in the padded folded query; TypeScript checks marks, exceptions and
 * where. Every entry that applies is returned, overlapping ones included; `subsumed` marks a match
 * inside a longer match of another entry. An entry adds its phrases the query does not already
 * have (a synonym: its other members; an expansion: its targets), with the entry's weight.
 */
export async function findThesaurusExpansions(db: DbOrTx, queryText: string): Promise<ThesaurusApplication[]> {
  const query = syllablesWithMarks(queryText)
  if (query.folded.length === 0) return []
  // Folded syllables hold only letters and digits, so a comma separates them safely.
  const probes = probesOf(query.folded).join(',')
  const padded = ` ${query.folded.join(' ')} `
  // The candidates first, materialized: otherwise a planner may run the per-key check on every
  // entry (PGlite chose that: 100 ms at 3,700 entries, against 3 ms this way).
  const { rows } = await db.execute<Candidate>(
    prepared(sql`
    with candidates as materialized (
      select ${thesaurusEntries.id}, ${thesaurusEntries.kind}, ${thesaurusEntries.trigger}, ${thesaurusEntries.phrases}, ${thesaurusEntries.foldedPhrases}, ${thesaurusEntries.keys}, ${thesaurusEntries.exceptions}, ${thesaurusEntries.weight}
      from ${thesaurusEntries}
      where ${thesaurusEntries.id} in (select ${thesaurusHeads.entryId} from ${thesaurusHeads} where ${thesaurusHeads.head} = any(string_to_array(${probes}, ',')))
    )
    select id, kind, trigger, phrases, folded_phrases as "foldedPhrases", keys, exceptions, weight
    from candidates
    where exists (select 1 from unnest(keys) as key where strpos(${padded}, ' ' || key || ' ') > 0)
  `),
  )
  return applyEntries(query, rows)
}

/** The applications of candidate entries to a query (see findThesaurusExpansions). */
export function applyEntries(query: Syllables, rows: Candidate[]): ThesaurusApplication[] {
  const applied: ThesaurusApplication[] = []
  for (const row of rows) {
    // Spans covered by an exception of the entry: a match inside one does not count.
    const blocked = row.exceptions.flatMap((exception) => {
      const phrase = syllablesWithMarks(exception)
      return occurrences(query, phrase).map((start) => [start, start + phrase.folded.length] as const)
    })
    const triggers = row.kind === 'expansion' ? [row.trigger!] : row.phrases
    let best: { phrase: string; folded: string; start: number; length: number } | undefined
    for (const written of triggers) {
      const phrase = syllablesWithMarks(written)
      const length = phrase.folded.length
      for (const start of occurrences(query, phrase)) {
        if (blocked.some(([from, to]) => from <= start && start + length <= to)) continue
        if (!best || start < best.start || (start === best.start && length > best.length))
          best = { phrase: written, folded: phrase.folded.join(' '), start, length }
      }
    }
    if (!best) continue
    applied.push({
      entryId: row.id,
      kind: row.kind,
      matched: best,
      subsumed: false,
      weight: row.weight,
      add: row.phrases.flatMap((phrase, index) =>
        occurrences(query, syllablesWithMarks(phrase)).length > 0 ? [] : [{ phrase, folded: row.foldedPhrases[index]!, weight: row.weight }],
      ),
    })
  }
  for (const application of applied) {
    const { start, length } = application.matched
    application.subsumed = applied.some(
      (other) => other.matched.length > length && other.matched.start <= start && start + length <= other.matched.start + other.matched.length,
    )
  }
  return applied.sort(
    (a, b) => a.matched.start - b.matched.start || b.matched.length - a.matched.length || a.kind.localeCompare(b.kind) || a.entryId.localeCompare(b.entryId),
  )
}

/**
 * The thesaurus as the retrieval core applies it (retrieval/query.ts): every entry that applies
 * and is not inside a longer match of another, with what it adds, folded.
 */
export const thesaurusLookup: ThesaurusLookup = async (db, text) =>
  (await findThesaurusExpansions(db, text))
    .filter((use) => !use.subsumed)
    .map((use) => ({ entryId: use.entryId, matched: use.matched.folded, added: use.add.map((added) => ({ phrase: added.folded, weight: added.weight })) }))
