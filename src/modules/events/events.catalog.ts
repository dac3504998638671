import type { DbOrTx } from '../../db/client.ts'
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

/**
 * The event for a change to one catalogue record, read in the writing transaction after the write:
 * the payload is the record as a stranger sees it (so a public event discloses nothing a public GET
 * would not), or for a tombstone only its id, global id and `extra` (reason, successorId).
 */
export declare function catalogueEvent(
  tx: DbOrTx,
  type: CatalogueEventType,
  id: string,
  occurredAt: Date,
  extra?: Record<string, unknown>,
): Promise<OutboxEvent>
