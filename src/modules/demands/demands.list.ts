import type { Db } from '../../db/client.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { badRequest, forbidden, unauthorized } from '../../lib/problem.ts'
import { provenanceOf } from '../../lib/provenance.ts'
import { actingOwners, actsFor, maySearchPrivate, redactDemandSummary } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { currentCodesInRegion, provincesFilter } from '../../core/places.ts'
import type { DemandPage, DemandSearchQuery, DemandSummary } from './demands.schemas.ts'
import { pageOf, results, textCursorTag, type PagePosition, type TextSort } from '../retrieval/page.ts'
import { buildQuery, type ThesaurusLookup } from '../retrieval/query.ts'
import { retrieve } from '../retrieval/retrieve.ts'
import {
  conditions,
  demandFacetsOfHits,
  demandHitColumns,
  demandRowsByIds,
  demandSource,
  searchDemands,
  type DemandFilter,
  type DemandHit,
} from './demands.search.ts'
import { browseDemands, demandPlanOfCount, planDemandBrowse } from './demands.browse.ts'
import { cappedDemandFacets, countedDemandBrowseFacets } from './demands.facets.ts'

export type DemandSearchRow = Awaited<ReturnType<typeof searchDemands>>[number]

/** A summary from a search row, or from any row with the summary columns and its owner; `exchangeId` names this exchange in its provenance. */
export function toDemandSummary(row: Omit<DemandSearchRow, 'sortAt'>, exchangeId: string, score?: number): DemandSummary {
  return {
    id: row.id,
    status: row.status,
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
    anonymous: row.anonymous,
    redacted: [],
    openedAt: row.openedAt?.toISOString() ?? null,
    provenance: provenanceOf(row, 'demand', exchangeId),
    ...(score !== undefined ? { score } : {}),
  }
}

// A cursor's values go back into SQL casts or comparisons: check their shape so a tampered one is a clean 400.

const float8Pattern = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/

function sortOf(query: DemandSearchQuery): TextSort {
  const by = query.sort ?? (query.q ? 'relevance' : 'newest')
  if (by === 'relevance' && !query.q) {
    throw badRequest('validation_failed', 'sort=relevance ranks by q: give q or sort by newest', [{ pointer: '#/query/sort', detail: 'relevance needs q' }])
  }
  return by
}

function positionOf(cursors: Cursors, cursor: string, sort: TextSort, q: string | undefined): PagePosition {
  if (sort === 'newest') {
    const [value, id] = cursors.decode(cursor, q ? textCursorTag(sort, q) : 'newest', ['timestamp', 'uuid'])
    return { value, id }
  }
  const [value, id] = cursors.decode(cursor, textCursorTag(sort, q!), ['string', 'uuid'])
  if (!float8Pattern.test(value) || !Number.isFinite(Number(value))) {
    throw badRequest('invalid_cursor', 'The cursor is malformed or belongs to another query or sort order; start again without it')
  }
  return { value, id }
}

/** Turns the query into a filter, refusing what cannot match anything sensible. */
async function filterOf(db: Db, actor: Actor | null, query: DemandSearchQuery): Promise<DemandFilter> {
  const status = query.status ?? 'open'
  if (status === 'draft') {
    const hint = 'Drafts are visible only to their owner and its delegates: pass owner=<the owner id> with a key that acts for it, or use an operator key'
    if (!actor) throw unauthorized(hint)
    if (!(await maySearchPrivate(db, actor, query.owner))) throw forbidden(hint)
  }
  const current = provincesFilter(query.province, 'province')
  if (query.budgetMin !== undefined && query.budgetMax !== undefined && query.budgetMin > query.budgetMax) {
    throw badRequest('validation_failed', 'budgetMin is greater than budgetMax: the range is empty', [
      { pointer: '#/query/budgetMin', detail: 'must not exceed budgetMax' },
    ])
  }
  return {
    status,
    ownerId: query.owner,
    // An anonymous demand's owner is not revealed by asking for that owner's demands.
    withoutAnonymous: query.owner !== undefined && !(await actsFor(db, actor, query.owner)),
    sectors: query.sector,
    fields: query.field,
    currentProvinceCodes: current,
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
export function createDemandSearch(deps: { db: Db; exchangeId: string; cursors: Cursors; thesaurus?: ThesaurusLookup }) {
  const { db, exchangeId, cursors, thesaurus } = deps
  return async function search(actor: Actor | null, query: DemandSearchQuery): Promise<DemandPage> {
    // Whom the caller acts for matters only when the page holds an anonymous demand.
    const actingFor = async (rows: Array<{ anonymous: boolean }>) => (rows.some((row) => row.anonymous) ? await actingOwners(db, actor) : () => true)
    const filter = await filterOf(db, actor, query)
    const sort = sortOf(query)
    const after = query.cursor ? positionOf(cursors, query.cursor, sort, query.q) : undefined
    const limit = query.limit ?? 20
    if (!query.q) {
      // Browsing: newest first in index order, facets from the counts table (demands.browse.ts).
      const browse = { ...filter, region: query.region }
      // Counted facets say how many match, which is all the plan needs: one round trip fewer.
      const counted = query.facets === false ? undefined : await countedDemandBrowseFacets(db, browse)
      const plan = counted ? demandPlanOfCount(browse, counted.total) : await planDemandBrowse(db, browse)
      const [rows, facets] = await Promise.all([
        browseDemands(db, browse, plan, after ? { at: after.value, id: after.id } : undefined, limit + 1),
        counted || query.facets === false ? counted?.facets : cappedDemandFacets(db, browse, plan),
      ])
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      const nextCursor = rows.length > limit && last ? cursors.encode('newest', [last.sortAt, last.id]) : null
      const acting = await actingFor(page)
      return {
        items: page.map((row) => redactDemandSummary(toDemandSummary(row, exchangeId), acting(row.owner.id))),
        nextCursor,
        ...(facets ? { facets } : {}),
      }
    }

    const textQuery = await buildQuery(db, 'demand', [{ text: query.q, weight: 1 }], { thesaurus })
    const retrieved = await retrieve(db, demandSource, textQuery, { where: conditions(filter), extra: demandHitColumns(filter.status) })
    const ordered = results(retrieved.hits as DemandHit[], textQuery, sort)
    const { page: hits, next } = pageOf(ordered, sort, after, limit)
    const rows = await demandRowsByIds(
      db,
      filter.status,
      hits.map((hit) => hit.id),
    )
    const relevance = new Map(hits.map((hit) => [hit.id, Math.round(hit.relevance * 10_000) / 10_000]))
    const acting = await actingFor(rows)
    return {
      items: rows.map((row) => redactDemandSummary(toDemandSummary(row, exchangeId, relevance.get(row.id)), acting(row.owner.id))),
      nextCursor: next ? cursors.encode(textCursorTag(sort, query.q), [next.value, next.id]) : null,
      ...(query.facets === false ? {} : { facets: demandFacetsOfHits(ordered, !retrieved.truncated) }),
      interpretation: { corrections: textQuery.corrections, thesaurus: textQuery.thesaurus },
    }
  }
}
