import { daysBefore, dateOnly, minDate, plusDays, type Anchor } from './dates.ts'
import type { OrganizationRow } from './organizations.ts'
import { Json, json } from './copy.ts'
import { contact } from './people.ts'
import { drawProvinceCode, provinceName, resolveCodes } from './places.ts'
import type { Random } from './random.ts'
import { listingText } from './text.ts'
import { domains } from './vocabulary/index.ts'

// One listing row, in the column order of `listingColumns`, for COPY.

export const listingColumns = [
  'id',
  'owner_id',
  'status',
  'kind',
  'title_vi',
  'title_en',
  'description_vi',
  'description_en',
  'trl',
  'ipr_status',
  'ipr_numbers',
  'transfer_forms',
  'transfer_methods',
  'price_type',
  'price_vnd',
  'sectors',
  'fields',
  'keywords',
  'province_codes',
  'current_province_codes',
  'media',
  'valid_until',
  'published_at',
  'withdrawn_at',
  'withdraw_reason',
  'contacts',
  'disclosure',
  'created_at',
  'updated_at',
  'version',
] as const

const trlWeights = [
  [3, 4],
  [4, 7],
  [5, 10],
  [6, 15],
  [7, 20],
  [8, 22],
  [9, 22],
] as const
const iprWeights = [
  ['none', 45],
  ['know_how', 15],
  ['patent_granted', 10],
  ['patent_pending', 10],
  ['utility_solution_granted', 12],
  ['utility_solution_pending', 8],
] as const
const statusWeights = [
  ['published', 80],
  ['draft', 9],
  ['withdrawn', 6],
  ['expired', 5],
] as const
const withdrawReasons = [
  'Đã chuyển giao độc quyền cho đối tác',
  'Công nghệ đã được thay thế bằng phiên bản mới',
  'Ngừng sản xuất thiết bị',
  'Đơn vị tái cơ cấu',
]
const formsByKind: Record<string, readonly string[]> = {
  equipment: ['machinery_sale', 'standalone', 'investment_project'],
  service: ['standalone', 'other'],
  know_how: ['standalone', 'capital_contribution', 'franchise'],
  default: ['standalone', 'ip_transfer', 'capital_contribution', 'investment_project', 'franchise'],
}
const methods = ['technical_documents', 'training', 'expert_assistance', 'machinery_delivery', 'other']

function iprNumbers(random: Random, status: string, year: number): string[] {
  if (!status.startsWith('patent') && !status.startsWith('utility')) return []
  const series = status.startsWith('patent') ? '1' : '2'
  return status.endsWith('granted') ? [`${series}-00${random.int(10_000, 39_999)}`] : [`${series}-${year}-${String(random.int(1, 9999)).padStart(5, '0')}`]
}

/** Codes drawn from a list with the first most likely; one to `max` of them, without repeats. */
function codes(random: Random, list: readonly string[], max: number): string[] {
  const first = random.chance(0.75) ? list[0]! : random.pick(list)
  const out = new Set([first])
  while (out.size < max && random.chance(0.35)) out.add(random.pick(list))
  return [...out]
}

/** A price in VND, log-uniform between 20 million and 5 billion, rounded to the million. */
const price = (random: Random) => Math.round(Math.pow(10, 7.3 + random.next() * 2.4) / 1e6) * 1e6

/** The owner's traits a listing depends on: its field and where it is. */
export type ListingOwner = Pick<OrganizationRow, 'id' | 'domain' | 'currentProvinceCode'>

export function listingRow(random: Random, anchor: Anchor, owner: ListingOwner): unknown[] {
  const domain = random.chance(0.8) ? owner.domain : random.weighted(domains.map((each) => [each, each.weight] as const))
  const kind = random.weighted(domain.kinds)
  const legacy = random.chance(0.2)
  const filed = [legacy ? drawProvinceCode(random, 1) : random.chance(0.7) ? owner.currentProvinceCode : drawProvinceCode(random, 0)]
  const extra = random.weighted([
    [0, 65],
    [1, 25],
    [2, 10],
  ] as const)
  for (let i = 0; i < extra; i++) filed.push(drawProvinceCode(random, 0))
  const provinceCodes = [...new Set(filed)]
  const text = listingText(random, domain, kind, provinceName(provinceCodes[0]!), provinceName(drawProvinceCode(random, 0)))

  const status = random.weighted(statusWeights)
  const createdAt = daysBefore(anchor, Math.floor(1095 * Math.pow(random.next(), 1.7)) + random.next())
  const published = status !== 'draft'
  const publishedAt = published ? minDate(plusDays(createdAt, random.next() * 10), anchor.now) : null
  let validUntil: string | null = null
  if (status === 'expired')
    validUntil = dateOnly(plusDays(publishedAt!, Math.max(1, ((anchor.now.getTime() - publishedAt!.getTime()) / 86_400_000) * random.next())))
  else if (random.chance(0.6)) validUntil = dateOnly(plusDays(anchor.now, random.int(30, 730)))
  if (status === 'expired' && validUntil! >= anchor.today) validUntil = dateOnly(daysBefore(anchor, 1))
  const withdrawnAt = status === 'withdrawn' ? minDate(plusDays(publishedAt!, random.next() * 200), anchor.now) : null
  const updatedAt = withdrawnAt ?? publishedAt ?? createdAt

  const iprStatus = random.weighted(iprWeights)
  const priceType = random.weighted([
    ['amount', 40],
    ['negotiable', 40],
    ['on_request', 20],
  ] as const)
  const trl = kind === 'service' && random.chance(0.7) ? null : random.chance(0.03) ? null : random.weighted(trlWeights)
  const id = random.uuid()
  const site = `${id.slice(0, 8)}.example.vn`
  const media = random.chance(0.5) ? [{ url: `https://cdn.example.vn/listings/${id.slice(0, 8)}/anh-1.jpg`, kind: 'image', title: 'Hình ảnh minh họa' }] : []
  if (random.chance(0.2)) media.push({ url: `https://cdn.example.vn/listings/${id.slice(0, 8)}/tai-lieu.pdf`, kind: 'document', title: 'Tài liệu kỹ thuật' })

  return [
    id,
    owner.id,
    status === 'expired' ? 'published' : status,
    kind,
    text.titleVi,
    text.titleEn,
    text.descriptionVi,
    text.descriptionEn,
    trl,
    iprStatus,
    iprNumbers(random, iprStatus, createdAt.getUTCFullYear()),
    random.sample(formsByKind[kind] ?? formsByKind.default!, random.int(1, 2)),
    random.sample(methods, random.int(1, 3)),
    priceType,
    priceType === 'amount' ? price(random) : null,
    codes(random, domain.sectors, 3),
    codes(random, domain.fields, 2),
    text.keywords,
    provinceCodes,
    resolveCodes(provinceCodes),
    json(media),
    validUntil,
    publishedAt,
    withdrawnAt,
    withdrawnAt ? random.pick(withdrawReasons) : null,
    json(random.chance(0.7) ? [contact(random, site)] : []),
    json({ contacts: random.chance(0.3), iprNumbers: random.chance(0.5) }),
    createdAt,
    updatedAt,
    1,
  ]
}

/** The same listing as a createListing request body (what an editor would POST). */
export function listingBody(random: Random, anchor: Anchor, owner: ListingOwner): Record<string, unknown> {
  const values = listingRow(random, anchor, owner)
  const row = Object.fromEntries(listingColumns.map((column, index) => [column, values[index] instanceof Json ? values[index].value : values[index]]))
  const body: Record<string, unknown> = {
    kind: row.kind,
    titleVi: row.title_vi,
    descriptionVi: row.description_vi,
    iprStatus: row.ipr_status,
    iprNumbers: row.ipr_numbers,
    transferForms: row.transfer_forms,
    transferMethods: row.transfer_methods,
    priceType: row.price_type,
    sectors: row.sectors,
    fields: row.fields,
    keywords: row.keywords,
    provinceCodes: row.province_codes,
    media: row.media,
    contacts: row.contacts,
    disclosure: row.disclosure,
  }
  if (row.title_en !== null) body.titleEn = row.title_en
  if (row.description_en !== null) body.descriptionEn = row.description_en
  if (row.trl !== null) body.trl = row.trl
  if (row.price_vnd !== null) body.priceVnd = row.price_vnd
  if (typeof row.valid_until === 'string' && row.valid_until >= anchor.today) body.validUntil = row.valid_until
  return body
}
