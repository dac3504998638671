// npx tsx bench/quality/retrieval-set/generate.ts — writes test/fixtures/retrieval-eval/ from the
// hand-written needs (needs-*.ts). Seeded: the same output on every run. The grades come from how
// each listing was written (see need.ts), never from a system's results; the pooled grades added
// after looking at system results live in qrels-pooled.json, which this script does not touch.
import { mkdirSync, writeFileSync } from 'node:fs'
import { agriculture } from './needs-agriculture.ts'
import { aquaculture } from './needs-aquaculture.ts'
import { construction } from './needs-construction.ts'
import { energy } from './needs-energy.ts'
import { environment } from './needs-environment.ts'
import { food } from './needs-food.ts'
import { health } from './needs-health.ts'
import { it } from './needs-it.ts'
import { livestock } from './needs-livestock.ts'
import { materials } from './needs-materials.ts'
import { mechanics } from './needs-mechanics.ts'
import type { Domain, Need } from './need.ts'
import { currentCodes, legacyCodes, makeOrganizations, type GeneratedOrganization } from './organizations.ts'
import { fold, misspell, rewriteTitle, seeded, shuffle } from './text.ts'
import { offTopic } from './off-topic.ts'

const random = seeded(20261205)
const needsByDomain: [Domain, Need[]][] = [
  ['agriculture', agriculture],
  ['livestock', livestock],
  ['aquaculture', aquaculture],
  ['food', food],
  ['environment', environment],
  ['energy', energy],
  ['mechanics', mechanics],
  ['materials', materials],
  ['it', it],
  ['health', health],
  ['construction', construction],
]
const defaults: Record<Domain, { sectors: string[]; fields: string[] }> = {
  agriculture: { sectors: ['A'], fields: ['4'] },
  livestock: { sectors: ['A'], fields: ['4'] },
  aquaculture: { sectors: ['A'], fields: ['4'] },
  food: { sectors: ['C'], fields: ['2', '4'] },
  environment: { sectors: ['E'], fields: ['2'] },
  energy: { sectors: ['D'], fields: ['2'] },
  mechanics: { sectors: ['C'], fields: ['2'] },
  materials: { sectors: ['C'], fields: ['2', '1'] },
  it: { sectors: ['J'], fields: ['2'] },
  health: { sectors: ['Q'], fields: ['3'] },
  construction: { sectors: ['F'], fields: ['2'] },
}

type Role = 'solve' | 'help' | 'related' | 'trap' | 'off-topic'
type Variant = 'original' | 'rewrite' | 'unaccented' | 'own'
export type OutListing = {
  key: string
  domain: Domain
  owner: string
  kind: string
  titleVi: string
  descriptionVi: string
  keywords: string[]
  sectors: string[]
  fields: string[]
  trl: number
  priceType: 'amount' | 'negotiable' | 'on_request'
  priceVnd?: number
  provinceCodes: string[]
  /** Not request fields: how the listing was written, for the README's counts and the checks. */
  need: string | null
  role: Role
  variant: Variant
  titleNoise?: 'unaccented' | 'misspelt'
}

// ---- organisations
const organizations = makeOrganizations(random)
const suppliers = organizations.filter((o) => o.files === 'listings')
const demanders = organizations.filter((o) => o.files === 'demands')
const suppliersOf = (domain: Domain) => suppliers.filter((o) => o.domains === 'all' || o.domains.includes(domain))
const pickOwner = (domain: Domain, not: Set<string> = new Set()) => {
  const choices = suppliersOf(domain).filter((o) => !not.has(o.key))
  return random.pick(choices.length > 0 ? choices : suppliers.filter((o) => !not.has(o.key))).key
}

// ---- listing text
const kindOf = (title: string) => {
  const t = fold(title).toLowerCase()
  if (/^(may|thiet bi|he thong|tram|tu |bo dieu khien|robot|lo |thung|ghe|long|cell|xe |bom|quat|den |tam |ong )/.test(t)) return 'equipment'
  if (
    /^(dich vu|tu van|dao tao|kiem dinh|kiem nghiem|kiem toan|xet nghiem|chung nhan|phan tich|quan trac|thu gom|nao vet|khao sat|so hoa|thiet ke|sua chua|can bang|khoan|phoi giong|chup|do |thu nghiem)/.test(
      t,
    )
  )
    return 'service'
  if (
    /^(che pham|phan |giong|san pham|vac xin|bo kit|kit|que thu|thuoc|thuc an|dung dich|bot|keo |son |vai |tui |hop |cat |vua |mang |gach|be tong|nuoc |dau |tra |tom |ca |banh|sua|mat |men |vien|day |lo |kinh)/.test(
      t,
    )
  )
    return 'product'
  if (/^(bi quyet|ky thuat)/.test(t)) return 'know_how'
  return 'technology'
}

const contexts: Record<Domain, string[]> = {
  agriculture: [
    'Phù hợp với hợp tác xã, trang trại và doanh nghiệp sản xuất nông nghiệp quy mô vừa.',
    'Đã được hội đồng khoa học cấp tỉnh đánh giá và khuyến cáo áp dụng trong sản xuất nông nghiệp.',
    'Sản phẩm của đề tài khoa học cấp bộ, được hoàn thiện qua nhiều vụ sản xuất.',
  ],
  livestock: [
    'Phù hợp với trang trại chăn nuôi tập trung và nông hộ.',
    'Đã được Cục Chăn nuôi cho phép lưu hành, áp dụng tại nhiều trang trại.',
    'Kết quả của dự án sản xuất thử nghiệm cấp quốc gia trong chăn nuôi.',
  ],
  aquaculture: [
    'Phù hợp với vùng nuôi thủy sản tập trung và doanh nghiệp nuôi trồng thủy sản.',
    'Đã thử nghiệm qua nhiều vụ nuôi tại các tỉnh ven biển.',
    'Sản phẩm của chương trình khoa học công nghệ phục vụ nuôi trồng thủy sản.',
  ],
  food: [
    'Phù hợp với cơ sở chế biến thực phẩm vừa và nhỏ, làng nghề và doanh nghiệp xuất khẩu.',
    'Quy trình đáp ứng yêu cầu an toàn thực phẩm và truy xuất theo lô sản xuất.',
    'Đã chuyển giao cho nhiều cơ sở sản xuất, chế biến trong nước.',
  ],
  environment: [
    'Phù hợp với khu công nghiệp, nhà máy và cơ sở sản xuất phải xử lý chất thải theo quy chuẩn.',
    'Hệ thống vận hành tự động, chi phí vận hành thấp, dễ bảo trì.',
    'Đã được thẩm định công nghệ môi trường và ứng dụng tại nhiều công trình.',
  ],
  energy: [
    'Phù hợp với nhà máy, tòa nhà và cơ sở sản xuất muốn giảm chi phí năng lượng.',
    'Thời gian hoàn vốn 3–6 năm tùy quy mô và chế độ vận hành.',
    'Giải pháp nằm trong chương trình sử dụng năng lượng tiết kiệm và hiệu quả.',
  ],
  mechanics: [
    'Máy được thiết kế, chế tạo trong nước, phụ tùng thay thế sẵn có, bảo hành 12 tháng.',
    'Phù hợp với cơ sở sản xuất, chế biến quy mô vừa và nhỏ.',
    'Thiết bị đạt tiêu chuẩn an toàn máy, vận hành đơn giản.',
  ],
  materials: [
    'Vật liệu sản xuất trong nước, đạt tiêu chuẩn TCVN và thay thế hàng nhập khẩu.',
    'Phù hợp với nhà máy sản xuất và nhà thầu thi công.',
    'Kết quả của đề tài nghiên cứu vật liệu mới cấp bộ.',
  ],
  it: [
    'Phần mềm triển khai trên nền tảng đám mây hoặc máy chủ tại chỗ, hỗ trợ tiếng Việt đầy đủ.',
    'Phù hợp với doanh nghiệp vừa và nhỏ, cơ quan nhà nước và hợp tác xã.',
    'Hệ thống có thể tích hợp với phần mềm sẵn có qua API.',
  ],
  health: [
    'Phù hợp với bệnh viện tuyến tỉnh, tuyến huyện và trạm y tế xã.',
    'Sản phẩm đã được Bộ Y tế cấp phép lưu hành.',
    'Kết quả của đề tài khoa học cấp bộ trong lĩnh vực y tế.',
  ],
  construction: [
    'Phù hợp với chủ đầu tư, nhà thầu và ban quản lý dự án công trình.',
    'Giải pháp đáp ứng tiêu chuẩn xây dựng Việt Nam hiện hành.',
    'Đã áp dụng tại nhiều công trình dân dụng và hạ tầng.',
  ],
}
const provinceNames = [
  'Đồng Tháp',
  'Cần Thơ',
  'Đắk Lắk',
  'Lâm Đồng',
  'Nghệ An',
  'Thanh Hóa',
  'Hải Phòng',
  'Bắc Ninh',
  'Quảng Ngãi',
  'An Giang',
  'Cà Mau',
  'Gia Lai',
  'Hà Nội',
  'Đồng Nai',
]
const transfers = [
  'Chuyển giao trọn gói gồm tài liệu kỹ thuật, đào tạo vận hành và bảo hành {m} tháng.',
  'Đơn vị hỗ trợ khảo sát, thiết kế, lắp đặt hệ thống và hướng dẫn quy trình vận hành.',
  'Hình thức chuyển giao: hợp đồng chuyển giao công nghệ độc lập hoặc góp vốn bằng công nghệ.',
  'Có chuyên gia hỗ trợ kỹ thuật tại chỗ trong {m} tháng đầu sản xuất.',
]
const results = [
  'Đã ứng dụng tại {n} cơ sở ở {p} với kết quả ổn định.',
  'Mô hình trình diễn tại {p} cho hiệu quả kinh tế tăng {n}% so với cách làm cũ.',
  'Đã được {n} đơn vị ở {p} và các tỉnh lân cận đặt hàng.',
]
const fill = (template: string) =>
  template
    .replace('{m}', String(random.pick([6, 12, 18, 24])))
    .replace('{n}', String(random.int(3, 40)))
    .replace('{p}', random.pick(provinceNames))

const describe = (sentence: string, domain: Domain) => {
  const parts = [sentence.endsWith('.') ? sentence : `${sentence}.`, random.pick(contexts[domain]), fill(random.pick(results)), fill(random.pick(transfers))]
  return parts.join(' ')
}

const provinceList = () => {
  const count = random.int(1, 3)
  const codes = new Set<string>()
  while (codes.size < count) codes.add(random.chance(0.35) ? random.pick(legacyCodes) : random.pick(currentCodes))
  return [...codes]
}
const price = (): Pick<OutListing, 'priceType' | 'priceVnd'> => {
  const r = random.next()
  if (r < 0.3) return { priceType: 'amount', priceVnd: random.int(2, 300) * 10_000_000 }
  return { priceType: r < 0.8 ? 'negotiable' : 'on_request' }
}

type Spec = { title: string; sentence: string; keywords: string[]; dup: boolean; trl: number | null; also: Record<string, number> }
function parse(spec: string): Spec {
  let text = spec
  const also: Record<string, number> = {}
  text = text.replace(/\s*#([a-z0-9-]+)=(\d)/g, (_all, key: string, grade: string) => {
    also[key] = Number(grade)
    return ''
  })
  const dup = text.startsWith('~')
  if (dup) text = text.slice(1)
  let trl: number | null = null
  const trlMark = /^\^(\d) /.exec(text)
  if (trlMark) {
    trl = Number(trlMark[1])
    text = text.slice(trlMark[0].length)
  }
  const [title, sentence, keywords] = text.split(' | ')
  return {
    title: title!.trim(),
    sentence: (sentence ?? title!).trim(),
    keywords: keywords
      ? keywords
          .split(';')
          .map((k) => k.trim())
          .filter(Boolean)
      : [],
    dup,
    trl,
    also,
  }
}

// ---- build
const listings: OutListing[] = []
/** grades[needKey][listing index] */
const grades = new Map<string, Map<OutListing, number>>()
const duplicateGroups: OutListing[][] = []
const pendingAlso: [OutListing, Record<string, number>][] = []
const needs = needsByDomain.flatMap(([domain, list]) => list.map((need) => ({ ...need, domain })))
const needByKey = new Map(needs.map((need) => [need.k, need]))

const gradeFor = (role: Role, trl: number, need: Need) => {
  const base = role === 'solve' ? 3 : role === 'help' ? 2 : role === 'related' ? 1 : 0
  // The right answer at a readiness level the enterprise said it cannot use: related, not a solution.
  if (base >= 2 && need.trl !== undefined && trl < need.trl) return 1
  return base
}
const trlFor = (role: Role, need: Need) => {
  const min = need.trl ?? 4
  if (role === 'solve') return random.int(Math.max(min, 5), 9)
  if (role === 'help') return random.int(Math.max(min, 4), 9)
  return random.int(4, 9)
}

let unaccentedTitles = 0
let misspeltTitles = 0
for (const need of needs) {
  const domain = need.domain
  const base = defaults[domain]
  const sectors = need.sectors ?? base.sectors
  const fields = need.fields ?? base.fields
  const gradeMap = new Map<OutListing, number>()
  grades.set(need.k, gradeMap)
  const roles: [Role, string[]][] = [
    ['solve', need.s],
    ['help', need.h],
    ['related', need.r],
    ['trap', need.x],
  ]
  for (const [role, specs] of roles) {
    for (const raw of specs) {
      const spec = parse(raw)
      const trl = spec.trl ?? trlFor(role, need)
      const ownerKey = pickOwner(domain)
      let title = spec.title
      let titleNoise: OutListing['titleNoise']
      if (!spec.dup && random.chance(0.09)) {
        title = fold(title)
        titleNoise = 'unaccented'
        unaccentedTitles++
      } else if (!spec.dup && random.chance(0.07)) {
        const noisy = misspell(title, random)
        if (noisy !== title) {
          title = noisy
          titleNoise = 'misspelt'
          misspeltTitles++
        }
      }
      const listing: OutListing = {
        key: '',
        domain,
        owner: ownerKey,
        kind: kindOf(spec.title),
        titleVi: title,
        descriptionVi: describe(spec.sentence, domain),
        keywords: spec.keywords,
        sectors: role === 'trap' && random.chance(0.5) ? [random.pick(['C', 'G', 'M', 'J', 'A'])] : sectors,
        fields,
        trl,
        ...price(),
        provinceCodes: provinceList(),
        need: need.k,
        role,
        variant: 'original',
        ...(titleNoise ? { titleNoise } : {}),
      }
      listings.push(listing)
      gradeMap.set(listing, gradeFor(role, trl, need))
      if (Object.keys(spec.also).length > 0) pendingAlso.push([listing, spec.also])
      if (spec.dup) {
        const group = [listing]
        const used = new Set([ownerKey])
        // Another centre's wording: same technology, its own title and framing; sometimes an earlier TRL.
        const rewriteOwner = pickOwner(domain, used)
        used.add(rewriteOwner)
        const lowTrl = role === 'solve' && need.trl !== undefined && need.trl >= 5 && random.chance(0.2)
        const rewriteTrl = lowTrl ? need.trl! - random.int(1, 2) : trlFor(role, need)
        const rewrite: OutListing = {
          ...listing,
          owner: rewriteOwner,
          titleVi: rewriteTitle(spec.title, random),
          descriptionVi: describe(spec.sentence, domain),
          keywords: random.chance(0.5) ? spec.keywords : [],
          trl: rewriteTrl,
          ...price(),
          provinceCodes: provinceList(),
          variant: 'rewrite',
        }
        delete rewrite.titleNoise
        if (rewrite.priceType !== 'amount') delete rewrite.priceVnd
        listings.push(rewrite)
        gradeMap.set(rewrite, gradeFor(role, rewriteTrl, need))
        group.push(rewrite)
        if (Object.keys(spec.also).length > 0) pendingAlso.push([rewrite, spec.also])
        if (random.chance(0.5)) {
          // The same offer filed without diacritics by a third organisation.
          const plain: OutListing = {
            ...listing,
            owner: pickOwner(domain, used),
            titleVi: fold(spec.title),
            descriptionVi: fold(listing.descriptionVi),
            keywords: spec.keywords.map(fold),
            trl: trlFor(role, need),
            ...price(),
            provinceCodes: provinceList(),
            variant: 'unaccented',
          }
          delete plain.titleNoise
          if (plain.priceType !== 'amount') delete plain.priceVnd
          listings.push(plain)
          gradeMap.set(plain, gradeFor(role, plain.trl, need))
          group.push(plain)
          if (Object.keys(spec.also).length > 0) pendingAlso.push([plain, spec.also])
        }
        duplicateGroups.push(group)
      }
    }
  }
}
for (const [listing, also] of pendingAlso) {
  for (const [needKey, grade] of Object.entries(also)) {
    const need = needByKey.get(needKey)
    if (!need) throw new Error(`${listing.titleVi}: #${needKey} names no need`)
    grades.get(needKey)!.set(listing, gradeFor(grade === 3 ? 'solve' : grade === 2 ? 'help' : grade === 1 ? 'related' : 'trap', listing.trl, need))
  }
}

// Off-topic listings that share the common words (máy, hệ thống, quy trình, xử lý, sản xuất, chế biến...).
for (const raw of offTopic) {
  const spec = parse(raw)
  const domain = random.pick(needsByDomain)[0]
  listings.push({
    key: '',
    domain,
    owner: pickOwner(domain),
    kind: kindOf(spec.title),
    titleVi: spec.title,
    descriptionVi: describe(spec.sentence, domain),
    keywords: spec.keywords,
    sectors: [random.pick(['C', 'G', 'M', 'J', 'S', 'P'])],
    fields: ['2'],
    trl: random.int(4, 9),
    ...price(),
    provinceCodes: provinceList(),
    need: null,
    role: 'off-topic',
    variant: 'original',
  })
}

// ---- demands
type OutDemand = {
  key: string
  domain: Domain
  need: string
  owner: string
  titleVi: string
  problemVi: string
  desiredOutcomeVi: string
  keywords: string[]
  sectors: string[]
  fields: string[]
  minTrl?: number
  budgetMinVnd: number
  budgetMaxVnd: number
  provinceCode: string
  ownListings: string[]
  titleNoise?: 'unaccented' | 'misspelt' | 'all-unaccented'
  twinOf?: string
}
const demands: OutDemand[] = []
const ownListingOf = new Map<OutDemand, OutListing>()
const demanderCycle = shuffle(random, demanders)
let demanderIndex = 0
const nextDemander = (not?: string) => {
  let organization: GeneratedOrganization
  do organization = demanderCycle[demanderIndex++ % demanderCycle.length]!
  while (organization.key === not)
  return organization
}
const budget = () => {
  const min = random.int(1, 20) * 50_000_000
  return { budgetMinVnd: min, budgetMaxVnd: min * random.int(2, 6) }
}
const demandProvince = () => (random.chance(0.4) ? random.pick(legacyCodes) : random.pick(currentCodes))

for (const need of needs) {
  const base = defaults[need.domain]
  const owner = nextDemander()
  const demand: OutDemand = {
    key: '',
    domain: need.domain,
    need: need.k,
    owner: owner.key,
    titleVi: need.t,
    problemVi: need.p,
    desiredOutcomeVi: need.o,
    keywords: need.kw,
    sectors: need.sectors ?? base.sectors,
    fields: need.fields ?? base.fields,
    ...(need.trl !== undefined ? { minTrl: need.trl } : {}),
    ...budget(),
    provinceCode: demandProvince(),
    ownListings: [],
  }
  const r = random.next()
  if (r < 0.09) {
    demand.titleVi = fold(demand.titleVi)
    demand.titleNoise = 'unaccented'
  } else if (r < 0.16) {
    const noisy = misspell(demand.titleVi, random)
    if (noisy !== demand.titleVi) {
      demand.titleVi = noisy
      demand.titleNoise = 'misspelt'
    }
  } else if (r < 0.2) {
    demand.titleVi = fold(demand.titleVi)
    demand.problemVi = fold(demand.problemVi)
    demand.desiredOutcomeVi = fold(demand.desiredOutcomeVi)
    demand.keywords = demand.keywords.map(fold)
    demand.titleNoise = 'all-unaccented'
  }
  demands.push(demand)
  // Some owners offer a fitting listing themselves: the matcher must never propose it to them.
  const solving = [...grades.get(need.k)!].filter(([listing, grade]) => grade === 3 && listing.need === need.k && listing.variant === 'original')
  if (random.chance(0.12) && solving.length > 0) {
    const [source] = random.pick(solving)
    const own: OutListing = {
      ...source,
      owner: owner.key,
      titleVi: rewriteTitle(source.titleVi, random),
      descriptionVi: describe(
        parse(need.s.find((s) => parse(s).title === fold(source.titleVi) || parse(s).title === source.titleVi) ?? need.s[0]!).sentence,
        need.domain,
      ),
      ...price(),
      provinceCodes: provinceList(),
      variant: 'own',
    }
    delete own.titleNoise
    if (own.priceType !== 'amount') delete own.priceVnd
    listings.push(own)
    ownListingOf.set(demand, own)
    const group = duplicateGroups.find((g) => g.includes(source))
    if (group) group.push(own)
    else duplicateGroups.push([source, own])
  }
  if (need.twin) {
    const twinOwner = nextDemander(owner.key)
    const twin: OutDemand = {
      ...demand,
      owner: twinOwner.key,
      titleVi: need.twin[0],
      problemVi: need.twin[1],
      keywords: random.chance(0.5) ? need.kw : [],
      ...budget(),
      provinceCode: demandProvince(),
      ownListings: [],
      twinOf: need.k,
    }
    delete twin.titleNoise
    demands.push(twin)
  }
}

// ---- keys, order, files
const listingOrder = shuffle(random, listings)
listingOrder.forEach((listing, i) => (listing.key = `L${String(i + 1).padStart(4, '0')}`))
const demandOrder = shuffle(random, demands)
demandOrder.forEach((demand, i) => (demand.key = `D${String(i + 1).padStart(3, '0')}`))
for (const [demand, own] of ownListingOf) demand.ownListings = [own.key]

const qrels: Record<string, Record<string, number>> = {}
for (const demand of demandOrder) {
  const judged: Record<string, number> = {}
  const own = ownListingOf.get(demand)
  for (const [listing, grade] of grades.get(demand.need)!) if (grade > 0) judged[listing.key] = grade
  // A twin is filed by someone else, so the original's own listing is a fair answer for the twin.
  const original = demand.twinOf ? demands.find((d) => d.need === demand.need && !d.twinOf) : undefined
  const originalOwn = original ? ownListingOf.get(original) : undefined
  if (originalOwn) {
    const source = [...grades.get(demand.need)!].find(([listing]) => duplicateGroups.some((g) => g.includes(listing) && g.includes(originalOwn)))
    judged[originalOwn.key] = source ? source[1] : 3
  }
  if (own) delete judged[own.key]
  qrels[demand.key] = Object.fromEntries(Object.entries(judged).sort(([a], [b]) => a.localeCompare(b)))
}

const directory = new URL('../../../test/fixtures/retrieval-eval/', import.meta.url)
mkdirSync(directory, { recursive: true })
const write = (name: string, value: unknown) => writeFileSync(new URL(name, directory), `${JSON.stringify(value, null, 1)}\n`)
write(
  'organizations.json',
  organizations.map(({ key, kind, name, provinceCode }) => ({ key, kind, name, provinceCode })),
)
write(
  'listings.json',
  [...listingOrder].sort((a, b) => a.key.localeCompare(b.key)),
)
write(
  'demands.json',
  [...demandOrder]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((demand) => ({ ...demand, twinOf: demand.twinOf ? demandOrder.find((d) => d.need === demand.need && !d.twinOf)!.key : undefined })),
)
write('qrels.json', qrels)
writeFileSync(
  new URL('qrels.txt', directory),
  Object.entries(qrels)
    .flatMap(([demand, judged]) => Object.entries(judged).map(([listing, grade]) => `${demand} 0 ${listing} ${grade}`))
    .join('\n') + '\n',
)
write('duplicates.json', {
  listings: duplicateGroups.map((group) => group.map((listing) => listing.key).sort()),
  demands: demandOrder.filter((d) => d.twinOf).map((twin) => [demandOrder.find((d) => d.need === twin.need && !d.twinOf)!.key, twin.key].sort()),
})

const judgedCounts = Object.values(qrels).map((judged) => Object.keys(judged).length)
const gradeCounts = [3, 2, 1].map((g) => Object.values(qrels).reduce((sum, judged) => sum + Object.values(judged).filter((x) => x === g).length, 0))
console.log(
  `${organizations.length} organisations, ${listings.length} listings, ${demands.length} demands; grades 3/2/1: ${gradeCounts.join('/')}; ` +
    `judged per demand ${Math.min(...judgedCounts)}–${Math.max(...judgedCounts)}; ${duplicateGroups.length} duplicate groups; ` +
    `${unaccentedTitles} unaccented and ${misspeltTitles} misspelt listing titles; ${ownListingOf.size} own listings`,
)
