import { isDeepStrictEqual } from 'node:util'
import type { Db, Tx } from '../../db/client.ts'
import type { Clock } from '../../lib/clock.ts'
import type { CatalogueEvent } from '../../core/catalogue-events.ts'
import type { RequestMatches } from '../../core/match-requests.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import { vietnamDate } from '../../lib/clock.ts'
import { conflict, preconditionFailed, unprocessable } from '../../lib/problem.ts'
import { assertManages, ownerForCreation } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import type { CatalogueEventType } from '../../core/catalogue-events.ts'
import type { Direction } from '../../core/match-requests.ts'
import type * as repo from './sources.repo.ts'

// THE source upsert of a catalogue kind: PUT /v1/sources/{source}/<kind>s/{externalId}. The source
// says what its record is now, and this exchange makes its copy so, under the same rules as the
// kind's own endpoints (its content rules, who acts for the owner, the lifecycle), with the same
// audit entries and events; a body that changes nothing changes nothing (no version, no event).
// The lifecycle a source may drive is draft -> promoted (published, open) -> final (withdrawn,
// closed), a step at a time, and for a kind that allows it promoted -> draft (a listing's
// unpublishing). What differs between kinds is in its SourceTarget.

/** What the upserts of a source's records need (sources.listings.ts, sources.demands.ts). */
export type SourceWriteDeps = {
  db: Db
  clock: Clock
  exchangeId: string
  requestMatches: RequestMatches
  recordEvents: RecordEvents
  catalogueEvent: CatalogueEvent
}

type Stored = { id: string; ownerId: string; status: string; version: number }

export type SourceTarget<Row, Input extends SourceBody, Content extends Record<string, unknown>, Answer> = {
  subject: Direction
  resource: 'Listing' | 'Demand'
  statuses: { promoted: string; final: string }
  /** The content the body gives (the descriptor's values and what derives from them), its rules checked. */
  content: (input: Input) => Content
  /** The rule promoting checks on the content (a listing's validity, a demand's deadline). */
  promotable: (content: Content, day: string) => void
  /** Checks that the owner may hold such a record, beyond who the key acts for (only enterprises file demands). */
  mayOwn?: (tx: Tx, actor: Actor, ownerId: string) => Promise<void>
  find: (tx: Tx, source: string, externalId: string) => Promise<Row | undefined>
  /** Inserts the source's record unless a concurrent request did: its id, or undefined. */
  insert: (tx: Tx, values: Record<string, unknown>) => Promise<string | undefined>
  read: (tx: Tx, id: string) => Promise<Row>
  /** Writes the values if the record is still at the version of `row`: the record as written, or undefined. */
  update: (tx: Tx, row: Row, params: { id: string; expectedVersion: number; values: Record<string, unknown>; now: Date }) => Promise<Row | undefined>
  stored: (row: Row) => Stored
  /** Who may see and manage it (the kind's access record). */
  access: (row: Row) => { ownerId: string; isPublic: boolean }
  /** The record as its event and audit entry show it. */
  view: (row: Row, day: string) => Record<string, unknown>
  /** What the PUT answers. */
  answer: (tx: Tx, row: Row, day: string) => Promise<Answer>
  /** The values promoting stamps (and clears), and those of the final step. */
  promotedValues: (now: Date) => Record<string, unknown>
  finalValues: (input: Input, now: Date) => Record<string, unknown>
  /** What the final step's tombstone says besides the id (a demand's close reason). */
  finalEventExtra?: (input: Input) => Record<string, unknown>
  events: { created: CatalogueEventType; updated: CatalogueEventType; promoted: CatalogueEventType; final: CatalogueEventType; demoted?: CatalogueEventType }
  /** `demoted`: a kind whose source may send a promoted record back to draft (a listing: unpublished). */
  operations: { create: string; update: string; promoted: string; final: string; demoted?: string }
  /** The refusals in the kind's words. */
  refusals: { createdFinal: (externalId: string, source: string) => string; final: string; step: (from: string, to: string) => string }
  /** The transitions the lifecycle allows from a status, for `allowed` in a 409. */
  allowedFrom: (status: string) => string[]
}

export type SourceBody = { status: string; ownerId?: string }

export function createSourceUpsert<Row, Input extends SourceBody, Content extends Record<string, unknown>, Answer>(
  deps: SourceWriteDeps,
  target: SourceTarget<Row, Input, Content, Answer>,
) {
  const { db, clock, requestMatches, recordEvents, catalogueEvent } = deps
  const { statuses } = target

  /** A new record of the source, in the body's status; undefined when a concurrent request created it first. */
  async function create(tx: Tx, actor: Actor, source: repo.SourceRow, externalId: string, input: Input, content: Content): Promise<Answer | undefined> {
    const now = clock.now()
    const day = vietnamDate(now)
    if (input.status === statuses.final) throw conflict('invalid_transition', target.refusals.createdFinal(externalId, source.id), target.allowedFrom('draft'))
    const promoted = input.status === statuses.promoted
    if (promoted) target.promotable(content, day)
    const ownerId = await ownerForCreation(tx, actor, input.ownerId ?? source.organizationId, `${target.subject}s`)
    await target.mayOwn?.(tx, actor, ownerId)
    const id = await target.insert(tx, {
      ...content,
      ownerId,
      status: input.status,
      ...(promoted ? target.promotedValues(now) : {}),
      source: source.id,
      externalId,
      createdAt: now,
      updatedAt: now,
    })
    if (!id) return undefined
    const row = await target.read(tx, id)
    await recordAudit(tx, {
      actor,
      owningOrganizationId: ownerId,
      operation: target.operations.create,
      targetType: target.subject,
      targetId: id,
      after: target.view(row, day),
      occurredAt: now,
    })
    const events = promoted ? [target.events.created, target.events.promoted] : [target.events.created]
    for (const type of events) await recordEvents(tx, [await catalogueEvent(tx, type, id, now)])
    if (promoted) await requestMatches(tx, target.subject, id)
    return target.answer(tx, row, day)
  }

  /** The source's existing record brought to the body: content, status, or both; nothing when both are as stored. */
  async function update(tx: Tx, actor: Actor, row: Row, input: Input, content: Content, expectedVersion: number | undefined): Promise<Answer> {
    const now = clock.now()
    const day = vietnamDate(now)
    const stored = target.stored(row)
    const from = stored.status
    const to = input.status
    const changed = Object.keys(content).filter((field) => !isDeepStrictEqual((row as Record<string, unknown>)[field], content[field]))
    // Nothing changes, or the record only reaches its final state: possible after its owner was merged, as a withdrawal or a close is.
    await assertManages(
      tx,
      actor,
      target.access(row),
      {
        resource: target.resource,
        id: stored.id,
        detail: `Only the source's organisation (admin or editor keys) acting for the ${target.subject}'s owner, or the operator, may change it`,
      },
      { retires: changed.length === 0 && (to === from || to === statuses.final) },
    )
    if (expectedVersion !== undefined && expectedVersion !== stored.version) throw preconditionFailed()
    if (input.ownerId !== undefined && input.ownerId !== stored.ownerId) {
      throw unprocessable('owner_fixed', `The ${target.subject} belongs to ${stored.ownerId}; a PUT does not move it to another owner`, [
        { pointer: '#/ownerId', detail: `is not the ${target.subject}'s owner` },
      ])
    }
    if (changed.length === 0 && to === from) return target.answer(tx, row, day)
    if (from === statuses.final) throw conflict('invalid_state', target.refusals.final, target.allowedFrom(from))
    // The lifecycle goes a step at a time: draft -> promoted -> final (and back to draft where the kind allows).
    if ((from === 'draft' && to === statuses.final) || (from === statuses.promoted && to === 'draft' && !target.events.demoted)) {
      throw conflict('invalid_transition', target.refusals.step(from, to), target.allowedFrom(from))
    }
    const promoting = from === 'draft' && to === statuses.promoted
    if (promoting) target.promotable(content, day)

    const values: Record<string, unknown> = { ...content, status: to }
    if (promoting) Object.assign(values, target.promotedValues(now))
    if (to === statuses.final) Object.assign(values, target.finalValues(input, now))
    // The row is locked, so the version cannot have moved; a refusal is only a safety net.
    const written = await target.update(tx, row, { id: stored.id, expectedVersion: stored.version, values, now })
    if (!written) throw preconditionFailed()
    const step = to === from ? undefined : to === statuses.final ? 'final' : to === 'draft' ? 'demoted' : 'promoted'
    await recordAudit(tx, {
      actor,
      owningOrganizationId: stored.ownerId,
      operation: (step && target.operations[step]) ?? target.operations.update,
      targetType: target.subject,
      targetId: stored.id,
      before: target.view(row, day),
      after: target.view(written, day),
      occurredAt: now,
    })
    const extra = step === 'final' ? target.finalEventExtra?.(input) : undefined
    await recordEvents(tx, [await catalogueEvent(tx, (step && target.events[step]) ?? target.events.updated, stored.id, now, extra)])
    // A public record's suggestions follow its content; promoting starts them.
    if (to === statuses.promoted) await requestMatches(tx, target.subject, stored.id)
    return target.answer(tx, written, day)
  }

  /**
   * Creates or updates the source's record `externalId`, under a row lock. Two concurrent first
   * PUTs create one record: the second waits on the unique index, then updates what the first
   * created (or finds nothing to change).
   */
  return async function upsert(actor: Actor, source: repo.SourceRow, externalId: string, input: Input, expectedVersion?: number) {
    const content = target.content(input)
    return db.transaction(async (tx) => {
      let row = await target.find(tx, source.id, externalId)
      if (!row) {
        if (expectedVersion !== undefined) {
          throw preconditionFailed(`${target.resource} ${externalId} of ${source.id} does not exist yet: send no If-Match to create it`)
        }
        const created = await create(tx, actor, source, externalId, input, content)
        if (created) return { record: created, created: true }
        row = await target.find(tx, source.id, externalId)
        if (!row) throw conflict('concurrent_change', `The ${target.subject} changed while this request ran; send it again`)
      }
      return { record: await update(tx, actor, row, input, content, expectedVersion), created: false }
    })
  }
}
