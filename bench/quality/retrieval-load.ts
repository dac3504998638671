import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { organizations } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { currentProvinceCode } from '../../src/core/places.ts'
import { EvaluationError, type Auth } from './load.ts'
import { retrievalDemandBody, retrievalListingBody, type RetrievalSet } from './retrieval-fixture.ts'

// Loads the retrieval set into a fresh app: organisations straight into the database (there is no
// public signup), then every listing created and published and every demand created and opened over
// HTTP by the operator acting for the owner, `concurrency` requests at a time. Members of a
// near-duplicate group go in successive waves (first members, then second members...), so that
// each later member is created after the earlier ones are published, as the duplicate check needs.

export type RetrievalLoaded = {
  operator: Auth
  listingIds: Map<string, string>
  listingKeys: Map<string, string>
  demandIds: Map<string, string>
  demandKeys: Map<string, string>
  /** Pairs of listing keys the API flagged as possible duplicates at create, "A|B" with A < B. */
  flaggedListingPairs: Set<string>
  /** The same for demands, or null when createDemand reports no possible duplicates at all. */
  flaggedDemandPairs: Set<string> | null
}

export const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`)

function expectStatus(response: LightMyRequestResponse, status: number, what: string) {
  if (response.statusCode !== status) {
    throw new EvaluationError(`${what}: expected HTTP ${status}, got ${response.statusCode} ${response.body.slice(0, 500)}`)
  }
  return response.json() as { id: string; status: string; possibleDuplicates?: { id?: string }[] }
}

/** Runs `task` over `items`, at most `concurrency` at a time, in order of start. */
export async function inBatches<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < items.length) await task(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}

/** Items grouped into waves: wave i holds the i-th member of every group, and everything else is in wave 0. */
function waves<T extends { key: string }>(items: readonly T[], groups: readonly string[][]): T[][] {
  const position = new Map<string, number>()
  for (const group of groups) group.forEach((key, i) => position.set(key, i))
  const out: T[][] = []
  for (const item of items) (out[position.get(item.key) ?? 0] ??= []).push(item)
  return out.filter(Boolean)
}

async function insertOrganizations(db: Db, set: RetrievalSet) {
  const ids = new Map<string, string>()
  for (const organization of set.organizations) {
    const current = currentProvinceCode(organization.provinceCode)
    if (!current) throw new EvaluationError(`organisation ${organization.key}: unknown province code ${organization.provinceCode}`)
    const [row] = await db
      .insert(organizations)
      .values({ kind: organization.kind, name: organization.name, provinceCode: organization.provinceCode, currentProvinceCode: current })
      .returning({ id: organizations.id })
    ids.set(organization.key, row!.id)
  }
  const [operator] = await db
    .insert(organizations)
    .values({ kind: 'exchange_operator', name: 'Sàn giao dịch công nghệ (đánh giá truy hồi)' })
    .returning({ id: organizations.id })
  const key = await createApiKey(db, { organizationId: operator!.id, role: 'operator' })
  return { ids, operator: { authorization: `Bearer ${key.key}` } }
}

export async function loadRetrievalSet(app: FastifyInstance, db: Db, set: RetrievalSet, concurrency = 8): Promise<RetrievalLoaded> {
  const { ids: organizationIds, operator } = await insertOrganizations(db, set)
  const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, headers: operator, ...(payload ? { payload } : {}) })
  const ownerId = (ownerKey: string, recordKey: string) => {
    const id = organizationIds.get(ownerKey)
    if (!id) throw new EvaluationError(`${recordKey}: unknown owner ${ownerKey}`)
    return id
  }

  const listingIds = new Map<string, string>()
  const listingKeys = new Map<string, string>()
  const flaggedListingPairs = new Set<string>()
  const flaggedListingIds: [string, string][] = []
  for (const wave of waves(set.listings, set.duplicates.listings)) {
    await inBatches(wave, concurrency, async (listing) => {
      const created = expectStatus(
        await post('/v1/listings', retrievalListingBody(listing, ownerId(listing.owner, listing.key))),
        201,
        `create listing ${listing.key}`,
      )
      for (const duplicate of created.possibleDuplicates ?? []) if (typeof duplicate.id === 'string') flaggedListingIds.push([listing.key, duplicate.id])
      const published = expectStatus(await post(`/v1/listings/${created.id}/publish`), 200, `publish listing ${listing.key}`)
      if (published.status !== 'published') throw new EvaluationError(`listing ${listing.key} is ${published.status} after publishing`)
      listingIds.set(listing.key, created.id)
      listingKeys.set(created.id, listing.key)
    })
  }
  for (const [key, otherId] of flaggedListingIds) {
    const other = listingKeys.get(otherId)
    if (other) flaggedListingPairs.add(pairKey(key, other))
  }

  const demandIds = new Map<string, string>()
  const demandKeys = new Map<string, string>()
  const flaggedDemandIds: [string, string][] = []
  let demandReportsDuplicates = false
  for (const wave of waves(set.demands, set.duplicates.demands)) {
    await inBatches(wave, concurrency, async (demand) => {
      const created = expectStatus(
        await post('/v1/demands', retrievalDemandBody(demand, ownerId(demand.owner, demand.key))),
        201,
        `create demand ${demand.key}`,
      )
      if (Array.isArray(created.possibleDuplicates)) demandReportsDuplicates = true
      for (const duplicate of created.possibleDuplicates ?? []) if (typeof duplicate.id === 'string') flaggedDemandIds.push([demand.key, duplicate.id])
      const opened = expectStatus(await post(`/v1/demands/${created.id}/open`), 200, `open demand ${demand.key}`)
      if (opened.status !== 'open') throw new EvaluationError(`demand ${demand.key} is ${opened.status} after opening`)
      demandIds.set(demand.key, created.id)
      demandKeys.set(created.id, demand.key)
    })
  }
  let flaggedDemandPairs: Set<string> | null = null
  if (demandReportsDuplicates) {
    flaggedDemandPairs = new Set()
    for (const [key, otherId] of flaggedDemandIds) {
      const other = demandKeys.get(otherId)
      if (other) flaggedDemandPairs.add(pairKey(key, other))
    }
  }
  return { operator, listingIds, listingKeys, demandIds, demandKeys, flaggedListingPairs, flaggedDemandPairs }
}
