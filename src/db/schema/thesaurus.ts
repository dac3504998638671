import { sql } from 'drizzle-orm'
import { check, doublePrecision, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'

export type ThesaurusKind = 'synonym' | 'expansion'

/**
 * The search thesaurus the operator keeps (src/modules/thesaurus, docs/thesaurus.md). A synonym is
 * a set of equivalent phrases, any of which brings in the others; an expansion is one-way: its
 * trigger (a symptom, a plain-language need) brings in its phrases (the solutions' terms), never
 * the reverse. Phrases are kept as written and folded (lower case, no diacritics, đ -> d, one
 * space between syllables), the form query text is matched in.
 */
export const thesaurusEntries = pgTable(
  'thesaurus_entries',
  {
    id: id(),
    kind: text('kind').$type<ThesaurusKind>().notNull(),
    // The expansion's trigger as written; null for a synonym.
    trigger: text('trigger'),
    // A synonym's members, or an expansion's targets, as written, in the operator's order.
    phrases: text('phrases').array().notNull(),
    foldedTrigger: text('folded_trigger'),
    foldedPhrases: text('folded_phrases').array().notNull(),
    // The folded phrases that set the entry off in a query: every member of a synonym, an expansion's trigger.
    keys: text('keys').array().notNull(),
    // Phrases a key's match must not sit inside ("bắp cải" for the key "bắp"): as written and folded.
    exceptions: text('exceptions')
      .array()
      .notNull()
      .default(sql`'{}'`),
    foldedExceptions: text('folded_exceptions')
      .array()
      .notNull()
      .default(sql`'{}'`),
    weight: doublePrecision('weight').notNull(),
    note: text('note'),
    // The starter set's id for an entry it brought (src/modules/thesaurus/data/starter.json); null for the operator's own.
    starterKey: text('starter_key'),
    ...stamps(),
  },
  (table) => [
    check('thesaurus_entries_kind_check', sql`${table.kind} in ('synonym', 'expansion')`),
    check('thesaurus_entries_trigger_check', sql`(${table.kind} = 'expansion') = (${table.trigger} is not null and ${table.foldedTrigger} is not null)`),
    check('thesaurus_entries_weight_check', sql`${table.weight} > 0 and ${table.weight} <= 1`),
    uniqueIndex('thesaurus_entries_starter_key_key').on(table.starterKey),
  ],
)

/**
 * What finds an entry from a query: each triggering phrase's first two folded syllables, or its
 * only one. A btree on (head, entry): a query probes it with its ~100 syllables and neighbour
 * pairs, a hundred index lookups, where a GIN index on an array column lost to a sequential scan
 * the planner preferred at a few thousand entries (collation-aware array overlap on every row).
 */
export const thesaurusHeads = pgTable(
  'thesaurus_heads',
  {
    head: text('head').notNull(),
    entryId: uuid('entry_id')
      .notNull()
      .references(() => thesaurusEntries.id, { onDelete: 'cascade' }),
  },
  (table) => [primaryKey({ columns: [table.head, table.entryId] }), index('thesaurus_heads_entry_idx').on(table.entryId)],
)

/**
 * The starter entries ever seeded into this database, by key: seeding adds only keys not here, so
 * an entry the operator deleted does not come back on the next start, and one it edited is left alone.
 */
export const thesaurusStarterKeys = pgTable('thesaurus_starter_keys', {
  key: text('key').primaryKey(),
  seededAt: timestamp('seeded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
})
