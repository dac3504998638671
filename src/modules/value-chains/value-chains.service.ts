import type { Db, DbOrTx } from '../../db/client.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import type { Cursors } from '../../lib/cursor.ts'
import { conflict, forbidden, notFound, preconditionFailed, unprocessable, type FieldError } from '../../lib/problem.ts'
import { actsFor, ownerForCreation, writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import * as repo from './value-chains.repo.ts'
import {
  stageKindCodes,
  stageKinds,
  type ValueChain,
  type ValueChainCreate,
  type ValueChainGaps,
  type ValueChainListQuery,
  type ValueChainUpdate,
} from './value-chains.schemas.ts'
import { findOrganizationSummaries } from '../organizations/organizations.repo.ts'
import { findListingStates } from '../listings/listings.repo.ts'
import { buildQuery, type ThesaurusLookup } from '../retrieval/query.ts'
import { provinceFilter, resolveProvince } from '../../core/places.ts'

type StageInput = ValueChainCreate['stages'][number]

/** Candidates the gap analysis shows per stage. */
const candidatesPerStage = 5

const isAvailable = (listing: { status: string; validUntil: string | null }, today: string) =>
  listing.status === 'published' && (listing.validUntil === null || listing.validUntil >= today)

/** A stage's search terms: its keywords, or its title. */
const keywordsOf = (stage: { keywords: string[]; title: string }) => (stage.keywords.length > 0 ? stage.keywords : [stage.title])

export function createValueChainService(deps: { db: Db; clock: Clock; cursors: Cursors; thesaurus?: ThesaurusLookup }) {
  const { db, clock, cursors, thesaurus } = deps

  async function views(conn: DbOrTx, chains: repo.ChainRow[]): Promise<ValueChain[]> {
    const { stages, listings, organizations } = await repo.findStages(
      conn,
      chains.map((chain) => chain.id),
    )
    const owners = await findOrganizationSummaries(
      conn,
      chains.map((chain) => chain.ownerId),
    )
    const today = vietnamDate(clock.now())
    return chains.map((chain) => {
      const owner = owners.get(chain.ownerId)!
      return {
        id: chain.id,
        owner: { id: owner.id, name: owner.name, kind: owner.kind as ValueChain['owner']['kind'] },
        title: chain.title,
        keyProduct: chain.keyProduct,
        description: chain.description,
        provinceCode: chain.provinceCode,
        currentProvinceCode: chain.currentProvinceCode,
        stages: stages
          .filter((stage) => stage.chainId === chain.id)
          .map((stage) => ({
            id: stage.id,
            position: stage.position,
            kind: stage.kind as ValueChain['stages'][number]['kind'],
            title: stage.title,
            description: stage.description,
            keywords: stage.keywords,
            listings: listings
              .filter((listing) => listing.stageId === stage.id)
              .map((listing) => ({ id: listing.id, titleVi: listing.titleVi, status: listing.status, available: isAvailable(listing, today) })),
            organizations: organizations
              .filter((organization) => organization.stageId === stage.id)
              .map((organization) => ({ id: organization.id, name: organization.name, kind: organization.kind as ValueChain['owner']['kind'] })),
          })),
        version: chain.version,
        createdAt: chain.createdAt.toISOString(),
        updatedAt: chain.updatedAt.toISOString(),
      }
    })
  }

  /** Stages in chain order, each kind once; linked listings not drafts (unless the owner's); organisations not merged. */
  async function checkStages(conn: DbOrTx, ownerId: string, stages: StageInput[]): Promise<repo.StageInsert[]> {
    const errors: FieldError[] = []
    const order = stages.map((stage) => stageKindCodes.indexOf(stage.kind))
    order.forEach((position, index) => {
      if (index > 0 && position <= order[index - 1]!)
        errors.push({ pointer: `#/stages/${index}/kind`, detail: `comes after ${stages[index - 1]!.kind} in the chain, or repeats it` })
    })
    const [linkedListings, linkedOrganizations] = await Promise.all([
      findListingStates(
        conn,
        stages.flatMap((stage) => stage.listingIds ?? []),
      ),
      findOrganizationSummaries(
        conn,
        stages.flatMap((stage) => stage.organizationIds ?? []),
      ),
    ])
    stages.forEach((stage, index) => {
      ;(stage.listingIds ?? []).forEach((id, at) => {
        const listing = linkedListings.get(id)
        if (!listing || (listing.status === 'draft' && listing.ownerId !== ownerId))
          errors.push({ pointer: `#/stages/${index}/listingIds/${at}`, detail: 'is not a listing the chain may name' })
      })
      ;(stage.organizationIds ?? []).forEach((id, at) => {
        const organization = linkedOrganizations.get(id)
        if (!organization) errors.push({ pointer: `#/stages/${index}/organizationIds/${at}`, detail: 'is not a known organisation' })
        else if (organization.mergedIntoId)
          errors.push({ pointer: `#/stages/${index}/organizationIds/${at}`, detail: `was merged into ${organization.mergedIntoId}; name its successor` })
      })
    })
    if (errors.length > 0) throw unprocessable('invalid_value_chain', 'The chain names what it may not, or its stages are out of order; see errors', errors)
    return stages.map((stage) => {
      const title = stage.title?.trim() || stageKinds.find((kind) => kind.code === stage.kind)!.labelVi
      return {
        kind: stage.kind,
        title,
        description: stage.description ?? null,
        keywords: stage.keywords ?? [],
        listingIds: stage.listingIds ?? [],
        organizationIds: stage.organizationIds ?? [],
      }
    })
  }

  async function audit(tx: DbOrTx, actor: Actor, chain: repo.ChainRow, operation: string, changed: string[], now: Date) {
    await recordAudit(tx, {
      actor,
      owningOrganizationId: chain.ownerId,
      operation,
      targetType: 'value_chain',
      targetId: chain.id,
      before: null,
      after: { changed },
      occurredAt: now,
    })
  }

  async function create(actor: Actor, input: ValueChainCreate): Promise<ValueChain> {
    const ownerId = await ownerForCreation(db, actor, input.ownerId, 'a value chain')
    const current = resolveProvince(input.provinceCode, '#/provinceCode')
    const now = clock.now()
    return db.transaction(async (tx) => {
      const stages = await checkStages(tx, ownerId, input.stages)
      const chain = await repo.insertChain(tx, {
        ownerId,
        title: input.title.trim(),
        keyProduct: input.keyProduct.trim(),
        description: input.description ?? null,
        provinceCode: input.provinceCode,
        currentProvinceCode: current,
        createdAt: now,
        updatedAt: now,
      })
      await repo.replaceStages(tx, chain.id, stages)
      await audit(tx, actor, chain, 'value_chain.create', Object.keys(input), now)
      return (await views(tx, [chain]))[0]!
    })
  }

  async function get(id: string): Promise<ValueChain> {
    const chain = await repo.findChain(db, id)
    if (!chain) throw notFound('Value chain', id)
    return (await views(db, [chain]))[0]!
  }

  async function update(actor: Actor, id: string, input: ValueChainUpdate, expectedVersion?: number): Promise<ValueChain> {
    return db.transaction(async (tx) => {
      const now = clock.now()
      const chain = await repo.findChain(tx, id, { lock: true })
      if (!chain) throw notFound('Value chain', id)
      if (!writesContent(actor) || !(await actsFor(tx, actor, chain.ownerId)))
        throw forbidden("A value chain is kept by its owner's writing keys, its delegates' or the operator")
      if (expectedVersion !== undefined && expectedVersion !== chain.version) throw preconditionFailed()
      const stages = input.stages ? await checkStages(tx, chain.ownerId, input.stages) : undefined
      const updated = await repo.updateChain(
        tx,
        id,
        chain.version,
        {
          ...(input.title !== undefined ? { title: input.title.trim() } : {}),
          ...(input.keyProduct !== undefined ? { keyProduct: input.keyProduct.trim() } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.provinceCode !== undefined
            ? { provinceCode: input.provinceCode, currentProvinceCode: resolveProvince(input.provinceCode, '#/provinceCode') }
            : {}),
        },
        now,
      )
      if (!updated) throw conflict('concurrent_change', 'The value chain changed while this edit was applied; read it again')
      if (stages) await repo.replaceStages(tx, id, stages)
      await audit(tx, actor, updated, 'value_chain.update', Object.keys(input), now)
      return (await views(tx, [updated]))[0]!
    })
  }

  async function list(query: ValueChainListQuery) {
    const limit = query.limit ?? 20
    const province = provinceFilter(query.provinceCode, 'provinceCode')
    const values = query.cursor ? cursors.decode(query.cursor, 'value-chains', ['instant', 'uuid']) : undefined
    const after = values ? { updatedAt: values[0], id: values[1] } : undefined
    const rows = await repo.listChains(db, { currentProvinceCode: province, ownerId: query.ownerId, after, limit: limit + 1 })
    const page = rows.slice(0, limit)
    const last = rows.length > limit ? page[page.length - 1]! : undefined
    return { items: await views(db, page), nextCursor: last ? cursors.encode('value-chains', [last.updatedAt, last.id]) : null }
  }

  /**
   * The stages with no available technology, each with the best matching listings elsewhere (not
   * yet linked) and the open demands that ask for the same: where a chain is weak, who could fill
   * the gap, and who else needs it filled.
   */
  async function gaps(id: string): Promise<ValueChainGaps> {
    const chain = await get(id)
    const today = vietnamDate(clock.now())
    const linked = chain.stages.flatMap((stage) => stage.listings.map((listing) => listing.id))
    const result: ValueChainGaps['gaps'] = []
    for (const stage of chain.stages) {
      if (stage.listings.some((listing) => listing.available)) continue
      const keywords = keywordsOf(stage)
      const parts = keywords.map((text) => ({ text, weight: 1 }))
      const [listingQuery, demandQuery] = await Promise.all([buildQuery(db, 'listing', parts, { thesaurus }), buildQuery(db, 'demand', parts, { thesaurus })])
      const [listings, demands] = await Promise.all([
        repo.matchingListings(db, listingQuery, { today, excludeIds: linked, limit: candidatesPerStage }),
        repo.matchingDemands(db, demandQuery, { today, limit: candidatesPerStage }),
      ])
      const inProvince = (provinces: string[]) => provinces.includes(chain.currentProvinceCode)
      result.push({
        stage: { id: stage.id, position: stage.position, kind: stage.kind, title: stage.title, keywords },
        listings: listings.map((row) => ({
          id: row.id,
          titleVi: row.titleVi,
          currentProvinceCodes: row.provinces,
          inProvince: inProvince(row.provinces),
          score: row.score,
        })),
        demands: demands.map((row) => ({
          id: row.id,
          titleVi: row.titleVi,
          currentProvinceCode: row.provinces[0] ?? null,
          inProvince: inProvince(row.provinces),
          score: row.score,
        })),
      })
    }
    return { chainId: chain.id, stageCount: chain.stages.length, gaps: result }
  }

  return { create, get, update, list, gaps }
}

export type ValueChainService = ReturnType<typeof createValueChainService>
