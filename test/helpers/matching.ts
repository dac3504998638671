import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import type { Db } from '../../src/db/client.ts'
import { createListingViaApi } from './listings.ts'

type Auth = Record<string, string>
export type MatchItem = {
  id: string
  demandId: string
  listingId: string
  status: string
  origin: string
  score: number
  version: number
  dismissReason: string | null
  explanation: Record<'text' | 'taxonomy' | 'trl' | 'location' | 'price' | 'freshness', Record<string, unknown> & { weight: number; value: number }>
  listing?: { id: string; titleVi: string }
  demand?: { id: string; titleVi: string }
}

/** Creates and publishes a listing through the API. */
export async function publishListing(app: FastifyInstance, auth: Auth, overrides: Record<string, unknown> = {}) {
  const draft = await createListingViaApi(app, auth, overrides)
  const response = await app.inject({ method: 'POST', url: `/v1/listings/${draft.id}/publish`, headers: auth })
  if (response.statusCode !== 200) throw new Error(`publish failed: ${response.statusCode} ${response.body}`)
  return response.json() as { id: string; titleVi: string }
}

/** The stored matches of a demand or listing, as its owner sees them. */
export async function matchesOf(app: FastifyInstance, auth: Auth, direction: 'demand' | 'listing', id: string, query = '') {
  const response = await app.inject({ method: 'GET', url: `/v1/${direction}s/${id}/matches${query}`, headers: auth })
  if (response.statusCode !== 200) throw new Error(`matches failed: ${response.statusCode} ${response.body}`)
  return response.json() as { items: MatchItem[]; computedAt: string | null }
}

/** Jobs queued in pg-boss for the matcher, by subject key ('demand:<id>'), in any state. */
export async function matchJobs(db: Db) {
  const result = await db.execute<{ key: string; state: string }>(
    sql`select singleton_key as key, state from pgboss.job where name = 'matching.compute' order by created_on`,
  )
  return result.rows
}

/** Events in the outbox, oldest first. */
export async function outboxEvents(db: Db, type?: string) {
  const result = await db.execute<{ type: string; subject_id: string; organization_ids: string[]; payload: Record<string, unknown> }>(
    type ? sql`select * from outbox_events where type = ${type} order by id` : sql`select * from outbox_events order by id`,
  )
  return result.rows
}
