import { metricNames, metrics, type ActivityReport, type Figures, type Metric } from './reports.schemas.ts'
import { dealStateNames } from './reports.service.ts'

// The activity report as CSV (a spreadsheet's rows) and as an SVG bar chart a portal embeds with
// <img src="/v1/reports/activity?format=svg&...">: no script, no external font or style.

const csvCell = (value: string | number) => {
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One line per group and period, with a header; the deals by state as columns of their own. */
export function activityCsv(report: ActivityReport): string {
  const header = ['group_key', 'group_label', 'period', 'period_from', 'period_to', ...metricNames, ...dealStateNames.map((state) => `deals_${state}`)]
  const lines = [header.join(',')]
  for (const group of report.groups) {
    report.periods.forEach((period, position) => {
      const figures = group.values[position] as Figures
      lines.push(
        [group.key, group.label, period.key, period.from, period.to, ...metricNames.map((name) => figures[name]), ...dealStateNames.map((state) => figures.dealsByState[state] ?? 0)]
          .map(csvCell)
          .join(','),
      )
    })
  }
  return `${lines.join('\r\n')}\r\n`
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

const formatNumber = (value: number) => new Intl.NumberFormat('vi-VN').format(value)

/**
 * A grouped bar chart of one metric: a cluster per group (the first 12), a bar per period, or a
 * bar per period when the report is not grouped.
 */
export function activitySvg(report: ActivityReport, title?: string): string {
  const metric = report.metric as Metric
  const grouped = report.groupBy !== 'none'
  const clusters = grouped ? report.groups.slice(0, 12) : [{ key: 'all', label: '', values: report.totals.values }]
  const series = report.periods.slice(0, grouped ? palette.length : report.periods.length)
  const values = clusters.flatMap((cluster) => series.map((_, position) => (cluster.values[position] as Figures)[metric]))
  const step = niceStep(Math.max(0, ...values))
  const top = Math.max(step, Math.ceil(Math.max(0, ...values) / step) * step)

  const width = 960
  const height = 540
  const margin = { top: 64, right: 24, bottom: grouped ? 120 : 72, left: 96 }
  const plotWidth = width - margin.left - margin.right
  const plotHeight = height - margin.top - margin.bottom
  const y = (value: number) => margin.top + plotHeight - (value / top) * plotHeight
  const clusterWidth = plotWidth / Math.max(1, clusters.length)
  const barWidth = Math.max(2, Math.min(48, (clusterWidth * 0.8) / Math.max(1, series.length)))

  const parts: string[] = []
  const heading = title ?? `${metrics[metric]}${grouped ? ` — theo ${report.groupBy}` : ''}`
  parts.push(`<text x="${margin.left}" y="28" font-size="18" font-weight="bold">${escapeXml(shorten(heading, 90))}</text>`)
  for (let value = 0; value <= top; value += step) {
    const at = y(value).toFixed(1)
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${at}" y2="${at}" stroke="#ddd"/>`)
    parts.push(`<text x="${margin.left - 8}" y="${at}" font-size="12" text-anchor="end" dominant-baseline="middle">${formatNumber(value)}</text>`)
  }
  clusters.forEach((cluster, clusterIndex) => {
    const clusterStart = margin.left + clusterIndex * clusterWidth + (clusterWidth - barWidth * series.length) / 2
    series.forEach((period, position) => {
      const value = (cluster.values[position] as Figures)[metric]
      const x = grouped ? clusterStart + position * barWidth : margin.left + position * clusterWidth + (clusterWidth - barWidth) / 2
      const barTop = y(value)
      const colour = grouped ? palette[position % palette.length] : palette[0]
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${barTop.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(margin.top + plotHeight - barTop).toFixed(1)}" fill="${colour}"><title>${escapeXml(`${cluster.label || 'Toàn sàn'}, ${period.key}: ${formatNumber(value)}`)}</title></rect>`,
      )
      if (!grouped) {
        parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${(barTop - 6).toFixed(1)}" font-size="12" text-anchor="middle">${formatNumber(value)}</text>`)
        parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${margin.top + plotHeight + 18}" font-size="12" text-anchor="middle">${escapeXml(period.key)}</text>`)
      }
    })
    if (grouped) {
      const centre = margin.left + clusterIndex * clusterWidth + clusterWidth / 2
      const labelY = margin.top + plotHeight + 14
      parts.push(`<text x="${centre.toFixed(1)}" y="${labelY}" font-size="12" text-anchor="end" transform="rotate(-35 ${centre.toFixed(1)} ${labelY})">${escapeXml(shorten(cluster.label, 28))}</text>`)
    }
  })
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" stroke="#333"/>`)
  if (grouped) {
    series.forEach((period, position) => {
      const x = margin.left + position * 150
      parts.push(`<rect x="${x}" y="40" width="12" height="12" fill="${palette[position % palette.length]}"/>`)
      parts.push(`<text x="${x + 18}" y="50" font-size="12">${escapeXml(shorten(period.key, 22))}</text>`)
    })
  }
  if (clusters.length === 0) parts.push(`<text x="${width / 2}" y="${height / 2}" font-size="16" text-anchor="middle">Không có hoạt động trong kỳ</text>`)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Arial, Helvetica, sans-serif" role="img" aria-label="${escapeXml(heading)}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
