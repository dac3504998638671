// Where a record comes from (federation): the exchange or portal that owns it, its id there, and
// the global id that names it across exchanges. A null source is this exchange (EXCHANGE_ID).
//
// Global ids: `<source>:<kind>:<externalId>` for a record another source owns (its own id there,
// stable however often it is mirrored), `<EXCHANGE_ID>:<kind>:<uuid>` for this exchange's own. Source
// ids and kinds hold no colon, so a global id splits at its first two colons.

export type RecordKind = 'listing' | 'demand' | 'organization'

export type Provenance = { source: string; externalId: string | null; globalId: string }

export type ProvenanceColumns = { id: string; source: string | null; externalId: string | null }

export function provenanceOf(row: ProvenanceColumns, kind: RecordKind, exchangeId: string): Provenance {
  if (row.source === null) return { source: exchangeId, externalId: row.externalId, globalId: `${exchangeId}:${kind}:${row.id}` }
  // A source's record always has its external id (the upsert's path); the uuid is only a safety net.
  return { source: row.source, externalId: row.externalId, globalId: `${row.source}:${kind}:${row.externalId ?? row.id}` }
}

/** True for a record of this exchange: its global id is minted from its uuid. */
export const isLocalRecord = (provenance: Provenance, kind: RecordKind, id: string) => provenance.globalId === `${provenance.source}:${kind}:${id}`
