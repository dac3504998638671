import { Type, type Static } from 'typebox'
import { Cursor, Limit, ref, Uuid } from '../../http/common.schemas.ts'
import { Enum, Nullable, Timestamp, Vnd } from '../../http/fields.ts'
import { DemandSummary } from '../demands/demands.schemas.ts'
import { ListingSummary } from '../listings/listings.schemas.ts'
import { SearchCorrection, SearchThesaurusUse } from '../retrieval/retrieval.schemas.ts'

export const matchStatuses = ['suggested', 'shortlisted', 'dismissed'] as const
export const matchOrigins = ['computed', 'broker'] as const
export const dismissReasons = ['not_relevant', 'too_early_stage', 'too_expensive', 'location', 'already_known', 'other'] as const
export type MatchStatus = (typeof matchStatuses)[number]
export type DismissReason = (typeof dismissReasons)[number]

const Weight = Type.Number({ minimum: 0, maximum: 1, description: "The component's share of the score (the weights sum to 1)" })
const Value = Type.Number({ minimum: 0, maximum: 1, description: 'How well the pair does on this component, 0 to 1' })

export const MatchExplanation = Type.Object(
  {
    text: Type.Object(
      {
        weight: Weight,
        value: Value,
        matchedTerms: Type.Array(
          Type.Object({
            term: Type.String({ description: 'A term of the demand (a syllable or two adjacent ones, folded: lower case, no diacritics)' }),
            weight: Type.Number({ minimum: 0, maximum: 1, description: "The term's share of the text score" }),
            field: Enum(['title', 'body', 'both'] as const, 'Where the listing holds it: title (or keywords), the rest of its text, or both'),
            origin: Enum(
              ['query', 'correction', 'thesaurus'] as const,
              "The demand's own word, a correction of a misspelt one, or a thesaurus entry's addition",
            ),
            from: Type.Optional(Type.String({ description: 'For a correction or a thesaurus term: the words of the demand it stands for' })),
          }),
          { description: "The demand's terms found in the listing, heaviest first" },
        ),
        termCount: Type.Integer({ minimum: 0, description: 'How many terms the demand was looked for by' }),
        coverage: Type.Number({ minimum: 0, maximum: 1, description: "Share of the demand's term weight (by rarity) the listing holds" }),
        corrections: Type.Array(ref(SearchCorrection)),
        thesaurus: Type.Array(ref(SearchThesaurusUse)),
      },
      {
        description:
          "Text relevance: the listing's BM25F score for the demand's whole text (title and keywords, desired outcome, problem, in decreasing weight) as a share of the score of a listing holding every term",
      },
    ),
    taxonomy: Type.Object(
      {
        weight: Weight,
        value: Value,
        sharedSectors: Type.Array(Type.String(), { description: 'VSIC sections both sides name' }),
        sharedFields: Type.Array(Type.String(), { description: 'S&T fields both sides name' }),
      },
      { description: 'Overlap of sectors and S&T fields (0.5 when the subject names none)' },
    ),
    trl: Type.Object(
      {
        weight: Weight,
        value: Value,
        listingTrl: Nullable(Type.Integer({ minimum: 1, maximum: 9 })),
        minTrl: Nullable(Type.Integer({ minimum: 1, maximum: 9 })),
        gap: Type.Integer({ minimum: 0, description: 'Levels the listing lacks to reach the minimum (0 when it does)' }),
      },
      {
        description:
          "TRL fit: 1 when the listing reaches the demand's minimum (or there is none), one third less per missing level, 0.5 when the listing states no TRL",
      },
    ),
    location: Type.Object(
      {
        weight: Weight,
        value: Value,
        distanceClass: Enum(['same_province', 'same_region', 'other_region', 'unspecified'] as const),
        demandProvince: Nullable(Type.String({ description: '2025 code' })),
        listingProvinces: Type.Array(Type.String(), { description: '2025 codes' }),
      },
      { description: 'Same province 1, same region 0.6, elsewhere 0.25, unspecified 0.5; legacy codes count as the 2025 units they became' },
    ),
    price: Type.Object(
      {
        weight: Weight,
        value: Value,
        fit: Enum(['within_budget', 'over_budget', 'no_budget', 'price_not_stated'] as const),
        priceType: Nullable(Type.String()),
        priceVnd: Nullable({
          ...Vnd,
          description: "The listing's price when it states one (priceType amount); null otherwise, and for a price on request, which stays hidden",
        }),
        budgetMinVnd: Nullable(Vnd),
        budgetMaxVnd: Nullable(Vnd),
      },
      { description: 'Price within the budget 1, above it less in proportion, unknown on either side 0.5' },
    ),
    multiplier: Type.Number({
      minimum: 0.5,
      maximum: 1.5,
      description: '1 + the sum over the non-text components of (weight / text weight) × (value − 0.5): what they multiply text relevance by',
    }),
    freshness: Type.Object(
      {
        weight: Weight,
        value: Value,
        ageDays: Type.Number({ minimum: 0, description: 'Days since the candidate was published (listing) or opened (demand)' }),
      },
      { description: 'Halves every 180 days since publication' },
    ),
  },
  {
    $id: 'MatchExplanation',
    description:
      "Why a pair scored what it did, from the demand's side (the demand's terms looked for in the listing), whichever side's run found it: each component with its weight, value and evidence. score = min(1, text.value × multiplier): the other components rerank within text relevance, never lift a weak text match over a relevant one.",
  },
)
export type MatchExplanation = Static<typeof MatchExplanation>

const Proposer = Type.Object({ id: Uuid, name: Type.String() }, { title: 'MatchProposer', description: 'The broker who proposed the match' })

export const Match = Type.Object(
  {
    id: Uuid,
    demandId: Uuid,
    listingId: Uuid,
    status: Enum(matchStatuses, {
      title: 'MatchStatus',
      description: 'suggested -> shortlisted or dismissed (by the demand owner); dismissed pairs are never suggested again',
    }),
    origin: Enum(matchOrigins, { title: 'MatchOrigin', description: 'computed by the matcher, or proposed by a broker' }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    explanation: ref(MatchExplanation),
    proposedBy: Nullable(Proposer),
    proposalNote: Nullable(Type.String()),
    dismissReason: Nullable(Enum(dismissReasons, { title: 'DismissReason' })),
    dismissNote: Nullable(Type.String()),
    decidedAt: Nullable(Timestamp),
    computedAt: Timestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: Type.Integer({ minimum: 1 }),
    listing: Type.Optional(ref(ListingSummary)),
    demand: Type.Optional(ref(DemandSummary)),
  },
  { $id: 'Match', description: 'A proposed pairing of a demand and a listing, with its score and explanation' },
)
export type Match = Static<typeof Match>

export const MatchList = Type.Object(
  {
    items: Type.Array(ref(Match), { description: 'Best score first; each item carries the other side (listing or demand)' }),
    nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last' })),
    computedAt: Nullable(Timestamp),
  },
  { $id: 'MatchList', description: 'The stored suggestions of one demand or listing' },
)
export type MatchList = Static<typeof MatchList>

export const MatchListQuery = Type.Object(
  {
    status: Type.Optional(Enum(matchStatuses, { title: 'MatchStatus', description: 'Only matches in this state; by default suggested and shortlisted ones' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)
export type MatchListQuery = Static<typeof MatchListQuery>

export const MatchDismiss = Type.Object(
  {
    reason: Enum(dismissReasons, { title: 'DismissReason', description: 'Why the suggestion does not fit' }),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
)
export type MatchDismiss = Static<typeof MatchDismiss>

export const MatchProposal = Type.Object(
  {
    demandId: Uuid,
    listingId: Uuid,
    note: Type.String({ minLength: 1, maxLength: 2000, description: 'Why the broker thinks they fit' }),
  },
  { additionalProperties: false },
)
export type MatchProposal = Static<typeof MatchProposal>

export const matchSchemas = [MatchExplanation, Match, MatchList]
