import type { Random } from './random.ts'
import { audiences, qualifiers, type Domain, type Term } from './vocabulary/index.ts'

// Titles and descriptions composed from a domain's vocabulary, in the register of real listings.

const capitalise = (text: string) => text.charAt(0).toLocaleUpperCase('vi') + text.slice(1)
const lowerFirst = (text: string) => (/^[A-Z]{2}/.test(text) ? text : text.charAt(0).toLocaleLowerCase('vi') + text.slice(1))
const fill = (random: Random, template: string) => template.replace('{n}', String(random.int(5, 60)))

export type ListingText = { titleVi: string; titleEn: string | null; descriptionVi: string; descriptionEn: string | null; keywords: string[] }
export type DemandText = { titleVi: string; titleEn: string | null; problemVi: string; desiredOutcomeVi: string | null; keywords: string[] }

function title(random: Random, domain: Domain, kind: string, product: Term): Term {
  switch (kind) {
    case 'equipment': {
      const [vi, en] = random.pick(domain.equipment)
      return random.chance(0.4)
        ? [`${vi} cho ${product[0]}`, `${en} for ${product[1]}`]
        : random.chance(0.4)
          ? [`${vi} ${random.pick(qualifiers)}`, en]
          : [vi, en]
    }
    case 'service': {
      const [vi, en] = random.pick(domain.services)
      return random.chance(0.5)
        ? [`Dịch vụ ${vi} cho ${random.pick(audiences)}`, `${capitalise(en)} services`]
        : [`Dịch vụ ${vi}`, `${capitalise(en)} services`]
    }
    case 'product':
      return [`${capitalise(product[0])} ${random.pick(qualifiers)}`, capitalise(product[1])]
    case 'know_how': {
      const [vi, en] = random.pick(domain.processes)
      return [`Bí quyết ${lowerFirst(vi)} ${product[0]}`, `Know-how: ${lowerFirst(en)} ${product[1]}`]
    }
    default: {
      const [vi, en] = random.pick(domain.processes)
      return random.chance(0.3)
        ? [`${vi} ${product[0]} từ ${random.pick(domain.materials)}`, `${en} ${product[1]}`]
        : [`${vi} ${product[0]}`, `${en} ${product[1]}`]
    }
  }
}

function opening(random: Random, domain: Domain, kind: string, titleVi: string, product: Term, place: string): string {
  switch (kind) {
    case 'equipment':
      return `${titleVi} được thiết kế và chế tạo trong nước, đã vận hành ổn định tại ${place}.`
    case 'service':
      return `Cung cấp ${lowerFirst(titleVi)} trên địa bàn ${place} và các tỉnh lân cận, với đội ngũ kỹ sư giàu kinh nghiệm.`
    case 'product':
      return `Sản phẩm ${product[0]} được sản xuất từ ${random.pick(domain.materials)} theo quy trình khép kín tại ${place}.`
    case 'know_how':
      return `Bí quyết được đúc kết qua ${random.int(5, 30)} năm sản xuất thực tế tại ${place}, chưa công bố rộng rãi.`
    default:
      return `${titleVi} do nhóm nghiên cứu phát triển và thử nghiệm thành công tại ${place}.`
  }
}

export function listingText(random: Random, domain: Domain, kind: string, place: string, otherPlace: string): ListingText {
  const product = random.pick(domain.products)
  const [titleVi, titleEn] = title(random, domain, kind, product)
  const [first, second] = random.sample(domain.materials, 2)
  const sentences = [
    opening(random, domain, kind, titleVi, product, place),
    `Quy trình gồm các bước ${random.sample(domain.steps, random.int(3, 4)).join(', ')}.`,
    `Sử dụng ${first} và ${second}, ${fill(random, random.pick(domain.outcomes))}.`,
  ]
  if (random.chance(0.6)) sentences.push(`Kết quả ứng dụng cho thấy ${fill(random, random.pick(domain.outcomes))}.`)
  if (random.chance(0.5)) sentences.push(`Phù hợp với ${random.pick(audiences)} có nhu cầu về ${product[0]}.`)
  if (random.chance(0.3)) sentences.push(`Đã chuyển giao cho ${random.int(2, 40)} đơn vị tại ${otherPlace} và nhiều địa phương khác.`)
  const keywords = random.sample(domain.keywords, random.int(2, 4))
  if (random.chance(0.5)) keywords.push(product[0])
  return {
    titleVi,
    titleEn: random.chance(0.3) ? titleEn : null,
    descriptionVi: sentences.join(' '),
    descriptionEn: random.chance(0.15)
      ? `${titleEn}. Developed and field-tested in Vietnam, at ${random.int(20, 70)}% of the cost of imported alternatives.`
      : null,
    keywords: [...new Set(keywords)],
  }
}

const difficulties = [
  'hiện phải {step} thủ công nên năng suất thấp và chất lượng không đồng đều',
  'chi phí cho khâu {step} chiếm tới {n}% giá thành',
  'tỷ lệ hao hụt ở khâu {step} còn cao, khoảng {n}%',
  'thiết bị {step} đang dùng đã cũ, tiêu tốn nhiều điện năng',
  'sản phẩm chưa đạt yêu cầu của khách hàng xuất khẩu do khâu {step} chưa được kiểm soát',
]

export function demandText(random: Random, domain: Domain, place: string): DemandText {
  const product = random.pick(domain.products)
  const form = random.weighted([
    ['process', 5],
    ['equipment', 3],
    ['service', 2],
  ] as const)
  let titleVi: string
  let titleEn: string
  if (form === 'equipment') {
    const [vi, en] = random.pick(domain.equipment)
    titleVi = `Tìm ${lowerFirst(vi)} ${random.pick(qualifiers)}`
    titleEn = `Looking for a ${lowerFirst(en)}`
  } else if (form === 'service') {
    const [vi, en] = random.pick(domain.services)
    titleVi = `Cần đối tác ${vi}`
    titleEn = `Partner wanted: ${en}`
  } else {
    const [vi, en] = random.pick(domain.processes)
    titleVi = `Cần ${lowerFirst(vi)} ${product[0]}`
    titleEn = `Wanted: ${lowerFirst(en)} ${product[1]}`
  }
  const difficulty = random.pick(difficulties).replace('{step}', random.pick(domain.steps))
  const problemVi =
    `${capitalise(random.pick(audiences))} tại ${place} đang gặp khó khăn với ${product[0]}: ${fill(random, difficulty)}. ` +
    `Đơn vị cần tiếp nhận công nghệ phù hợp với quy mô ${random.int(1, 50)} tấn mỗi ngày.`
  const keywords = random.sample(domain.keywords, random.int(1, 3))
  if (random.chance(0.6)) keywords.push(product[0])
  return {
    titleVi,
    titleEn: random.chance(0.2) ? titleEn : null,
    problemVi,
    desiredOutcomeVi: random.chance(0.7) ? `Giải pháp giúp ${fill(random, random.pick(domain.outcomes))}, có chuyển giao và đào tạo vận hành.` : null,
    keywords: [...new Set(keywords)],
  }
}
