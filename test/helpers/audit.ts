import { asc, eq } from 'drizzle-orm'
import type { Db } from '../../src/db/client.ts'
import { auditEvents } from '../../src/db/schema/index.ts'

/** The audit events of one record, oldest first, as stored. */
export function auditTrailOf(db: Db, targetId: string) {
  return db.select().from(auditEvents).where(eq(auditEvents.targetId, targetId)).orderBy(asc(auditEvents.id))
}

/**
 * What a creation records: every field of the new record (as the API shows it) as `after`. A new
 * listing's possibleDuplicates are a warning in the answer, not part of the record.
 */
export function creationChanges(body: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(body)
      .filter(([name]) => name !== 'version' && name !== 'updatedAt' && name !== 'possibleDuplicates')
      .map(([name, value]) => [name, { after: value }]),
  )
}
