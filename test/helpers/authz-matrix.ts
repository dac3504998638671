// The authorisation matrix: for every operation of the OpenAPI document, and each scenario of it
// (a target in a given state, see authz-requests.ts), the status each caller gets. Targets belong
// to "own"; lists and creations act for the caller itself unless the scenario says otherwise.
// test/authz/ (shard 1) fails for an operation that is missing here, so a new route must say who may
// call it before it can be merged. "delegate" is a connection point "own" has actively delegated to.

type Triple = readonly [reader: number, editor: number, admin: number]

export type Expectation = {
  anonymous: number
  /** Keys of the organisation that owns the target: reader, editor, admin. */
  own: Triple
  /** Keys of another organisation of the same kind: reader, editor, admin. */
  other: Triple
  /** Keys of a connection point that "own" actively delegated to: reader, editor, admin. */
  delegate: Triple
  operator: number
}

const row = (anonymous: number, own: Triple, other: Triple, operator: number, delegate: Triple): Expectation => ({ anonymous, own, other, delegate, operator })
const all = (status: number): Triple => [status, status, status]

/** Public data: anyone, with or without a key. */
const everyone = { public: row(200, all(200), all(200), 200, all(200)) }
/** Any valid key, acting for itself. */
const anyKey = (status: number) => row(401, all(status), all(status), status, all(status))

/** A write on "own"'s record that its and its delegate's admin and editor keys and the operator may make. */
const ownersWrite = (success: number, otherSees: 403 | 404) => row(401, [403, success, success], all(otherSees), success, [403, success, success])
/** A record only its owner, its delegate and the operator may see (drafts, withdrawn listings). */
const ownersOnly = row(404, all(200), all(404), 200, all(200))
/** Key management and the audit trail: admin keys, for their own organisation; delegation does not extend to them. */
const adminsOfOwn = (success: number, other: Triple) => row(401, [403, 403, success], other, success, other)
/** An admin-only operation on the caller's own organisation (the delegate is a connection point, so acts for itself here). */
const adminsOfItself = (success: number) => row(401, [403, 403, success], [403, 403, success], success, [403, 403, success])
/** "own"'s matches: its keys, its delegate's and the operator's; "other" sees the subject (403) or not (404). */
const matchReaders = (success: number, otherSees: 403 | 404 = 403) => row(401, all(success), all(otherSees), success, all(success))
/** As matchReaders, for writing keys only. */
const matchWriters = (success: number, otherSees: 403 | 404) => row(401, [403, success, success], all(otherSees), success, [403, success, success])
/** Only brokers' writing keys: the operator and the delegate (a connection point) here. */
const brokersWrite = (success: number) => row(401, all(403), all(403), success, [403, success, success])
/** The demand owner's curation of a match; unrelated keys cannot tell it exists. */
const curators = (success: number) => row(401, [403, success, success], all(404), success, [403, success, success])
/** A deal's parties (here "own", the provider, and its delegate, a provider_broker) and the operator; anyone else cannot tell it exists. */
const dealParties = (success: number) => row(401, all(success), all(404), success, all(success))
/** Writing keys of "own"'s side of a deal and its delegate's; the operator is no party, so the table decides. */
const dealWriters = (success: number, operator: number) => row(401, [403, success, success], all(404), operator, [403, success, success])
/** An invitation to "own": its and its delegate's writing keys answer; the operator sees it but does not answer for it (403). */
const invitees = (success: number) => row(401, [403, success, success], all(404), 403, [403, success, success])
/** "own"'s webhooks: its admin keys, its delegate's and the operator's; other organisations cannot tell they exist. */
const webhookAdmins = (success: number, other: Triple = all(404)) => row(401, [403, 403, success], other, success, [403, 403, success])

export const matrix: Record<string, Record<string, Expectation>> = {
  getHealth: everyone,
  getReady: everyone,
  listOrganizationKinds: everyone,
  listListingKinds: everyone,
  listTransferForms: everyone,
  listTransferMethods: everyone,
  listIprStatuses: everyone,
  listPriceTypes: everyone,
  listTrlLevels: everyone,
  listScienceFields: everyone,
  listSectors: everyone,
  listDemandCloseReasons: everyone,
  listProvinces: everyone,
  listLegacyProvinces: everyone,
  listRegions: everyone,

  // The operator registers any organisation; a connection point's admin key onboards a member (an
  // enterprise here), which creates a delegation too. An organisation's admin keys edit its profile;
  // delegation does not extend to the profile.
  createOrganization: { new: row(401, all(403), all(403), 201, [403, 403, 201]) },
  listOrganizations: everyone,
  getOrganization: { own: row(200, all(200), all(200), 200, all(200)) },
  updateOrganization: { own: row(401, [403, 403, 200], all(403), 200, all(403)), identity: row(401, [403, 403, 403], all(403), 200, all(403)) },
  // Only the operator merges (a fresh organisation into another fresh one: a merge happens once).
  mergeOrganization: { fresh: row(401, all(403), all(403), 200, all(403)) },
  // The same for splits (a fresh organisation between two fresh ones).
  splitOrganization: { fresh: row(401, all(403), all(403), 200, all(403)) },

  // Any editor or admin key creates listings for its own organisation (the delegate, a connection
  // point, too), and the delegate's for "own" (ownerId); readers only read.
  createListing: {
    itself: row(401, [403, 201, 201], [403, 201, 201], 201, [403, 201, 201]),
    forOwn: row(401, [403, 201, 201], all(403), 201, [403, 201, 201]),
  },
  searchListings: {
    public: everyone.public,
    ownDrafts: row(401, all(200), all(403), 200, all(200)),
  },
  // Drafts and withdrawn listings are the owner's (and the operator's); others cannot tell they exist.
  getListing: { draft: ownersOnly, published: everyone.public, withdrawn: ownersOnly },
  // Another organisation cannot tell a draft exists (404); a published listing it can see (403).
  updateListing: { draft: ownersWrite(200, 404), published: ownersWrite(200, 403) },
  publishListing: { draft: ownersWrite(200, 404) },
  withdrawListing: { published: ownersWrite(200, 403) },
  renewListing: { dueForRenewal: ownersWrite(200, 403) },
  // Moderation is the operator's alone: everyone else can see a published listing, so 403.
  unpublishListing: { published: row(401, all(403), all(403), 200, all(403)) },

  // "other" is an enterprise too, so it may file demands of its own; the delegate, a connection
  // point, files none of its own, but files for "own", an enterprise.
  createDemand: {
    itself: row(401, [403, 201, 201], [403, 201, 201], 201, all(403)),
    forOwn: row(401, [403, 201, 201], all(403), 201, [403, 201, 201]),
  },
  searchDemands: {
    public: everyone.public,
    ownDrafts: row(401, all(200), all(403), 200, all(200)),
  },
  getDemand: { draft: ownersOnly, open: everyone.public, closed: everyone.public },
  updateDemand: { draft: ownersWrite(200, 404), open: ownersWrite(200, 403) },
  openDemand: { draft: ownersWrite(200, 404) },
  closeDemand: { open: ownersWrite(200, 403) },

  // Another organisation's keys are 404, as if they did not exist.
  createApiKey: {
    itself: adminsOfItself(201),
    forOwn: adminsOfOwn(201, all(403)),
  },
  listApiKeys: {
    itself: adminsOfItself(200),
    ofOwn: adminsOfOwn(200, all(403)),
  },
  getCurrentApiKey: { itself: anyKey(200) },
  getApiKey: { ownKey: adminsOfOwn(200, all(404)), self: anyKey(200) },
  // Any key may revoke itself (a leaked key can be stopped by whoever holds it) ...
  revokeApiKey: { ownKey: adminsOfOwn(200, all(404)), self: anyKey(200) },
  // ... but a rotation creates a key, which only admins do.
  rotateApiKey: { ownKey: adminsOfOwn(201, all(404)), self: adminsOfItself(201) },

  // Editors and readers are refused before the event is looked up, so they learn nothing from it.
  // The delegate took no part in "own"'s listing creation, so that event is not its to see.
  listAuditEvents: { itself: adminsOfItself(200) },
  getAuditEvent: { ownEvent: adminsOfOwn(200, [403, 403, 404]) },

  // Admin keys of a connection point or DOST propose to act for a member (a fresh enterprise here);
  // the operator names the agent. A pair already delegated is a 409. Enterprises delegate to nobody.
  createDelegation: {
    newMember: row(401, all(403), all(403), 201, [403, 403, 201]),
    active: row(401, all(403), all(403), 409, [403, 403, 409]),
  },
  // Any key sees the delegations its organisation is agent or member of.
  listDelegations: { itself: anyKey(200) },
  getDelegation: { ownDelegation: row(401, all(200), all(404), 200, all(200)) },
  // Consent is the member's ("own"'s) admin keys' alone: not its editors or readers, not the agent,
  // not the operator (which records with a basis instead). The proposal comes from an agent no
  // caller belongs to, so the delegate cannot tell it exists; on the world's active delegation the
  // delegate is the agent (403), and "own"'s admin finds nothing to accept (409).
  acceptDelegation: {
    proposed: row(401, [403, 403, 200], all(404), 403, all(404)),
    active: row(401, [403, 403, 409], all(404), 403, all(403)),
  },
  declineDelegation: {
    proposed: row(401, [403, 403, 200], all(404), 403, all(404)),
    active: row(401, [403, 403, 409], all(404), 403, all(403)),
  },
  // Either side's admin key, or the operator, ends it; the other keys of either side see it (403).
  // A proposal is withdrawn by its agent or the operator; the member declines it instead (409).
  endDelegation: {
    ownDelegation: row(401, [403, 403, 200], all(404), 200, [403, 403, 200]),
    proposed: row(401, [403, 403, 409], all(404), 200, all(404)),
  },

  // Matches are not public: those who act for the owner and brokers (the delegate is a connection
  // point, so a broker too) see them; "other", an enterprise, sees the demand or listing but not
  // its matches (403), and a draft not at all (404). Dismissed pairs are the demand owner's business:
  // the listing owner sees them only as a broker.
  listDemandMatches: { open: matchReaders(200), draft: matchReaders(200, 404), dismissed: matchReaders(200) },
  listListingMatches: {
    published: matchReaders(200),
    draft: matchReaders(200, 404),
    dismissed: row(401, all(403), all(403), 200, all(200)),
  },
  // Writing keys of those who see the matches; only a live demand or listing is matched (409).
  recomputeDemandMatches: { open: matchWriters(200, 403), draft: matchWriters(409, 404), closed: matchWriters(409, 403) },
  recomputeListingMatches: { published: matchWriters(200, 403), draft: matchWriters(409, 404) },
  // Brokers' writing keys propose ("own" and "other" are enterprises): "own"'s open demand with
  // "counterpart"'s listing; a pair "own" dismissed is a 409.
  proposeMatch: { fresh: brokersWrite(201), dismissed: brokersWrite(409) },
  // A match of "own"'s demand or listing with "counterpart"'s other side: unrelated keys get 404.
  // The listing owner loses sight of a match its counterpart dismissed; brokers do not.
  getMatch: {
    ownDemand: row(401, all(200), all(404), 200, all(200)),
    ownListing: row(401, all(200), all(404), 200, all(200)),
    dismissedOwnListing: row(401, all(404), all(404), 200, all(200)),
  },
  // Curation is the demand owner's (its and its delegate's writers, and the operator): on the listing
  // side "own" and the delegate (a broker, but not acting for the demand owner) see it, so 403.
  shortlistMatch: { ownDemand: curators(200), ownListing: row(401, all(403), all(404), 200, all(403)), shortlisted: curators(409) },
  dismissMatch: { ownDemand: curators(200), ownListing: row(401, all(403), all(404), 200, all(403)), dismissed: curators(409) },

  // Deals. Any writing key starts one for its own organisation (readers look only), or for one
  // that delegated to it. Proposing a listing for a demand is for those who act for the listing's
  // owner; a match starts a deal for the demand's side only. An organisation never starts a deal on
  // its own listing (409), nor on the listing of an organisation it acts for (409 same_side: the
  // delegate would be seeker and provider_broker at once). The operator is no seeker: it names one
  // (400 without seekerId).
  getDealProcess: everyone,
  startDeal: {
    interest: row(401, [403, 201, 201], [403, 201, 201], 400, [403, 201, 201]),
    forOwn: row(401, [403, 201, 201], all(403), 201, [403, 201, 201]),
    ownListing: row(401, [403, 409, 409], [403, 201, 201], 400, [403, 409, 409]),
    proposal: row(401, [403, 201, 201], all(403), 201, [403, 201, 201]),
    fromMatch: row(401, [403, 201, 201], [403, 404, 404], 201, [403, 201, 201]),
  },
  listDeals: { itself: anyKey(200), ofOwn: row(401, all(200), all(403), 200, all(200)) },
  getDeal: { ownDeal: dealParties(200) },
  // Who fires a transition is the process table's business: the provider side offers and answers,
  // the seeker side may cancel its own, only the operator (no party) settles a dispute.
  transitionDeal: {
    accepted: dealWriters(200, 403),
    fresh: dealWriters(200, 403),
    ownInterest: dealWriters(200, 403),
    disputed: row(401, all(403), all(404), 200, all(403)),
  },
  listDealHistory: { ownDeal: dealParties(200) },
  listDealMessages: { ownDeal: dealParties(200) },
  // The operator writes on any deal (it settles disputes); an ended deal's messages are read-only.
  postDealMessage: { ownDeal: dealWriters(201, 201), declined: dealWriters(409, 409) },

  // Joint tasks: "own" leads, "counterpart" (no caller) is the partner. A proposed task is the lead's
  // and its partners' business; an approved one is public. The process table says who moves it:
  // the lead (and its delegate) starts and cancels, only an authority partner or the operator approves.
  getTaskProcess: everyone,
  createTask: { itself: row(401, [403, 201, 201], [403, 201, 201], 201, [403, 201, 201]), forOwn: row(401, [403, 201, 201], all(403), 201, [403, 201, 201]) },
  listTasks: everyone,
  getTask: { proposed: ownersOnly, approved: everyone.public },
  updateTask: { proposed: ownersWrite(200, 404), approved: ownersWrite(200, 403) },
  transitionTask: {
    start: ownersWrite(200, 403),
    approve: row(401, [403, 403, 403], all(404), 200, [403, 403, 403]),
    cancel: ownersWrite(200, 404),
  },
  listTaskHistory: { proposed: ownersOnly },
  // "own" invited to "counterpart"'s proposed task: its writing keys answer, and its delegate's
  // (who act for it); readers do not; the operator sees the task but does not answer for a partner;
  // "other" cannot tell the task exists. Answered once (409).
  acceptTaskInvitation: { invited: invitees(200), accepted: invitees(409) },
  declineTaskInvitation: { invited: invitees(200), accepted: invitees(409) },

  // Value chains are public; writing keys keep chains for themselves (or for an organisation they act for).
  createValueChain: {
    itself: row(401, [403, 201, 201], [403, 201, 201], 201, [403, 201, 201]),
    forOwn: row(401, [403, 201, 201], all(403), 201, [403, 201, 201]),
  },
  listValueChains: everyone,
  getValueChain: { ownChain: everyone.public },
  updateValueChain: { ownChain: ownersWrite(200, 403) },
  getValueChainGaps: { ownChain: everyone.public },

  // Events are public; writing keys organise them for themselves (or an organisation they act for).
  createExchangeEvent: {
    itself: row(401, [403, 201, 201], [403, 201, 201], 201, [403, 201, 201]),
    forOwn: row(401, [403, 201, 201], all(403), 201, [403, 201, 201]),
  },
  listExchangeEvents: everyone,
  getExchangeEvent: { ownEvent: everyone.public },
  updateExchangeEvent: { ownEvent: ownersWrite(200, 403) },

  // The search thesaurus applies to every query, so anyone reads it; only the operator keeps it.
  listThesaurusEntries: everyone,
  previewThesaurus: everyone,
  getThesaurusEntry: { entry: everyone.public },
  createThesaurusEntry: { new: row(401, all(403), all(403), 201, all(403)) },
  updateThesaurusEntry: { entry: row(401, all(403), all(403), 200, all(403)) },
  deleteThesaurusEntry: { entry: row(401, all(403), all(403), 204, all(403)) },

  // Reports are aggregates: public. Targets are set by the operator and a DOST for its province
  // (none of the world's organisations is one; report-targets.test.ts covers the DOST).
  getActivityReport: everyone,
  getPlanReport: everyone,
  getActivitySummary: everyone,
  setReportTargets: { ownCentre: row(401, all(403), all(403), 200, all(403)) },

  // Imports: writing keys import listings and demands for themselves (rows may name an organisation
  // they act for); only the operator imports organisations. An import is read by the keys of its
  // organisation, its delegate's and the operator's; others cannot tell it exists. Exports are public
  // like search: drafts only for the operator and for owner= an organisation the key acts for.
  createImport: {
    listings: row(401, [403, 202, 202], [403, 202, 202], 202, [403, 202, 202]),
    organizations: row(401, all(403), all(403), 202, all(403)),
  },
  listImports: { itself: anyKey(200) },
  getImport: { ownImport: row(401, all(200), all(404), 200, all(200)) },
  listImportErrors: { ownImport: row(401, all(200), all(404), 200, all(200)) },
  exportListings: { public: everyone.public, ownDrafts: row(401, all(200), all(403), 200, all(200)) },
  uploadFile: { publishedListing: ownersWrite(201, 403) },
  listFiles: { public: everyone.public, draft: ownersOnly },
  getFile: { public: everyone.public, draft: ownersOnly },
  downloadFile: { public: everyone.public, draft: ownersOnly },
  getFileThumbnail: { public: everyone.public },
  deleteFile: { published: ownersWrite(204, 403) },
  // Success stories: the operator is no party (it reads drafts, retracts, but does not write them).
  createSuccessStory: { completedDeal: row(401, [403, 201, 201], all(404), 403, [403, 201, 201]) },
  listSuccessStories: everyone,
  getSuccessStory: { published: everyone.public, draft: ownersOnly },
  updateSuccessStory: { draft: row(401, [403, 200, 200], all(404), 403, [403, 200, 200]) },
  approveSuccessStory: { draft: row(401, [403, 200, 200], all(404), 403, [403, 200, 200]) },
  retractSuccessStory: { published: ownersWrite(200, 403) },
  exportDemands: { public: everyone.public, ownDrafts: row(401, all(200), all(403), 200, all(200)) },

  // Federation. The operator registers sources; anyone reads them. A source's records are written
  // by its organisation's ("own"'s here) admin and editor keys, and the operator: keys of any other
  // organisation, the delegate's included, are refused (403), as are readers.
  createSource: { new: row(401, all(403), all(403), 201, all(403)) },
  listSources: everyone,
  getSource: { ownSource: everyone.public },
  upsertSourceListing: {
    new: row(401, [403, 201, 201], all(403), 201, all(403)),
    existing: row(401, [403, 200, 200], all(403), 200, all(403)),
  },
  upsertSourceDemand: {
    new: row(401, [403, 201, 201], all(403), 201, all(403)),
    existing: row(401, [403, 200, 200], all(403), 200, all(403)),
  },

  // The public event feed: anyone, with or without a key.
  listEvents: everyone,

  // Webhooks: "own"'s admin keys, its delegate's admin keys and the operator manage them; editors
  // and readers of those see them (403), other organisations do not (404). Lists and creations for
  // the caller itself are any organisation's admin keys'.
  createWebhook: { itself: adminsOfItself(201), forOwn: webhookAdmins(201, all(403)) },
  listWebhooks: { itself: adminsOfItself(200), ofOwn: webhookAdmins(200, all(403)) },
  getWebhook: { ownWebhook: webhookAdmins(200) },
  updateWebhook: { ownWebhook: webhookAdmins(200) },
  deleteWebhook: { ownWebhook: webhookAdmins(204) },
  rotateWebhookSecret: { ownWebhook: webhookAdmins(200) },
  listWebhookDeliveries: { ownWebhook: webhookAdmins(200) },
  // A finished delivery starts again; a disabled webhook neither redelivers nor pings (409).
  redeliverWebhookDelivery: { failed: webhookAdmins(202), disabled: webhookAdmins(409) },
  pingWebhook: { ownWebhook: webhookAdmins(202), disabled: webhookAdmins(409) },
}

/** The status a caller expects, by its column (every entry fills every column). */
export function expectedStatus(expectation: Expectation, caller: { party: 'own' | 'other' | 'delegate' | 'operator' | null; role: string | null }): number {
  if (caller.party === null) return expectation.anonymous
  if (caller.party === 'operator') return expectation.operator
  return expectation[caller.party][['reader', 'editor', 'admin'].indexOf(caller.role!)]!
}
