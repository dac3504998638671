import type { FastifyInstance } from 'fastify'
import { eq } from 'drizzle-orm'
import type { Db } from '../../src/db/client.ts'
import { listings } from '../../src/db/schema/index.ts'
import { currentProvinceCode } from '../../src/core/places.ts'

let sequence = 0

/** A valid createListing body; override what the test is about. */
export function listingInput(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'technology',
    titleVi: 'Quy trình sản xuất lúa gạo hữu cơ',
    titleEn: 'Organic rice production process',
    descriptionVi: 'Quy trình canh tác lúa hữu cơ đạt chuẩn, giảm phân bón hóa học, phù hợp vùng đồng bằng sông Hồng.',
    trl: 7,
    iprStatus: 'patent_granted',
    iprNumbers: ['1-0023456'],
    transferForms: ['standalone', 'ip_transfer'],
    transferMethods: ['technical_documents', 'training'],
    priceType: 'amount',
    priceVnd: 250_000_000,
    sectors: ['A'],
    fields: ['4'],
    keywords: ['lúa hữu cơ', 'nông nghiệp sạch'],
    provinceCodes: ['36'],
    media: [{ url: 'https://example.vn/lua.jpg', kind: 'image', title: 'Cánh đồng lúa' }],
    validUntil: '2026-12-31',
    ...overrides,
  }
}

type ListingValues = Partial<typeof listings.$inferInsert> & { ownerId: string }

/**
 * A listing straight in the database, in any state, for tests that need many of them. Published
 * and withdrawn ones get a publishedAt one minute after the previous factory listing, so "newest"
 * follows the order of creation unless the test says otherwise.
 */
export async function insertListing(db: Db, values: ListingValues) {
  sequence += 1
  const status = values.status ?? 'published'
  const provinceCodes = values.provinceCodes ?? []
  const [row] = await db
    .insert(listings)
    .values({
      kind: 'technology',
      titleVi: `Công nghệ thử nghiệm số ${sequence}`,
      descriptionVi: 'Mô tả công nghệ thử nghiệm.',
      publishedAt: status === 'draft' ? null : new Date(Date.UTC(2026, 0, 1) + sequence * 60_000),
      ...values,
      status,
      provinceCodes,
      currentProvinceCodes: values.currentProvinceCodes ?? [...new Set(provinceCodes.map((code) => currentProvinceCode(code)!))],
    })
    .returning({ id: listings.id })
  return row!.id
}

/** A listing's row as stored (for asserting what a request did or did not change). */
export async function storedListing(db: Db, id: string) {
  const [row] = await db.select().from(listings).where(eq(listings.id, id))
  return row
}

/** Creates a draft through the API and returns its body. */
export async function createListingViaApi(app: FastifyInstance, auth: Record<string, string>, overrides: Record<string, unknown> = {}) {
  const response = await app.inject({ method: 'POST', url: '/v1/listings', headers: auth, payload: listingInput(overrides) })
  if (response.statusCode !== 201) throw new Error(`createListing failed: ${response.statusCode} ${response.body}`)
  return response.json() as { id: string; version: number; status: string } & Record<string, unknown>
}
