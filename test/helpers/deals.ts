import { count, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { Db } from '../../src/db/client.ts'
import * as schema from '../../src/db/schema/index.ts'
import { buildTestApp } from './app.ts'
import { createMember } from './factories.ts'
import { publishListing } from './matching.ts'

type Auth = Record<string, string>

export type DealBody = {
  id: string
  state: string
  version: number
  allowedTransitions: string[]
  yourRoles: string[]
  offers: Array<{ id: string; number: number; status: string; madeBy: string; counterOfId: string | null; validUntil: string }>
  milestones: Array<{ id: string; title: string; doneAt: string | null }>
  listing: { priceVnd: number | null; contacts: unknown[] | null; iprNumbers: string[] | null; redacted: string[] }
  provider: { id: string | null; name: string | null; kind: string }
  seeker: { id: string; name: string }
  [field: string]: unknown
}

export const offerTerms = (overrides: Record<string, unknown> = {}) => ({
  priceType: 'amount',
  priceVnd: 250_000_000,
  transferForm: 'standalone',
  transferMethods: ['technical_documents', 'training'],
  scope: 'Chuyển giao quy trình sấy lúa tầng sôi và đào tạo 5 kỹ thuật viên, không độc quyền, trong tỉnh Nam Định.',
  milestones: [{ title: 'Bàn giao tài liệu kỹ thuật' }, { title: 'Đào tạo kỹ thuật viên', dueDate: '2026-06-30' }],
  ...overrides,
})

/** A provider with a published listing and a seeker enterprise; the clock is the test's. */
export async function dealSetting(t: Test, env: Record<string, string> = {}, listing: Record<string, unknown> = {}) {
  const context = await buildTestApp(t, env)
  const provider = await createMember(context.db, { kind: 'research_institute', name: 'Viện Cơ điện Nông nghiệp' })
  const seeker = await createMember(context.db, { name: 'HTX Nông nghiệp Giao Thủy' })
  const published = await publishListing(context.app, provider.auth, {
    titleVi: 'Máy sấy lúa tầng sôi công suất 10 tấn/mẻ',
    descriptionVi: 'Máy sấy lúa tầng sôi giúp giảm hao hụt sau thu hoạch.',
    ...listing,
  })
  return { ...context, provider, seeker, listing: published }
}

export async function startInterest(app: FastifyInstance, auth: Auth, listingId: string, extra: Record<string, unknown> = {}): Promise<DealBody> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/deals',
    headers: auth,
    payload: { listingId, message: 'Chúng tôi quan tâm tới máy sấy này.', ...extra },
  })
  if (response.statusCode !== 201) throw new Error(`start failed: ${response.statusCode} ${response.body}`)
  return response.json() as DealBody
}

export async function fire(app: FastifyInstance, auth: Auth, dealId: string, body: Record<string, unknown>, headers: Auth = {}) {
  return app.inject({ method: 'POST', url: `/v1/deals/${dealId}/transitions`, headers: { ...auth, ...headers }, payload: body })
}

/** Fires a transition that must succeed; the deal after it. */
export async function move(app: FastifyInstance, auth: Auth, dealId: string, body: Record<string, unknown>): Promise<DealBody> {
  const response = await fire(app, auth, dealId, body)
  if (response.statusCode !== 200) throw new Error(`${String(body.transition)} failed: ${response.statusCode} ${response.body}`)
  return response.json() as DealBody
}

/** Row counts of the deal tables, the outbox and the audit trail: a refused request leaves them as they were. */
export async function dealCounts(db: Db) {
  const tables = {
    deals: schema.deals,
    offers: schema.dealOffers,
    milestones: schema.dealMilestones,
    transitions: schema.dealTransitions,
    outboxEvents: schema.outboxEvents,
    auditEvents: schema.auditEvents,
  }
  const result = {} as Record<keyof typeof tables, number>
  for (const [name, table] of Object.entries(tables)) {
    const [row] = await db.select({ n: count() }).from(table)
    result[name as keyof typeof tables] = row!.n
  }
  return result
}

/** A deal's row as stored. */
export async function dealRow(db: Db, id: string) {
  const [row] = await db.select().from(schema.deals).where(eq(schema.deals.id, id))
  return row!
}

/** The stages of the main path a seeker's interest is driven through by driveTo. */
export type DrivenState = 'accepted' | 'negotiating' | 'agreed' | 'contract_signed' | 'in_transfer' | 'completed'

/**
 * Drives an interest the seeker started along the main path to `state`: the provider accepts and
 * offers, the seeker accepts the offer and signs, the provider transfers and marks every milestone
 * done, the seeker completes. The deal as the last mover saw it.
 */
export async function driveTo(app: FastifyInstance, parties: { provider: Auth; seeker: Auth }, dealId: string, state: DrivenState): Promise<DealBody> {
  const order: DrivenState[] = ['accepted', 'negotiating', 'agreed', 'contract_signed', 'in_transfer', 'completed']
  const steps: Record<DrivenState, (deal: DealBody) => Promise<DealBody>> = {
    accepted: () => move(app, parties.provider, dealId, { transition: 'accept_interest' }),
    negotiating: () => move(app, parties.provider, dealId, { transition: 'make_offer', terms: offerTerms() }),
    agreed: (deal) => move(app, parties.seeker, dealId, { transition: 'accept_offer', offerId: deal.offers.find((offer) => offer.status === 'open')!.id }),
    contract_signed: () => move(app, parties.seeker, dealId, { transition: 'sign_contract', signedOn: '2026-03-01', contractReference: 'HĐ 07/2026/CGCN' }),
    in_transfer: () => move(app, parties.provider, dealId, { transition: 'start_transfer' }),
    completed: async (deal) => {
      for (const milestone of deal.milestones) {
        await move(app, parties.provider, dealId, {
          transition: 'complete_milestone',
          milestoneId: milestone.id,
          evidence: [{ url: 'https://example.vn/bien-ban.pdf' }],
        })
      }
      return move(app, parties.seeker, dealId, { transition: 'complete', completedOn: '2026-03-02' })
    },
  }
  let deal = (await app.inject({ method: 'GET', url: `/v1/deals/${dealId}`, headers: parties.seeker })).json() as DealBody
  for (const step of order.slice(order.indexOf(deal.state as DrivenState) + 1, order.indexOf(state) + 1)) deal = await steps[step](deal)
  return deal
}

/**
 * t.match, except that an array in the pattern stands for the whole array: t.match lets `[]` match
 * any array and `['a']` any array that starts with 'a', which would let `allowedTransitions: []` pass
 * on a deal that allows everything.
 */
export function matchWhole(t: Test, found: unknown, pattern: unknown, message?: string) {
  t.match(found, pattern, message ?? 'matches')
  const mismatches: string[] = []
  const walk = (value: unknown, expected: unknown, path: string) => {
    if (Array.isArray(expected)) {
      const length = Array.isArray(value) ? value.length : undefined
      if (length !== expected.length) mismatches.push(`${path || '.'} has ${length ?? 'no'} items, not ${expected.length}`)
      expected.forEach((item, index) => walk(Array.isArray(value) ? value[index] : undefined, item, `${path}[${index}]`))
    } else if (expected !== null && typeof expected === 'object' && !(expected instanceof RegExp) && !(expected instanceof Date)) {
      for (const [key, item] of Object.entries(expected)) walk((value as Record<string, unknown> | null | undefined)?.[key], item, `${path}.${key}`)
    }
  }
  walk(found, pattern, '')
  t.same(mismatches, [], `${message ? `${message}: ` : ''}the arrays are whole`)
}
