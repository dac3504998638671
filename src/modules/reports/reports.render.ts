import { csvLine } from '../../lib/csv.ts'
import type { Language } from '../../http/language.ts'
import { metricNames, type ActivityReport, type Figures, type Metric } from './reports.schemas.ts'
import { dealStateNames } from './reports.service.ts'

// The activity report as CSV (a spreadsheet's rows) and as an SVG bar chart a portal embeds with
// <img src="/v1/reports/activity?format=svg&...">: no script, no external font or style.

/** The CSV's column titles, in the report's language; keys, figures and dates are the same in both. */
const csvTitles: Record<Language, { columns: string[]; deals: (state: string) => string }> = {
  vi: { columns: ['Mã nhóm', 'Nhóm', 'Kỳ', 'Từ ngày', 'Đến ngày'], deals: (state) => `Giao dịch: ${dealStateTitles.vi[state]}` },
  en: { columns: ['Group key', 'Group', 'Period', 'From', 'To'], deals: (state) => `Deals: ${dealStateTitles.en[state]}` },
}

const dealStateTitles: Record<Language, Record<string, string>> = {
  vi: {
    interest_expressed: 'bày tỏ quan tâm',
    accepted: 'đã chấp nhận',
    negotiating: 'đang đàm phán',
    agreed: 'đã thỏa thuận',
    contract_signed: 'đã ký hợp đồng',
    in_transfer: 'đang chuyển giao',
    completed: 'hoàn thành',
    declined: 'bị từ chối',
    expired: 'hết hạn trả lời',
    cancelled: 'đã hủy',
    disputed: 'đang tranh chấp',
  },
  en: Object.fromEntries(dealStateNames.map((state) => [state, state.replaceAll('_', ' ')])),
}

/**
 * One line per group and period, under a header of titles in the report's language; the deals by
 * state as columns of their own. It starts with a byte order mark, so Excel reads it as UTF-8
 * instead of garbling the diacritics.
 */
export function activityCsv(report: ActivityReport, language: Language = 'vi'): string {
  const titles = csvTitles[language]
  const header = [...titles.columns, ...metricNames.map((name) => metricTitles[language][name]), ...dealStateNames.map(titles.deals)]
  const lines = ['\ufeff' + csvLine(header)]
  for (const group of report.groups) {
    report.periods.forEach((period, position) => {
      const figures = group.values[position] as Figures
      const cells = [
        group.key,
        group.label,
        period.key,
        period.from,
        period.to,
        ...metricNames.map((name) => figures[name]),
        ...dealStateNames.map((state) => figures.dealsByState[state] ?? 0),
      ]
      lines.push(csvLine(cells.map(String)))
    })
  }
  return lines.join('')
}

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
const shorten = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text)

/** Colour-blind-safe (Okabe-Ito) series colours. */
const palette = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000']

/** A step that gives about five gridlines with round numbers. */
function niceStep(max: number): number {
  if (max <= 0) return 1
  const rough = max / 5
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough)!
  return Math.max(1, step)
}

const formatNumber = (value: number, language: Language) => new Intl.NumberFormat(language === 'vi' ? 'vi-VN' : 'en-GB').format(value)

/** Chart titles, Vietnamese by default like the exchange's users, English on request. */
const metricTitles: Record<Language, Record<Metric, string>> = {
  vi: {
    listingsPublished: 'Công nghệ, sản phẩm được chào bán',
    demandsOpened: 'Yêu cầu công nghệ được đăng',
    matchesProposed: 'Đề xuất kết nối cung - cầu',
    dealsStarted: 'Giao dịch được khởi tạo',
    eventDeals: 'Giao dịch khởi tạo tại sự kiện',
    completedTransfers: 'Chuyển giao công nghệ hoàn thành',
    transferValueVnd: 'Giá trị chuyển giao (VNĐ)',
    tasksStarted: 'Nhiệm vụ liên kết bắt đầu',
    tasksCompleted: 'Nhiệm vụ liên kết hoàn thành',
    taskFundingVnd: 'Kinh phí nhiệm vụ (VNĐ)',
  },
  en: {
    listingsPublished: 'Technologies and products offered',
    demandsOpened: 'Technology demands filed',
    matchesProposed: 'Supply-demand matches proposed',
    dealsStarted: 'Deals started',
    eventDeals: 'Deals started at events',
    completedTransfers: 'Technology transfers completed',
    transferValueVnd: 'Transfer value (VND)',
    tasksStarted: 'Joint tasks started',
    tasksCompleted: 'Joint tasks completed',
    taskFundingVnd: 'Task funding (VND)',
  },
}
const groupingTitles: Record<Language, Record<string, string>> = {
  vi: {
    organization: 'theo tổ chức',
    province: 'theo tỉnh, thành phố',
    legacyProvince: 'theo tỉnh, thành phố (trước 2025)',
    region: 'theo vùng',
  },
  en: {
    organization: 'by organisation',
    province: 'by province',
    legacyProvince: 'by province (before 2025)',
    region: 'by region',
  },
}

type Category = { label: string; bars: Array<{ period: string; value: number; colour: string }> }

/**
 * A bar chart of one metric. Grouped: a cluster per group (the first 12), a bar per period (the
 * first 8, in the legend). Not grouped: a bar per period, each labelled with its value.
 */
export function activitySvg(report: ActivityReport, language: Language = 'vi'): string {
  const metric = report.metric as Metric
  const grouped = report.groupBy !== 'none'
  const periods = report.periods.slice(0, grouped ? palette.length : 60)
  const categories: Category[] = grouped
    ? report.groups.slice(0, 12).map((group) => ({
        label: group.label,
        bars: periods.map((period, position) => ({
          period: period.key,
          value: (group.values[position] as Figures)[metric],
          colour: palette[position % palette.length]!,
        })),
      }))
    : periods.map((period, position) => ({
        label: period.key,
        bars: [{ period: period.key, value: (report.totals.values[position] as Figures)[metric], colour: palette[0]! }],
      }))
  const values = categories.flatMap((category) => category.bars.map((bar) => bar.value))
  const step = niceStep(Math.max(0, ...values))
  const top = Math.max(step, Math.ceil(Math.max(0, ...values) / step) * step)

  const width = 960
  const height = 540
  const margin = { top: grouped ? 72 : 56, right: 24, bottom: grouped ? 120 : 56, left: 120 }
  const plotWidth = width - margin.left - margin.right
  const plotHeight = height - margin.top - margin.bottom
  const base = margin.top + plotHeight
  const y = (value: number) => base - (value / top) * plotHeight
  const categoryWidth = plotWidth / Math.max(1, categories.length)
  const barsPerCategory = Math.max(1, categories[0]?.bars.length ?? 1)
  const barWidth = Math.max(2, Math.min(56, (categoryWidth * 0.8) / barsPerCategory))

  const parts: string[] = []
  const heading = `${metricTitles[language][metric]}${grouped ? ` ${groupingTitles[language][report.groupBy] ?? ''}` : ''}`
  parts.push(`<text x="${margin.left}" y="30" font-size="18" font-weight="bold">${escapeXml(shorten(heading, 80))}</text>`)
  for (let value = 0; value <= top; value += step) {
    const at = y(value).toFixed(1)
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${at}" y2="${at}" stroke="#ddd"/>`)
    parts.push(`<text x="${margin.left - 8}" y="${at}" font-size="12" text-anchor="end" dominant-baseline="middle">${formatNumber(value, language)}</text>`)
  }
  categories.forEach((category, index) => {
    const centre = margin.left + index * categoryWidth + categoryWidth / 2
    const first = centre - (barWidth * category.bars.length) / 2
    category.bars.forEach((bar, position) => {
      const x = first + position * barWidth
      const barTop = y(bar.value)
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${barTop.toFixed(1)}" width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${(base - barTop).toFixed(1)}" fill="${bar.colour}"><title>${escapeXml(`${grouped ? `${category.label}, ` : ''}${bar.period}: ${formatNumber(bar.value, language)}`)}</title></rect>`,
      )
      if (!grouped && categories.length <= 20) {
        parts.push(
          `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(barTop - 6).toFixed(1)}" font-size="12" text-anchor="middle">${formatNumber(bar.value, language)}</text>`,
        )
      }
    })
    const labelY = base + 16
    parts.push(
      grouped
        ? `<text x="${centre.toFixed(1)}" y="${labelY}" font-size="12" text-anchor="end" transform="rotate(-35 ${centre.toFixed(1)} ${labelY})">${escapeXml(shorten(category.label, 28))}</text>`
        : `<text x="${centre.toFixed(1)}" y="${labelY}" font-size="12" text-anchor="middle">${escapeXml(shorten(category.label, 24))}</text>`,
    )
  })
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${base}" y2="${base}" stroke="#333"/>`)
  if (grouped) {
    periods.forEach((period, position) => {
      const x = margin.left + position * 200
      parts.push(`<rect x="${x}" y="44" width="12" height="12" fill="${palette[position % palette.length]}"/>`)
      parts.push(`<text x="${x + 18}" y="54" font-size="12">${escapeXml(shorten(period.key, 26))}</text>`)
    })
  }
  if (categories.length === 0) parts.push(`<text x="${width / 2}" y="${height / 2}" font-size="16" text-anchor="middle">Không có hoạt động trong kỳ</text>`)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Arial, Helvetica, sans-serif" role="img" aria-label="${escapeXml(heading)}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
