import { performance } from 'node:perf_hooks'
import type { MatchComponent } from '../../config.ts'
import type { Db, DbOrTx } from '../../db/client.ts'
import { vietnamDate, type Clock } from '../../lib/clock.ts'
import { conflict, forbidden, notFound, preconditionFailed } from '../../lib/problem.ts'
import { accessTo, actingOwners, actsFor, hiddenInSummary, isBroker, maySeeMatches, writesContent } from '../../core/access.ts'
import type { Actor } from '../../core/actor.ts'
import { recordAudit } from '../../core/audit.ts'
import * as demandRepo from '../demands/demands.repo.ts'
import * as listingRepo from '../listings/listings.repo.ts'
import { accessRecord as listingAccess } from '../listings/listings.view.ts'
import type { RecordEvents } from '../../core/outbox.ts'
import { provinces } from '../../core/places.ts'
import * as repo from './matching.repo.ts'
import type { DismissReason, Match, MatchDismiss, MatchExplanation, MatchList, MatchListQuery, MatchProposal, MatchStatus } from './matching.schemas.ts'
import { passesThreshold, rankCandidates, type RankedRow, type RankOptions, type Subject } from './matching.scoring.ts'
import { type Direction } from '../../core/match-requests.ts'
import { explain, toMatch } from './matching.view.ts'
import type { ThesaurusLookup } from '../retrieval/query.ts'
import type { Cursors } from '../../lib/cursor.ts'

export type MatchingSettings = { weights: Record<MatchComponent, number>; topN: number; minScore: number }

/** Codes of every 2025 unit sharing a region with one of these. */
function regionCodesOf(codes: string[]): string[] {
  const regionIds = new Set(provinces.filter((province) => codes.includes(province.code)).flatMap((province) => province.regionIds))
  return provinces.filter((province) => province.regionIds.some((id) => regionIds.has(id))).map((province) => province.code)
}

/**
 * A demand's texts as a query: what it names (title, keywords) counts most, then the outcome it
 * wants (where the solution's words usually are), then the problem it describes (symptoms, and
 * words of its trade that any listing of that trade shares).
 */
const demandWeights = { title: 1, outcome: 0.7, problem: 0.5 }
const listingBodyWeight = 0.6

function demandParts(row: demandRepo.DemandRow) {
  return [
    { text: [row.titleVi, row.titleEn ?? '', ...row.keywords].join(' . '), weight: demandWeights.title },
    { text: [row.desiredOutcomeVi ?? '', row.desiredOutcomeEn ?? ''].join(' . '), weight: demandWeights.outcome },
    { text: [row.problemVi, row.problemEn ?? ''].join(' . '), weight: demandWeights.problem },
  ]
}

function demandSubject(row: demandRepo.DemandRow, ownerId: string): Subject {
  const provinceCodes = row.currentProvinceCode ? [row.currentProvinceCode] : []
  return {
    direction: 'demand',
    id: row.id,
    ownerId,
    parts: demandParts(row),
    title: row.titleVi,
    sectors: row.sectors,
    fields: row.fields,
    trl: row.minTrl,
    priceType: null,
    priceVnd: null,
    budgetMinVnd: row.budgetMinVnd,
    budgetMaxVnd: row.budgetMaxVnd,
    provinceCodes,
    regionCodes: regionCodesOf(provinceCodes),
  }
}

function listingSubject(row: listingRepo.ListingWithOwner): Subject {
  return {
    direction: 'listing',
    id: row.id,
    ownerId: row.ownerId,
    parts: [
      { text: [row.titleVi, row.titleEn ?? '', ...row.keywords].join(' . '), weight: 1 },
      { text: [row.descriptionVi, row.descriptionEn ?? ''].join(' . '), weight: listingBodyWeight },
    ],
    title: row.titleVi,
    sectors: row.sectors,
    fields: row.fields,
    trl: row.trl,
    priceType: row.priceType,
    priceVnd: row.priceVnd,
    budgetMinVnd: null,
    budgetMaxVnd: null,
    provinceCodes: row.currentProvinceCodes,
    regionCodes: regionCodesOf(row.currentProvinceCodes),
  }
}

const liveListing = (row: listingRepo.ListingWithOwner, today: string) => row.status === 'published' && (row.validUntil === null || row.validUntil >= today)
const liveDemand = (row: demandRepo.DemandRow, today: string) => row.status === 'open' && (row.deadline === null || row.deadline >= today)

// Curation: the demand owner's moves on a match.
const curation = {
  shortlist: { from: ['suggested'], to: 'shortlisted' },
  dismiss: { from: ['suggested', 'shortlisted'], to: 'dismissed' },
} as const satisfies Record<string, { from: readonly MatchStatus[]; to: MatchStatus }>
type Curation = keyof typeof curation

const allowedCurations = (status: string) => (Object.keys(curation) as Curation[]).filter((name) => (curation[name].from as readonly string[]).includes(status))

export function createMatchingService(deps: {
  db: Db
  clock: Clock
  settings: MatchingSettings
  exchangeId: string
  recordEvents: RecordEvents
  cursors: Cursors
  thesaurus?: ThesaurusLookup
}) {
  const { db, clock, settings, exchangeId, recordEvents, cursors, thesaurus } = deps
  const today = () => vietnamDate(clock.now())

  /** The subject's facts, or undefined when it is missing or no longer live (nothing to match). */
  async function loadSubject(conn: DbOrTx, direction: Direction, id: string) {
    const day = today()
    if (direction === 'demand') {
      const row = await demandRepo.findDemand(conn, id)
      return (
        row && { row, ownerId: row.owner.id, isPublic: row.status !== 'draft', live: liveDemand(row, day), subject: () => demandSubject(row, row.owner.id) }
      )
    }
    const row = await listingRepo.findListing(conn, id)
    return row && { row, ownerId: row.ownerId, isPublic: listingAccess(row).isPublic, live: liveListing(row, day), subject: () => listingSubject(row) }
  }

  /**
   * Ranks the subject's candidates and stores the top N as suggestions, replacing the ones its
   * previous run made. Curated (shortlisted, dismissed) and brokered pairs are kept; a dismissed
   * pair is never suggested again. Returns false when the subject is gone or not live.
   */
  async function compute(direction: Direction, id: string): Promise<boolean> {
    const loaded = await loadSubject(db, direction, id)
    return loaded?.live === true && computeLoaded(direction, id, loaded)
  }

  /** compute() for a subject already loaded (a recompute has read it for its access check). */
  async function computeLoaded(direction: Direction, id: string, loaded: Subjected): Promise<true> {
    const started = performance.now()
    const now = clock.now()
    const options = { today: vietnamDate(now), now, weights: settings.weights, limit: settings.topN, minScore: settings.minScore, thesaurus }
    const ranked = await rankCandidates(db, loaded.subject(), options)
    const scored = direction === 'demand' ? ranked.map((row) => scoredPair(loaded.subject(), row)) : await rescoreForDemands(id, ranked, options)
    await db.transaction(async (tx) => {
      const stored = await upsertSuggestions(tx, direction, scored, now)
      await repo.deleteStaleSuggestions(tx, direction, id, stored)
      // A listing's run may have added to each demand's list: MATCH_TOP_N holds for all of them.
      if (direction === 'listing') await repo.trimSuggestions(tx, demandIdsOf(scored), settings.topN)
      await repo.recordRun(tx, { direction, subjectId: id, computedAt: now, candidates: ranked.length, durationMs: performance.now() - started })
    })
    return true
  }

  type Subjected = NonNullable<Awaited<ReturnType<typeof loadSubject>>>

  const demandIdsOf = (pairs: ScoredPair[]) => pairs.map((pair) => pair.demandId)
  const candidateIdsOf = (rows: RankedRow[]) => rows.map((row) => row.candidateId)

  type ScoredPair = { demandId: string; listingId: string; score: number; explanation: MatchExplanation }

  /** A pair scored from its demand's side: the one scale every stored match is on. */
  function scoredPair(demand: Subject, row: RankedRow): ScoredPair {
    return { demandId: demand.id, listingId: row.candidateId, score: row.score, explanation: explain(demand, row, settings.weights) }
  }

  /**
   * A listing's run finds the demands by the listing's terms, then scores each pair the way the
   * demand's own run would (the demand's terms in the listing), so a demand's list ranks every
   * suggestion on one scale, whichever side found it. Pairs that fail the demand's threshold go.
   */
  async function rescoreForDemands(listingId: string, ranked: RankedRow[], options: Omit<RankOptions, 'candidateId'>): Promise<ScoredPair[]> {
    const pairs: ScoredPair[] = []
    const found = await demandRepo.findDemands(db, candidateIdsOf(ranked))
    const demands = new Map(found.map((demand) => [demand.id, demand]))
    for (const row of ranked) {
      const demand = demands.get(row.candidateId)
      if (!demand) continue
      const subject = demandSubject(demand, demand.owner.id)
      const [rescored] = await rankCandidates(db, subject, { ...options, limit: 1, candidateId: listingId })
      if (rescored && passesThreshold(rescored, settings.minScore)) pairs.push(scoredPair(subject, rescored))
    }
    return pairs.sort((a, b) => b.score - a.score)
  }

  /**
   * Inserts new pairs (with a match.suggested event each) and refreshes the scores of known ones:
   * a lock, an update and an insert for the whole list, not a round trip per pair.
   */
  async function upsertSuggestions(tx: DbOrTx, direction: Direction, pairs: ScoredPair[], now: Date): Promise<string[]> {
    const key = (pair: { demandId: string; listingId: string }) => `${pair.demandId}/${pair.listingId}`
    const existing = new Map((await repo.lockPairs(tx, pairs)).map((row) => [key(row), row]))
    const updates: { id: string; score: number; explanation: unknown }[] = []
    const inserts: repo.MatchInsert[] = []
    for (const { score, explanation, ...pair } of pairs) {
      const row = existing.get(key(pair))
      if (row?.status === 'dismissed') continue
      if (row) updates.push({ id: row.id, score, explanation })
      else
        inserts.push({
          ...pair,
          origin: 'computed',
          computedFrom: direction,
          status: 'suggested',
          score,
          explanation,
          computedAt: now,
          createdAt: now,
          updatedAt: now,
        })
    }
    await repo.updateScores(tx, updates, { computedAt: now, computedFrom: direction })
    // A pair the other side's run inserted a moment ago is not returned: it stays theirs.
    const inserted = new Map((await repo.insertSuggestions(tx, inserts)).map((row) => [key(row), row]))
    const ids: string[] = []
    const added: repo.MatchRow[] = []
    for (const pair of pairs) {
      const row = existing.get(key(pair))
      if (row) {
        if (row.status !== 'dismissed') ids.push(row.id)
        continue
      }
      const fresh = inserted.get(key(pair))
      if (!fresh) continue
      ids.push(fresh.id)
      added.push(fresh)
    }
    if (added.length > 0) {
      // The owners of every new pair in one read, not one per pair.
      const owners = await repo.ownersOfPairs(tx, added)
      await recordEvents(
        tx,
        added.map((match) => eventOf('match.suggested', match, owners.get(key(match))!, now)),
      )
    }
    return ids
  }

  /** An event about a match, addressed to both owners. */
  async function matchEvent(tx: DbOrTx, type: string, match: repo.MatchRow, now: Date, extra: Record<string, unknown> = {}) {
    return eventOf(type, match, await repo.ownersOf(tx, match.demandId, match.listingId), now, extra)
  }

  function eventOf(type: string, match: repo.MatchRow, owners: repo.PairOwners, now: Date, extra: Record<string, unknown> = {}) {
    return {
      type,
      subjectType: 'match',
      subjectId: match.id,
      organizationIds: [owners.demandOwnerId, owners.listingOwnerId],
      payload: {
        matchId: match.id,
        demandId: match.demandId,
        listingId: match.listingId,
        status: match.status,
        origin: match.origin,
        score: match.score,
        ...extra,
      },
      occurredAt: now,
    }
  }

  /** 404 when the subject is not visible at all, 403 when it is but its matches are not the actor's to see. */
  async function assertSeesMatches(conn: DbOrTx, actor: Actor | null, direction: Direction, id: string) {
    const loaded = await loadSubject(conn, direction, id)
    const resource = direction === 'demand' ? 'Demand' : 'Listing'
    if (!loaded || !(await accessTo(conn, actor, { ownerId: loaded.ownerId, isPublic: loaded.isPublic })).see) throw notFound(resource, id)
    if (!(await maySeeMatches(conn, actor, loaded.ownerId))) {
      throw forbidden(
        `The matches of a ${direction} are for its owner (and its delegates), brokers (connection points, transfer centres, DOSTs) and the operator`,
      )
    }
    return loaded
  }

  async function list(actor: Actor | null, direction: Direction, id: string, query: MatchListQuery = {}): Promise<MatchList> {
    return listSeen(actor, direction, id, await assertSeesMatches(db, actor, direction, id), query)
  }

  /** list() once assertSeesMatches has let the actor in. */
  async function listSeen(actor: Actor | null, direction: Direction, id: string, loaded: Subjected, query: MatchListQuery): Promise<MatchList> {
    // Dismissals (and their reasons) are the demand owner's business: the listing side sees them only as brokers.
    const demandSide = direction === 'demand' && (await actsFor(db, actor, loaded.ownerId))
    const curator = demandSide || isBroker(actor)
    if (query.status === 'dismissed' && !curator) throw forbidden('Only the demand owner and brokers see dismissed matches')
    const statuses = query.status ? [query.status] : ['suggested', 'shortlisted']
    // The run's time first, then the items: a run that commits in between shows in the items, so a
    // client that sees computedAt also sees what that run stored.
    const computedAt = await repo.lastRun(db, direction, id)
    const limit = query.limit ?? 20
    const after = query.cursor ? decodeAfter(query.cursor) : undefined
    const found = await repo.listMatches(db, direction, id, { statuses, today: today(), limit: limit + 1, after })
    const rows = found.slice(0, limit)
    const last = rows.at(-1)
    const counterpart = direction === 'demand' ? 'listing' : 'demand'
    // Whom the caller acts for matters only when a record shown has something its summary may hide.
    const hides = (row: (typeof rows)[number]) => (counterpart === 'listing' ? hiddenInSummary(row.listing).length > 0 : row.demand.anonymous)
    const acting = rows.some(hides) ? await actingOwners(db, actor) : () => true
    return {
      items: rows.map((row) =>
        toMatch(row, {
          withCounterpart: counterpart,
          showDismissal: curator,
          actsForListingOwner: acting(row.listingOwner.id),
          actsForDemandOwner: acting(row.demandOwner.id),
          today: today(),
          exchangeId,
        }),
      ),
      nextCursor: found.length > limit && last ? cursors.encode('matches', [last.match.score, last.match.id]) : null,
      computedAt: computedAt?.toISOString() ?? null,
    }
  }

  function decodeAfter(cursor: string) {
    const [score, id] = cursors.decode(cursor, 'matches', ['number', 'uuid'])
    return { score, id }
  }

  /** Computes now (instead of waiting for the job) and answers with the fresh list. */
  async function recompute(actor: Actor, direction: Direction, id: string): Promise<MatchList> {
    const loaded = await assertSeesMatches(db, actor, direction, id)
    if (!writesContent(actor)) throw forbidden('A reader key cannot recompute matches')
    if (!loaded.live) {
      const state = direction === 'demand' ? 'open demand (deadline not passed)' : 'published listing (not expired)'
      throw conflict('invalid_state', `Only an ${state} is matched`)
    }
    // One read of the subject serves the access check, the run and the list.
    await computeLoaded(direction, id, loaded)
    return listSeen(actor, direction, id, loaded, {})
  }

  /** A match as one of its parties or a broker sees it. */
  async function get(actor: Actor | null, matchId: string): Promise<Match> {
    const row = await repo.findMatchView(db, matchId)
    if (!row) throw notFound('Match', matchId)
    const demandSide = await actsFor(db, actor, row.demandOwner.id)
    const listingSide = await actsFor(db, actor, row.listingOwner.id)
    const curator = demandSide || isBroker(actor)
    if (!curator && !(listingSide && row.match.status !== 'dismissed')) throw notFound('Match', matchId)
    return toMatch(row, { showDismissal: curator, actsForListingOwner: listingSide, actsForDemandOwner: demandSide, today: today(), exchangeId })
  }

  /** Shortlist or dismiss: the demand owner's (or its delegate's) writers, under a row lock. */
  async function curate(actor: Actor, matchId: string, name: Curation, expectedVersion: number | undefined, dismissal?: MatchDismiss): Promise<Match> {
    return db.transaction(async (tx) => {
      const found = await repo.findMatch(tx, matchId, { lock: true })
      if (!found) throw notFound('Match', matchId)
      const owners = await repo.ownersOf(tx, found.demandId, found.listingId)
      const demandSide = await actsFor(tx, actor, owners.demandOwnerId)
      const actsForListingOwner = await actsFor(tx, actor, owners.listingOwnerId)
      // As in get(): the listing side does not learn of a dismissed match.
      const listingSide = found.status !== 'dismissed' && actsForListingOwner
      if (!demandSide && !isBroker(actor) && !listingSide) throw notFound('Match', matchId)
      if (!demandSide || !writesContent(actor))
        throw forbidden("Only the demand owner's (or its delegates') admin or editor keys, or the operator, curate its matches")
      if (expectedVersion !== undefined && expectedVersion !== found.version) throw preconditionFailed()
      const step = curation[name]
      if (!(step.from as readonly string[]).includes(found.status)) {
        throw conflict(
          'invalid_transition',
          `A ${found.status} match cannot be ${name === 'shortlist' ? 'shortlisted' : 'dismissed'}`,
          allowedCurations(found.status),
        )
      }
      const now = clock.now()
      const updated = await repo.updateMatch(
        tx,
        matchId,
        {
          status: step.to,
          decidedAt: now,
          dismissReason: dismissal?.reason ?? null,
          dismissNote: dismissal?.note?.trim() ?? null,
        },
        now,
      )
      await recordAudit(tx, {
        actor,
        owningOrganizationId: owners.demandOwnerId,
        operation: `match.${name}`,
        targetType: 'match',
        targetId: matchId,
        before: { status: found.status },
        after: { status: updated.status, ...(dismissal ? { dismissReason: dismissal.reason, dismissNote: updated.dismissNote } : {}) },
        occurredAt: now,
      })
      const extra = dismissal ? { reason: dismissal.reason as DismissReason } : {}
      await recordEvents(tx, [await matchEvent(tx, name === 'shortlist' ? 'match.shortlisted' : 'match.dismissed', updated, now, extra)])
      const view = (await repo.findMatchView(tx, matchId))!
      return toMatch(view, { showDismissal: true, actsForListingOwner, actsForDemandOwner: demandSide, today: vietnamDate(now), exchangeId })
    })
  }

  /**
   * A broker's proposal. A new pair is created (201); a pair the matcher suggested takes the
   * broker's note (200); a dismissed pair or one a broker already proposed is a 409.
   */
  async function propose(actor: Actor, input: MatchProposal): Promise<{ match: Match; created: boolean }> {
    if (!isBroker(actor)) throw forbidden('Only brokers (connection points, transfer centres, DOSTs) and the operator propose matches')
    if (!writesContent(actor)) throw forbidden('A reader key cannot propose matches')
    const day = today()
    const demand = await loadSubject(db, 'demand', input.demandId)
    if (!demand || !(await accessTo(db, actor, { ownerId: demand.ownerId, isPublic: demand.isPublic })).see) throw notFound('Demand', input.demandId)
    const listing = await loadSubject(db, 'listing', input.listingId)
    if (!listing || !(await accessTo(db, actor, { ownerId: listing.ownerId, isPublic: listing.isPublic })).see) throw notFound('Listing', input.listingId)
    if (!demand.live) throw conflict('invalid_state', 'Only an open demand (deadline not passed) is matched')
    if (!listing.live) throw conflict('invalid_state', 'Only a published listing (not expired) is matched')
    if (demand.ownerId === listing.ownerId) throw conflict('same_owner', "A demand is never matched with its owner's own listing")
    const now = clock.now()
    const subject = demand.subject()
    const [scored] = await rankCandidates(db, subject, {
      today: day,
      now,
      weights: settings.weights,
      limit: 1,
      minScore: 0,
      candidateId: input.listingId,
      thesaurus,
    })
    return db.transaction(async (tx) => {
      const existing = await repo.findPair(tx, input.demandId, input.listingId, { lock: true })
      // No score means the scoring query left the pair out, which it does only for a dismissed pair.
      if (!scored || existing?.status === 'dismissed') {
        throw conflict('match_dismissed', 'The demand owner dismissed this pair; it is not proposed again')
      }
      if (existing?.origin === 'broker') throw conflict('already_proposed', `A broker already proposed this pair: match ${existing.id}`)
      const proposal = { origin: 'broker', proposedById: actor.organizationId, proposalNote: input.note.trim() }
      const explanation = explain(subject, scored, settings.weights)
      const match = existing
        ? await repo.updateMatch(tx, existing.id, { ...proposal, score: scored.score, explanation, computedAt: now }, now)
        : await repo.insertMatch(tx, {
            demandId: input.demandId,
            listingId: input.listingId,
            ...proposal,
            status: 'suggested',
            score: scored.score,
            explanation,
            computedAt: now,
            createdAt: now,
            updatedAt: now,
          })
      await recordAudit(tx, {
        actor,
        owningOrganizationId: demand.ownerId,
        operation: 'match.propose',
        targetType: 'match',
        targetId: match.id,
        after: { demandId: match.demandId, listingId: match.listingId, origin: match.origin, proposalNote: match.proposalNote },
        occurredAt: now,
      })
      await recordEvents(tx, [await matchEvent(tx, 'match.proposed', match, now, { proposedById: actor.organizationId })])
      const view = (await repo.findMatchView(tx, match.id))!
      const actsForListingOwner = await actsFor(tx, actor, listing.ownerId)
      const actsForDemandOwner = await actsFor(tx, actor, demand.ownerId)
      return { match: toMatch(view, { showDismissal: true, actsForListingOwner, actsForDemandOwner, today: vietnamDate(now), exchangeId }), created: !existing }
    })
  }

  const shortlist = (actor: Actor, matchId: string, expectedVersion?: number) => curate(actor, matchId, 'shortlist', expectedVersion)
  const dismiss = (actor: Actor, matchId: string, input: MatchDismiss, expectedVersion?: number) => curate(actor, matchId, 'dismiss', expectedVersion, input)

  return { compute, list, recompute, get, shortlist, dismiss, propose }
}

export type MatchingService = ReturnType<typeof createMatchingService>
