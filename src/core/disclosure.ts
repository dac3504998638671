import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.ts'
import { deals, delegations, organizations } from '../db/schema/index.ts'
import type { Actor } from './actor.ts'

// Staged disclosure: THE rule table for what a listing hides from those who do not act for its
// owner, and how far a seeker's deal must get before the seeker sees it. Once a deal reached a
// stage, what it revealed stays revealed (a cancelled deal does not make the seeker forget).

/**
 * A deal's main path, in order: how far a deal got decides what the seeker has been shown. The
 * deal process (modules/deals/deals.process.ts) takes it from here and checks it names its states.
 */
export const mainPath = ['interest_expressed', 'accepted', 'negotiating', 'agreed', 'contract_signed', 'in_transfer', 'completed'] as const
export type MainPathState = (typeof mainPath)[number]
export const stageOf = (state: string) => mainPath.indexOf(state as MainPathState)

export type DisclosedListing = {
  anonymous: boolean
  priceType: string
  disclosure: { contacts: boolean; iprNumbers: boolean }
}

export const disclosureRules = [
  { field: 'owner', hiddenWhen: 'the listing is anonymous', revealedAt: 'accepted', hides: (listing: DisclosedListing) => listing.anonymous },
  { field: 'contacts', hiddenWhen: 'disclosure.contacts is false', revealedAt: 'accepted', hides: (listing: DisclosedListing) => !listing.disclosure.contacts },
  {
    field: 'priceVnd',
    hiddenWhen: 'the price is on request',
    revealedAt: 'accepted',
    hides: (listing: DisclosedListing) => listing.priceType === 'on_request',
  },
  {
    field: 'iprNumbers',
    hiddenWhen: 'disclosure.iprNumbers is false',
    revealedAt: 'agreed',
    hides: (listing: DisclosedListing) => !listing.disclosure.iprNumbers,
  },
] as const satisfies ReadonlyArray<{ field: string; hiddenWhen: string; revealedAt: MainPathState; hides: (listing: DisclosedListing) => boolean }>

export type ConfidentialField = (typeof disclosureRules)[number]['field']
export const confidentialFields = disclosureRules.map((rule) => rule.field) as ConfidentialField[]

/**
 * The fields this listing hides from a caller who does not act for its owner and whose deals on
 * it got as far as `reached` (null: no deal).
 */
export function hiddenFields(listing: DisclosedListing, reached: string | null): ConfidentialField[] {
  const stage = reached === null ? -1 : stageOf(reached)
  return disclosureRules.filter((rule) => rule.hides(listing) && stage < stageOf(rule.revealedAt)).map((rule) => rule.field)
}

const furthestFirst = sql`array_position(${sql.raw(`array[${mainPath.map((state) => `'${state}'`).join(',')}]::text[]`)}, ${deals.reachedState}) desc`

export type SeekerOnListing = { listingId: string; seekerId: string }
export const seekerOnListingKey = (pair: SeekerOnListing) => `${pair.listingId}|${pair.seekerId}`

/**
 * How far each seeker's deals on a listing got: what it has been shown of the listing, by
 * seekerOnListingKey; a pair with no deal is absent. One query for a page of deals.
 */
export async function reachedBySeekers(db: DbOrTx, pairs: SeekerOnListing[]): Promise<Map<string, string>> {
  if (pairs.length === 0) return new Map()
  const wanted = sql.join(
    pairs.map((pair) => sql`(${pair.listingId}::uuid, ${pair.seekerId}::uuid)`),
    sql`, `,
  )
  const rows = await db
    .selectDistinctOn([deals.listingId, deals.seekerId], { listingId: deals.listingId, seekerId: deals.seekerId, reached: deals.reachedState })
    .from(deals)
    .where(sql`(${deals.listingId}, ${deals.seekerId}) in (${wanted})`)
    .orderBy(deals.listingId, deals.seekerId, furthestFirst)
  return new Map(rows.map((row) => [seekerOnListingKey(row), row.reached]))
}

/**
 * The one rule for a demand: an anonymous demand hides its owner (the seeker) from those who do not
 * act for it until a deal on the demand is accepted, as an anonymous listing hides its owner.
 */
export const demandOwnerRule = { field: 'owner', hiddenWhen: 'the demand is anonymous', revealedAt: 'accepted' } as const satisfies {
  field: string
  hiddenWhen: string
  revealedAt: MainPathState
}

/** Whether a deal that got as far as `reached` (null: no deal) has shown the provider an anonymous demand's owner. */
export const revealsDemandOwner = (reached: string | null) => reached !== null && stageOf(reached) >= stageOf(demandOwnerRule.revealedAt)

/**
 * The furthest main-path state reached by any deal on a record (`on`: the deal's listing or demand
 * column) whose party in `side` the caller acts for (the party itself, its delegates, its
 * successor). Null when there is none. The operator acts for everyone and never needs this.
 */
async function reachedBy(db: DbOrTx, actor: Actor | null, on: SQL, side: typeof deals.seekerId | typeof deals.providerId): Promise<string | null> {
  if (!actor) return null
  const delegators = db
    .select({ id: delegations.memberOrganizationId })
    .from(delegations)
    .where(and(eq(delegations.agentOrganizationId, actor.organizationId), eq(delegations.status, 'active')))
  const merged = db.select({ id: organizations.id }).from(organizations).where(eq(organizations.mergedIntoId, actor.organizationId))
  const rows = await db
    .select({ reached: deals.reachedState })
    .from(deals)
    .where(and(on, or(eq(side, actor.organizationId), inArray(side, delegators), inArray(side, merged))))
    .orderBy(furthestFirst)
    .limit(1)
  return rows[0]?.reached ?? null
}

/** How far the caller's deals on a listing got, as its seeker: what the listing has shown it. */
export const reachedOnListing = (db: DbOrTx, actor: Actor | null, listingId: string) => reachedBy(db, actor, eq(deals.listingId, listingId), deals.seekerId)

/** How far the caller's deals on a demand got, as their provider: whether the demand has shown it its owner. */
export const reachedOnDemand = (db: DbOrTx, actor: Actor | null, demandId: string) => reachedBy(db, actor, eq(deals.demandId, demandId), deals.providerId)
