import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import { matchComponents, type MatchComponent } from '../../config.ts'
import { toDemandSummary } from '../demands/demands.list.ts'
import { redactDemandSummary } from '../../core/access.ts'
import { toListingSummary } from '../listings/listings.view.ts'
import type { MatchView } from './matching.repo.ts'
import { SearchCorrection, SearchThesaurusUse } from '../retrieval/retrieval.schemas.ts'
import { MatchExplanation, type Match } from './matching.schemas.ts'
import type { RankedRow, Subject } from './matching.scoring.ts'

// A stored explanation has the shape of the release that computed it. One written before a field was
// added fails the response schema, and the whole list would answer 500; so it is repaired on the way
// out (TypeBox's Value.Repair: a missing field gets its schema's default structure, 0, an empty list
// or the first value of a vocabulary) until the pair's next run writes it anew. Current ones pass the
// compiled check unchanged.
const explanationContext = { SearchCorrection, SearchThesaurusUse }
const currentExplanation = Compile(explanationContext, MatchExplanation)

export function storedExplanation(value: unknown): MatchExplanation {
  return currentExplanation.Check(value) ? (value as MatchExplanation) : (Value.Repair(explanationContext, MatchExplanation, value) as MatchExplanation)
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits

/**
 * The stored explanation of a pair ranked from its demand's side (every stored match is): each
 * component's share of the score, value and evidence. `row` is the listing, as a candidate.
 */
export function explain(demand: Subject, row: RankedRow, weights: Record<MatchComponent, number>): MatchExplanation {
  const total = matchComponents.reduce((sum, name) => sum + weights[name], 0)
  const share = (name: MatchComponent) => round(weights[name] / total)
  const listingTrl = row.candidateTrl
  const minTrl = demand.trl
  return {
    text: {
      weight: share('text'),
      value: round(row.text),
      matchedTerms: row.matchedTerms,
      termCount: row.termCount,
      coverage: round(row.coverage),
      corrections: row.query.corrections,
      thesaurus: row.query.thesaurus,
    },
    multiplier: round(row.multiplier),
    taxonomy: { weight: share('taxonomy'), value: round(row.taxonomy), sharedSectors: row.sharedSectors, sharedFields: row.sharedFields },
    trl: {
      weight: share('trl'),
      value: round(row.trlValue),
      listingTrl,
      minTrl,
      gap: listingTrl !== null && minTrl !== null ? Math.max(0, minTrl - listingTrl) : 0,
    },
    location: {
      weight: share('location'),
      value: round(row.location),
      distanceClass: row.distanceClass,
      demandProvince: demand.provinceCodes[0] ?? null,
      listingProvinces: row.candidateProvinces,
    },
    price: {
      weight: share('price'),
      value: round(row.price),
      fit: row.priceFit,
      priceType: row.candidatePriceType,
      // Only an amount is scored; a price on request stays the owner's to reveal, here as anywhere.
      priceVnd: row.candidatePriceType === 'amount' ? row.candidatePriceVnd : null,
      budgetMinVnd: demand.budgetMinVnd,
      budgetMaxVnd: demand.budgetMaxVnd,
    },
    freshness: { weight: share('freshness'), value: round(row.freshness), ageDays: round(row.ageDays, 1) },
  }
}

/**
 * A match for the API. Lists carry the other side only (`withCounterpart`); one match carries both.
 * The dismissal's reason and note are the demand owner's: hidden from the listing side. The
 * listing's summary hides what it hides from anyone who does not act for the listing's owner
 * (`actsForListingOwner`): the demand owner and brokers do not learn who offers an anonymous listing,
 * nor the listing owner and brokers who filed an anonymous demand (`actsForDemandOwner`).
 */
export function toMatch(
  view: MatchView,
  options: {
    withCounterpart?: 'listing' | 'demand'
    showDismissal: boolean
    actsForListingOwner: boolean
    actsForDemandOwner: boolean
    today: string
    exchangeId: string
  },
): Match {
  const match = view.match
  const side = options.withCounterpart
  return {
    id: match.id,
    demandId: match.demandId,
    listingId: match.listingId,
    status: match.status as Match['status'],
    origin: match.origin as Match['origin'],
    score: round(match.score),
    explanation: storedExplanation(match.explanation),
    proposedBy: view.proposedBy,
    proposalNote: match.proposalNote,
    dismissReason: options.showDismissal ? (match.dismissReason as Match['dismissReason']) : null,
    dismissNote: options.showDismissal ? match.dismissNote : null,
    decidedAt: match.decidedAt?.toISOString() ?? null,
    computedAt: match.computedAt.toISOString(),
    createdAt: match.createdAt.toISOString(),
    updatedAt: match.updatedAt.toISOString(),
    version: match.version,
    ...(side !== 'demand'
      ? { listing: toListingSummary({ ...view.listing, owner: view.listingOwner }, options.today, options.actsForListingOwner, options.exchangeId) }
      : {}),
    ...(side !== 'listing'
      ? { demand: redactDemandSummary(toDemandSummary({ ...view.demand, owner: view.demandOwner }, options.exchangeId), options.actsForDemandOwner) }
      : {}),
  }
}
