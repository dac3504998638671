import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { organizations } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { currentProvinceCode } from '../../src/core/places.ts'
import { demandBody, listingBody, type Fixture } from './fixture.ts'

// Puts the fixture into a fresh app the way a real exchange fills up: organisations straight in the
// database (there is no public signup), then every listing and demand over HTTP by the operator,
// acting for the owner. The app must run without rate limits (RATE_LIMIT_MAX=0): ~1,000 requests
// come from one key.

export type Auth = { authorization: string }

export type Loaded = {
  operator: Auth
  organizationIds: Map<string, string>
  listingIds: Map<string, string>
  demandIds: Map<string, string>
  /** Fixture key of a listing id, to read the matcher's answers back in fixture terms. */
  listingKeys: Map<string, string>
}

export class EvaluationError extends Error {
  override name = 'EvaluationError'
}

function expectStatus(response: LightMyRequestResponse, status: number, what: string) {
  if (response.statusCode !== status) {
    throw new EvaluationError(`${what}: expected HTTP ${status}, got ${response.statusCode} ${response.body.slice(0, 500)}`)
  }
  return response.json() as { id: string; status: string }
}

async function insertOrganizations(db: Db, fixture: Fixture) {
  const ids = new Map<string, string>()
  for (const organization of fixture.organizations) {
    const current = currentProvinceCode(organization.provinceCode)
    if (!current) throw new EvaluationError(`organisation ${organization.key}: unknown province code ${organization.provinceCode}`)
    const [row] = await db
      .insert(organizations)
      .values({ kind: organization.kind, name: organization.name, provinceCode: organization.provinceCode, currentProvinceCode: current })
      .returning({ id: organizations.id })
    ids.set(organization.key, row!.id)
  }
  return ids
}

async function createOperator(db: Db): Promise<Auth> {
  const [row] = await db
    .insert(organizations)
    .values({ kind: 'exchange_operator', name: 'Sàn giao dịch công nghệ (đánh giá ghép nối)' })
    .returning({ id: organizations.id })
  const key = await createApiKey(db, { organizationId: row!.id, role: 'operator' })
  return { authorization: `Bearer ${key.key}` }
}

const ownerOf = (ids: Map<string, string>, ownerKey: string, recordKey: string) => {
  const id = ids.get(ownerKey)
  if (!id) throw new EvaluationError(`${recordKey}: unknown owner ${ownerKey}`)
  return id
}

export async function loadFixtureIntoApp(app: FastifyInstance, db: Db, fixture: Fixture): Promise<Loaded> {
  const organizationIds = await insertOrganizations(db, fixture)
  const operator = await createOperator(db)
  const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, headers: operator, ...(payload ? { payload } : {}) })

  const listingIds = new Map<string, string>()
  const listingKeys = new Map<string, string>()
  for (const listing of fixture.listings) {
    const body = listingBody(listing, ownerOf(organizationIds, listing.owner, listing.key))
    const { id } = expectStatus(await post('/v1/listings', body), 201, `create listing ${listing.key}`)
    const published = expectStatus(await post(`/v1/listings/${id}/publish`), 200, `publish listing ${listing.key}`)
    if (published.status !== 'published') throw new EvaluationError(`listing ${listing.key} is ${published.status} after publishing`)
    listingIds.set(listing.key, id)
    listingKeys.set(id, listing.key)
  }

  const demandIds = new Map<string, string>()
  for (const demand of fixture.demands) {
    const body = demandBody(demand, ownerOf(organizationIds, demand.owner, demand.key))
    const { id } = expectStatus(await post('/v1/demands', body), 201, `create demand ${demand.key}`)
    const opened = expectStatus(await post(`/v1/demands/${id}/open`), 200, `open demand ${demand.key}`)
    if (opened.status !== 'open') throw new EvaluationError(`demand ${demand.key} is ${opened.status} after opening`)
    demandIds.set(demand.key, id)
  }

  return { operator, organizationIds, listingIds, demandIds, listingKeys }
}
