import type { DbOrTx } from '../../db/client.ts'
import { vietnamDate } from '../../lib/clock.ts'
import { redactListing } from '../access/access.policy.ts'
import { findDemands } from '../demands/demands.repo.ts'
import { toDemand } from '../demands/demands.service.ts'
import { findListings } from '../listings/listings.repo.ts'
import { toListing } from '../listings/listings.view.ts'
import { findOrganizations } from '../organizations/organizations.repo.ts'
import { toOrganization } from '../organizations/organizations.service.ts'
import type { OutboxEvent } from '../outbox/outbox.repo.ts'

// The catalogue events: changes to listings, demands and organisations. Public ones (a record
// becoming or staying visible to everyone, or leaving that view) are also served by the replayable
// feed GET /v1/events, so another exchange can mirror the catalogue; a removal is a tombstone.
// Every event is addressed to the record's owner, whose webhooks receive it.

export const catalogueEventTypes = {
  'listing.created': { public: false, tombstone: false, description: 'A draft listing was created' },
  'listing.updated': { public: 'when_published', tombstone: false, description: 'A listing changed (public while it is published)' },
  'listing.published': { public: true, tombstone: false, description: 'A listing became public' },
  'listing.withdrawn': { public: true, tombstone: true, description: 'Its owner withdrew a listing: remove it from mirrors' },
  'listing.unpublished': { public: true, tombstone: true, description: 'The operator sent a listing back to draft: remove it from mirrors' },
  'demand.created': { public: false, tombstone: false, description: 'A draft demand was created' },
  'demand.updated': { public: 'when_open', tombstone: false, description: 'A demand changed (public while it is open)' },
  'demand.opened': { public: true, tombstone: false, description: 'A demand was opened to offers' },
  'demand.closed': { public: true, tombstone: true, description: 'A demand was closed: remove it from mirrors' },
  'organization.created': { public: true, tombstone: false, description: 'An organisation was registered' },
  'organization.updated': { public: true, tombstone: false, description: 'An organisation changed' },
  'organization.merged': { public: true, tombstone: true, description: 'An organisation was merged into its successor (payload: successorId)' },
} as const

export type CatalogueEventType = keyof typeof catalogueEventTypes

type Subject = 'listing' | 'demand' | 'organization'

/** What an event needs of its record: the owner it is addressed to, the stored status, its global id, the public view. */
type CatalogueRecord = { ownerId: string; status: string; globalId: string; view: () => Promise<Record<string, unknown>> }

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
      records.set(row.id, { ownerId: row.ownerId, status: row.status, globalId: listing.provenance.globalId, view: () => redactListing(tx, null, listing) })
    }
  } else if (subject === 'demand') {
    for (const row of await findDemands(tx, ids)) {
      const demand = toDemand(row, day, exchangeId)
      records.set(row.id, { ownerId: row.owner.id, status: row.status, globalId: demand.provenance.globalId, view: async () => demand })
    }
  } else {
    for (const row of await findOrganizations(tx, ids)) {
      const organization = toOrganization(row, exchangeId)
      const status = row.mergedIntoId === null ? 'active' : 'merged'
      records.set(row.id, { ownerId: row.id, status, globalId: organization.provenance.globalId, view: async () => organization })
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
export async function catalogueEvents(
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
      organizationIds: [record.ownerId],
      payload: entry.tombstone ? { id, globalId: record.globalId, ...extra } : { ...(await record.view()), ...extra },
      occurredAt,
      public: isPublic,
    })
  }
  return events
}

/** The event for a change to one catalogue record; see catalogueEvents. */
export async function catalogueEvent(
  tx: DbOrTx,
  exchangeId: string,
  type: CatalogueEventType,
  id: string,
  occurredAt: Date,
  extra: Record<string, unknown> = {},
): Promise<OutboxEvent> {
  const [event] = await catalogueEvents(tx, exchangeId, type, [id], occurredAt, extra)
  return event!
}

/** The event types that can appear in the public feed (all but the drafts' creations). */
export const feedEventTypes = (Object.keys(catalogueEventTypes) as CatalogueEventType[]).filter((type) => catalogueEventTypes[type].public !== false)

/** Whether an event of this type removes its record from mirrors. */
export const isTombstone = (type: string) => (catalogueEventTypes as Record<string, { tombstone: boolean } | undefined>)[type]?.tombstone ?? false
