import { csvLine } from '../../lib/csv.ts'
import type { Language } from '../../http/language.ts'
import { metricNames, type ActivityReport, type Figures, type Metric, type PlanReport } from './reports.schemas.ts'
import { dealStateNames } from './reports.service.ts'

// The activity report as CSV (a spreadsheet's rows) and as an SVG chart a portal embeds with
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

/** The report as a table: a header of titles in the report's language, then a row per group and period. */
function activityTable(report: ActivityReport, language: Language): { header: string[]; rows: Array<Array<string | number>> } {
  const titles = csvTitles[language]
  const header = [...titles.columns, ...metricNames.map((name) => metricTitles[language][name]), ...dealStateNames.map(titles.deals)]
  const rows = report.groups.flatMap((group) =>
    report.periods.map((period, position) => {
      const figures = group.values[position] as Figures
      return [
        group.key,
        group.label,
        period.key,
        period.from,
        period.to,
        ...metricNames.map((name) => figures[name]),
        ...dealStateNames.map((state) => figures.dealsByState[state] ?? 0),
      ]
    }),
  )
  return { header, rows }
}

/**
 * One line per group and period, under a header of titles in the report's language; the deals by
 * state as columns of their own. It starts with a byte order mark, so Excel reads it as UTF-8
 * instead of garbling the diacritics.
 */
export function activityCsv(report: ActivityReport, language: Language = 'vi'): string {
  const { header, rows } = activityTable(report, language)
  return ['\ufeff' + csvLine(header), ...rows.map((cells) => csvLine(cells.map(String)))].join('')
}

const planTitles: Record<Language, string[]> = {
  vi: ['Năm', 'Mã chỉ tiêu', 'Chỉ tiêu', 'Kế hoạch', 'Thực hiện', 'Tỷ lệ thực hiện'],
  en: ['Year', 'Figure key', 'Figure', 'Target', 'Actual', 'Attainment'],
}

/** The plan report as CSV: one line per year and figure with a target, a byte order mark first. */
export function planCsv(report: PlanReport, language: Language = 'vi'): string {
  const rows = report.years.flatMap((year) =>
    year.lines.map((line) => [year.year, line.metric, metricTitles[language][line.metric], line.target, line.actual, line.attainment ?? ''].map(String)),
  )
  return ['\ufeff' + csvLine(planTitles[language]), ...rows.map((cells) => csvLine(cells))].join('')
}

/**
 * The same table as an Excel workbook (exceljs): figures as numbers, the header bold and frozen.
 * exceljs is loaded on the first request for one, so a start never pays for it.
 */
export async function activityXlsx(report: ActivityReport, language: Language = 'vi'): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs')
  const { header, rows } = activityTable(report, language)
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet(language === 'vi' ? 'Hoạt động' : 'Activity', { views: [{ state: 'frozen', ySplit: 1 }] })
  sheet.addRow(header).font = { bold: true }
  sheet.addRows(rows)
  sheet.columns.forEach((column, index) => {
    column.width = index === 1 ? 48 : Math.min(28, Math.max(12, (header[index] ?? '').length + 2))
  })
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

export const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')

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

export const formatNumber = (value: number, language: Language) => new Intl.NumberFormat(language === 'vi' ? 'vi-VN' : 'en-GB').format(value)

/** Chart titles, Vietnamese by default like the exchange's users, English on request. */
export const metricTitles: Record<Language, Record<Metric, string>> = {
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
    eventsHeld: 'Sự kiện kết nối được tổ chức',
    eventParticipants: 'Lượt tổ chức tham gia sự kiện',
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
    eventsHeld: 'Events held',
    eventParticipants: 'Event participants',
  },
}
const groupingTitles: Record<Language, Record<string, string>> = {
  vi: {
    organization: 'theo tổ chức',
    province: 'theo tỉnh, thành phố',
    legacyProvince: 'theo tỉnh, thành phố (trước 2025)',
    region: 'theo vùng',
    sector: 'theo ngành kinh tế',
    field: 'theo lĩnh vực KH&CN',
  },
  en: {
    organization: 'by organisation',
    province: 'by province',
    legacyProvince: 'by province (before 2025)',
    region: 'by region',
    sector: 'by sector',
    field: 'by S&T field',
  },
}

const chartTexts: Record<Language, { empty: string; notDrawn: (count: number) => string }> = {
  vi: { empty: 'Không có hoạt động trong kỳ', notDrawn: (count) => `và ${count} nhóm khác, không vẽ ở đây: xem bảng số liệu (format=csv)` },
  en: { empty: 'No activity in the period', notDrawn: (count) => `and ${count} more groups, not drawn here: see the figures (format=csv)` },
}

/** Splits text into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    for (let rest = word; rest.length > 0; rest = rest.slice(width)) {
      const piece = rest.slice(0, width)
      if (line === '') line = piece
      else if (line.length + 1 + piece.length <= width) line += ` ${piece}`
      else {
        lines.push(line)
        line = piece
      }
    }
  }
  if (line !== '') lines.push(line)
  return lines.length > 0 ? lines : ['']
}

/** Lines of text, one tspan each, the first at (x, y). */
const textLines = (lines: string[], x: number, y: number, attributes = 'font-size="12"') =>
  `<text x="${x}" y="${y}" ${attributes}>${lines.map((line, index) => `<tspan x="${x}" dy="${index === 0 ? 0 : 15}">${escapeXml(line)}</tspan>`).join('')}</text>`

type Series = { label: string; colour: string; values: number[] }
type KeyEntry = { mark: string; colour?: string; label: string }

const width = 960
const plotHeight = 340
const margin = { top: 72, right: 48, left: 120 }
const plotWidth = width - margin.left - margin.right
const keyColumnWidth = plotWidth / 2
/** Characters of a key entry's line: 12 px Arial averages under 7 px a character. */
const keyChars = 58

/**
 * A chart of one metric, every period present. A time series (more than two periods) is a line
 * per group (the first eight, with a note for the rest), or one line of the totals. One or two
 * periods are bars: a cluster per group (the first twelve) under its name when every name fits
 * there, else numbered, with a key below that gives each group's whole name, wrapped, so centres
 * with long, alike names stay apart; without groups a bar per period, labelled with its value.
 */
export function activitySvg(report: ActivityReport, language: Language = 'vi'): string {
  const metric = report.metric as Metric
  const grouped = report.groupBy !== 'none'
  const timeSeries = report.periods.length > 2
  const valueOf = (figures: unknown) => (figures as Figures)[metric]
  const drawnGroups = report.groups.slice(0, timeSeries ? palette.length : 12)
  const series: Series[] = grouped
    ? drawnGroups.map((group, index) => ({ label: group.label, colour: palette[index % palette.length]!, values: group.values.map(valueOf) }))
    : [{ label: metricTitles[language][metric], colour: palette[0]!, values: report.totals.values.map(valueOf) }]
  const all = series.flatMap((line) => line.values)
  const step = niceStep(Math.max(0, ...all))
  const top = Math.max(step, Math.ceil(Math.max(0, ...all) / step) * step)
  const base = margin.top + plotHeight
  const y = (value: number) => base - (value / top) * plotHeight

  const parts: string[] = []
  const heading = `${metricTitles[language][metric]}${grouped ? ` ${groupingTitles[language][report.groupBy] ?? ''}` : ''}`
  parts.push(textLines(wrap(heading, 80).slice(0, 2), margin.left, 30, 'font-size="18" font-weight="bold"'))
  for (let value = 0; value <= top; value += step) {
    const at = y(value).toFixed(1)
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${at}" y2="${at}" stroke="#ddd"/>`)
    parts.push(`<text x="${margin.left - 8}" y="${at}" font-size="12" text-anchor="end" dominant-baseline="middle">${formatNumber(value, language)}</text>`)
  }

  const key: KeyEntry[] = []
  if (report.periods.length === 0 || series.length === 0) {
    parts.push(`<text x="${width / 2}" y="${base - plotHeight / 2}" font-size="16" text-anchor="middle">${chartTexts[language].empty}</text>`)
  } else if (timeSeries) {
    drawLines(parts, report.periods, series, y, base, language)
    if (grouped) key.push(...series.map((line) => ({ mark: '', colour: line.colour, label: line.label })))
  } else {
    // Groups named under their bars when every name fits there (provinces, regions); else numbered, with a key.
    const clusterWidth = plotWidth / Math.max(1, series.length)
    const named = !grouped || series.every((line) => line.label.length * 7 + 8 <= clusterWidth)
    drawBars(parts, report.periods, series, grouped, named, y, base, language)
    if (!named) key.push(...series.map((line, index) => ({ mark: `${index + 1}.`, label: line.label })))
  }
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${base}" y2="${base}" stroke="#333"/>`)

  // The key, in two columns under the axis labels: whole names, wrapped.
  let keyBottom = base + 44
  const rows: Array<{ entries: KeyEntry[]; lines: string[][] }> = []
  for (let index = 0; index < key.length; index += 2) {
    const entries = key.slice(index, index + 2)
    rows.push({ entries, lines: entries.map((entry) => wrap(entry.label, keyChars)) })
  }
  for (const row of rows) {
    row.entries.forEach((entry, column) => {
      const x = margin.left + column * keyColumnWidth
      if (entry.colour) parts.push(`<rect x="${x}" y="${keyBottom - 10}" width="12" height="12" fill="${entry.colour}"/>`)
      else parts.push(`<text x="${x}" y="${keyBottom}" font-size="12" font-weight="bold">${entry.mark}</text>`)
      parts.push(textLines(row.lines[column]!, x + 22, keyBottom))
    })
    keyBottom += 15 * Math.max(...row.lines.map((lines) => lines.length)) + 8
  }
  const hidden = grouped ? report.groups.length - drawnGroups.length : 0
  if (hidden > 0) {
    parts.push(`<text x="${margin.left}" y="${keyBottom}" font-size="12" font-style="italic">${escapeXml(chartTexts[language].notDrawn(hidden))}</text>`)
    keyBottom += 20
  }
  const height = Math.max(keyBottom + 12, base + 56)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Arial, Helvetica, sans-serif" role="img" aria-label="${escapeXml(heading)}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}

type Period = ActivityReport['periods'][number]

/** How a chart or a page names a period: whole years as 2016–2020 (or 2024), any other range by its key. */
export function periodName(period: Period): string {
  if (!period.from.endsWith('-01-01') || !period.to.endsWith('-12-31')) return period.key
  const [first, last] = [period.from.slice(0, 4), period.to.slice(0, 4)]
  return first === last ? first : `${first}–${last}`
}

/** A line per series over every period; x labels thinned out to fit, each point with its value in a title. */
function drawLines(parts: string[], periods: Period[], series: Series[], y: (value: number) => number, base: number, language: Language) {
  const spacing = periods.length > 1 ? plotWidth / (periods.length - 1) : 0
  const x = (position: number) => margin.left + (periods.length > 1 ? position * spacing : plotWidth / 2)
  const longest = Math.max(...periods.map((period) => periodName(period).length))
  const every = spacing > 0 ? Math.max(1, Math.ceil((longest * 7 + 12) / spacing)) : 1
  periods.forEach((period, position) => {
    // Counted back from the last period, so the last is labelled and no two labels crowd.
    if ((periods.length - 1 - position) % every !== 0) return
    parts.push(`<line x1="${x(position).toFixed(1)}" x2="${x(position).toFixed(1)}" y1="${base}" y2="${base + 5}" stroke="#333"/>`)
    parts.push(`<text x="${x(position).toFixed(1)}" y="${base + 20}" font-size="12" text-anchor="middle">${escapeXml(periodName(period))}</text>`)
  })
  for (const line of series) {
    const points = line.values.map((value, position) => `${x(position).toFixed(1)},${y(value).toFixed(1)}`)
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${line.colour}" stroke-width="2.5"/>`)
    line.values.forEach((value, position) => {
      const title = `${series.length > 1 ? `${line.label}, ` : ''}${periodName(periods[position]!)}: ${formatNumber(value, language)}`
      parts.push(`<circle cx="${x(position).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3.5" fill="${line.colour}"><title>${escapeXml(title)}</title></circle>`)
    })
  }
}

/**
 * One or two periods: a cluster per group (a bar per period, in the legend), under its name or its
 * number in the key (`named`), or a bar per period.
 */
function drawBars(
  parts: string[],
  periods: Period[],
  series: Series[],
  grouped: boolean,
  named: boolean,
  y: (value: number) => number,
  base: number,
  language: Language,
) {
  const clusters = grouped ? series.length : periods.length
  const clusterWidth = plotWidth / Math.max(1, clusters)
  const barsPerCluster = grouped ? periods.length : 1
  const barWidth = Math.max(2, Math.min(56, (clusterWidth * 0.8) / barsPerCluster))
  for (let cluster = 0; cluster < clusters; cluster++) {
    const centre = margin.left + cluster * clusterWidth + clusterWidth / 2
    const first = centre - (barWidth * barsPerCluster) / 2
    for (let bar = 0; bar < barsPerCluster; bar++) {
      const position = grouped ? bar : cluster
      const line = grouped ? series[cluster]! : series[0]!
      const value = line.values[position]!
      const x = first + bar * barWidth
      const barTop = y(value)
      const title = `${grouped ? `${line.label}, ` : ''}${periodName(periods[position]!)}: ${formatNumber(value, language)}`
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${barTop.toFixed(1)}" width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${(base - barTop).toFixed(1)}" fill="${palette[grouped ? bar : 0]}"><title>${escapeXml(title)}</title></rect>`,
      )
      if (!grouped) {
        parts.push(
          `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(barTop - 6).toFixed(1)}" font-size="12" text-anchor="middle">${formatNumber(value, language)}</text>`,
        )
      }
    }
    const label = !grouped ? periodName(periods[cluster]!) : named ? series[cluster]!.label : `${cluster + 1}`
    parts.push(
      `<text x="${centre.toFixed(1)}" y="${base + 20}" font-size="12" text-anchor="middle" font-weight="${named ? 'normal' : 'bold'}">${escapeXml(label)}</text>`,
    )
  }
  // Which bar is which period: a legend above the plot (at most two entries).
  if (grouped) {
    periods.forEach((period, position) => {
      const x = margin.left + position * keyColumnWidth
      parts.push(`<rect x="${x}" y="44" width="12" height="12" fill="${palette[position]}"/>`)
      parts.push(`<text x="${x + 18}" y="54" font-size="12">${escapeXml(periodName(period))}</text>`)
    })
  }
}
