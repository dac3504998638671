import type { dealMilestones, dealOffers, deals, dealTransitions, OfferTerms } from '../db/schema/index.ts'
import { vietnamDate } from '../lib/clock.ts'
import type { TransitionName } from '../modules/deals/deals.inputs.ts'
import { dealProcess } from '../modules/deals/deals.process.ts'
import { type DealState } from '../db/schema/index.ts'
import { stageOf } from '../core/disclosure.ts'
import { demoListings } from './dataset.ts'
import { demoId } from './types.ts'

// Demo deals along the process, from a fresh interest to a completed transfer, so `npm start`
// shows every stage. Each is written as the moves it went through; the rows (the deal, its offer,
// milestones and history) are what those moves leave, with the states taken from the process table.

type DemoDeal = {
  key: string
  listing: string
  /** The seeker, a demo organisation key; the provider is the listing's owner. */
  seeker: string
  message: string
  /** When the interest was expressed, in days before now; the moves follow a few days apart. */
  daysAgo: number
  moves: TransitionName[]
  priceVnd?: number
  closeReason?: string
}

const fullPath: TransitionName[] = [
  'accept_interest',
  'make_offer',
  'accept_offer',
  'sign_contract',
  'start_transfer',
  'complete_milestone',
  'complete_milestone',
  'complete',
]

export const demoDeals: DemoDeal[] = [
  {
    key: 'hai-hau-lua-huu-co',
    listing: 'lua-gao-huu-co',
    seeker: 'htx-hai-hau',
    message: 'HTX muốn chuyển đổi 30 ha sang lúa hữu cơ từ vụ xuân tới, cần quy trình và tập huấn.',
    daysAgo: 210,
    moves: fullPath,
    priceVnd: 180_000_000,
  },
  {
    key: 'thai-binh-seeds-bt7',
    listing: 'giong-lua-bt7-kbl',
    seeker: 'thai-binh-seeds',
    message: 'Công ty đề nghị nhận chuyển giao quyền sản xuất hạt giống BT7 kháng bạc lá.',
    daysAgo: 120,
    moves: fullPath.slice(0, 6),
    priceVnd: 450_000_000,
  },
  {
    key: 'la-bang-tom-nha-mang',
    listing: 'tom-the-nha-mang',
    seeker: 'htx-la-bang',
    message: 'Chúng tôi quan tâm mô hình nuôi tôm hai giai đoạn cho 2 ha ao của HTX.',
    daysAgo: 60,
    moves: ['accept_interest', 'make_offer', 'accept_offer'],
    priceVnd: 95_000_000,
  },
  {
    key: 'nam-giang-vi-sinh',
    listing: 'vi-sinh-rom-ra',
    seeker: 'nam-giang-food',
    message: 'Cần chế phẩm xử lý rơm rạ cho vùng nguyên liệu 200 ha, xin báo giá và điều kiện chuyển giao.',
    daysAgo: 20,
    moves: ['accept_interest', 'make_offer'],
    priceVnd: 60_000_000,
  },
  {
    key: 'ly-nhan-phan-huu-co',
    listing: 'phan-huu-co-vi-sinh',
    seeker: 'ly-nhan-agro',
    message: 'Công ty muốn tìm hiểu quy trình sản xuất phân hữu cơ vi sinh quy mô 5.000 tấn/năm.',
    daysAgo: 4,
    moves: [],
  },
  {
    key: 'thanh-ba-nam-chuoi',
    listing: 'nuoi-cay-mo-chuoi',
    seeker: 'thanh-ba-tea',
    message: 'Quan tâm cây giống chuối nuôi cấy mô cho vùng đồi.',
    daysAgo: 45,
    moves: ['decline_interest'],
    closeReason: 'not_a_fit',
  },
]

const day = 86_400_000
const spacing = (deal: DemoDeal) => Math.max(1, Math.floor(deal.daysAgo / (deal.moves.length + 2)))

export type DemoDealRows = {
  deals: (typeof deals.$inferInsert)[]
  offers: (typeof dealOffers.$inferInsert)[]
  milestones: (typeof dealMilestones.$inferInsert)[]
  transitions: (typeof dealTransitions.$inferInsert)[]
}

/** The rows of the demo deals as of `now`. */
export function demoDealRows(now: Date): DemoDealRows {
  const rows: DemoDealRows = { deals: [], offers: [], milestones: [], transitions: [] }
  for (const demo of demoDeals) {
    const id = demoId('deal', demo.key)
    const owner = demoListings.find((listing) => listing.key === demo.listing)
    if (!owner) throw new Error(`demo data: unknown listing ${demo.listing}`)
    const providerId = demoId('organization', owner.owner)
    const seekerId = demoId('organization', demo.seeker)
    const started = new Date(now.getTime() - demo.daysAgo * day)
    const at = (step: number) => new Date(started.getTime() + step * spacing(demo) * day)
    const offerId = demoId('deal', `${demo.key} offer`)
    const terms: OfferTerms = {
      priceType: 'amount',
      priceVnd: demo.priceVnd ?? 0,
      transferForm: 'standalone',
      transferMethods: ['technical_documents', 'training', 'expert_assistance'],
      scope: 'Chuyển giao quy trình, tài liệu kỹ thuật và đào tạo cán bộ kỹ thuật; không độc quyền, trong phạm vi tỉnh.',
      milestones: [
        { title: 'Bàn giao tài liệu kỹ thuật và quy trình', dueDate: null },
        { title: 'Tập huấn và hướng dẫn vận hành tại cơ sở', dueDate: null },
      ],
      validUntil: new Date(at(2).getTime() + 30 * day).toISOString(),
    }
    // Typed wide: the moves below change it inside a callback, where TypeScript does not follow.
    let state = 'interest_expressed' as DealState
    let reached = state
    let offerStatus = null as string | null
    let milestonesDone = 0
    rows.transitions.push({
      dealId: id,
      transition: 'start',
      fromState: null,
      toState: state,
      actorRole: 'seeker',
      actorOrganizationId: seekerId,
      payload: { origin: 'interest', message: demo.message },
      occurredAt: started,
    })
    demo.moves.forEach((name, index) => {
      const transition = dealProcess.named(name)!
      const next = transition.to === 'disputed_from' ? state : transition.to
      const provider = name !== 'complete' && name !== 'sign_contract'
      const payload: Record<string, unknown> =
        name === 'make_offer'
          ? { offerId, number: 1, terms }
          : name === 'accept_offer'
            ? { offerId }
            : name === 'decline_interest'
              ? { reason: demo.closeReason }
              : {}
      if (name === 'make_offer') offerStatus = 'open'
      if (name === 'accept_offer') offerStatus = 'accepted'
      if (name === 'complete_milestone') milestonesDone += 1
      rows.transitions.push({
        dealId: id,
        transition: name,
        fromState: state,
        toState: next,
        actorRole: provider ? 'provider' : 'seeker',
        actorOrganizationId: provider ? providerId : seekerId,
        payload,
        occurredAt: at(index + 1),
      })
      state = next
      if (stageOf(next) > stageOf(reached)) reached = next
    })
    const last = at(demo.moves.length)
    const completed = state === 'completed'
    rows.deals.push({
      id,
      listingId: demoId('listing', demo.listing),
      providerId,
      seekerId,
      origin: 'interest',
      initiatedBy: 'seeker',
      state,
      reachedState: reached,
      message: demo.message,
      respondBy: state === 'interest_expressed' ? new Date(started.getTime() + 14 * day) : null,
      respondReminderAt: state === 'interest_expressed' ? new Date(started.getTime() + 11 * day) : null,
      closeReason: demo.closeReason ?? null,
      agreedOfferId: offerStatus === 'accepted' ? offerId : null,
      contractSignedOn: stageOf(reached) >= stageOf('contract_signed') ? vietnamDate(at(4)) : null,
      contractReference: stageOf(reached) >= stageOf('contract_signed') ? `HĐ ${demo.key.length}/CGCN` : null,
      transferValueVnd: completed ? terms.priceVnd : null,
      completedOn: completed ? vietnamDate(last) : null,
      stateChangedAt: last,
      createdAt: started,
      updatedAt: last,
      version: demo.moves.length + 1,
    })
    if (offerStatus) {
      rows.offers.push({
        id: offerId,
        dealId: id,
        number: 1,
        madeBy: 'provider',
        madeByOrganizationId: providerId,
        status: offerStatus,
        terms,
        validUntil: new Date(terms.validUntil),
        reminderAt: new Date(new Date(terms.validUntil).getTime() - 2 * day),
        decidedAt: offerStatus === 'accepted' ? at(3) : null,
        createdAt: at(2),
      })
    }
    if (offerStatus === 'accepted') {
      terms.milestones.forEach((milestone, index) =>
        rows.milestones.push({
          id: demoId('deal', `${demo.key} milestone ${index + 1}`),
          dealId: id,
          position: index + 1,
          title: milestone.title,
          doneAt: index < milestonesDone ? at(6 + index) : null,
          evidence:
            index < milestonesDone
              ? [{ url: `https://media.sangiaodich.example.vn/documents/${demo.key}-${index + 1}.pdf`, title: 'Biên bản nghiệm thu' }]
              : [],
        }),
      )
    }
  }
  return rows
}
