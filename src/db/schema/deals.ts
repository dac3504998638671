import { sql } from 'drizzle-orm'
import { bigint, check, date, index, jsonb, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'
import { demands } from './demands.ts'
import { exchangeEvents } from './exchange-events.ts'
import { listings } from './listings.ts'
import { matches } from './matches.ts'
import { organizations } from './organizations.ts'

export type EvidenceLink = { url: string; title?: string }
export type Milestone = { title: string; dueDate?: string | null }
/** What an offer proposes; see DealOfferTerms in deals.schemas.ts. */
export type OfferTerms = {
  priceType: 'amount' | 'free'
  priceVnd: number | null
  transferForm: string
  transferMethods: string[]
  scope: string
  milestones: Milestone[]
  validUntil: string
}

/** A deal's states; what each means and the moves between them: modules/deals/deals.process.ts. */
export const dealStateNames = [
  'interest_expressed',
  'accepted',
  'negotiating',
  'agreed',
  'contract_signed',
  'in_transfer',
  'completed',
  'declined',
  'expired',
  'cancelled',
  'disputed',
] as const
export type DealState = (typeof dealStateNames)[number]

/**
 * A deal: one seeker's path towards one listing's transfer, from an expression of interest to a
 * completed transfer (or its end on the way). The states and who may move them are declared in
 * src/modules/deals/deals.process.ts; the row holds where a deal is and the facts its moves record.
 */
export const deals = pgTable(
  'deals',
  {
    id: id(),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'restrict' }),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    seekerId: uuid('seeker_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    demandId: uuid('demand_id').references(() => demands.id, { onDelete: 'restrict' }),
    matchId: uuid('match_id').references(() => matches.id, { onDelete: 'restrict' }),
    // The workshop or fair where the deal started, if any: its outcomes and the reports count it.
    exchangeEventId: uuid('exchange_event_id').references(() => exchangeEvents.id, { onDelete: 'restrict' }),
    // How it started: 'interest' (the seeker on a listing), 'proposal' (the provider answering a
    // demand) or 'match' (the seeker from a shortlisted match). The side that did not start answers.
    origin: text('origin').notNull(),
    initiatedBy: text('initiated_by').notNull(),
    state: text('state').$type<DealState>().notNull(),
    // The furthest state on the main path the deal has reached: what the seeker has been shown of
    // the listing (staged disclosure) never goes back, even if the deal is cancelled later.
    reachedState: text('reached_state').$type<DealState>().notNull(),
    // The state a dispute interrupted, to which the operator may return the deal.
    disputedFrom: text('disputed_from').$type<DealState>(),
    message: text('message').notNull(),
    // Timers: when an unanswered interest expires, and whether its reminder went out.
    respondBy: timestamp('respond_by', { withTimezone: true, mode: 'date' }),
    respondReminderAt: timestamp('respond_reminder_at', { withTimezone: true, mode: 'date' }),
    respondRemindedAt: timestamp('respond_reminded_at', { withTimezone: true, mode: 'date' }),
    closeReason: text('close_reason'),
    closeNote: text('close_note'),
    agreedOfferId: uuid('agreed_offer_id'),
    contractSignedOn: date('contract_signed_on', { mode: 'string' }),
    contractReference: text('contract_reference'),
    // Recorded at completion, for reporting: what the transfer was worth and when it completed.
    transferValueVnd: bigint('transfer_value_vnd', { mode: 'number' }),
    completedOn: date('completed_on', { mode: 'string' }),
    stateChangedAt: timestamp('state_changed_at', { withTimezone: true, mode: 'date' }).notNull(),
    ...stamps(),
  },
  (table) => [
    check('deals_origin_check', sql`${table.origin} in ('interest', 'proposal', 'match')`),
    check('deals_initiated_by_check', sql`${table.initiatedBy} in ('provider', 'seeker')`),
    check(
      'deals_state_check',
      sql`${table.state} in ('interest_expressed', 'accepted', 'negotiating', 'agreed', 'contract_signed', 'in_transfer', 'completed', 'declined', 'expired', 'cancelled', 'disputed')`,
    ),
    check('deals_parties_check', sql`${table.providerId} <> ${table.seekerId}`),
    check('deals_transfer_value_check', sql`${table.transferValueVnd} >= 0`),
    // One open deal per (listing, seeker): a second expression of interest joins the first.
    uniqueIndex('deals_open_pair_key')
      .on(table.listingId, table.seekerId)
      .where(sql`${table.state} not in ('completed', 'declined', 'expired', 'cancelled')`),
    index('deals_provider_idx').on(table.providerId, table.updatedAt.desc()),
    index('deals_created_provider_idx').on(table.createdAt, table.providerId, table.state),
    index('deals_seeker_idx').on(table.seekerId, table.updatedAt.desc()),
    index('deals_listing_idx').on(table.listingId),
    index('deals_respond_by_idx')
      .on(table.respondBy)
      .where(sql`${table.state} = 'interest_expressed'`),
    index('deals_exchange_event_idx')
      .on(table.exchangeEventId)
      .where(sql`${table.exchangeEventId} is not null`),
    index('deals_completed_idx')
      .on(table.completedOn)
      .where(sql`${table.state} = 'completed'`),
  ],
)

/** Offers and counter-offers on a deal; at most one is open at a time. */
export const dealOffers = pgTable(
  'deal_offers',
  {
    id: id(),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    number: smallint('number').notNull(),
    madeBy: text('made_by').notNull(),
    madeByOrganizationId: uuid('made_by_organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    counterOfId: uuid('counter_of_id'),
    status: text('status').notNull().default('open'),
    terms: jsonb('terms').$type<OfferTerms>().notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true, mode: 'date' }).notNull(),
    reminderAt: timestamp('reminder_at', { withTimezone: true, mode: 'date' }).notNull(),
    remindedAt: timestamp('reminded_at', { withTimezone: true, mode: 'date' }),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    rejectNote: text('reject_note'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    check('deal_offers_made_by_check', sql`${table.madeBy} in ('provider', 'seeker')`),
    check('deal_offers_status_check', sql`${table.status} in ('open', 'accepted', 'rejected', 'withdrawn', 'countered', 'lapsed')`),
    uniqueIndex('deal_offers_number_key').on(table.dealId, table.number),
    uniqueIndex('deal_offers_one_open_key')
      .on(table.dealId)
      .where(sql`${table.status} = 'open'`),
    index('deal_offers_valid_until_idx')
      .on(table.validUntil)
      .where(sql`${table.status} = 'open'`),
  ],
)

/** The agreed offer's milestones, marked done during the transfer with evidence links. */
export const dealMilestones = pgTable(
  'deal_milestones',
  {
    id: id(),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
    title: text('title').notNull(),
    dueDate: date('due_date', { mode: 'string' }),
    doneAt: timestamp('done_at', { withTimezone: true, mode: 'date' }),
    evidence: jsonb('evidence').$type<EvidenceLink[]>().notNull().default([]),
    note: text('note'),
  },
  (table) => [uniqueIndex('deal_milestones_position_key').on(table.dealId, table.position)],
)

/** Every move of every deal: who fired which transition, from and to which state, with what. */
export const dealTransitions = pgTable(
  'deal_transitions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    transition: text('transition').notNull(),
    fromState: text('from_state').$type<DealState>(),
    toState: text('to_state').$type<DealState>().notNull(),
    // 'provider' | 'seeker' | 'provider_broker' | 'seeker_broker' | 'operator' | 'system'
    actorRole: text('actor_role').notNull(),
    actorOrganizationId: uuid('actor_organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    actorKeyId: uuid('actor_key_id'),
    payload: jsonb('payload').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [index('deal_transitions_deal_idx').on(table.dealId, table.id)],
)

/** What the parties (and their brokers) write to each other on a deal. */
export const dealMessages = pgTable(
  'deal_messages',
  {
    id: id(),
    dealId: uuid('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    authorOrganizationId: uuid('author_organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    authorRole: text('author_role').notNull(),
    body: text('body').notNull(),
    attachments: jsonb('attachments').$type<EvidenceLink[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [index('deal_messages_deal_idx').on(table.dealId, table.createdAt, table.id)],
)
