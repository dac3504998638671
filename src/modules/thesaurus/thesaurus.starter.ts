import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { DbOrTx } from '../../db/client.ts'
import { thesaurusStarterKeys } from '../../db/schema/index.ts'
import { AppError } from '../../lib/problem.ts'
import { syllablesWithMarks } from './thesaurus.fold.ts'
import { insertEntries } from './thesaurus.repo.ts'
import { entryValues, type EntryInput } from './thesaurus.rules.ts'

// The starter set (data/starter.json, described in docs/thesaurus.md) is seeded when the database
// is migrated, so every deployment has it without the demo seed. Each starter entry has a key;
// seeding adds the entries whose key was never seeded here (thesaurus_starter_keys), so entries a
// new release adds arrive on upgrade, while an entry the operator changed stays as changed and one
// it deleted stays deleted.

export const starterFile = fileURLToPath(new URL('./data/starter.json', import.meta.url))

export type StarterEntry = EntryInput & { key: string }

/**
 * An entry's key: its kind and its trigger (or first phrase), lower-cased with its marks (dứa and
 * dừa are two entries). Rewording that phrase in the file makes a new entry.
 */
export const starterKeyOf = (entry: EntryInput) => `${entry.kind}:${syllablesWithMarks(entry.trigger ?? entry.phrases[0] ?? '').written.join(' ')}`

/** The starter entries of the file, each with its key. */
export function loadStarter(file = starterFile): StarterEntry[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { entries: EntryInput[] }
  return parsed.entries.map((entry) => ({ ...entry, key: starterKeyOf(entry) }))
}

/** Seeds the starter entries this database never had; returns how many. Run under the migration lock. */
export async function seedThesaurusStarter(db: DbOrTx, entries: StarterEntry[] = loadStarter()): Promise<number> {
  if (entries.length === 0) return 0
  // Every key ever seeded, read without parameters and outside a transaction (the migration lock
  // keeps other starters out): at a start with nothing to seed, one cheap statement.
  const seeded = await db.select({ key: thesaurusStarterKeys.key }).from(thesaurusStarterKeys)
  const known = new Set(seeded.map((row) => row.key))
  const missing = entries.filter((entry) => !known.has(entry.key))
  if (missing.length === 0) return 0
  return db.transaction(async (tx) => {
    const rows = missing.map((entry) => {
      try {
        return { ...entryValues(entry), starterKey: entry.key }
      } catch (error) {
        // A broken starter file is the release's bug: say which entry, not a 422.
        const detail = error instanceof AppError ? JSON.stringify(error.extensions.errors ?? error.detail) : String(error)
        throw new Error(`Thesaurus starter entry ${entry.key} is invalid: ${detail}`, { cause: error })
      }
    })
    for (let index = 0; index < rows.length; index += 500) await insertEntries(tx, rows.slice(index, index + 500))
    await tx
      .insert(thesaurusStarterKeys)
      .values(missing.map((entry) => ({ key: entry.key })))
      .onConflictDoNothing()
    return missing.length
  })
}
