import type { Db, DbOrTx } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, preconditionFailed } from '../../lib/problem.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { foldPhrase } from './thesaurus.fold.ts'
import * as repo from './thesaurus.repo.ts'
import { entryValues } from './thesaurus.rules.ts'
import type { ThesaurusEntry, ThesaurusEntryCreate, ThesaurusEntryUpdate, ThesaurusListQuery, ThesaurusPage, ThesaurusPreview } from './thesaurus.schemas.ts'

// The search thesaurus: the operator keeps it, anyone reads it (it is applied to everyone's
// queries and shown in explanations, so it is no secret). docs/thesaurus.md.

export function toEntry(row: repo.EntryRow): ThesaurusEntry {
  return {
    id: row.id,
    kind: row.kind,
    trigger: row.trigger,
    phrases: row.phrases,
    exceptions: row.exceptions,
    folded: { trigger: row.foldedTrigger, phrases: row.foldedPhrases, exceptions: row.foldedExceptions },
    weight: row.weight,
    note: row.note,
    starterKey: row.starterKey,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

const operatorOnly = (actor: Actor) => {
  if (actor.role !== 'operator') throw forbidden('Only the exchange operator keeps the thesaurus')
}

export function createThesaurusService(deps: { db: Db; clock: Clock; cursors: Cursors }) {
  const { db, clock, cursors } = deps

  async function audit(tx: DbOrTx, actor: Actor, operation: string, id: string, before: ThesaurusEntry | null, after: ThesaurusEntry | null, now: Date) {
    // The thesaurus is the exchange's, no organisation's.
    await recordAudit(tx, { actor, owningOrganizationId: null, operation, targetType: 'thesaurus_entry', targetId: id, before, after, occurredAt: now })
  }

  async function create(actor: Actor, input: ThesaurusEntryCreate): Promise<ThesaurusEntry> {
    operatorOnly(actor)
    const values = entryValues(input)
    const now = clock.now()
    return db.transaction(async (tx) => {
      const entry = toEntry(await repo.insertEntry(tx, { ...values, createdAt: now, updatedAt: now }))
      await audit(tx, actor, 'thesaurus_entry.create', entry.id, null, entry, now)
      return entry
    })
  }

  async function get(id: string): Promise<ThesaurusEntry> {
    const row = await repo.findEntry(db, id)
    if (!row) throw notFound('Thesaurus entry', id)
    return toEntry(row)
  }

  async function update(actor: Actor, id: string, input: ThesaurusEntryUpdate, expectedVersion?: number): Promise<ThesaurusEntry> {
    operatorOnly(actor)
    return db.transaction(async (tx) => {
      const now = clock.now()
      const row = await repo.findEntry(tx, id, { lock: true })
      if (!row) throw notFound('Thesaurus entry', id)
      if (expectedVersion !== undefined && expectedVersion !== row.version) throw preconditionFailed()
      // The whole entry is checked again: a change of phrases may leave an exception pointless.
      const values = entryValues({
        kind: row.kind,
        trigger: input.trigger !== undefined ? input.trigger : row.trigger,
        phrases: input.phrases ?? row.phrases,
        exceptions: input.exceptions ?? row.exceptions,
        weight: input.weight ?? row.weight,
        note: input.note !== undefined ? input.note : row.note,
      })
      const updated = await repo.updateEntry(tx, id, row.version, values, now)
      if (!updated) throw conflict('concurrent_change', 'The thesaurus entry changed while this edit was applied; read it again')
      const entry = toEntry(updated)
      await audit(tx, actor, 'thesaurus_entry.update', id, toEntry(row), entry, now)
      return entry
    })
  }

  async function remove(actor: Actor, id: string, expectedVersion?: number): Promise<void> {
    operatorOnly(actor)
    await db.transaction(async (tx) => {
      const row = await repo.findEntry(tx, id, { lock: true })
      if (!row) throw notFound('Thesaurus entry', id)
      if (expectedVersion !== undefined && expectedVersion !== row.version) throw preconditionFailed()
      await repo.deleteEntry(tx, id)
      await audit(tx, actor, 'thesaurus_entry.delete', id, toEntry(row), null, clock.now())
    })
  }

  async function list(query: ThesaurusListQuery): Promise<ThesaurusPage> {
    const limit = query.limit ?? 20
    const values = query.cursor ? cursors.decode(query.cursor, 'thesaurus', ['string', 'uuid']) : undefined
    const after = values ? { label: values[0], id: values[1] } : undefined
    // A q with no letters or digits narrows nothing.
    const q = query.q === undefined ? undefined : foldPhrase(query.q) || undefined
    const rows = await repo.listEntries(db, { kind: query.kind, q, after, limit: limit + 1 })
    const page = rows.slice(0, limit)
    const last = rows.length > limit ? page[page.length - 1]! : undefined
    return { items: page.map(toEntry), nextCursor: last ? cursors.encode('thesaurus', [last.label, last.id]) : null }
  }

  async function preview(q: string): Promise<ThesaurusPreview> {
    return { q, folded: foldPhrase(q), applied: await repo.findThesaurusExpansions(db, q) }
  }

  return { create, get, update, remove, list, preview }
}

export type ThesaurusService = ReturnType<typeof createThesaurusService>
