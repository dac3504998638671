import type { FastifyInstance } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { and, eq } from 'drizzle-orm'
import { delegations, organizations } from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import { driveTo, move, startInterest } from './deals.ts'
import { closeDemand, fileDemand, fileOpenDemand } from './demands.ts'
import { createMember, createOperator, nationalScope } from './factories.ts'
import { uploadFile, samplePng } from './files.ts'
import { createListingViaApi } from './listings.ts'

// The parties of the authorisation matrix and the fixtures its requests act on. "own" owns every
// target; "other" is a second organisation of the same kind, so any refusal is about ownership and
// role, never about the kind of organisation; "delegate" is a connection point "own" delegated to.
// "counterpart" is no caller: it owns the other side of "own"'s matches, so that a match involves
// no caller but "own" (and those who act for it).

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
  /** A connection point with an active delegation from "own" (see ensureDelegation). */
  delegate: Party
  /** An enterprise no caller acts for: the other side of "own"'s matches. */
  counterpart: { organizationId: string; key: Key }
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
  ...memberRoles.map((role) => ({ name: `delegate:${role}`, party: 'delegate', role }) as Caller),
]

export const callerNamed = (name: Caller['name']) => callers.find((caller) => caller.name === name)!

async function createParty(db: Db, name: string, kind = 'enterprise'): Promise<Party> {
  const admin = await createMember(db, { kind, role: 'admin', name })
  const keys = { admin: { id: admin.keyId, auth: admin.auth } } as Record<MemberRole, Key>
  for (const role of ['reader', 'editor'] as const) keys[role] = await freshKey(db, admin.organization.id, role)
  return { organizationId: admin.organization.id, keys }
}

export async function createWorld(app: FastifyInstance, db: Db): Promise<World> {
  const operator = await createOperator(db)
  const counterpart = await createMember(db, { kind: 'enterprise', role: 'admin', name: 'Công ty TNHH Máy Nông nghiệp Thái Nguyên' })
  const world: World = {
    app,
    db,
    own: await createParty(db, 'Công ty Cổ phần Cơ khí Nông nghiệp Nam Định'),
    other: await createParty(db, 'Công ty TNHH Thiết bị Sấy Thái Bình'),
    delegate: await createParty(db, 'Điểm kết nối cung cầu công nghệ Nam Định', 'connection_point'),
    operator: { organizationId: operator.organization.id, key: { id: operator.keyId, auth: operator.auth } },
    counterpart: { organizationId: counterpart.organization.id, key: { id: counterpart.keyId, auth: counterpart.auth } },
  }
  // The delegate may propose and onboard anywhere: refusals are about who calls, not about scope.
  await db.update(organizations).set({ delegationScope: nationalScope }).where(eq(organizations.id, world.delegate.organizationId))
  await ensureDelegation(world)
  return world
}

const ownToDelegate = (world: World) =>
  and(eq(delegations.agentOrganizationId, world.delegate.organizationId), eq(delegations.memberOrganizationId, world.own.organizationId))

/**
 * The id of the active delegation from "own" to "delegate", started (straight in the database) if
 * a request ended it. The matrix calls it before every request, so ending one cannot leak into
 * the cells that follow.
 */
export async function ensureDelegation(world: World): Promise<string> {
  const [active] = await world.db
    .select({ id: delegations.id })
    .from(delegations)
    .where(and(ownToDelegate(world), eq(delegations.status, 'active')))
  if (active) return active.id
  const [created] = await world.db
    .insert(delegations)
    .values({ agentOrganizationId: world.delegate.organizationId, memberOrganizationId: world.own.organizationId, status: 'active', origin: 'onboarding' })
    .returning({ id: delegations.id })
  return created!.id
}

/** A new key of an organisation, straight in the database. */
export async function freshKey(db: Db, organizationId: string, role: MemberRole | 'operator'): Promise<Key> {
  const created = await createApiKey(db, { organizationId, role })
  return { id: created.id, auth: { authorization: `Bearer ${created.key}` } }
}

/** The caller's organisation in this world. */
const partyOf = (world: World, party: 'own' | 'other' | 'delegate'): Party => world[party]

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

export async function publishedListing(world: World, auth = ownAdmin(world)) {
  const id = (await createListingViaApi(world.app, auth)).id
  const published = await world.app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: auth })
  if (published.statusCode !== 200) throw new Error(`publishListing fixture: ${published.statusCode} ${published.body}`)
  return id
}

/** A published listing within its renewal window: the test clock's 2 March 2026 is 18 days before its validUntil. */
export async function renewableListing(world: World) {
  const id = (await createListingViaApi(world.app, ownAdmin(world), { validUntil: '2026-03-20' })).id
  const published = await world.app.inject({ method: 'POST', url: `/v1/listings/${id}/publish`, headers: ownAdmin(world) })
  if (published.statusCode !== 200) throw new Error(`renewableListing fixture: ${published.statusCode} ${published.body}`)
  return id
}

export async function withdrawnListing(world: World) {
  const id = await publishedListing(world)
  const body = { reason: 'Đã chuyển giao xong' }
  const withdrawn = await world.app.inject({ method: 'POST', url: `/v1/listings/${id}/withdraw`, headers: ownAdmin(world), payload: body })
  if (withdrawn.statusCode !== 200) throw new Error(`withdrawListing fixture: ${withdrawn.statusCode} ${withdrawn.body}`)
  return id
}

/** A file "own" attached to one of its listings (published unless `draft`): a PDF dossier, or a photo. */
export async function ownFile(world: World, options: { draft?: boolean; photo?: boolean } = {}) {
  const listingId = options.draft ? await draftListing(world) : await publishedListing(world)
  const file = options.photo ? { filename: 'anh.png', bytes: await samplePng(64, 48) } : { filename: 'ho-so.pdf', bytes: authzPdf }
  const fields = { subjectType: 'listing', subjectId: listingId, kind: options.photo ? 'photo' : 'dossier' }
  const response = await uploadFile(world.app, ownAdmin(world), fields, file)
  if (response.statusCode !== 201) throw new Error(`ownFile fixture: ${response.statusCode} ${response.body}`)
  return (response.json() as { id: string }).id
}

/** A PDF in ASCII, so that a form carrying it travels as text (RequestParts.file). */
export const authzPdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

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

// Matches: a broker's proposal (the operator's) stores a pair whatever its score. Either "own"'s
// demand with "counterpart"'s listing, or "counterpart"'s demand with "own"'s listing.

export async function proposedMatch(world: World, demandId: string, listingId: string): Promise<string> {
  const body = { demandId, listingId, note: 'Hai bên cùng lĩnh vực sau thu hoạch' }
  const response = await world.app.inject({ method: 'POST', url: '/v1/matches', headers: world.operator.key.auth, payload: body })
  if (response.statusCode !== 201) throw new Error(`proposeMatch fixture: ${response.statusCode} ${response.body}`)
  return (response.json() as { id: string }).id
}

export const counterpartListing = (world: World) => publishedListing(world, world.counterpart.key.auth)
export const ownDemandMatch = async (world: World) => proposedMatch(world, await openDemand(world), await counterpartListing(world))
export async function ownListingMatch(world: World) {
  const demand = await fileOpenDemand(world.app, world.counterpart.key.auth)
  return proposedMatch(world, demand.id, await publishedListing(world))
}

/** Shortlists or dismisses a match with the given key (its demand owner's, or the operator's). */
export async function curatedMatch(world: World, matchId: string, step: 'shortlist' | 'dismiss', auth: Auth) {
  const payload = step === 'dismiss' ? { reason: 'already_known' } : undefined
  const response = await world.app.inject({ method: 'POST', url: `/v1/matches/${matchId}/${step}`, headers: auth, ...(payload ? { payload } : {}) })
  if (response.statusCode !== 200) throw new Error(`${step}Match fixture: ${response.statusCode} ${response.body}`)
  return matchId
}

// Deals: "own" is the provider (the listing's owner) of a deal "counterpart" started as the seeker,
// so the delegate acts in it as provider_broker and no other caller is a party. Each fixture has a
// listing of its own: a seeker has one open deal per listing.

/** A deal in interest_expressed: "counterpart"'s interest in a fresh listing of "own". */
export const ownDeal = async (world: World) => (await startInterest(world.app, world.counterpart.key.auth, await publishedListing(world))).id

/** A deal where "own" is the seeker: its interest in a fresh listing of "counterpart". */
export const ownInterest = async (world: World) => (await startInterest(world.app, ownAdmin(world), await counterpartListing(world))).id

/** "own"'s deal, accepted by "own": the parties negotiate. */
export async function acceptedDeal(world: World) {
  const id = await ownDeal(world)
  await move(world.app, ownAdmin(world), id, { transition: 'accept_interest' })
  return id
}

/** "own"'s deal (as provider), driven to completion with "counterpart". */
export async function completedDeal(world: World) {
  const id = await ownDeal(world)
  await driveTo(world.app, { provider: ownAdmin(world), seeker: world.counterpart.key.auth }, id, 'completed')
  return id
}

/** The success story of a completed deal of "own", drafted by "own"; published when both sides approved it. */
export async function ownStory(world: World, options: { published?: boolean } = {}) {
  const dealId = await completedDeal(world)
  const body = { dealId, title: 'Máy sấy tầng sôi ở HTX', problem: 'Hao hụt sau thu hoạch.', technology: 'Máy sấy tầng sôi.', results: 'Hao hụt giảm.' }
  const created = await world.app.inject({ method: 'POST', url: '/v1/success-stories', headers: ownAdmin(world), payload: body })
  if (created.statusCode !== 201) throw new Error(`ownStory fixture: ${created.statusCode} ${created.body}`)
  const id = (created.json() as { id: string }).id
  if (options.published) {
    for (const auth of [ownAdmin(world), world.counterpart.key.auth]) {
      const approved = await world.app.inject({ method: 'POST', url: `/v1/success-stories/${id}/approve`, headers: auth })
      if (approved.statusCode !== 200) throw new Error(`ownStory fixture: ${approved.statusCode} ${approved.body}`)
    }
  }
  return id
}

/** "own"'s deal, accepted by "own" and then disputed by it: only the operator moves it on. */
export async function disputedDeal(world: World) {
  const id = await acceptedDeal(world)
  await move(world.app, ownAdmin(world), id, { transition: 'open_dispute', note: 'Bên tìm kiếm không phản hồi sau buổi làm việc' })
  return id
}

/** "own"'s deal, declined by "own": ended, so read-only. */
export async function declinedDeal(world: World) {
  const id = await ownDeal(world)
  await move(world.app, ownAdmin(world), id, { transition: 'decline_interest', reason: 'capacity' })
  return id
}

/** "own"'s open demand matched with "counterpart"'s listing, shortlisted by "own": a deal may start from it. */
export const shortlistedOwnMatch = async (world: World) => curatedMatch(world, await ownDemandMatch(world), 'shortlist', ownAdmin(world))

/** An open demand of "counterpart", for "own" to propose its listing to. */
export const counterpartDemand = async (world: World) => (await fileOpenDemand(world.app, world.counterpart.key.auth)).id

// Joint tasks: "own" leads, "counterpart" is its partner (so no other caller has a part in it).

const taskBody = (partnerRole: string, counterpart: string) => ({
  title: 'Nhiệm vụ liên kết thử nghiệm',
  objectives: 'Ứng dụng công nghệ cho sản phẩm chủ lực của tỉnh.',
  startsOn: '2026-01-01',
  endsOn: '2026-12-31',
  partners: [{ organizationId: counterpart, role: partnerRole }],
  funding: [{ source: 'provincial', amountVnd: 100_000_000 }],
})

/** A proposed task led by "own", inviting "counterpart" as an enterprise partner (accepted, when asked): private to them. */
export async function ownTask(world: World, partnerRole = 'enterprise', options: { accepted?: boolean } = {}) {
  const response = await world.app.inject({
    method: 'POST',
    url: '/v1/tasks',
    headers: ownAdmin(world),
    payload: taskBody(partnerRole, world.counterpart.organizationId),
  })
  if (response.statusCode !== 201) throw new Error(`ownTask fixture: ${response.statusCode} ${response.body}`)
  const id = (response.json() as { id: string }).id
  if (options.accepted) await answerInvitation(world, id, world.counterpart.organizationId, world.counterpart.key.auth)
  return id
}

/** The invited organisation accepts a task's invitation with the given key. */
async function answerInvitation(world: World, taskId: string, organizationId: string, auth: Auth) {
  const response = await world.app.inject({ method: 'POST', url: `/v1/tasks/${taskId}/partners/${organizationId}/accept`, headers: auth })
  if (response.statusCode !== 200) throw new Error(`acceptTaskInvitation fixture: ${response.statusCode} ${response.body}`)
}

/** A proposed task led by "counterpart" inviting "own" as a partner; accepted by "own", when asked. */
export async function taskInvitingOwn(world: World, options: { accepted?: boolean } = {}) {
  const response = await world.app.inject({
    method: 'POST',
    url: '/v1/tasks',
    headers: world.counterpart.key.auth,
    payload: taskBody('enterprise', world.own.organizationId),
  })
  if (response.statusCode !== 201) throw new Error(`taskInvitingOwn fixture: ${response.statusCode} ${response.body}`)
  const id = (response.json() as { id: string }).id
  if (options.accepted) await answerInvitation(world, id, world.own.organizationId, ownAdmin(world))
  return id
}

/**
 * A proposal to "own" from a connection point of its own (no caller): "own" answers it; the
 * delegate, agent of another delegation, cannot tell it exists.
 */
export async function proposalToOwn(world: World) {
  const agent = await createMember(world.db, { kind: 'connection_point', delegationScope: nationalScope })
  const response = await world.app.inject({
    method: 'POST',
    url: '/v1/delegations',
    headers: agent.auth,
    payload: { memberOrganizationId: world.own.organizationId },
  })
  if (response.statusCode !== 201) throw new Error(`proposalToOwn fixture: ${response.statusCode} ${response.body}`)
  return (response.json() as { id: string }).id
}

/** A task led by "own" that "counterpart", its authority partner, accepted and approved: public. */
export async function approvedOwnTask(world: World) {
  const id = await ownTask(world, 'authority', { accepted: true })
  const response = await world.app.inject({
    method: 'POST',
    url: `/v1/tasks/${id}/transitions`,
    headers: world.counterpart.key.auth,
    payload: { transition: 'approve' },
  })
  if (response.statusCode !== 200) throw new Error(`approvedOwnTask fixture: ${response.statusCode} ${response.body}`)
  return id
}

/** A value chain kept by "own", its processing stage linked to a listing of "own". */
export async function ownValueChain(world: World) {
  const payload = {
    title: 'Chuỗi giá trị thử nghiệm',
    keyProduct: 'Lúa gạo',
    provinceCode: '36',
    stages: [
      { kind: 'production', keywords: ['canh tác lúa'] },
      { kind: 'processing', listingIds: [await publishedListing(world)] },
    ],
  }
  const response = await world.app.inject({ method: 'POST', url: '/v1/value-chains', headers: ownAdmin(world), payload })
  if (response.statusCode !== 201) throw new Error(`ownValueChain fixture: ${response.statusCode} ${response.body}`)
  return (response.json() as { id: string }).id
}

/** A fair organised by "own", "counterpart" taking part, showcasing a listing of "counterpart". */
export async function ownExchangeEvent(world: World) {
  const payload = {
    kind: 'fair',
    title: 'Chợ công nghệ thử nghiệm',
    startsOn: '2026-03-01',
    endsOn: '2026-03-02',
    place: 'Nhà văn hóa tỉnh',
    provinceCode: '36',
    participantIds: [world.counterpart.organizationId],
    listingIds: [await counterpartListing(world)],
  }
  const response = await world.app.inject({ method: 'POST', url: '/v1/exchange-events', headers: ownAdmin(world), payload })
  if (response.statusCode !== 201) throw new Error(`ownExchangeEvent fixture: ${response.statusCode} ${response.body}`)
  return (response.json() as { id: string }).id
}
