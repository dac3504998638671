import { matchComponents, type MatchComponent } from '../../config.ts'
import type { DemandSummary } from '../demands/demands.schemas.ts'
import { statusOf } from '../listings/listings.lifecycle.ts'
import type { ListingSummary } from '../listings/listings.schemas.ts'
import type { MatchView } from './matching.repo.ts'
import type { Match, MatchExplanation } from './matching.schemas.ts'
import type { RankedRow, Subject } from './matching.scoring.ts'

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits

/** The stored explanation of a ranked pair: each component's share of the score, value and evidence. */
export function explain(subject: Subject, row: RankedRow, weights: Record<MatchComponent, number>): MatchExplanation {
  const total = matchComponents.reduce((sum, name) => sum + weights[name], 0)
  const share = (name: MatchComponent) => round(weights[name] / total)
  const fromDemand = subject.direction === 'demand'
  const listingTrl = fromDemand ? row.candidateTrl : subject.trl
  const minTrl = fromDemand ? subject.trl : row.candidateTrl
  return {
    text: {
      weight: share('text'),
      value: round(row.text),
      matchedTerms: row.matchedTerms,
      termCount: subject.terms.length,
      coverage: round(row.coverage),
      trigramSimilarity: round(row.trigram),
    },
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
      demandProvince: fromDemand ? (subject.provinceCodes[0] ?? null) : (row.candidateProvinces[0] ?? null),
      listingProvinces: fromDemand ? row.candidateProvinces : subject.provinceCodes,
    },
    price: {
      weight: share('price'),
      value: round(row.price),
      fit: row.priceFit,
      priceType: fromDemand ? row.candidatePriceType : subject.priceType,
      priceVnd: fromDemand ? row.candidatePriceVnd : subject.priceVnd,
      budgetMinVnd: fromDemand ? subject.budgetMinVnd : row.candidateBudgetMinVnd,
      budgetMaxVnd: fromDemand ? subject.budgetMaxVnd : row.candidateBudgetMaxVnd,
    },
    freshness: { weight: share('freshness'), value: round(row.freshness), ageDays: round(row.ageDays, 1) },
  }
}

function listingSummary(view: MatchView, today: string): ListingSummary {
  const listing = view.listing
  return {
    id: listing.id,
    status: statusOf(listing, today),
    kind: listing.kind as ListingSummary['kind'],
    titleVi: listing.titleVi,
    titleEn: listing.titleEn,
    trl: listing.trl,
    priceType: listing.priceType as ListingSummary['priceType'],
    priceVnd: listing.priceVnd,
    sectors: listing.sectors,
    fields: listing.fields,
    provinceCodes: listing.provinceCodes,
    currentProvinceCodes: listing.currentProvinceCodes,
    owner: { id: view.listingOwner.id, name: view.listingOwner.name, kind: view.listingOwner.kind as ListingSummary['owner']['kind'] },
    publishedAt: listing.publishedAt?.toISOString() ?? null,
    validUntil: listing.validUntil,
  }
}

function demandSummary(view: MatchView): DemandSummary {
  const demand = view.demand
  return {
    id: demand.id,
    status: demand.status as DemandSummary['status'],
    titleVi: demand.titleVi,
    titleEn: demand.titleEn,
    sectors: demand.sectors as DemandSummary['sectors'],
    fields: demand.fields as DemandSummary['fields'],
    minTrl: demand.minTrl,
    budgetMinVnd: demand.budgetMinVnd,
    budgetMaxVnd: demand.budgetMaxVnd,
    deadline: demand.deadline,
    provinceCode: demand.provinceCode,
    currentProvinceCode: demand.currentProvinceCode,
    owner: { id: view.demandOwner.id, name: view.demandOwner.name, kind: view.demandOwner.kind as DemandSummary['owner']['kind'] },
    openedAt: demand.openedAt?.toISOString() ?? null,
  }
}

/**
 * A match for the API. Lists carry the other side only (`withCounterpart`); one match carries both.
 * The dismissal's reason and note are the demand owner's: hidden from the listing side.
 */
export function toMatch(view: MatchView, options: { withCounterpart?: 'listing' | 'demand'; showDismissal: boolean; today: string }): Match {
  const match = view.match
  const side = options.withCounterpart
  return {
    id: match.id,
    demandId: match.demandId,
    listingId: match.listingId,
    status: match.status as Match['status'],
    origin: match.origin as Match['origin'],
    score: round(match.score),
    explanation: match.explanation as MatchExplanation,
    proposedBy: view.proposedBy,
    proposalNote: match.proposalNote,
    dismissReason: options.showDismissal ? (match.dismissReason as Match['dismissReason']) : null,
    dismissNote: options.showDismissal ? match.dismissNote : null,
    decidedAt: match.decidedAt?.toISOString() ?? null,
    computedAt: match.computedAt.toISOString(),
    createdAt: match.createdAt.toISOString(),
    updatedAt: match.updatedAt.toISOString(),
    version: match.version,
    ...(side !== 'demand' ? { listing: listingSummary(view, options.today) } : {}),
    ...(side !== 'listing' ? { demand: demandSummary(view) } : {}),
  }
}
