import type { FastifyInstance } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { createApiKey } from '../../src/modules/api-keys/api-keys.service.ts'
import { closeDemand, fileDemand, fileOpenDemand } from './demands.ts'
import { createMember, createOperator } from './factories.ts'
import { createListingViaApi } from './listings.ts'

// The parties of the authorisation matrix and the fixtures its requests act on. "own" owns every
// target; "other" is a second organisation of the same kind, so any refusal is about ownership and
// role, never about the kind of organisation.

export const memberRoles = ['reader', 'editor', 'admin'] as const
export type MemberRole = (typeof memberRoles)[number]

export type Auth = { authorization: string }
export type Key = { id: string; auth: Auth }
export type Party = { organizationId: string; keys: Record<MemberRole, Key> }

export type World = {
  app: FastifyInstance
  db: Db
  own: Party
  other: Party
  operator: { organizationId: string; key: Key }
  /** Not built yet: a connection point or DOST that "own" delegated to (see `callers`). */
  delegate?: Party
}

/** The columns of the matrix: who calls. */
export type Caller =
  | { name: 'anonymous'; party: null; role: null }
  | { name: `${'own' | 'other' | 'delegate'}:${MemberRole}`; party: 'own' | 'other' | 'delegate'; role: MemberRole }
  | { name: 'operator'; party: 'operator'; role: 'operator' }

export const callers: Caller[] = [
  { name: 'anonymous', party: null, role: null },
  ...memberRoles.map((role) => ({ name: `own:${role}`, party: 'own', role }) as Caller),
  ...memberRoles.map((role) => ({ name: `other:${role}`, party: 'other', role }) as Caller),
  { name: 'operator', party: 'operator', role: 'operator' },
  // Delegation (a connection point or DOST acting for an organisation) is not built yet. When it
  // is: create World.delegate in createWorld (an organisation "own" delegated to, with its keys),
  // fill the `delegate` column of every entry in authz-matrix.ts, and add its callers here:
  // ...memberRoles.map((role) => ({ name: `delegate:${role}`, party: 'delegate', role }) as Caller),
]

export const callerNamed = (name: Caller['name']) => callers.find((caller) => caller.name === name)!

async function createParty(db: Db, name: string): Promise<Party> {
  const admin = await createMember(db, { kind: 'enterprise', role: 'admin', name })
  const keys = { admin: { id: admin.keyId, auth: admin.auth } } as Record<MemberRole, Key>
  for (const role of ['reader', 'editor'] as const) keys[role] = await freshKey(db, admin.organization.id, role)
  return { organizationId: admin.organization.id, keys }
}

export async function createWorld(app: FastifyInstance, db: Db): Promise<World> {
  const operator = await createOperator(db)
  return {
    app,
    db,
    own: await createParty(db, 'Công ty Cổ phần Cơ khí Nông nghiệp Nam Định'),
    other: await createParty(db, 'Công ty TNHH Thiết bị Sấy Thái Bình'),
    operator: { organizationId: operator.organization.id, key: { id: operator.keyId, auth: operator.auth } },
  }
}

/** A new key of an organisation, straight in the database. */
export async function freshKey(db: Db, organizationId: string, role: MemberRole | 'operator'): Promise<Key> {
  const created = await createApiKey(db, { organizationId, role })
  return { id: created.id, auth: { authorization: `Bearer ${created.key}` } }
}

/** The caller's organisation in this world. */
function partyOf(world: World, party: 'own' | 'other' | 'delegate'): Party {
  const found = world[party]
  if (!found) throw new Error(`the world has no ${party} organisation yet`)
  return found
}

/** The caller's headers; none for the anonymous caller. */
export function authOf(world: World, caller: Caller): Auth | undefined {
  if (caller.party === null) return undefined
  if (caller.party === 'operator') return world.operator.key.auth
  return partyOf(world, caller.party).keys[caller.role].auth
}

/** A fresh key for the caller's own organisation and role (for requests that use the key up). */
export function freshKeyOf(world: World, caller: Caller): Promise<Key> | undefined {
  if (caller.party === null) return undefined
  if (caller.party === 'operator') return freshKey(world.db, world.operator.organizationId, 'operator')
  return freshKey(world.db, partyOf(world, caller.party).organizationId, caller.role)
}

// Fixtures owned by "own", created through the API with its admin key, as a client would.
const ownAdmin = (world: World) => world.own.keys.admin.auth

export const draftListing = async (world: World) => (await createListingViaApi(world.app, ownAdmin(world))).id

export async function publishedListing(world: World) {
  const id = await draftListing(world)
  const published = await world.app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: ownAdmin(world) })
  if (published.statusCode !== 200) throw new Error(`publishListing fixture: ${published.statusCode} ${published.body}`)
  return id
}

export async function withdrawnListing(world: World) {
  const id = await publishedListing(world)
  const body = { reason: 'Đã chuyển giao xong' }
  const withdrawn = await world.app.inject({ method: 'POST', url: `/v1/listings/${id}/withdraw`, headers: ownAdmin(world), payload: body })
  if (withdrawn.statusCode !== 200) throw new Error(`withdrawListing fixture: ${withdrawn.statusCode} ${withdrawn.body}`)
  return id
}

export const draftDemand = async (world: World) => (await fileDemand(world.app, ownAdmin(world))).id
export const openDemand = async (world: World) => (await fileOpenDemand(world.app, ownAdmin(world))).id
export const closedDemand = async (world: World) => (await closeDemand(world.app, ownAdmin(world), await openDemand(world))).id

/** An audit event owned by "own": the creation of one of its listings. */
export async function ownAuditEvent(world: World): Promise<string> {
  const listingId = await draftListing(world)
  const response = await world.app.inject({
    method: 'GET',
    url: `/v1/audit-events?targetId=${listingId}`,
    headers: world.operator.key.auth,
  })
  const id = (response.json() as { items?: Array<{ id: string }> }).items?.[0]?.id
  if (response.statusCode !== 200 || !id) throw new Error(`no audit event for listing ${listingId}: ${response.statusCode} ${response.body}`)
  return id
}
