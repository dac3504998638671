import type { DbOrTx } from '../db/client.ts'
import type { OutboxEvent } from './outbox.ts'

// The catalogue events: changes to listings, demands, organisations and success stories. Public ones (a record
// becoming or staying visible to everyone, or leaving that view) are also served by the replayable
// feed GET /v1/events, so another exchange can mirror the catalogue; a removal is a tombstone.
// Every event is addressed to the record's owner, whose webhooks receive it.

export const catalogueEventTypes = {
  'listing.created': { public: false, tombstone: false, description: 'A draft listing was created' },
  'listing.updated': { public: 'when_published', tombstone: false, description: 'A listing changed (public while it is published)' },
  'listing.published': { public: true, tombstone: false, description: 'A listing became public' },
  'listing.withdrawn': { public: true, tombstone: true, description: 'Its owner withdrew a listing: remove it from mirrors' },
  'listing.unpublished': { public: true, tombstone: true, description: 'The operator sent a listing back to draft: remove it from mirrors' },
  'listing.archived': { public: true, tombstone: true, description: 'A listing expired for long was archived: remove it from mirrors' },
  'demand.created': { public: false, tombstone: false, description: 'A draft demand was created' },
  'demand.updated': { public: 'when_open', tombstone: false, description: 'A demand changed (public while it is open)' },
  'demand.opened': { public: true, tombstone: false, description: 'A demand was opened to offers' },
  'demand.closed': { public: true, tombstone: true, description: 'A demand was closed: remove it from mirrors' },
  'organization.created': { public: true, tombstone: false, description: 'An organisation was registered' },
  'organization.updated': { public: true, tombstone: false, description: 'An organisation changed' },
  'organization.merged': { public: true, tombstone: true, description: 'An organisation was merged into its successor (payload: successorId)' },
  'organization.split': {
    public: true,
    tombstone: true,
    description: 'An organisation was split between successors by rule (payload: successorId, the default, and successors, the rules)',
  },
  'success_story.published': { public: true, tombstone: false, description: 'Both parties approved a success story: it is public' },
  'success_story.retracted': {
    public: true,
    tombstone: true,
    description: 'A party (or the operator) retracted a published success story: remove it from mirrors',
  },
} as const

export type CatalogueEventType = keyof typeof catalogueEventTypes

/**
 * The event for a change to catalogue records, read in the writing transaction after the write:
 * modules/feed/feed.catalog.ts builds them, services.ts hands them to the modules that write
 * listings, demands and organisations (which that builder reads, so it cannot be imported by them).
 */
export type CatalogueEventBuilders = {
  /** The events of one kind of change to several records (a bulk import's batch), in the order of `ids`. */
  catalogueEvents: (tx: DbOrTx, type: CatalogueEventType, ids: string[], occurredAt: Date, extra?: Record<string, unknown>) => Promise<OutboxEvent[]>
  /** The event for a change to one record. */
  catalogueEvent: (tx: DbOrTx, type: CatalogueEventType, id: string, occurredAt: Date, extra?: Record<string, unknown>) => Promise<OutboxEvent>
}
export type CatalogueEvent = CatalogueEventBuilders['catalogueEvent']

/** The event types that can appear in the public feed (all but the drafts' creations). */
export const feedEventTypes = (Object.keys(catalogueEventTypes) as CatalogueEventType[]).filter((type) => catalogueEventTypes[type].public !== false)

/** Whether an event of this type removes its record from mirrors. */
export const isTombstone = (type: string) => (catalogueEventTypes as Record<string, { tombstone: boolean } | undefined>)[type]?.tombstone ?? false
