import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { migrationsFolder } from './db/migrations.ts'

// The embedded template: a migrated PGlite data directory that a new DATA_DIR starts as a copy of
// (src/db/embedded.ts), so a first start costs a copy and an open instead of initdb and every
// migration. `npm run build` makes it in dist/ (build-template.ts); the tests make
// their own. This file imports nothing heavy: the server looks for the template before it loads the app.

/** Where `npm run build` puts the template: dist/, beside the compiled code (the same path from src/). */
export const buildDir = fileURLToPath(new URL('../dist', import.meta.url))

/** What migrateDatabase loads besides the migrations: the thesaurus starter set (thesaurus.starter.ts). */
const seededFiles = [fileURLToPath(new URL('./modules/thesaurus/data/starter.json', import.meta.url))]

export const templatePrefix = 'embedded-template-'
export const templateName = (hash: string) => `${templatePrefix}${hash}`

/**
 * What a template holds beyond the migrations and the starter set; 3: the job queues and their
 * schedules, without template0 and template1 (build-template.ts).
 */
const templateContents = 3

/**
 * Changes whenever a migration, the seeded starter set, what else a template holds or PGlite's
 * version (its data directory format) changes, so that a stale template is never copied.
 */
export function templateHash(): string {
  const hash = createHash('sha256')
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else hash.update(entry.name).update(readFileSync(file))
    }
  }
  walk(migrationsFolder)
  for (const file of seededFiles) hash.update(readFileSync(file))
  hash.update(`contents ${templateContents}`)
  hash.update(readFileSync(new URL('../package.json', import.meta.resolve('@electric-sql/pglite'))))
  return hash.digest('hex').slice(0, 12)
}

/** The template in `parentDir` made from today's migrations, if it was built. */
export function currentEmbeddedTemplate(parentDir = buildDir): string | undefined {
  const dir = path.join(parentDir, templateName(templateHash()))
  return existsSync(path.join(dir, 'PG_VERSION')) ? dir : undefined
}
