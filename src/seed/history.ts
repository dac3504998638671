import type {
  deals,
  exchangeEventListings,
  exchangeEventOrganizations,
  exchangeEvents,
  listings,
  successStories,
  taskFunding,
  taskPartners,
  tasks,
  valueChains,
  valueChainStageListings,
  valueChainStageOrganizations,
  valueChainStages,
} from '../db/schema/index.ts'
import { currentProvinceCode } from '../core/places.ts'
import { demoId } from './types.ts'

// Ten years of activity behind the demo catalogue, so the reports have two periods to compare
// (2016-2020 against 2021-2025, as the centres' workshop asked): what each province's centre
// offered year by year (withdrawn since, so it no longer shows in the catalogue), the transfers it
// completed, and the joint tasks it led. Plus the Nam Định rice value chain. Fixed ids, so the
// seed stays idempotent and `seed --reset` finds these rows again.

type Province = { slug: string; code: string; product: string; techniques: string[] }

/** The demo provinces (see organizations.ts), each with its key product and what its centre transfers for it. */
const provinces: Province[] = [
  {
    slug: 'nam-dinh',
    code: '36',
    product: 'lúa gạo',
    techniques: ['Quy trình thâm canh lúa chất lượng', 'Máy gieo hạt lúa theo hàng', 'Chế phẩm xử lý rơm rạ'],
  },
  {
    slug: 'thai-binh',
    code: '34',
    product: 'lúa giống',
    techniques: ['Quy trình nhân giống lúa nguyên chủng', 'Kho bảo quản hạt giống', 'Mô hình cơ giới hóa đồng bộ'],
  },
  { slug: 'ha-nam', code: '35', product: 'rau an toàn', techniques: ['Nhà lưới trồng rau an toàn', 'Tưới nhỏ giọt tiết kiệm', 'Chế phẩm vi sinh cải tạo đất'] },
  { slug: 'phu-tho', code: '25', product: 'chè', techniques: ['Quy trình chế biến chè xanh', 'Giống chè năng suất cao', 'Máy vò chè mini'] },
  {
    slug: 'thai-nguyen',
    code: '19',
    product: 'chè đặc sản',
    techniques: ['Quy trình sản xuất chè VietGAP', 'Sấy chè bằng bơm nhiệt', 'Truy xuất nguồn gốc chè'],
  },
  { slug: 'bac-giang', code: '24', product: 'vải thiều', techniques: ['Bảo quản vải tươi bằng CA', 'Sấy vải thiều', 'Quy trình canh tác vải VietGAP'] },
  { slug: 'hai-duong', code: '30', product: 'vải và cà rốt', techniques: ['Rửa cà rốt bằng máy', 'Kho lạnh bảo quản nông sản', 'Quy trình trồng cà rốt'] },
  { slug: 'hung-yen', code: '33', product: 'nhãn lồng', techniques: ['Sấy long nhãn', 'Ghép cải tạo giống nhãn', 'Bảo quản nhãn tươi'] },
  {
    slug: 'ninh-binh',
    code: '37',
    product: 'dê núi',
    techniques: ['Chăn nuôi dê theo hướng an toàn sinh học', 'Chế biến thịt dê', 'Trồng cỏ làm thức ăn cho dê'],
  },
  { slug: 'lao-cai', code: '15', product: 'dược liệu', techniques: ['Nhân giống dược liệu bằng nuôi cấy mô', 'Sấy dược liệu', 'Chiết xuất tinh dầu'] },
]

export const historyYears = [2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025]

/** Buyers of the historical transfers: demo enterprises. */
const buyers = ['htx-hai-hau', 'nam-giang-food', 'thai-binh-seeds', 'ly-nhan-agro', 'thanh-ba-tea', 'luc-ngan-fruit', 'pho-hien-longan', 'htx-sapa-herbs']

const organization = (key: string) => demoId('organization', key)
const at = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day, 2))
const pad = (n: number) => String(n).padStart(2, '0')

/** How many technologies a centre offered in a year: a little more each year, more in 2021-2025. */
const offeredIn = (provinceIndex: number, year: number) => 1 + ((provinceIndex + year) % 3) + (year >= 2021 ? 2 : 0)

export type HistoryRows = {
  listings: (typeof listings.$inferInsert)[]
  deals: (typeof deals.$inferInsert)[]
  /** Published success stories of some of the transfers; the seeker's province is filled in when they are loaded. */
  successStories: (typeof successStories.$inferInsert)[]
  tasks: (typeof tasks.$inferInsert)[]
  taskPartners: (typeof taskPartners.$inferInsert)[]
  taskFunding: (typeof taskFunding.$inferInsert)[]
  valueChains: (typeof valueChains.$inferInsert)[]
  valueChainStages: (typeof valueChainStages.$inferInsert)[]
  valueChainStageListings: (typeof valueChainStageListings.$inferInsert)[]
  valueChainStageOrganizations: (typeof valueChainStageOrganizations.$inferInsert)[]
  exchangeEvents: (typeof exchangeEvents.$inferInsert)[]
  exchangeEventOrganizations: (typeof exchangeEventOrganizations.$inferInsert)[]
  exchangeEventListings: (typeof exchangeEventListings.$inferInsert)[]
}

/** The regional technology fair of October 2024: deals started within 30 days after it name it. */
const fair = { key: 'techmart-red-river-2024', startsOn: '2024-10-15', endsOn: '2024-10-17' }

/** The history's rows, for years before `now` (nothing is dated in the future). */
/** A success story the parties of a past transfer published, in figures and their own words. */
function storyOf(
  province: (typeof provinces)[number],
  provinceIndex: number,
  year: number,
  deal: typeof deals.$inferInsert,
  technique: string,
): typeof successStories.$inferInsert {
  const completed = new Date(`${deal.completedOn}T02:00:00Z`)
  const published = new Date(completed.getTime() + 60 * 86_400_000)
  const gain = 12 + ((provinceIndex * 5 + year) % 15)
  return {
    id: demoId('success_story', `${province.slug}-${year}`),
    dealId: deal.id!,
    listingId: deal.listingId,
    providerId: deal.providerId,
    seekerId: deal.seekerId,
    title: `${technique}: ${province.product} tăng giá trị ${gain}% sau một vụ`,
    problem: `Trước chuyển giao, sản xuất ${province.product} của đơn vị còn thủ công, tổn thất cao và chất lượng không đồng đều giữa các lô.`,
    technology: `${technique}, do trung tâm ứng dụng và chuyển giao công nghệ của tỉnh chuyển giao kèm tài liệu kỹ thuật và tập huấn tại chỗ.`,
    results: `Sau một vụ áp dụng, giá trị ${province.product} tăng ${gain}%, tổn thất giảm rõ rệt; đơn vị đã nhân rộng cho các hộ liên kết.`,
    figures: [
      { label: 'Giá trị sản phẩm tăng', value: gain, unit: '%' },
      { label: 'Hộ liên kết áp dụng', value: 20 + provinceIndex * 3, unit: 'hộ' },
    ],
    quotes: [{ text: 'Cán bộ trung tâm xuống tận nơi hướng dẫn, nên bà con làm theo được ngay.', by: 'Đại diện đơn vị nhận chuyển giao' }],
    sectors: ['A'],
    year: completed.getUTCFullYear(),
    status: 'published',
    providerApprovedAt: published,
    seekerApprovedAt: published,
    publishedAt: published,
    createdByOrganizationId: deal.seekerId,
    createdAt: new Date(completed.getTime() + 30 * 86_400_000),
    updatedAt: published,
  }
}

export function historyRows(now: Date): HistoryRows {
  const rows: HistoryRows = {
    listings: [],
    deals: [],
    successStories: [],
    tasks: [],
    taskPartners: [],
    taskFunding: [],
    valueChains: [],
    valueChainStages: [],
    valueChainStageListings: [],
    valueChainStageOrganizations: [],
    exchangeEvents: [],
    exchangeEventOrganizations: [],
    exchangeEventListings: [],
  }
  const fairId = demoId('exchange_event', fair.key)
  const fairOpen = Date.parse(`${fair.startsOn}T00:00:00Z`)
  const fairFollowUp = Date.parse(`${fair.endsOn}T00:00:00Z`) + 30 * 86_400_000
  provinces.forEach((province, provinceIndex) => {
    const centreId = organization(`centre-${province.slug}`)
    for (const year of historyYears) {
      for (let number = 1; number <= offeredIn(provinceIndex, year); number++) {
        const publishedAt = at(year, ((number * 4 + provinceIndex) % 12) + 1, 10 + number)
        if (publishedAt >= now) continue
        const key = `history-${province.slug}-${year}-${number}`
        const technique = province.techniques[(year + number) % province.techniques.length]!
        const withdrawnAt = new Date(Math.min(publishedAt.getTime() + 730 * 86_400_000, now.getTime() - 86_400_000))
        const listingId = demoId('listing', key)
        rows.listings.push({
          id: listingId,
          ownerId: centreId,
          status: 'withdrawn',
          kind: 'technology',
          titleVi: `${technique} (${province.product}, ${year})`,
          descriptionVi: `${technique} cho ${province.product}, do trung tâm ứng dụng và chuyển giao công nghệ của tỉnh hoàn thiện và chào chuyển giao năm ${year}.`,
          iprStatus: 'none',
          transferForms: ['standalone'],
          transferMethods: ['technical_documents', 'training'],
          priceType: 'negotiable',
          sectors: ['A'],
          fields: ['4'],
          keywords: [province.product],
          provinceCodes: [province.code],
          currentProvinceCodes: [currentProvinceCode(province.code)!],
          validUntil: `${year + 2}-${pad(publishedAt.getUTCMonth() + 1)}-${pad(publishedAt.getUTCDate())}`,
          publishedAt,
          withdrawnAt,
          withdrawReason: 'Hết thời hạn chào chuyển giao',
          createdAt: new Date(publishedAt.getTime() - 3 * 86_400_000),
          updatedAt: withdrawnAt,
        })
        // Every second technology found a buyer within the year.
        if (number % 2 === 1) {
          const completed = new Date(publishedAt.getTime() + 200 * 86_400_000)
          if (completed >= now) continue
          const started = new Date(publishedAt.getTime() + 30 * 86_400_000)
          const atFair = started.getTime() >= fairOpen && started.getTime() <= fairFollowUp
          if (atFair) rows.exchangeEventListings.push({ eventId: fairId, listingId })
          rows.deals.push({
            exchangeEventId: atFair ? fairId : null,
            id: demoId('deal', key),
            listingId,
            providerId: centreId,
            seekerId: organization(buyers[(provinceIndex + year) % buyers.length]!),
            origin: 'interest',
            initiatedBy: 'seeker',
            state: 'completed',
            reachedState: 'completed',
            message: `Đơn vị quan tâm tới ${technique.toLowerCase()} để áp dụng cho ${province.product}.`,
            contractSignedOn: started.toISOString().slice(0, 10),
            transferValueVnd: (80 + ((provinceIndex * 7 + year) % 9) * 20 + (year >= 2021 ? 60 : 0)) * 1_000_000,
            completedOn: completed.toISOString().slice(0, 10),
            stateChangedAt: completed,
            createdAt: started,
            updatedAt: completed,
          })
          // The first transfer of 2019 and of 2023 in each province became a model both sides published.
          const story = number === 1 && (year === 2019 || year === 2023) ? storyOf(province, provinceIndex, year, rows.deals.at(-1)!, technique) : undefined
          if (story && story.publishedAt! < now) rows.successStories.push(story)
        }
      }
    }
    // One joint task per province and period, led by the centre with its DOST approving.
    for (const [index, year] of [2018, 2022].entries()) {
      const startsOn = `${year}-0${3 + (provinceIndex % 6)}-01`
      if (new Date(`${startsOn}T00:00:00Z`) >= now) continue
      const id = demoId('task', `${province.slug}-${year}`)
      const done = year + 2 <= now.getUTCFullYear() - 1
      rows.tasks.push({
        id,
        title: `Ứng dụng tiến bộ kỹ thuật phát triển ${province.product} giai đoạn ${year}-${year + 2}`,
        objectives: `Liên kết trung tâm, viện nghiên cứu và doanh nghiệp để nâng cao năng suất, chất lượng và giá trị ${province.product} của tỉnh.`,
        leadId: centreId,
        provinceCode: province.code,
        currentProvinceCode: currentProvinceCode(province.code)!,
        keyProduct: province.product,
        startsOn,
        endsOn: `${year + 2}-12-31`,
        outputs: [{ title: `Mô hình trình diễn ${province.product}`, kind: 'model' }],
        status: done ? 'completed' : 'in_progress',
        statusChangedAt: at(done ? year + 2 : year, 12, 20),
        approvedAt: at(year, 2, 15),
        completedOn: done ? `${year + 2}-12-20` : null,
        createdAt: at(year, 1, 10),
        updatedAt: at(done ? year + 2 : year, 12, 20),
      })
      rows.taskPartners.push(
        // Approved tasks: their partners accepted before the DOST approved.
        { taskId: id, organizationId: organization(`dost-${province.slug}`), position: 0, role: 'authority', status: 'accepted', respondedAt: at(year, 2, 1) },
        {
          taskId: id,
          organizationId: organization(buyers[(provinceIndex + index) % buyers.length]!),
          position: 1,
          role: 'enterprise',
          contribution: 'Đối ứng vốn và đất sản xuất',
          status: 'accepted',
          respondedAt: at(year, 2, 1),
        },
      )
      rows.taskFunding.push(
        { taskId: id, position: 0, source: 'provincial', amountVnd: (600 + provinceIndex * 50 + index * 300) * 1_000_000 },
        { taskId: id, position: 1, source: 'enterprise', amountVnd: (200 + index * 150) * 1_000_000, note: 'Vốn đối ứng' },
      )
    }
  })
  rows.valueChains.push(...riceChain(rows))
  if (Date.parse(`${fair.endsOn}T00:00:00Z`) < now.getTime()) {
    rows.exchangeEvents.push({
      id: fairId,
      organizerId: organization('dost-nam-dinh'),
      kind: 'fair',
      title: 'Chợ công nghệ và thiết bị vùng Đồng bằng sông Hồng 2024',
      description: 'Các trung tâm ứng dụng và chuyển giao công nghệ giới thiệu công nghệ cho sản phẩm chủ lực; doanh nghiệp và hợp tác xã gặp gỡ bên cung.',
      startsOn: fair.startsOn,
      endsOn: fair.endsOn,
      place: 'Trung tâm Hội chợ triển lãm tỉnh, TP. Nam Định',
      provinceCode: '36',
      currentProvinceCode: currentProvinceCode('36')!,
      createdAt: at(2024, 8, 1),
      updatedAt: at(2024, 8, 1),
    })
    for (const province of provinces)
      rows.exchangeEventOrganizations.push({ eventId: fairId, organizationId: organization(`centre-${province.slug}`), role: 'organizer' })
    for (const buyer of buyers) rows.exchangeEventOrganizations.push({ eventId: fairId, organizationId: organization(buyer), role: 'participant' })
  } else {
    for (const deal of rows.deals) deal.exchangeEventId = null
    rows.exchangeEventListings.length = 0
  }
  return rows
}

/** The Nam Định rice chain: seeds and cultivation have technologies in the catalogue; preservation and branding do not. */
function riceChain(rows: HistoryRows) {
  const chainId = demoId('value_chain', 'nam-dinh-rice')
  const stage = (kind: string) => demoId('value_chain', `nam-dinh-rice-${kind}`)
  const stages = [
    { kind: 'inputs', title: 'Giống lúa chất lượng cao', keywords: ['giống lúa'], listings: ['giong-lua-bt7-kbl'], organizations: ['thai-binh-seeds'] },
    { kind: 'production', title: 'Canh tác lúa hữu cơ', keywords: ['lúa hữu cơ'], listings: ['lua-gao-huu-co'], organizations: ['htx-hai-hau'] },
    { kind: 'harvest_preservation', title: 'Sấy và bảo quản thóc', keywords: ['sấy lúa', 'bảo quản thóc'], listings: [], organizations: [] },
    { kind: 'processing', title: 'Xay xát, chế biến gạo', keywords: ['xay xát', 'chế biến gạo'], listings: [], organizations: ['nam-giang-food'] },
    {
      kind: 'packaging_branding',
      title: 'Nhãn hiệu và truy xuất nguồn gốc gạo Nam Định',
      keywords: ['truy xuất nguồn gốc', 'nhãn hiệu'],
      listings: [],
      organizations: [],
    },
  ]
  stages.forEach((item, index) => {
    rows.valueChainStages.push({ id: stage(item.kind), chainId, position: index + 1, kind: item.kind, title: item.title, keywords: item.keywords })
    for (const key of item.listings) rows.valueChainStageListings.push({ stageId: stage(item.kind), listingId: demoId('listing', key) })
    for (const key of item.organizations) rows.valueChainStageOrganizations.push({ stageId: stage(item.kind), organizationId: organization(key) })
  })
  return [
    {
      id: chainId,
      ownerId: organization('dost-nam-dinh'),
      title: 'Chuỗi giá trị lúa gạo Nam Định',
      keyProduct: 'Lúa gạo',
      description: 'Sản phẩm chủ lực của tỉnh: từ giống, canh tác hữu cơ tới chế biến và nhãn hiệu gạo.',
      provinceCode: '36',
      currentProvinceCode: currentProvinceCode('36')!,
    },
  ]
}
