import type { Language } from '../../http/language.ts'
import { activitySvg, escapeXml, formatNumber, periodName } from './reports.render.ts'
import type { ActivityReport, ActivitySummary } from './reports.schemas.ts'

// The activity summary as a printable page (A4): what a centre or a DOST hands in. Plain HTML with
// its style inline and its chart as inline SVG: no script, no font or file from elsewhere, so it
// prints the same from a browser, from headless Chromium to PDF, or saved to disk.

const texts = {
  vi: {
    title: 'Báo cáo sơ kết hoạt động kết nối cung - cầu công nghệ',
    periods: (first: string, second: string) => `Giai đoạn ${first} và ${second}`,
    figure: 'Chỉ tiêu',
    difference: 'Tăng, giảm',
    ratio: 'Tỷ lệ',
    chart: 'Biểu đồ',
    models: 'Mô hình chuyển giao thành công',
    noModels: 'Chưa có câu chuyện thành công nào được công bố trong các năm này.',
    madeBy: 'Số liệu của sàn giao dịch công nghệ, lập lúc',
  },
  en: {
    title: 'Technology supply-demand activity summary',
    periods: (first: string, second: string) => `Periods ${first} and ${second}`,
    figure: 'Figure',
    difference: 'Change',
    ratio: 'Ratio',
    chart: 'Chart',
    models: 'Successful transfer models',
    noModels: 'No success story of these years has been published yet.',
    madeBy: 'Figures of the technology exchange, as of',
  },
} satisfies Record<Language, Record<string, unknown>>

const style = `
  @page { size: A4; margin: 18mm 16mm; }
  body { font-family: Arial, 'Helvetica Neue', sans-serif; color: #111; font-size: 11pt; line-height: 1.4; margin: 0 auto; max-width: 190mm; }
  h1 { font-size: 16pt; margin: 0 0 2mm; }
  h2 { font-size: 12.5pt; margin: 7mm 0 2mm; }
  p.scope { font-size: 13pt; font-weight: bold; margin: 0; }
  p.periods { margin: 0 0 4mm; color: #333; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border: 1px solid #999; padding: 1.2mm 2mm; vertical-align: top; }
  th { background: #eee; text-align: left; }
  td.number { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  figure { margin: 0; break-inside: avoid; }
  figure svg { width: 100%; height: auto; }
  ol.models li { margin-bottom: 1.5mm; }
  footer { margin-top: 8mm; font-size: 9pt; color: #555; }
`

function change(value: number, language: Language): string {
  return value > 0 ? `+${formatNumber(value, language)}` : formatNumber(value, language)
}

/** The page; `generatedAt` is printed at its foot. */
export function summaryPage(summary: ActivitySummary, report: ActivityReport, language: Language, generatedAt: Date): string {
  const text = texts[language]
  const [first, second] = summary.periods.map(periodName) as [string, string]
  const rows = summary.figures
    .map(
      (figure) =>
        `<tr><td>${escapeXml(figure.title)}</td><td class="number">${formatNumber(figure.first, language)}</td><td class="number">${formatNumber(figure.second, language)}</td>` +
        `<td class="number">${change(figure.difference, language)}</td><td class="number">${figure.ratio === null ? '—' : `${formatNumber(Math.round(figure.ratio * 100), language)}%`}</td></tr>`,
    )
    .join('\n')
  const models =
    summary.successfulModels.length === 0
      ? `<p>${text.noModels}</p>`
      : `<ol class="models">${summary.successfulModels
          .map((model) => `<li><strong>${escapeXml(model.title)}</strong> — ${escapeXml(model.provider)} → ${escapeXml(model.seeker)} (${model.year})</li>`)
          .join('\n')}</ol>`
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(`${text.title} — ${summary.scope.label}`)}</title>
<style>${style}</style>
</head>
<body>
<h1>${text.title}</h1>
<p class="scope">${escapeXml(summary.scope.label)}</p>
<p class="periods">${escapeXml(text.periods(first, second))}</p>
<table>
<thead><tr><th>${text.figure}</th><th>${escapeXml(first)}</th><th>${escapeXml(second)}</th><th>${text.difference}</th><th>${text.ratio}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>${text.chart}</h2>
<figure>${activitySvg(report, language)}</figure>
<h2>${text.models}</h2>
${models}
<footer>${text.madeBy} ${escapeXml(generatedAt.toISOString().slice(0, 16).replace('T', ' '))} UTC</footer>
</body>
</html>
`
}
