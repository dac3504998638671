import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
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
  const response = await app.inject({ method: 'POST', url: '/v1/deals', headers: auth, payload: { listingId, message: 'Chúng tôi quan tâm tới máy sấy này.', ...extra } })
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
