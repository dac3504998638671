import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import { demands } from '../../src/db/schema/index.ts'

type Auth = { authorization: string }
type Body = Record<string, unknown>

/** A valid createDemand body: a rice dryer wanted in Nam Định (a legacy code, now Ninh Bình). */
export const demandInput = (overrides: Body = {}): Body => ({
  titleVi: 'Cần máy sấy lúa công suất 10 tấn/mẻ',
  titleEn: 'Rice dryer wanted, 10 tonnes per batch',
  problemVi: 'Lúa thu hoạch vụ mùa bị ẩm, phơi nắng không kịp, tỷ lệ hao hụt cao.',
  desiredOutcomeVi: 'Giảm hao hụt sau thu hoạch xuống dưới 3%.',
  sectors: ['A', 'C'],
  fields: ['4'],
  keywords: ['sấy lúa', 'sau thu hoạch'],
  minTrl: 6,
  budgetMinVnd: 500_000_000,
  budgetMaxVnd: 2_000_000_000,
  deadline: '2026-06-30',
  provinceCode: '36',
  ...overrides,
})

async function expectOk(response: { statusCode: number; body: string; json: () => unknown }, status: number, what: string) {
  if (response.statusCode !== status) throw new Error(`${what}: expected ${status}, got ${response.statusCode} ${response.body}`)
  return response.json() as Body & { id: string; version: number }
}

/** Files a draft through the API (so every test exercises the real path) and returns its body. */
export async function fileDemand(app: FastifyInstance, auth: Auth, overrides: Body = {}) {
  const response = await app.inject({ method: 'POST', url: '/v1/demands', headers: auth, payload: demandInput(overrides) })
  return expectOk(response, 201, 'fileDemand')
}

export async function openDemand(app: FastifyInstance, auth: Auth, id: string) {
  return expectOk(await app.inject({ method: 'POST', url: `/v1/demands/${id}/open`, headers: auth }), 200, 'openDemand')
}

export async function closeDemand(app: FastifyInstance, auth: Auth, id: string, body: Body = { reason: 'fulfilled' }) {
  return expectOk(await app.inject({ method: 'POST', url: `/v1/demands/${id}/close`, headers: auth, payload: body }), 200, 'closeDemand')
}

/** Files and opens a demand: what the public sees. */
export async function fileOpenDemand(app: FastifyInstance, auth: Auth, overrides: Body = {}) {
  const draft = await fileDemand(app, auth, overrides)
  return openDemand(app, auth, draft.id)
}

/** The stored row, to check that a refused write changed nothing. */
export async function demandRow(db: Db, id: string) {
  const [row] = await db.select().from(demands).where(eq(demands.id, id))
  return row
}
