import { sql } from 'drizzle-orm'
import { check, date, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core'
import { id, stamps } from './columns.ts'
import { listings } from './listings.ts'
import { organizations } from './organizations.ts'

/**
 * A workshop, technology fair or supply-demand session the exchange's members hold: when and
 * where, who organises it, who takes part, which listings it showcases. Deals started there name
 * it (deals.exchange_event_id), so its outcomes and the reports count them.
 */
export const exchangeEvents = pgTable(
  'exchange_events',
  {
    id: id(),
    organizerId: uuid('organizer_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    place: text('place').notNull(),
    provinceCode: text('province_code').notNull(),
    currentProvinceCode: text('current_province_code').notNull(),
    // How many organisations take part (role participant), kept by a trigger on
    // exchange_event_organizations: the activity roll-up counts it with the event, whose row alone
    // then says what the event adds to a report (migrations/0050_event_activity.sql).
    participantCount: integer('participant_count').notNull().default(0),
    ...stamps(),
  },
  (table) => [
    check('exchange_events_kind_check', sql`${table.kind} in ('workshop', 'fair', 'demo_day', 'connection_session')`),
    check('exchange_events_period_check', sql`${table.endsOn} >= ${table.startsOn}`),
    index('exchange_events_starts_on_idx').on(table.startsOn),
    index('exchange_events_province_idx').on(table.currentProvinceCode),
  ],
)

/** Co-organisers and participants of an event (its main organiser is organizer_id). */
export const exchangeEventOrganizations = pgTable(
  'exchange_event_organizations',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => exchangeEvents.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    role: text('role').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.eventId, table.organizationId] }),
    check('exchange_event_organizations_role_check', sql`${table.role} in ('organizer', 'participant')`),
    index('exchange_event_organizations_organization_idx').on(table.organizationId),
  ],
)

/** The listings an event showcases. */
export const exchangeEventListings = pgTable(
  'exchange_event_listings',
  {
    eventId: uuid('event_id')
      .notNull()
      .references(() => exchangeEvents.id, { onDelete: 'cascade' }),
    listingId: uuid('listing_id')
      .notNull()
      .references(() => listings.id, { onDelete: 'restrict' }),
  },
  (table) => [primaryKey({ columns: [table.eventId, table.listingId] }), index('exchange_event_listings_listing_idx').on(table.listingId)],
)
