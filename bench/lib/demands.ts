import { daysBefore, dateOnly, minDate, plusDays, type Anchor } from './dates.ts'
import type { OrganizationRow } from './organizations.ts'
import { drawProvinceCode, provinceName, resolveCode } from './places.ts'
import type { Random } from './random.ts'
import { demandText } from './text.ts'
import { domains } from './vocabulary/index.ts'

// One demand row, in the column order of `demandColumns`, for COPY.

export const demandColumns = [
  'id',
  'owner_id',
  'status',
  'title_vi',
  'title_en',
  'problem_vi',
  'desired_outcome_vi',
  'sectors',
  'fields',
  'keywords',
  'min_trl',
  'budget_min_vnd',
  'budget_max_vnd',
  'deadline',
  'province_code',
  'current_province_code',
  'opened_at',
  'closed_at',
  'close_reason',
  'close_note',
  'created_at',
  'updated_at',
  'version',
] as const

const closeReasons = [
  ['fulfilled', 40],
  ['no_longer_needed', 25],
  ['no_suitable_offer', 25],
  ['other', 10],
] as const

/**
 * 30 days to a year after opening. A demand still open (or a draft) has its deadline ahead of the
 * anchor day: one behind it would have been closed by the deadline sweep (demands.deadline), which
 * otherwise closes them on the API's first start, in the middle of the first measured run.
 */
function deadlineOf(random: Random, anchor: Anchor, status: string, openedAt: Date | null): Date {
  const drawn = plusDays(openedAt ?? anchor.now, random.int(30, 365))
  return status === 'closed' || drawn > anchor.now ? drawn : plusDays(anchor.now, random.int(1, 365))
}

export function demandRow(random: Random, anchor: Anchor, owner: OrganizationRow): unknown[] {
  const domain = random.chance(0.75) ? owner.domain : random.weighted(domains.map((each) => [each, each.weight] as const))
  const provinceCode = random.chance(0.9)
    ? random.chance(0.2)
      ? drawProvinceCode(random, 1)
      : random.chance(0.7)
        ? owner.provinceCode
        : drawProvinceCode(random, 0)
    : null
  const text = demandText(random, domain, provinceName(provinceCode ?? owner.provinceCode))
  const status = random.weighted([
    ['open', 80],
    ['draft', 8],
    ['closed', 12],
  ] as const)
  const createdAt = daysBefore(anchor, Math.floor(730 * Math.pow(random.next(), 1.5)) + random.next())
  const openedAt = status === 'draft' ? null : minDate(plusDays(createdAt, random.next() * 5), anchor.now)
  const closedAt = status === 'closed' ? plusDays(openedAt!, random.next() * Math.max(1, (anchor.now.getTime() - openedAt!.getTime()) / 86_400_000)) : null
  let budgetMin: number | null = null
  let budgetMax: number | null = null
  if (random.chance(0.5)) {
    budgetMax = Math.round(Math.pow(10, 7.5 + random.next() * 2.2) / 1e6) * 1e6
    if (random.chance(0.6)) budgetMin = Math.round((budgetMax * (0.3 + random.next() * 0.5)) / 1e6) * 1e6
  }
  const sectors = [random.chance(0.8) ? domain.sectors[0]! : random.pick(domain.sectors)]
  if (random.chance(0.3)) sectors.push(random.pick(domain.sectors))
  return [
    random.uuid(),
    owner.id,
    status,
    text.titleVi,
    text.titleEn,
    text.problemVi,
    text.desiredOutcomeVi,
    [...new Set(sectors)],
    [random.chance(0.8) ? domain.fields[0]! : random.pick(domain.fields)],
    text.keywords,
    random.chance(0.6) ? random.int(5, 9) : null,
    budgetMin,
    budgetMax,
    random.chance(0.7) ? dateOnly(deadlineOf(random, anchor, status, openedAt)) : null,
    provinceCode,
    provinceCode === null ? null : resolveCode(provinceCode),
    openedAt,
    closedAt,
    closedAt ? random.weighted(closeReasons) : null,
    closedAt && random.chance(0.3) ? 'Đã làm việc với đơn vị cung ứng qua sàn.' : null,
    createdAt,
    closedAt ?? openedAt ?? createdAt,
    1,
  ]
}
