import type { DbOrTx } from '../../db/client.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, unprocessable } from '../../lib/problem.ts'
import { organizationMerged, writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import { findOrganization } from '../organizations/organizations.repo.ts'
import * as repo from './sources.repo.ts'
import { createSourceDemandUpsert } from './sources.demands.ts'
import { createSourceListingUpsert } from './sources.listings.ts'
import type { SourceWriteDeps } from './sources.upsert.ts'
import type { Source, SourceCreate, SourceDemandPut, SourceListQuery, SourceListingPut, SourcePage } from './sources.schemas.ts'

// The registry of other exchanges and portals (federation): the operator registers each, with the
// organisation that runs it; that organisation's admin and editor keys then write its records.

export const toSource = (row: repo.SourceRow): Source => ({
  id: row.id,
  name: row.name,
  organizationId: row.organizationId,
  homepage: row.homepage,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
})

/**
 * The source, for a write of its records: 404 when unknown, 403 unless the key is the operator's or
 * an admin or editor key of the organisation that runs the source.
 */
export async function writableSource(db: DbOrTx, actor: Actor, id: string): Promise<repo.SourceRow> {
  const source = await repo.findSource(db, id)
  if (!source) throw notFound('Source', id)
  if (actor.role === 'operator') return source
  if (actor.organizationId !== source.organizationId || !writesContent(actor)) {
    throw forbidden(`Only the admin and editor keys of the organisation that runs source ${id}, or the operator, write its records`)
  }
  return source
}

export function createSourceService(deps: SourceWriteDeps & { cursors: Cursors }) {
  const { db, clock, exchangeId, cursors } = deps
  const upsertSourcedListing = createSourceListingUpsert(deps)
  const upsertSourcedDemand = createSourceDemandUpsert(deps)

  async function create(actor: Actor, input: SourceCreate): Promise<Source> {
    if (actor.role !== 'operator') throw forbidden('Only the exchange operator registers sources')
    if (input.id === exchangeId) {
      throw unprocessable('reserved_source', `${input.id} is this exchange's own id: its records need no source`, [
        { pointer: '#/id', detail: "is this exchange's id (EXCHANGE_ID)" },
      ])
    }
    const organization = await findOrganization(db, input.organizationId)
    if (!organization) {
      throw unprocessable('reference_not_found', `Organisation ${input.organizationId} does not exist`, [
        { pointer: '#/organizationId', detail: 'is not a known organisation' },
      ])
    }
    if (organization.mergedIntoId !== null) throw organizationMerged(organization.id, organization.mergedIntoId)
    return db.transaction(async (tx) => {
      if (await repo.findSource(tx, input.id)) throw conflict('already_exists', `Source ${input.id} is already registered`)
      const now = clock.now()
      const source = toSource(await repo.insertSource(tx, { ...input, homepage: input.homepage ?? null, createdAt: now, updatedAt: now }))
      await recordAudit(tx, {
        actor,
        owningOrganizationId: source.organizationId,
        operation: 'source.create',
        targetType: 'source',
        targetId: source.id,
        after: source,
        occurredAt: now,
      })
      return source
    })
  }

  async function get(id: string): Promise<Source> {
    const row = await repo.findSource(db, id)
    if (!row) throw notFound('Source', id)
    return toSource(row)
  }

  async function list(query: SourceListQuery): Promise<SourcePage> {
    const limit = query.limit ?? 20
    const afterId = query.cursor ? cursors.decode(query.cursor, 'source', ['string'])[0] : undefined
    const rows = await repo.listSources(db, { afterId, limit: limit + 1 })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return { items: page.map(toSource), nextCursor: rows.length > limit && last ? cursors.encode('source', [last.id]) : null }
  }

  async function upsertListing(actor: Actor, sourceId: string, externalId: string, input: SourceListingPut, expectedVersion?: number) {
    return upsertSourcedListing(actor, await writableSource(db, actor, sourceId), externalId, input, expectedVersion)
  }

  async function upsertDemand(actor: Actor, sourceId: string, externalId: string, input: SourceDemandPut, expectedVersion?: number) {
    return upsertSourcedDemand(actor, await writableSource(db, actor, sourceId), externalId, input, expectedVersion)
  }

  return { create, get, list, upsertListing, upsertDemand }
}

export type SourceService = ReturnType<typeof createSourceService>
