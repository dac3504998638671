import type { Db } from '../../db/client.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { cursorTag, modeOfTag, runTextSearch, type TextMode } from '../../lib/text-search.ts'
import { badRequest, forbidden, unauthorized } from '../../lib/problem.ts'
import { provenanceOf } from '../../lib/provenance.ts'
import { maySearchPrivate } from '../access/access.policy.ts'
import type { Actor } from '../api-keys/api-keys.service.ts'
import { currentCodesInRegion } from '../reference/provinces.ts'
import type { DemandPage, DemandSearchQuery, DemandSummary } from './demands.schemas.ts'
import { demandFacets, searchDemands, type DemandFilter, type DemandSort } from './demands.search-repo.ts'
import { provinceFilter } from '../organizations/organizations.service.ts'

export type DemandSearchRow = Awaited<ReturnType<typeof searchDemands>>[number]

/** A summary from a search row, or from any row with the summary columns and its owner; `exchangeId` names this exchange in its provenance. */
export function toDemandSummary(row: Omit<DemandSearchRow, 'sortAt' | 'score'> & { score?: number | null }, exchangeId: string, withScore = false): DemandSummary {
  return {
    id: row.id,
    status: row.status as DemandSummary['status'],
    titleVi: row.titleVi,
    titleEn: row.titleEn,
    sectors: row.sectors as DemandSummary['sectors'],
    fields: row.fields as DemandSummary['fields'],
    minTrl: row.minTrl,
    budgetMinVnd: row.budgetMinVnd,
    budgetMaxVnd: row.budgetMaxVnd,
    deadline: row.deadline,
    provinceCode: row.provinceCode,
    currentProvinceCode: row.currentProvinceCode,
    owner: { id: row.owner.id, name: row.owner.name, kind: row.owner.kind as DemandSummary['owner']['kind'] },
    openedAt: row.openedAt?.toISOString() ?? null,
    provenance: provenanceOf(row, 'demand', exchangeId),
    ...(withScore ? { score: row.score ?? 0 } : {}),
  }
}

// A cursor's values go back into SQL casts: check their shape so a tampered one is a clean 400.

function sortOf(cursors: Cursors, query: DemandSearchQuery, mode: TextMode): DemandSort {
  const by = query.sort ?? (query.q ? 'relevance' : 'newest')
  if (by === 'relevance') {
    if (!query.q) throw badRequest('validation_failed', 'sort=relevance ranks by q: give q or sort by newest', [{ pointer: '#/query/sort', detail: 'relevance needs q' }])
    if (!query.cursor) return { by, q: query.q }
    const [rank, id] = cursors.decode(query.cursor, cursorTag('relevance', mode), ['number', 'uuid'])
    return { by, q: query.q, after: { rank, id } }
  }
  if (!query.cursor) return { by }
  const [at, id] = cursors.decode(query.cursor, cursorTag('newest', mode), ['timestamp', 'uuid'])
  return { by, after: { at, id } }
}

/** Turns the query into a filter, refusing what cannot match anything sensible. */
async function filterOf(db: Db, actor: Actor | null, query: DemandSearchQuery): Promise<DemandFilter> {
  const status = query.status ?? 'open'
  if (status === 'draft') {
    const hint = 'Drafts are visible only to their owner and its delegates: pass owner=<the owner id> with a key that acts for it, or use an operator key'
    if (!actor) throw unauthorized(hint)
    if (!(await maySearchPrivate(db, actor, query.owner))) throw forbidden(hint)
  }
  const current = provinceFilter(query.province, 'province')
  if (query.budgetMin !== undefined && query.budgetMax !== undefined && query.budgetMin > query.budgetMax) {
    throw badRequest('validation_failed', 'budgetMin is greater than budgetMax: the range is empty', [
      { pointer: '#/query/budgetMin', detail: 'must not exceed budgetMax' },
    ])
  }
  return {
    status,
    ownerId: query.owner,
    q: query.q,
    textMode: 'exact',
    sector: query.sector,
    field: query.field,
    currentProvinceCode: current,
    regionProvinceCodes: query.region !== undefined ? currentCodesInRegion(query.region) : undefined,
    trl: query.minTrl,
    budgetMin: query.budgetMin,
    budgetMax: query.budgetMax,
  }
}

/**
 * Public search. Anyone sees open demands (the default) and closed ones; drafts only their owner and
 * its delegates (owner=<owner id>) and the operator. Sorted by relevance when q is given, else newest first.
 */
export function createDemandSearch(deps: { db: Db; exchangeId: string; cursors: Cursors }) {
  const { db, exchangeId, cursors } = deps
  return async function search(actor: Actor | null, query: DemandSearchQuery): Promise<DemandPage> {
    const filter = await filterOf(db, actor, query)
    // A next page is read in the mode its first page was; a first page with no exact hit tries typos.
    const startMode = query.cursor ? modeOfTag(cursors.tagOf(query.cursor)) : 'exact'
    const sort = sortOf(cursors, query, startMode)
    const limit = query.limit ?? 20
    const { rows, facets, mode } = await runTextSearch(db, startMode, Boolean(filter.q) && !query.cursor, async (conn, textMode) => {
      const found = await searchDemands(conn, { ...filter, textMode }, sort, limit + 1)
      return [found, query.facets === false ? undefined : await demandFacets(conn, { ...filter, textMode })] as const
    })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    let nextCursor: string | null = null
    if (rows.length > limit && last) {
      nextCursor = sort.by === 'relevance'
        ? cursors.encode(cursorTag('relevance', mode), [last.score ?? 0, last.id])
        : cursors.encode(cursorTag('newest', mode), [last.sortAt, last.id])
    }
    return { items: page.map((row) => toDemandSummary(row, exchangeId, filter.q !== undefined)), nextCursor, ...(facets ? { facets } : {}) }
  }
}
