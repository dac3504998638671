import type { DbOrTx } from '../../db/client.ts'
import { vietnamDate } from '../../lib/clock.ts'
import { redactDemand, redactListing } from '../../core/access.ts'
import { findDemands } from '../demands/demands.repo.ts'
import { toDemand } from '../demands/demands.service.ts'
import { findListings } from '../listings/listings.repo.ts'
import { toListing } from '../listings/listings.view.ts'
import { findOrganizationSummaries, findOrganizations } from '../organizations/organizations.repo.ts'
import { findStories } from '../success-stories/success-stories.repo.ts'
import { toSuccessStory } from '../success-stories/success-stories.view.ts'
import { toOrganization } from '../organizations/organizations.view.ts'
import type { OutboxEvent } from '../../core/outbox.ts'
import { catalogueEventTypes, type CatalogueEventBuilders, type CatalogueEventType } from '../../core/catalogue-events.ts'

type Subject = 'listing' | 'demand' | 'organization' | 'success_story'

/** What an event needs of its record: the organisations it is addressed to (its owner; a story's two parties), the stored status, its global id, the public view. */
type CatalogueRecord = { organizationIds: string[]; status: string; globalId: string; view: () => Promise<Record<string, unknown>> }

/**
 * The records as they stand in the writing transaction, read in one query, each with its view as
 * a stranger (no key) gets it. `exchangeId` (config EXCHANGE_ID) is what their provenance names.
 */
async function readRecords(tx: DbOrTx, subject: Subject, ids: string[], day: string, exchangeId: string): Promise<Map<string, CatalogueRecord>> {
  const records = new Map<string, CatalogueRecord>()
  if (subject === 'listing') {
    for (const row of await findListings(tx, ids)) {
      const listing = toListing(row, day, exchangeId)
      // No actor: what an anonymous caller is shown (an anonymous listing's owner stays hidden).
      records.set(row.id, {
        organizationIds: [row.ownerId],
        status: row.status,
        globalId: listing.provenance.globalId,
        view: () => redactListing(tx, null, listing),
      })
    }
  } else if (subject === 'demand') {
    for (const row of await findDemands(tx, ids)) {
      const demand = toDemand(row, day, exchangeId)
      // As for listings: an anonymous demand's owner stays hidden.
      records.set(row.id, {
        organizationIds: [row.owner.id],
        status: row.status,
        globalId: demand.provenance.globalId,
        view: () => redactDemand(tx, null, demand),
      })
    }
  } else if (subject === 'success_story') {
    const rows = await findStories(tx, ids)
    const organizations = await findOrganizationSummaries(
      tx,
      rows.flatMap((row) => [row.providerId, row.seekerId]),
    )
    for (const row of rows) {
      const story = toSuccessStory(row, organizations)
      // Stories are this exchange's own: no other source writes them.
      records.set(row.id, {
        organizationIds: [row.providerId, row.seekerId],
        status: row.status,
        globalId: `${exchangeId}:success_story:${row.id}`,
        view: async () => story,
      })
    }
  } else {
    for (const row of await findOrganizations(tx, ids)) {
      const organization = toOrganization(row, exchangeId)
      const status = row.mergedIntoId === null ? 'active' : 'merged'
      records.set(row.id, { organizationIds: [row.id], status, globalId: organization.provenance.globalId, view: async () => organization })
    }
  }
  return records
}

/**
 * The events of one kind of change to several catalogue records (a bulk import's batch), read in
 * the writing transaction after the write, in the order of `ids`: each payload is the record as a
 * stranger sees it (so a public event discloses nothing a public GET would not), or for a tombstone
 * only its id, global id and `extra` (a demand's close reason, a successor).
 */
async function catalogueEvents(
  tx: DbOrTx,
  exchangeId: string,
  type: CatalogueEventType,
  ids: string[],
  occurredAt: Date,
  extra: Record<string, unknown> = {},
): Promise<OutboxEvent[]> {
  const entry = catalogueEventTypes[type]
  const subjectType = type.slice(0, type.indexOf('.')) as Subject
  const records = await readRecords(tx, subjectType, ids, vietnamDate(occurredAt), exchangeId)
  const events: OutboxEvent[] = []
  for (const id of ids) {
    const record = records.get(id)
    // A programming error (the caller wrote the record in this transaction), so a 500 is right.
    if (!record) throw new Error(`catalogueEvents: ${subjectType} ${id} is not there to report`)
    // By the stored status, as the access policy decides: an expired listing is still a published one.
    const isPublic = entry.public === 'when_published' ? record.status === 'published' : entry.public === 'when_open' ? record.status === 'open' : entry.public
    events.push({
      type,
      subjectType,
      subjectId: id,
      organizationIds: record.organizationIds,
      payload: entry.tombstone ? { id, globalId: record.globalId, ...extra } : { ...(await record.view()), ...extra },
      occurredAt,
      public: isPublic,
    })
  }
  return events
}

/**
 * The catalogue event builders bound to this exchange's id (config EXCHANGE_ID), as services.ts
 * hands them to the modules that write catalogue records.
 */
export function catalogueEventsVia(exchangeId: string): CatalogueEventBuilders {
  return {
    catalogueEvents: (tx, type, ids, occurredAt, extra) => catalogueEvents(tx, exchangeId, type, ids, occurredAt, extra),
    catalogueEvent: async (tx, type, id, occurredAt, extra) => {
      const [event] = await catalogueEvents(tx, exchangeId, type, [id], occurredAt, extra)
      return event!
    },
  }
}
