import { provinces } from '../../src/core/places.ts'
import { drawProvinceCode, provinceName, resolveCode } from './places.ts'
import { contact, phone } from './people.ts'
import type { Random } from './random.ts'
import { domains, type Domain } from './vocabulary/index.ts'

// About 5,000 organisations of every kind, as the exchange would hold them: one operator, one
// DOST per 2025 province with its transfer centre, connection points under DOSTs, institutes,
// universities, and a large tail of enterprises.

export type OrganizationRow = {
  id: string
  kind: string
  name: string
  nameEn: string | null
  shortName: string | null
  parentId: string | null
  provinceCode: string
  currentProvinceCode: string
  address: string
  website: string | null
  email: string
  phone: string
  taxCode: string | null
  description: string
  contacts: ReturnType<typeof contact>[]
  /** Not a column: the field the organisation mostly works in. */
  domain: Domain
}

export type Organizations = {
  all: OrganizationRow[]
  operator: OrganizationRow
  /** Organisations that offer listings, most prolific first (the generator draws owners by rank). */
  suppliers: OrganizationRow[]
  /** Organisations that post demands, most active first. */
  seekers: OrganizationRow[]
  delegations: { agentId: string; memberId: string }[]
}

const brandSyllables = [
  'An',
  'Bình',
  'Minh',
  'Phú',
  'Thịnh',
  'Hưng',
  'Việt',
  'Đại',
  'Tân',
  'Hòa',
  'Phát',
  'Sao',
  'Kim',
  'Long',
  'Thành',
  'Đông',
  'Nam',
  'Trường',
  'Hải',
  'Quang',
]
const businessLines: Record<string, string[]> = {
  agriculture: ['Nông nghiệp công nghệ cao', 'Giống cây trồng', 'Phân bón hữu cơ', 'Chăn nuôi', 'Thủy sản'],
  food: ['Thực phẩm', 'Chế biến nông sản', 'Thực phẩm xuất khẩu', 'Đồ uống'],
  environment: ['Môi trường', 'Công nghệ môi trường', 'Xử lý chất thải', 'Nước sạch'],
  energy: ['Năng lượng', 'Điện mặt trời', 'Năng lượng tái tạo'],
  mechanics: ['Cơ khí chính xác', 'Chế tạo máy', 'Tự động hóa', 'Cơ khí'],
  it: ['Giải pháp phần mềm', 'Công nghệ số', 'Công nghệ thông tin', 'Dữ liệu'],
  health: ['Dược phẩm', 'Thiết bị y tế', 'Dược liệu'],
}
const instituteFields: Record<string, string[]> = {
  agriculture: ['Khoa học Nông nghiệp', 'Lúa', 'Bảo vệ thực vật', 'Chăn nuôi', 'Nuôi trồng thủy sản', 'Thổ nhưỡng Nông hóa'],
  food: ['Cơ điện Nông nghiệp và Công nghệ sau thu hoạch', 'Công nghiệp thực phẩm', 'Dinh dưỡng'],
  environment: ['Công nghệ môi trường', 'Tài nguyên nước', 'Khoa học môi trường'],
  energy: ['Năng lượng', 'Năng lượng mới'],
  mechanics: ['Cơ khí', 'Khoa học vật liệu', 'Máy và Dụng cụ công nghiệp'],
  it: ['Công nghệ thông tin', 'Trí tuệ nhân tạo', 'Điện tử - Tin học - Tự động hóa'],
  health: ['Dược liệu', 'Vệ sinh dịch tễ', 'Công nghệ sinh học'],
}
const universityNames = [
  'Bách khoa',
  'Nông Lâm',
  'Kinh tế Kỹ thuật',
  'Công nghiệp',
  'Khoa học Tự nhiên',
  'Y Dược',
  'Thủy lợi',
  'Sư phạm Kỹ thuật',
  'Công nghệ',
  'Cần Thơ',
  'Tây Nguyên',
  'Vinh',
]

const ascii = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '')

export function generateOrganizations(random: Random, total: number): Organizations {
  const all: OrganizationRow[] = []
  const taxCodes = new Set<string>()
  const drawDomain = () => random.weighted(domains.map((domain) => [domain, domain.weight] as const))

  function add(
    kind: string,
    name: string,
    options: { provinceCode?: string; parentId?: string | null; shortName?: string; nameEn?: string; domain?: Domain } = {},
  ) {
    const provinceCode = options.provinceCode ?? drawProvinceCode(random, 0.2)
    const slug = ascii(options.shortName ?? name).slice(0, 24) || 'org'
    const site = `${slug}${all.length}.example.vn`
    let taxCode: string | null = null
    if (kind === 'enterprise') {
      do taxCode = String(random.int(100_000_000, 999_999_999)) + String(random.int(0, 9))
      while (taxCodes.has(taxCode))
      taxCodes.add(taxCode)
    }
    const row: OrganizationRow = {
      id: random.uuid(),
      kind,
      name,
      nameEn: options.nameEn ?? null,
      shortName: options.shortName ?? null,
      parentId: options.parentId ?? null,
      provinceCode,
      currentProvinceCode: resolveCode(provinceCode),
      address: `Số ${random.int(1, 500)} đường ${random.pick(brandSyllables)} ${random.pick(brandSyllables)}, ${provinceName(provinceCode)}`,
      website: random.chance(0.7) ? `https://${site}` : null,
      email: `lienhe@${site}`,
      phone: phone(random),
      taxCode,
      description: `${name} hoạt động tại ${provinceName(provinceCode)}.`,
      contacts: random.chance(0.8) ? [contact(random, site)] : [],
      domain: options.domain ?? drawDomain(),
    }
    all.push(row)
    return row
  }

  const operator = add('exchange_operator', 'Sàn giao dịch công nghệ quốc gia', {
    provinceCode: '01',
    nameEn: 'National Technology Exchange',
    shortName: 'Techmart',
  })
  const dosts = new Map<string, OrganizationRow>()
  for (const province of provinces) {
    const dost = add('authority', `Sở Khoa học và Công nghệ ${province.name}`, { provinceCode: province.code, shortName: `Sở KH&CN ${province.name}` })
    dosts.set(province.code, dost)
    add('transfer_centre', `Trung tâm Ứng dụng và Chuyển giao công nghệ ${province.name}`, { provinceCode: province.code, parentId: dost.id })
  }
  const agents: OrganizationRow[] = [...dosts.values()]
  const counts = { connection_point: Math.round(total * 0.03), research_institute: Math.round(total * 0.12), university: Math.round(total * 0.06) }
  for (let i = 0; i < counts.connection_point; i++) {
    const provinceCode = drawProvinceCode(random, 0.2)
    const parent = dosts.get(resolveCode(provinceCode))!
    agents.push(add('connection_point', `Điểm kết nối cung cầu công nghệ ${provinceName(provinceCode)} số ${i + 1}`, { provinceCode, parentId: parent.id }))
  }
  for (let i = 0; i < counts.research_institute; i++) {
    const domain = drawDomain()
    const field = random.pick(instituteFields[domain.code]!)
    const provinceCode = drawProvinceCode(random, 0.2)
    add('research_institute', `Viện ${field} ${random.pick(['', 'miền Bắc', 'miền Nam', 'miền Trung', provinceName(provinceCode)])}`.trim() + ` (${i + 1})`, {
      provinceCode,
      domain,
    })
  }
  for (let i = 0; i < counts.university; i++) {
    const provinceCode = drawProvinceCode(random, 0.2)
    add('university', `Trường Đại học ${random.pick(universityNames)} ${provinceName(provinceCode)} (${i + 1})`, { provinceCode })
  }
  while (all.length < total) {
    const domain = drawDomain()
    const brand = `${random.pick(brandSyllables)} ${random.pick(brandSyllables)}`
    add('enterprise', `Công ty ${random.pick(['TNHH', 'Cổ phần'])} ${random.pick(businessLines[domain.code]!)} ${brand}`, { domain, shortName: brand })
  }

  // Suppliers and seekers in a fixed shuffled order: rank decides how prolific each one is.
  const suppliers = random.sample(
    all.filter((row) => ['research_institute', 'university', 'transfer_centre', 'enterprise'].includes(row.kind)),
    all.length,
  )
  const seekers = random.sample(
    all.filter((row) => ['enterprise', 'connection_point', 'authority', 'university'].includes(row.kind)),
    all.length,
  )
  const delegations: Organizations['delegations'] = []
  for (const member of all) {
    if (member.kind === 'enterprise' && random.chance(0.25)) delegations.push({ agentId: random.pick(agents).id, memberId: member.id })
  }
  return { all, operator, suppliers, seekers, delegations }
}
