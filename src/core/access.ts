import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.ts'
import { preparedWhere } from '../db/prepared.ts'
import { delegations, demands, listings, organizations } from '../db/schema/index.ts'
import { conflict, forbidden, notFound } from '../lib/problem.ts'
import { isLocalRecord, type Provenance } from '../lib/provenance.ts'
import type { Actor } from './actor.ts'
import { hiddenFields, reachedOnDemand, reachedOnListing, revealsDemandOwner, type ConfidentialField, type DisclosedListing } from './disclosure.ts'

// The one place that says who may see and change an organisation's listings and demands:
// the organisation itself, a connection point or DOST holding an active delegation from it (one the
// member accepted, that the agent onboarded it with, or that the operator recorded on a stated basis;
// a proposal grants nothing), the organisation it was merged into (the successor manages what it
// inherited), and the operator. Within those, reader
// keys see and never write. A merged organisation is read-only: its records can only be retired
// (listings withdrawn, demands closed), never created, changed or (re)published. A split one is
// read-only the same way, but each of its records passed to the successor its rules picked (the
// record's steward): that successor manages the record, the others do not. Where a question names
// no record (lists, an owner filter), a split organisation's successors do not act for it.

/** Roles that write content (listings, demands); readers only read. */
export const writesContent = (actor: Actor) => actor.role === 'operator' || actor.role === 'admin' || actor.role === 'editor'

type Standing = { acting: boolean; mergedIntoId: string | null; split: boolean }

/** A record as the access rules read it: its owner, its steward after a split (see above), whether it is public. */
export type AccessRecord = { ownerId: string; stewardId?: string | null; isPublic: boolean }

/** How one organisation stands to another: the same one, its successor after a merge, its active delegate, or none. */
export type Relation = 'self' | 'successor' | 'delegate' | null

/**
 * How `organizationId` stands to `ownerOrganizationId`, and whether the owner was merged or split,
 * in one indexed lookup: the owner's row by primary key, with its active delegation to the
 * organisation (if any) by the delegations' unique open-pair index (only an active one counts: a
 * proposal grants nothing). `stewardId` is the record's steward, when the question is about one record.
 */
export async function relationTo(
  db: DbOrTx,
  organizationId: string,
  ownerOrganizationId: string,
  stewardId: string | null = null,
): Promise<{ relation: Relation; mergedIntoId: string | null; split: boolean; exists: boolean }> {
  const [row] = await db
    .select(ownerStanding(db, organizationId))
    .from(organizations)
    .where(preparedWhere(eq(organizations.id, ownerOrganizationId)))
  if (!row) return { relation: null, mergedIntoId: null, split: false, exists: false }
  return { relation: relationFrom(organizationId, row, stewardId), mergedIntoId: row.mergedIntoId, split: row.split, exists: true }
}

/** An owner's row as relationTo reads it: its successor, and whether it actively delegated to `organizationId`. */
const ownerStanding = (db: DbOrTx, organizationId: string) => ({
  id: organizations.id,
  mergedIntoId: organizations.mergedIntoId,
  split: sql<boolean>`${organizations.splitInto} is not null`,
  delegated: sql<boolean>`exists (${db
    .select({ one: sql`1` })
    .from(delegations)
    .where(
      and(eq(delegations.agentOrganizationId, organizationId), eq(delegations.memberOrganizationId, organizations.id), eq(delegations.status, 'active')),
    )})`,
})

/** The successor of a split owner's record is its steward; with no record named, none. */
const successorOf = (owner: { mergedIntoId: string | null; split: boolean }, stewardId: string | null) => (owner.split ? stewardId : owner.mergedIntoId)

const relationFrom = (
  organizationId: string,
  owner: { id: string; mergedIntoId: string | null; split: boolean; delegated: boolean },
  stewardId: string | null = null,
): Relation =>
  organizationId === owner.id ? 'self' : successorOf(owner, stewardId) === organizationId ? 'successor' : owner.delegated === true ? 'delegate' : null

/**
 * relationTo for several owners at once (a page of deals): one query; an owner that does not exist
 * is absent. `split` owners relate to their records' stewards only, which the caller looks up
 * (see stewardedBy).
 */
export async function relationsTo(
  db: DbOrTx,
  organizationId: string,
  ownerOrganizationIds: string[],
): Promise<Map<string, { relation: Relation; split: boolean }>> {
  const ids = [...new Set(ownerOrganizationIds)]
  if (ids.length === 0) return new Map()
  const rows = await db.select(ownerStanding(db, organizationId)).from(organizations).where(inArray(organizations.id, ids))
  return new Map(rows.map((row) => [row.id, { relation: relationFrom(organizationId, row), split: row.split }]))
}

/** Which of these listings and demands passed to `organizationId` when their owner was split. */
export async function stewardedBy(db: DbOrTx, organizationId: string, records: { listingIds: string[]; demandIds: string[] }): Promise<Set<string>> {
  const [listingRows, demandRows] = await Promise.all([
    records.listingIds.length === 0
      ? []
      : db
          .select({ id: listings.id })
          .from(listings)
          .where(and(inArray(listings.id, records.listingIds), eq(listings.stewardId, organizationId))),
    records.demandIds.length === 0
      ? []
      : db
          .select({ id: demands.id })
          .from(demands)
          .where(and(inArray(demands.id, records.demandIds), eq(demands.stewardId, organizationId))),
  ])
  return new Set([...listingRows, ...demandRows].map((row) => row.id))
}

/**
 * Every organisation `organizationId` acts for: itself, those merged into it, and those that
 * delegated to it; the same relations relationTo answers for one owner, for all at once (lists).
 */
export async function organizationsActedFor(db: DbOrTx, organizationId: string): Promise<string[]> {
  const [merged, delegators] = await Promise.all([
    db
      .select({ id: organizations.id })
      .from(organizations)
      .where(and(eq(organizations.mergedIntoId, organizationId), isNull(organizations.splitInto))),
    db
      .select({ id: delegations.memberOrganizationId })
      .from(delegations)
      .where(and(eq(delegations.agentOrganizationId, organizationId), eq(delegations.status, 'active'))),
  ])
  return [organizationId, ...merged.map((row) => row.id), ...delegators.map((row) => row.id)]
}

async function standingOf(db: DbOrTx, actor: Actor, ownerOrganizationId: string, stewardId: string | null = null): Promise<Standing> {
  const { relation, mergedIntoId, split, exists } = await relationTo(db, actor.organizationId, ownerOrganizationId, stewardId)
  if (!exists) return { acting: actor.role === 'operator', mergedIntoId: null, split: false }
  return { acting: actor.role === 'operator' || relation !== null, mergedIntoId, split }
}

/**
 * True for the operator, for the owner's own keys, for keys of an organisation the owner actively
 * delegated to, and for keys of the organisation the owner was merged into (after a split, of the
 * record's steward: pass it when the question is about one record).
 */
export async function actsFor(db: DbOrTx, actor: Actor | null, ownerOrganizationId: string, stewardId: string | null = null): Promise<boolean> {
  if (!actor) return false
  if (actor.role === 'operator' || actor.organizationId === ownerOrganizationId) return true
  return (await standingOf(db, actor, ownerOrganizationId, stewardId)).acting
}

/** 409 for a write that would change a merged organisation's records or profile. */
export const organizationMerged = (organizationId: string, mergedIntoId: string) =>
  conflict('organization_merged', `Organisation ${organizationId} was merged into ${mergedIntoId} and is read-only; act on ${mergedIntoId} instead`)

/** The same 409 for a split organisation: its records' successors may only retire them. */
const organizationSplit = (organizationId: string) =>
  conflict('organization_merged', `Organisation ${organizationId} was split between successors and is read-only; its successors may only retire its records`)

const retired = (organizationId: string, standing: Standing) =>
  standing.split ? organizationSplit(organizationId) : organizationMerged(organizationId, standing.mergedIntoId!)

export type RecordAccess = { see: boolean; manage: boolean }

/**
 * What the actor may do with a record: `isPublic` records (published listings, open and closed
 * demands) anyone sees; the rest only those who act for the owner. Managing needs both acting for
 * the owner and a writing role.
 */
export async function accessTo(db: DbOrTx, actor: Actor | null, record: AccessRecord): Promise<RecordAccess> {
  const acting = await actsFor(db, actor, record.ownerId, record.stewardId ?? null)
  return { see: record.isPublic || acting, manage: acting && actor !== null && writesContent(actor) }
}

/**
 * The check before a write on an existing record: 404 when the actor may not even see it (so a
 * draft's existence is not revealed), 403 when it may see but not change it, 409 when the owner
 * was merged, unless the write only `retires` the record (withdraw, close): the successor cleans up.
 */
export async function assertManages(
  db: DbOrTx,
  actor: Actor,
  record: AccessRecord,
  refusal: { resource: string; id: string; detail: string },
  options: { retires?: boolean } = {},
): Promise<void> {
  const standing = await standingOf(db, actor, record.ownerId, record.stewardId ?? null)
  if (!record.isPublic && !standing.acting) throw notFound(refusal.resource, refusal.id)
  if (!standing.acting || !writesContent(actor)) throw forbidden(refusal.detail)
  if (standing.mergedIntoId !== null && !options.retires) throw retired(record.ownerId, standing)
}

type RedactableListing = {
  id: string
  owner: { id: string | null; name: string | null }
  stewardId?: string | null
  redacted: ConfidentialField[]
  provenance: Provenance
}

/**
 * What a hidden field reads as: the owner keeps only its kind ("a university"); the rest is null.
 * A hidden owner takes this exchange's external id with it: that is the owner's own reference (from
 * an import), which may name it. Another source's id stays: it is the public name of its record.
 */
function withhold<T extends RedactableListing>(listing: T, hidden: ConfidentialField[]): T {
  if (hidden.length === 0) return listing
  const redacted: Record<string, unknown> = { ...listing, redacted: hidden }
  for (const field of hidden) redacted[field] = field === 'owner' ? { ...listing.owner, id: null, name: null } : null
  // A split owner's successor would name the owner's region, if not the owner.
  if (hidden.includes('owner') && listing.stewardId !== undefined) redacted.stewardId = null
  if (hidden.includes('owner') && isLocalRecord(listing.provenance, 'listing', listing.id)) redacted.provenance = { ...listing.provenance, externalId: null }
  return redacted as T
}

/**
 * THE redaction rule for a listing as the API shows it: those who act for the owner (see actsFor)
 * see everything; anyone else has the fields of the rule table (core/disclosure.ts) hidden that
 * their deals on the listing have not revealed yet, each null (the owner's kind stays) and named
 * in `redacted`. Writers always act for the owner, so only reads need it.
 */
export async function redactListing<T extends RedactableListing & DisclosedListing>(db: DbOrTx, actor: Actor | null, listing: T): Promise<T> {
  // Nothing to hide from anyone (most listings): no need to ask who the caller is.
  if (hiddenFields(listing, null).length === 0) return listing
  const ownerId = listing.owner.id
  if (ownerId !== null && (await actsFor(db, actor, ownerId, listing.stewardId ?? null))) return listing
  return withhold(listing, hiddenFields(listing, await reachedOnListing(db, actor, listing.id)))
}

type RedactableDemand = {
  id: string
  anonymous: boolean
  owner: { id: string | null; name: string | null }
  stewardId?: string | null
  redacted: Array<'owner'>
  provenance: Provenance
}

/** An anonymous demand as a stranger sees it: its owner's kind only, and no owner's own reference. */
function withholdDemandOwner<T extends RedactableDemand>(demand: T): T {
  const provenance = isLocalRecord(demand.provenance, 'demand', demand.id) ? { ...demand.provenance, externalId: null } : demand.provenance
  const steward = demand.stewardId === undefined ? {} : { stewardId: null }
  return { ...demand, owner: { ...demand.owner, id: null, name: null }, ...steward, redacted: ['owner'], provenance }
}

/**
 * THE redaction rule for a demand as the API shows it: an anonymous demand's owner is hidden from
 * those who do not act for it until their deal on the demand (as its provider) is accepted
 * (core/disclosure.ts, demandOwnerRule).
 */
export async function redactDemand<T extends RedactableDemand>(db: DbOrTx, actor: Actor | null, demand: T): Promise<T> {
  if (!demand.anonymous) return demand
  const ownerId = demand.owner.id
  if (ownerId !== null && (await actsFor(db, actor, ownerId, demand.stewardId ?? null))) return demand
  return revealsDemandOwner(await reachedOnDemand(db, actor, demand.id)) ? demand : withholdDemandOwner(demand)
}

/** THE redaction rule for demand summaries (search results, matches, the feed): no deal is looked up. */
export const redactDemandSummary = <T extends RedactableDemand>(summary: T, acting: boolean): T =>
  acting || !summary.anonymous ? summary : withholdDemandOwner(summary)

/** The confidential fields a listing summary carries; contacts and IPR numbers are only on the full listing. */
const summaryFields: readonly ConfidentialField[] = ['owner', 'priceVnd']

/**
 * What a listing's summary hides from a caller who does not act for its owner: an anonymous
 * listing's owner, a price on request, whatever deals the caller has. Lists never look deals up
 * row by row; the full listing and the deal show what a deal revealed.
 */
export const hiddenInSummary = (listing: DisclosedListing) => hiddenFields(listing, null).filter((field) => summaryFields.includes(field))

/** THE redaction rule for listing summaries (search results, matches); see hiddenInSummary. */
export function redactListingSummary<T extends RedactableListing>(summary: T, listing: DisclosedListing, acting: boolean): T {
  return acting ? summary : withhold(summary, hiddenInSummary(listing))
}

/**
 * Whom the actor acts for, for lists of other organisations' records where a check per row would
 * cost a query each: its own organisation, those that actively delegated to it and those merged
 * into it; everyone for the operator, no one without a key. Agrees with actsFor.
 */
export async function actingOwners(db: DbOrTx, actor: Actor | null): Promise<(ownerOrganizationId: string) => boolean> {
  if (!actor) return () => false
  if (actor.role === 'operator') return () => true
  const rows = await db
    .select({ id: delegations.memberOrganizationId })
    .from(delegations)
    .where(and(eq(delegations.agentOrganizationId, actor.organizationId), eq(delegations.status, 'active')))
    .union(
      db
        .select({ id: organizations.id })
        .from(organizations)
        .where(and(eq(organizations.mergedIntoId, actor.organizationId), isNull(organizations.splitInto))),
    )
  const owners = new Set([actor.organizationId, ...rows.map((row) => row.id)])
  return (ownerOrganizationId) => owners.has(ownerOrganizationId)
}

/**
 * The check before an operator-only action on an existing record (moderation): 404 when the actor
 * may not even see it, as for any write, and 403 for every key but the operator's.
 */
export async function assertModerates(
  db: DbOrTx,
  actor: Actor,
  record: AccessRecord,
  refusal: { resource: string; id: string; detail: string },
): Promise<void> {
  if (!(await accessTo(db, actor, record)).see) throw notFound(refusal.resource, refusal.id)
  if (actor.role !== 'operator') throw forbidden(refusal.detail)
}

/**
 * The owner of a record being created: `requested` (an organisation the actor acts for) or, by
 * default, the actor's own organisation. Readers create nothing.
 */
export async function ownerForCreation(db: DbOrTx, actor: Actor, requested: string | undefined, what: string, field = 'ownerId'): Promise<string> {
  if (!writesContent(actor)) throw forbidden(`A reader key cannot create ${what}; use an admin or editor key`)
  const ownerId = requested ?? actor.organizationId
  const standing = await standingOf(db, actor, ownerId)
  if (!standing.acting) {
    throw forbidden(`This key may create ${what} only for its own organisation or for members that delegated to it`, [
      { pointer: `#/${field}`, detail: 'is not an organisation this key acts for' },
    ])
  }
  if (standing.mergedIntoId !== null) throw retired(ownerId, standing)
  return ownerId
}

/**
 * Who may list records that are not public (drafts, withdrawn listings) in a search: the operator,
 * or a key asking for one owner (owner=<id>) it acts for.
 */
export async function maySearchPrivate(db: DbOrTx, actor: Actor, ownerId: string | undefined): Promise<boolean> {
  if (actor.role === 'operator') return true
  return ownerId !== undefined && actsFor(db, actor, ownerId)
}

/** Organisations that broker technology transfer: they see every match and propose their own. */
/** Organisations that act for members: connection points and DOSTs (authorities). */
export const agentKinds = ['connection_point', 'authority']
/** Organisations that may be members: the ones that own listings and demands. */
export const memberKinds = ['enterprise', 'transfer_centre', 'research_institute', 'university']

const brokerKinds = ['connection_point', 'transfer_centre', 'authority']

/** The operator, connection points, technology transfer centres and DOSTs (any of their keys). */
export const isBroker = (actor: Actor | null) => actor !== null && (actor.role === 'operator' || brokerKinds.includes(actor.organizationKind))

/**
 * Who may read a demand's or a listing's matches: those who act for its owner, and brokers.
 * Matches carry the owner's curation (dismissals and their reasons), so they are not public.
 */
export async function maySeeMatches(db: DbOrTx, actor: Actor | null, ownerId: string): Promise<boolean> {
  return isBroker(actor) || (await actsFor(db, actor, ownerId))
}
