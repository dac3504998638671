import { Type, type Static } from 'typebox'
import { transferForm, transferMethod } from '../reference/reference.schemas.ts'
import { DateOnly, Enum, LongText, ShortText, Timestamp, Url, Vnd } from '../../http/fields.ts'

// The inputs of the deal transitions: one shape per transition, declared with the process
// (deals.process.ts) and served with it at GET /v1/deal-process, so a client can build the form
// behind each button. Request schemas are inline (no ref()).

export const declineReasons = ['not_a_fit', 'not_available', 'terms', 'capacity', 'other'] as const
export const cancelReasons = ['no_agreement', 'changed_needs', 'no_funding', 'no_response', 'found_alternative', 'other'] as const

const Note = (description: string) => Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: `${description}; not blank` })

export const EvidenceLink = Type.Object(
  { url: Url, title: Type.Optional(ShortText()) },
  { additionalProperties: false, title: 'DocumentLinkInput', description: 'A link to a document: minutes, a delivery note, photos, a contract scan' },
)

export const MilestoneInput = Type.Object(
  { title: ShortText({ description: 'What is delivered or done' }), dueDate: Type.Optional(DateOnly) },
  { additionalProperties: false, title: 'MilestoneInput' },
)

export const OfferTermsInput = Type.Object(
  {
    priceType: Enum(['amount', 'free'] as const, { title: 'OfferPriceType', description: 'amount: priceVnd is the price; free: transferred free of charge' }),
    priceVnd: Type.Optional({ ...Vnd, description: 'The price in VND; required when priceType is amount, forbidden when free' }),
    transferForm: transferForm('The form of transfer (Law 07/2017 Art. 5), see /v1/reference/transfer-forms'),
    transferMethods: Type.Array(transferMethod(), {
      minItems: 1,
      uniqueItems: true,
      maxItems: 5,
      description: 'The methods of transfer (Art. 6), see /v1/reference/transfer-methods',
    }),
    scope: LongText('What is transferred: rights, territory, exclusivity, duration, documents and support'),
    milestones: Type.Array(MilestoneInput, { maxItems: 30, description: 'The steps of the transfer, marked done with evidence while it runs' }),
    validUntil: Type.Optional({ ...Timestamp, description: 'When the offer lapses if not answered; default DEAL_OFFER_VALIDITY_DAYS after it is made' }),
  },
  { additionalProperties: false, description: 'The terms an offer proposes' },
)
export type OfferTermsInput = Static<typeof OfferTermsInput>

const nothing = Type.Object({}, { additionalProperties: false })

/** The input of each transition; the route's body is { transition, ...input }. */
export const transitionInputs = {
  accept_interest: Type.Object({ note: Type.Optional(Note('A word to the other side')) }, { additionalProperties: false }),
  decline_interest: Type.Object(
    {
      reason: Enum(declineReasons, { title: 'DeclineReason', description: 'Why the interest is declined' }),
      note: Type.Optional(Note('More about the reason')),
    },
    { additionalProperties: false },
  ),
  expire_interest: nothing,
  make_offer: Type.Object({ terms: OfferTermsInput }, { additionalProperties: false }),
  withdraw_offer: Type.Object({ offerId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
  reject_offer: Type.Object(
    { offerId: Type.String({ format: 'uuid' }), note: Type.Optional(Note('Why, so the other side can counter')) },
    { additionalProperties: false },
  ),
  accept_offer: Type.Object({ offerId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
  lapse_offer: nothing,
  sign_contract: Type.Object(
    { signedOn: DateOnly, contractReference: Type.Optional(ShortText({ description: 'The contract number or reference' })) },
    { additionalProperties: false },
  ),
  start_transfer: nothing,
  complete_milestone: Type.Object(
    {
      milestoneId: Type.String({ format: 'uuid' }),
      evidence: Type.Array(EvidenceLink, { minItems: 1, maxItems: 10, description: 'Links that show the milestone is done' }),
      note: Type.Optional(Note('What was done')),
    },
    { additionalProperties: false },
  ),
  complete: Type.Object(
    {
      completedOn: DateOnly,
      transferValueVnd: Type.Optional({ ...Vnd, description: "What the transfer was worth; default the agreed offer's price (0 when free)" }),
    },
    { additionalProperties: false },
  ),
  cancel: Type.Object(
    { reason: Enum(cancelReasons, { title: 'CancelReason', description: 'Why the deal is cancelled' }), note: Type.Optional(Note('More about the reason')) },
    { additionalProperties: false },
  ),
  open_dispute: Type.Object({ note: Note('What is disputed') }, { additionalProperties: false }),
  resolve_dispute: Type.Object(
    {
      outcome: Enum(['resume', 'cancel'] as const, {
        title: 'DisputeOutcome',
        description: 'resume: back to the state the dispute interrupted; cancel: the deal ends',
      }),
      note: Note('The decision'),
    },
    { additionalProperties: false },
  ),
} as const

export type TransitionName = keyof typeof transitionInputs
