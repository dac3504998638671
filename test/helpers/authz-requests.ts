import type { FastifyInstance, InjectOptions } from 'fastify'
import { outboxEvents, sources, webhookDeliveries, webhookSubscriptions } from '../../src/db/schema/index.ts'
import { insertEntry } from '../../src/modules/thesaurus/thesaurus.repo.ts'
import { entryValues } from '../../src/modules/thesaurus/thesaurus.rules.ts'
import { offerTerms } from './deals.ts'
import { demandInput } from './demands.ts'
import { multipartBody, uploadParts } from './files.ts'
import { createOrganization } from './factories.ts'
import { listingInput } from './listings.ts'
import type { Operation } from './fuzz-schema.ts'
import {
  acceptedDeal,
  approvedOwnTask,
  authOf,
  closedDemand,
  counterpartDemand,
  counterpartListing,
  curatedMatch,
  declinedDeal,
  disputedDeal,
  draftDemand,
  draftListing,
  ensureDelegation,
  freshKey,
  freshKeyOf,
  openDemand,
  ownAuditEvent,
  ownDeal,
  ownDemandMatch,
  ownInterest,
  ownListingMatch,
  ownTask,
  proposalToOwn,
  taskInvitingOwn,
  ownValueChain,
  ownExchangeEvent,
  ownFile,
  ownStory,
  completedDeal,
  authzPdf,
  proposedMatch,
  publishedListing,
  renewableListing,
  shortlistedOwnMatch,
  withdrawnListing,
  type Auth,
  type Caller,
  type World,
} from './authz-world.ts'

// A valid request for every operation, per scenario: built on a fresh fixture owned by "own" (or,
// for lists and creations, acting for the caller itself), so that the only reason a caller can be
// refused is who it is. The fuzz test starts from the same requests and breaks them.

export type RequestParts = {
  params?: Record<string, string>
  query?: Record<string, string>
  headers?: Record<string, string>
  body?: unknown
  /** A file upload (createImport): the text sent as is, with its content type, instead of a JSON body. */
  file?: { contentType: string; text: string }
  /** Replaces the caller's key: null sends none, a key sends that one. */
  auth?: Auth | null
}

export type Builder = (world: World, caller: Caller) => Promise<RequestParts>

/** The request as app.inject() takes it. */
export function injectOptions(operation: Pick<Operation, 'method' | 'path'>, parts: RequestParts, auth: Auth | undefined): InjectOptions {
  const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(parts.params?.[name] ?? ''))
  const query = new URLSearchParams(parts.query ?? {}).toString()
  const key = parts.auth === undefined ? auth : (parts.auth ?? undefined)
  const headers: Record<string, string> = { ...key, ...parts.headers }
  const options: InjectOptions = { method: operation.method as InjectOptions['method'], url: query ? `${url}?${query}` : url, headers }
  if (parts.body !== undefined) {
    headers['content-type'] = 'application/json'
    options.payload = JSON.stringify(parts.body)
  }
  if (parts.file) {
    headers['content-type'] = parts.file.contentType
    options.payload = parts.file.text
  }
  return options
}

/** The GET that shows a write's target (PATCH /x/{id} and POST /x/{id}/publish: GET /x/{id}). */
export function readerOf(operations: Operation[], operation: Operation): Operation | undefined {
  const paths = [operation.path, operation.path.replace(/\/[^/{}]+$/, '')]
  return operations.find((candidate) => candidate.method === 'GET' && candidate.path.includes('{') && paths.includes(candidate.path))
}

/**
 * A write's target as the operator sees it, to compare before and after a refused write. A key's
 * lastUsedAt moves whenever the key is used, refused or not, so it is left out.
 */
export async function targetSnapshot(app: FastifyInstance, reader: Operation | undefined, params: Record<string, string> | undefined, auth: Auth) {
  if (!reader || !params) return undefined
  const response = await app.inject(injectOptions(reader, { params }, auth))
  const body = response.json() as Record<string, unknown>
  delete body.lastUsedAt
  return { status: response.statusCode, body }
}

const none: Builder = async () => ({})

const taskProposal = (world: World) => ({
  title: 'Liên kết phát triển sản phẩm chủ lực',
  objectives: 'Ứng dụng công nghệ chế biến cho sản phẩm chủ lực của tỉnh.',
  provinceCode: '36',
  keyProduct: 'Lúa gạo',
  startsOn: '2026-03-01',
  endsOn: '2027-02-28',
  funding: [{ source: 'provincial', amountVnd: 300_000_000 }],
  listingIds: [] as string[],
  outputs: [] as unknown[],
  partners: [{ organizationId: world.counterpart.organizationId, role: 'authority' }],
})
const publicRead = { public: none }

let sequence = 0
const organizationBody = () => ({ kind: 'enterprise', name: `Công ty TNHH Thử quyền ${++sequence}`, provinceCode: '01' })

/** Builders by operationId, then by scenario. authz-matrix.ts holds the expected statuses. */
export const builders: Record<string, Record<string, Builder>> = {
  getHealth: publicRead,
  getReady: publicRead,
  listOrganizationKinds: publicRead,
  listListingKinds: publicRead,
  listTransferForms: publicRead,
  listTransferMethods: publicRead,
  listIprStatuses: publicRead,
  listPriceTypes: publicRead,
  listTrlLevels: publicRead,
  listScienceFields: publicRead,
  listSectors: publicRead,
  listDemandCloseReasons: publicRead,
  listProvinces: publicRead,
  listLegacyProvinces: publicRead,
  listRegions: publicRead,

  createOrganization: { new: async () => ({ body: organizationBody() }) },
  listOrganizations: { public: async () => ({ query: { kind: 'enterprise' } }) },
  getOrganization: { own: async (world) => ({ params: { id: world.own.organizationId } }) },
  updateOrganization: {
    own: async (world) => ({ params: { id: world.own.organizationId }, body: { nameEn: `Own Company ${++sequence}` } }),
    // Tax code and parent place an organisation in the exchange: the operator's to set.
    identity: async (world) => ({ params: { id: world.own.organizationId }, body: { taxCode: String(1_000_000_000 + ++sequence) } }),
  },
  // A merge can be applied once per organisation, and "own" must stay unmerged for the other
  // operations: each request merges a fresh organisation into another fresh one.
  mergeOrganization: {
    fresh: async (world) => ({
      params: { id: (await createOrganization(world.db)).id },
      body: { intoOrganizationId: (await createOrganization(world.db)).id, reason: 'Sáp nhập hai trung tâm' },
    }),
  },
  splitOrganization: {
    fresh: async (world) => ({
      params: { id: (await createOrganization(world.db)).id },
      body: {
        successors: [
          { organizationId: (await createOrganization(world.db)).id, provinceCodes: ['01'] },
          { organizationId: (await createOrganization(world.db)).id },
        ],
        reason: 'Chia tách trung tâm theo địa bàn',
      },
    }),
  },

  createListing: {
    itself: async () => ({ body: listingInput() }),
    forOwn: async (world) => ({ body: { ...listingInput(), ownerId: world.own.organizationId } }),
  },
  searchListings: {
    public: async () => ({ query: { kind: 'technology' } }),
    ownDrafts: async (world) => ({ query: { status: 'draft', owner: world.own.organizationId } }),
  },
  getListing: {
    draft: async (world) => ({ params: { id: await draftListing(world) } }),
    published: async (world) => ({ params: { id: await publishedListing(world) } }),
    withdrawn: async (world) => ({ params: { id: await withdrawnListing(world) } }),
  },
  updateListing: {
    draft: async (world) => ({ params: { id: await draftListing(world) }, body: { titleEn: 'Renamed' }, headers: { 'if-match': '"1"' } }),
    published: async (world) => ({ params: { id: await publishedListing(world) }, body: { titleEn: 'Renamed' } }),
  },
  publishListing: { draft: async (world) => ({ params: { id: await draftListing(world) } }) },
  withdrawListing: { published: async (world) => ({ params: { id: await publishedListing(world) }, body: { reason: 'Đã chuyển giao xong' } }) },
  unpublishListing: { published: async (world) => ({ params: { id: await publishedListing(world) }, body: { reason: 'Nội dung chưa phù hợp' } }) },
  renewListing: { dueForRenewal: async (world) => ({ params: { id: await renewableListing(world) }, body: {} }) },

  createDemand: {
    itself: async () => ({ body: demandInput() }),
    forOwn: async (world) => ({ body: { ...demandInput(), ownerId: world.own.organizationId } }),
  },
  searchDemands: {
    public: async () => ({ query: { sector: 'A' } }),
    ownDrafts: async (world) => ({ query: { status: 'draft', owner: world.own.organizationId } }),
  },
  getDemand: {
    draft: async (world) => ({ params: { id: await draftDemand(world) } }),
    open: async (world) => ({ params: { id: await openDemand(world) } }),
    closed: async (world) => ({ params: { id: await closedDemand(world) } }),
  },
  updateDemand: {
    draft: async (world) => ({ params: { id: await draftDemand(world) }, body: { titleEn: 'Renamed' }, headers: { 'if-match': '"1"' } }),
    open: async (world) => ({ params: { id: await openDemand(world) }, body: { titleEn: 'Renamed' } }),
  },
  openDemand: { draft: async (world) => ({ params: { id: await draftDemand(world) } }) },
  closeDemand: { open: async (world) => ({ params: { id: await openDemand(world) }, body: { reason: 'fulfilled' } }) },

  createApiKey: {
    itself: async () => ({ body: { role: 'reader', label: 'matrix' } }),
    forOwn: async (world) => ({ body: { organizationId: world.own.organizationId, role: 'reader' } }),
  },
  listApiKeys: {
    itself: none,
    ofOwn: async (world) => ({ query: { organizationId: world.own.organizationId } }),
  },
  getCurrentApiKey: { itself: none },
  getApiKey: {
    ownKey: async (world) => ({ params: { id: (await freshKey(world.db, world.own.organizationId, 'editor')).id } }),
    // A key reading itself (the anonymous caller names some key, and has none to send).
    self: async (world, caller) => ({ params: { id: await selfKeyId(world, caller) } }),
  },
  revokeApiKey: {
    ownKey: async (world) => ({ params: { id: (await freshKey(world.db, world.own.organizationId, 'editor')).id } }),
    self: async (world, caller) => selfRequest(world, caller),
  },
  rotateApiKey: {
    ownKey: async (world) => ({ params: { id: (await freshKey(world.db, world.own.organizationId, 'editor')).id }, body: { overlapSeconds: 60 } }),
    self: async (world, caller) => ({ ...(await selfRequest(world, caller)), body: {} }),
  },

  listAuditEvents: { itself: none },
  getAuditEvent: { ownEvent: async (world) => ({ params: { id: await ownAuditEvent(world) } }) },

  // The agent is the caller's own organisation; the operator names "delegate" as the agent.
  createDelegation: {
    newMember: async (world, caller) => delegationBody(world, caller, (await createOrganization(world.db)).id),
    active: async (world, caller) => delegationBody(world, caller, world.own.organizationId),
  },
  listDelegations: { itself: none },
  getDelegation: { ownDelegation: async (world) => ({ params: { id: await ensureDelegation(world) } }) },
  // A fresh proposal to "own" from an agent of its own, or the world's active delegation.
  acceptDelegation: {
    proposed: async (world) => ({ params: { id: await proposalToOwn(world) } }),
    active: async (world) => ({ params: { id: await ensureDelegation(world) } }),
  },
  declineDelegation: {
    proposed: async (world) => ({ params: { id: await proposalToOwn(world) }, body: { reason: 'Chưa có nhu cầu' } }),
    active: async (world) => ({ params: { id: await ensureDelegation(world) }, body: {} }),
  },
  endDelegation: {
    ownDelegation: async (world) => ({ params: { id: await ensureDelegation(world) }, body: { reason: 'Doanh nghiệp tự quản lý hồ sơ' } }),
    proposed: async (world) => ({ params: { id: await proposalToOwn(world) }, body: {} }),
  },

  listDemandMatches: {
    open: async (world) => ({ params: { id: await openDemand(world) } }),
    draft: async (world) => ({ params: { id: await draftDemand(world) } }),
    dismissed: async (world) => ({ params: { id: await openDemand(world) }, query: { status: 'dismissed' } }),
  },
  recomputeDemandMatches: {
    open: async (world) => ({ params: { id: await openDemand(world) } }),
    draft: async (world) => ({ params: { id: await draftDemand(world) } }),
    closed: async (world) => ({ params: { id: await closedDemand(world) } }),
  },
  listListingMatches: {
    published: async (world) => ({ params: { id: await publishedListing(world) } }),
    draft: async (world) => ({ params: { id: await draftListing(world) } }),
    dismissed: async (world) => ({ params: { id: await publishedListing(world) }, query: { status: 'dismissed' } }),
  },
  recomputeListingMatches: {
    published: async (world) => ({ params: { id: await publishedListing(world) } }),
    draft: async (world) => ({ params: { id: await draftListing(world) } }),
  },
  proposeMatch: {
    fresh: async (world) => proposal(await openDemand(world), await counterpartListing(world)),
    // The pair "own" (the demand owner) dismissed is never proposed again.
    dismissed: async (world) => {
      const demandId = await openDemand(world)
      const listingId = await counterpartListing(world)
      await curatedMatch(world, await proposedMatch(world, demandId, listingId), 'dismiss', world.own.keys.admin.auth)
      return proposal(demandId, listingId)
    },
  },
  getMatch: {
    ownDemand: async (world) => ({ params: { id: await ownDemandMatch(world) } }),
    ownListing: async (world) => ({ params: { id: await ownListingMatch(world) } }),
    // Dismissed by its demand owner ("counterpart", through the operator here).
    dismissedOwnListing: async (world) => ({ params: { id: await curatedMatch(world, await ownListingMatch(world), 'dismiss', world.operator.key.auth) } }),
  },
  shortlistMatch: {
    ownDemand: async (world) => ({ params: { id: await ownDemandMatch(world) } }),
    ownListing: async (world) => ({ params: { id: await ownListingMatch(world) } }),
    shortlisted: async (world) => ({ params: { id: await curatedMatch(world, await ownDemandMatch(world), 'shortlist', world.own.keys.admin.auth) } }),
  },
  dismissMatch: {
    ownDemand: async (world) => ({ params: { id: await ownDemandMatch(world) }, body: dismissal, headers: { 'if-match': '"1"' } }),
    ownListing: async (world) => ({ params: { id: await ownListingMatch(world) }, body: dismissal }),
    dismissed: async (world) => ({
      params: { id: await curatedMatch(world, await ownDemandMatch(world), 'dismiss', world.own.keys.admin.auth) },
      body: dismissal,
    }),
  },

  getDealProcess: publicRead,
  // Each start is on a fresh listing: a seeker has one open deal per listing.
  startDeal: {
    // The caller's organisation expresses interest in "counterpart"'s listing.
    interest: async (world) => ({ body: { listingId: await counterpartListing(world), message: interest } }),
    // ... for "own" (seekerId), as its delegate may.
    forOwn: async (world) => ({ body: { listingId: await counterpartListing(world), seekerId: world.own.organizationId, message: interest } }),
    // Interest in "own"'s listing: its own keys may not start a deal with themselves.
    ownListing: async (world) => ({ body: { listingId: await publishedListing(world), message: interest } }),
    // "own"'s listing proposed for "counterpart"'s open demand.
    proposal: async (world) => ({ body: { listingId: await publishedListing(world), demandId: await counterpartDemand(world), message: interest } }),
    // From a match "own" (the demand owner) shortlisted.
    fromMatch: async (world) => ({ body: { matchId: await shortlistedOwnMatch(world), message: interest } }),
  },
  listDeals: {
    itself: none,
    ofOwn: async (world) => ({ query: { organizationId: world.own.organizationId } }),
  },
  getDeal: { ownDeal: async (world) => ({ params: { id: await ownDeal(world) } }) },
  transitionDeal: {
    // The provider side makes an offer (first: the fuzz test breaks the richest input, an offer's terms).
    accepted: async (world) => ({
      params: { id: await acceptedDeal(world) },
      body: { transition: 'make_offer', terms: offerTerms({ validUntil: '2026-03-20T10:00:00Z' }) },
    }),
    // The provider side answers an interest.
    fresh: async (world) => ({
      params: { id: await ownDeal(world) },
      body: { transition: 'accept_interest', note: 'Mời anh chị trao đổi' },
      headers: { 'if-match': '"1"' },
    }),
    // The seeker side ("own" here) ends its own interest.
    ownInterest: async (world) => ({ params: { id: await ownInterest(world) }, body: { transition: 'cancel', reason: 'changed_needs' } }),
    // Only the operator settles a dispute.
    disputed: async (world) => ({
      params: { id: await disputedDeal(world) },
      body: { transition: 'resolve_dispute', outcome: 'resume', note: 'Hai bên tiếp tục đàm phán' },
    }),
  },
  listDealHistory: { ownDeal: async (world) => ({ params: { id: await ownDeal(world) } }) },
  listDealMessages: { ownDeal: async (world) => ({ params: { id: await ownDeal(world) } }) },
  postDealMessage: {
    ownDeal: async (world) => ({ params: { id: await ownDeal(world) }, body: dealMessage }),
    declined: async (world) => ({ params: { id: await declinedDeal(world) }, body: dealMessage }),
  },

  getTaskProcess: publicRead,
  createTask: {
    // Led by the caller's own organisation, with "counterpart" as a partner.
    itself: async (world) => ({ body: { ...taskProposal(world), partners: [{ organizationId: world.counterpart.organizationId, role: 'enterprise' }] } }),
    // Led by "own" (leadId), as its delegate may.
    forOwn: async (world) => ({ body: { ...taskProposal(world), leadId: world.own.organizationId } }),
  },
  listTasks: { public: async (world) => ({ query: { organizationId: world.own.organizationId, limit: '5' } }) },
  getTask: {
    proposed: async (world) => ({ params: { id: await ownTask(world) } }),
    approved: async (world) => ({ params: { id: await approvedOwnTask(world) } }),
  },
  updateTask: {
    proposed: async (world) => ({
      params: { id: await ownTask(world) },
      body: { title: 'Nhiệm vụ đổi tên', outputs: [{ title: 'Mô hình trình diễn', kind: 'model' }] },
      headers: { 'if-match': '"1"' },
    }),
    approved: async (world) => ({ params: { id: await approvedOwnTask(world) }, body: { funding: [{ source: 'state', amountVnd: 250_000_000 }] } }),
  },
  transitionTask: {
    // The lead starts an approved task.
    // Version 3: proposed, the partner's acceptance, the approval.
    start: async (world) => ({ params: { id: await approvedOwnTask(world) }, body: { transition: 'start' }, headers: { 'if-match': '"3"' } }),
    // Only an authority partner ("counterpart", no caller) or the operator approves.
    approve: async (world) => ({ params: { id: await ownTask(world, 'authority', { accepted: true }) }, body: { transition: 'approve' } }),
    // The lead cancels its proposal, with a reason.
    cancel: async (world) => ({ params: { id: await ownTask(world) }, body: { transition: 'cancel', reason: 'Đối tác rút lui' } }),
  },
  listTaskHistory: { proposed: async (world) => ({ params: { id: await ownTask(world) }, query: { limit: '5' } }) },
  // "own"'s invitation to "counterpart"'s task, unanswered or already accepted.
  acceptTaskInvitation: {
    invited: async (world) => ({ params: { id: await taskInvitingOwn(world), organizationId: world.own.organizationId } }),
    accepted: async (world) => ({ params: { id: await taskInvitingOwn(world, { accepted: true }), organizationId: world.own.organizationId } }),
  },
  declineTaskInvitation: {
    invited: async (world) => ({ params: { id: await taskInvitingOwn(world), organizationId: world.own.organizationId } }),
    accepted: async (world) => ({ params: { id: await taskInvitingOwn(world, { accepted: true }), organizationId: world.own.organizationId } }),
  },

  createValueChain: {
    itself: async (world) => ({
      body: {
        title: 'Chuỗi giá trị dê núi',
        keyProduct: 'Dê núi',
        description: 'Từ con giống tới thịt dê đóng gói',
        provinceCode: '37',
        stages: [
          {
            kind: 'inputs',
            title: 'Con giống',
            keywords: ['giống dê'],
            listingIds: [await counterpartListing(world)],
            organizationIds: [world.counterpart.organizationId],
          },
          { kind: 'processing', title: 'Giết mổ, chế biến', keywords: ['chế biến thịt'] },
        ],
      },
    }),
    forOwn: async (world) => ({
      body: {
        ownerId: world.own.organizationId,
        title: 'Chuỗi hải sản',
        keyProduct: 'Hải sản',
        provinceCode: '22',
        stages: [{ kind: 'harvest_preservation' }],
      },
    }),
  },
  listValueChains: { public: async () => ({ query: { provinceCode: '36', limit: '5' } }) },
  getValueChain: { ownChain: async (world) => ({ params: { id: await ownValueChain(world) } }) },
  updateValueChain: {
    ownChain: async (world) => ({
      params: { id: await ownValueChain(world) },
      body: { title: 'Chuỗi đổi tên', stages: [{ kind: 'distribution', keywords: ['sàn thương mại điện tử'] }] },
      headers: { 'if-match': '"1"' },
    }),
  },
  getValueChainGaps: { ownChain: async (world) => ({ params: { id: await ownValueChain(world) } }) },

  createExchangeEvent: {
    itself: async (world) => ({
      body: {
        kind: 'workshop',
        title: 'Hội thảo kết nối cung cầu công nghệ',
        description: 'Giới thiệu công nghệ sau thu hoạch',
        startsOn: '2026-04-10',
        endsOn: '2026-04-10',
        place: 'Hội trường Sở KH&CN',
        provinceCode: '37',
        coOrganizerIds: [world.counterpart.organizationId],
        listingIds: [await counterpartListing(world)],
      },
    }),
    forOwn: async (world) => ({
      body: {
        organizerId: world.own.organizationId,
        kind: 'demo_day',
        title: 'Ngày trình diễn máy nông nghiệp',
        startsOn: '2026-05-05',
        endsOn: '2026-05-06',
        place: 'Cánh đồng mẫu xã Hải Hậu',
        provinceCode: '36',
      },
    }),
  },
  listExchangeEvents: { public: async () => ({ query: { provinceCode: '36', from: '2026-01-01', limit: '5' } }) },
  getExchangeEvent: { ownEvent: async (world) => ({ params: { id: await ownExchangeEvent(world) } }) },
  updateExchangeEvent: {
    ownEvent: async (world) => ({
      params: { id: await ownExchangeEvent(world) },
      body: { title: 'Chợ công nghệ đổi tên', participantIds: [] },
      headers: { 'if-match': '"1"' },
    }),
  },
  listThesaurusEntries: { public: async () => ({ query: { kind: 'synonym', q: 'dua', limit: '5' } }) },
  previewThesaurus: { public: async () => ({ query: { q: 'Chuồng trại hôi, cần xử lý mùi' } }) },
  getThesaurusEntry: { entry: async (world) => ({ params: { id: await thesaurusEntry(world) } }) },
  createThesaurusEntry: {
    new: async () => ({
      body: { kind: 'expansion', trigger: `ao tôm bị tảo ${++sequence}`, phrases: ['chế phẩm vi sinh xử lý nước ao'], weight: 0.5, note: 'Thử quyền' },
    }),
  },
  updateThesaurusEntry: {
    entry: async (world) => ({ params: { id: await thesaurusEntry(world) }, body: { phrases: ['heo', 'lợn', 'lợn thịt'] }, headers: { 'if-match': '"1"' } }),
  },
  deleteThesaurusEntry: { entry: async (world) => ({ params: { id: await thesaurusEntry(world) }, headers: { 'if-match': '"1"' } }) },
  getActivityReport: {
    public: async () => ({ query: { groupBy: 'province', ranges: '2016-01-01..2020-12-31,2021-01-01..2025-12-31', metric: 'dealsStarted' } }),
  },
  getPlanReport: {
    public: async (world) => ({ params: { scopeType: 'organization', scopeId: world.own.organizationId }, query: { from: '2024', to: '2025' } }),
  },
  getActivitySummary: { public: async (world) => ({ query: { organizationId: world.own.organizationId } }) },
  setReportTargets: {
    ownCentre: async (world) => ({
      params: { scopeType: 'organization', scopeId: world.own.organizationId, year: '2026' },
      body: { targets: { listingsPublished: 12, completedTransfers: 3 } },
    }),
  },

  // Imports stay queued (no worker runs here): the upload is what is authorised.
  createImport: {
    listings: async () => ({ query: { kind: 'listings' }, file: { contentType: 'text/csv', text: listingFile() } }),
    organizations: async () => ({
      query: { kind: 'organizations' },
      file: { contentType: 'text/csv', text: `Mã,Loại hình,Tên tổ chức\nORG-${++sequence},enterprise,Công ty nhập khẩu thử ${sequence}\n` },
    }),
  },
  listImports: { itself: async () => ({ query: { limit: '10' } }) },
  getImport: { ownImport: async (world) => ({ params: { id: await ownImport(world) } }) },
  listImportErrors: { ownImport: async (world) => ({ params: { id: await ownImport(world) }, query: { limit: '10' } }) },
  uploadFile: {
    publishedListing: async (world) => {
      const form = multipartBody(
        uploadParts({ subjectType: 'listing', subjectId: await publishedListing(world), kind: 'dossier' }, { filename: 'ho-so.pdf', bytes: authzPdf }),
      )
      return { file: { contentType: form.headers['content-type']!, text: form.payload.toString('utf8') } }
    },
  },
  listFiles: {
    public: async (world) => ({ query: { subjectType: 'listing', subjectId: await publishedListing(world) } }),
    draft: async (world) => ({ query: { subjectType: 'listing', subjectId: await draftListing(world) } }),
  },
  getFile: {
    public: async (world) => ({ params: { id: await ownFile(world) } }),
    draft: async (world) => ({ params: { id: await ownFile(world, { draft: true }) } }),
  },
  downloadFile: {
    public: async (world) => ({ params: { id: await ownFile(world) } }),
    draft: async (world) => ({ params: { id: await ownFile(world, { draft: true }) } }),
  },
  getFileThumbnail: { public: async (world) => ({ params: { id: await ownFile(world, { photo: true }) } }) },
  deleteFile: { published: async (world) => ({ params: { id: await ownFile(world) } }) },
  createSuccessStory: {
    completedDeal: async (world) => ({
      body: { dealId: await completedDeal(world), title: 'Máy sấy tầng sôi ở HTX', problem: 'Hao hụt.', technology: 'Máy sấy.', results: 'Hao hụt giảm.' },
    }),
  },
  listSuccessStories: { public: async () => ({ query: { year: '2026', limit: '5' } }) },
  getSuccessStory: {
    published: async (world) => ({ params: { id: await ownStory(world, { published: true }) } }),
    draft: async (world) => ({ params: { id: await ownStory(world) } }),
  },
  updateSuccessStory: { draft: async (world) => ({ params: { id: await ownStory(world) }, body: { results: 'Hao hụt giảm còn 2,5%.' } }) },
  approveSuccessStory: { draft: async (world) => ({ params: { id: await ownStory(world) } }) },
  retractSuccessStory: { published: async (world) => ({ params: { id: await ownStory(world, { published: true }) } }) },
  exportListings: {
    public: async () => ({ query: { format: 'csv', kind: 'technology', sector: 'A', province: '01' } }),
    ownDrafts: async (world) => ({ query: { format: 'ndjson', status: 'draft', owner: world.own.organizationId } }),
  },
  exportDemands: {
    public: async () => ({ query: { format: 'csv', sector: 'A', field: '4', province: '36' } }),
    ownDrafts: async (world) => ({ query: { format: 'ndjson', status: 'draft', owner: world.own.organizationId } }),
  },

  createSource: {
    new: async (world) => ({
      body: { id: `portal-${++sequence}`, name: 'Cổng thông tin KH&CN thử', organizationId: world.own.organizationId, homepage: 'https://portal.example.vn' },
    }),
  },
  listSources: { public: async () => ({ query: { limit: '10' } }) },
  getSource: { ownSource: async (world) => ({ params: { source: await ownSource(world) } }) },
  // Each request names a fresh external id ("new"), or one "own" created just before ("existing").
  upsertSourceListing: {
    new: async (world) => ({ params: { source: await ownSource(world), externalId: `NEW-${++sequence}` }, body: { ...listingInput(), status: 'draft' } }),
    existing: async (world) => {
      const params = { source: await ownSource(world), externalId: `OLD-${++sequence}` }
      const created = await world.app.inject({
        method: 'PUT',
        url: `/v1/sources/${params.source}/listings/${params.externalId}`,
        headers: world.own.keys.admin.auth,
        payload: { ...listingInput(), status: 'draft' },
      })
      if (created.statusCode !== 201) throw new Error(`upsertSourceListing fixture: ${created.statusCode} ${created.body}`)
      return { params, body: { ...listingInput({ titleEn: 'Renamed at the source' }), status: 'published' }, headers: { 'if-match': '"1"' } }
    },
  },
  upsertSourceDemand: {
    new: async (world) => ({ params: { source: await ownSource(world), externalId: `NEW-${++sequence}` }, body: { ...demandInput(), status: 'draft' } }),
    existing: async (world) => {
      const params = { source: await ownSource(world), externalId: `OLD-${++sequence}` }
      const created = await world.app.inject({
        method: 'PUT',
        url: `/v1/sources/${params.source}/demands/${params.externalId}`,
        headers: world.own.keys.admin.auth,
        payload: { ...demandInput(), status: 'draft' },
      })
      if (created.statusCode !== 201) throw new Error(`upsertSourceDemand fixture: ${created.statusCode} ${created.body}`)
      return { params, body: { ...demandInput({ titleEn: 'Renamed at the source' }), status: 'open' }, headers: { 'if-match': '"1"' } }
    },
  },
  // Every parameter set, so the fuzz test has a cursor and a type list to break.
  listEvents: {
    public: async (world) => ({
      query: { after: world.app.services.cursors.encode('events', ['0', 0]), limit: '50', types: 'listing.published,listing.withdrawn' },
    }),
  },

  // Webhooks go to a public address (example.com's, once; never called: no worker runs here).
  createWebhook: {
    itself: async () => ({
      body: { url: 'https://93.184.215.14/hooks/tech-exchange', eventTypes: ['deal.started', 'listing.published'], description: 'Cổng tỉnh' },
    }),
    forOwn: async (world) => ({ body: { url: 'https://93.184.215.14/hooks/own', organizationId: world.own.organizationId } }),
  },
  listWebhooks: {
    itself: none,
    ofOwn: async (world) => ({ query: { organizationId: world.own.organizationId, limit: '10' } }),
  },
  getWebhook: { ownWebhook: async (world) => ({ params: { id: await ownWebhook(world) } }) },
  updateWebhook: {
    ownWebhook: async (world) => ({
      params: { id: await ownWebhook(world) },
      body: { description: 'Cổng tỉnh (mới)', eventTypes: ['deal.started'] },
      headers: { 'if-match': '"1"' },
    }),
  },
  deleteWebhook: { ownWebhook: async (world) => ({ params: { id: await ownWebhook(world) } }) },
  rotateWebhookSecret: { ownWebhook: async (world) => ({ params: { id: await ownWebhook(world) } }) },
  listWebhookDeliveries: {
    ownWebhook: async (world) => ({ params: { id: (await ownFailedDelivery(world)).webhookId }, query: { status: 'failed', limit: '10' } }),
  },
  redeliverWebhookDelivery: {
    failed: async (world) => ({ params: await ownFailedDelivery(world) }),
    disabled: async (world) => ({ params: await ownFailedDelivery(world, 'disabled') }),
  },
  pingWebhook: {
    ownWebhook: async (world) => ({ params: { id: await ownWebhook(world) } }),
    disabled: async (world) => ({ params: { id: await ownWebhook(world, 'disabled') } }),
  },
}

/** A fresh synonym entry, straight in the database. */
async function thesaurusEntry(world: World): Promise<string> {
  return (await insertEntry(world.db, entryValues({ kind: 'synonym', phrases: ['heo', 'lợn'], note: `Thử quyền ${++sequence}` }))).id
}

/** A small listings file with Vietnamese headers. */
const listingFile = () => `Mã,Loại,Tiêu đề,Mô tả,Lĩnh vực,Tỉnh/thành\nL-${++sequence},technology,Máy gieo hạt ${sequence},Gieo hạt ngô theo hàng,A,01\n`

/** An import uploaded by "own"'s admin key. */
async function ownImport(world: World): Promise<string> {
  const response = await world.app.inject({
    method: 'POST',
    url: '/v1/imports?kind=listings',
    headers: { ...world.own.keys.admin.auth, 'content-type': 'text/csv' },
    payload: listingFile(),
  })
  if (response.statusCode !== 202) throw new Error(`createImport fixture: ${response.statusCode} ${response.body}`)
  return (response.json() as { id: string }).id
}

/** A webhook of "own", straight in the database. */
async function ownWebhook(world: World, status: 'active' | 'disabled' = 'active'): Promise<string> {
  const [row] = await world.db
    .insert(webhookSubscriptions)
    .values({
      organizationId: world.own.organizationId,
      url: 'https://93.184.215.14/hooks/own',
      secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
      status,
      ...(status === 'disabled' ? { disabledAt: new Date(), disabledReason: 'A delivery failed every retry' } : {}),
    })
    .returning({ id: webhookSubscriptions.id })
  return row!.id
}

/** A delivery that failed every attempt, of a fresh webhook of "own" (active unless said otherwise). */
async function ownFailedDelivery(world: World, status: 'active' | 'disabled' = 'active'): Promise<{ id: string; deliveryId: string; webhookId: string }> {
  const webhookId = await ownWebhook(world, status)
  const now = new Date()
  const [event] = await world.db
    .insert(outboxEvents)
    .values({
      // A test message: any event will do, with the payload its type declares (WebhookMessage).
      type: 'webhook.ping',
      subjectType: 'webhook',
      subjectId: webhookId,
      organizationIds: [world.own.organizationId],
      payload: { webhookId, message: 'A test event from tech-exchange' },
      occurredAt: now,
    })
    .returning({ id: outboxEvents.id })
  const [delivery] = await world.db
    .insert(webhookDeliveries)
    .values({
      subscriptionId: webhookId,
      eventId: event!.id,
      status: 'failed',
      attempts: 1,
      lastAttemptAt: now,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: webhookDeliveries.id })
  return { id: webhookId, deliveryId: delivery!.id, webhookId }
}

/** A source run by "own", registered straight in the database once per world. */
const ownSources = new WeakMap<World, string>()
async function ownSource(world: World): Promise<string> {
  const known = ownSources.get(world)
  if (known) return known
  const id = `own-portal-${++sequence}`
  await world.db.insert(sources).values({ id, name: 'Cổng cung cầu công nghệ của "own"', organizationId: world.own.organizationId })
  ownSources.set(world, id)
  return id
}

const proposal = (demandId: string, listingId: string): RequestParts => ({ body: { demandId, listingId, note: 'Giải pháp sấy phù hợp quy mô hợp tác xã' } })
const dismissal = { reason: 'too_expensive', note: 'Vượt ngân sách năm nay' }
const interest = 'Hợp tác xã cần máy sấy cho vụ hè thu, xin trao đổi về giá và đào tạo'
const dealMessage = { body: 'Gửi anh chị bản vẽ mặt bằng nhà sấy', attachments: [{ url: 'https://example.vn/mat-bang.pdf', title: 'Mặt bằng' }] }

function delegationBody(world: World, caller: Caller, memberOrganizationId: string): RequestParts {
  const agent = caller.party === 'operator' ? { agentOrganizationId: world.delegate.organizationId } : {}
  return { body: { memberOrganizationId, ...agent } }
}

async function selfKeyId(world: World, caller: Caller) {
  if (caller.party === null) return (await freshKey(world.db, world.own.organizationId, 'reader')).id
  const auth = authOf(world, caller)
  const parties = [world.own, world.other, world.delegate]
  const key = [world.operator.key, ...parties.flatMap((party) => Object.values(party.keys))].find((candidate) => candidate.auth === auth)
  return key!.id
}

/** A request on the caller's own key that uses it up: a fresh key of the same organisation and role. */
async function selfRequest(world: World, caller: Caller): Promise<RequestParts> {
  const key = await freshKeyOf(world, caller)
  if (!key) return { params: { id: (await freshKey(world.db, world.own.organizationId, 'reader')).id } }
  return { params: { id: key.id }, auth: key.auth }
}
