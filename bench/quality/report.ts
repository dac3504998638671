import { domains } from './fixture.ts'
import type { DemandReport, Report } from './evaluate.ts'
import { mean } from './metrics.ts'

// The evaluation report as plain text for a terminal: a table by domain, then the demands that
// rank worst with what the matcher put on top, which is what one reads when tuning.

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length))
const num = (value: number) => value.toFixed(3)

function domainRows(rows: DemandReport[]) {
  const lines = [`${pad('domain', 13)} ${pad('demands', 8)} ${pad('P@5', 6)} nDCG@10`]
  for (const domain of domains) {
    const inDomain = rows.filter((row) => row.domain === domain)
    if (inDomain.length === 0) continue
    const p5 = mean(inDomain.map((row) => row.precisionAt5))
    const ndcg = mean(inDomain.map((row) => row.ndcgAt10))
    lines.push(`${pad(domain, 13)} ${pad(String(inDomain.length), 8)} ${pad(num(p5), 6)} ${num(ndcg)}`)
  }
  return lines
}

const gradeMark = (grade: number) => (grade === 2 ? '++' : grade === 1 ? '+ ' : '  ')

function worstDemands(rows: DemandReport[], count: number) {
  const worst = [...rows].sort((a, b) => a.ndcgAt10 - b.ndcgAt10 || a.precisionAt5 - b.precisionAt5).slice(0, count)
  const lines: string[] = []
  for (const row of worst) {
    lines.push(`${row.key} [${row.domain}] P@5 ${num(row.precisionAt5)} nDCG@10 ${num(row.ndcgAt10)} (${row.returned} returned) ${row.titleVi}`)
    if (row.top5.length === 0) lines.push('    (no match returned)')
    row.top5.forEach((item, i) => {
      const score = Number.isFinite(item.score) ? item.score.toFixed(3) : '  ?  '
      lines.push(`    ${i + 1}. ${gradeMark(item.grade)} ${score} ${item.key ?? '????'} ${item.titleVi}`)
    })
  }
  return lines
}

export function formatReport(report: Report, worstCount = 5): string {
  return [
    `Matching quality: ${report.demands} demands, ${report.listings} listings`,
    '',
    ...domainRows(report.perDemand),
    `${pad('overall', 13)} ${pad(String(report.demands), 8)} ${pad(num(report.precisionAt5), 6)} ${num(report.ndcgAt10)}`,
    `${pad('BM25', 13)} ${pad(String(report.demands), 8)} ${pad(num(report.bm25.precisionAt5), 6)} ${num(report.bm25.ndcgAt10)}  (plain BM25, the demand's whole text)`,
    '',
    `Own listings proposed to their owner's demands: ${report.ownListingLeaks}${report.ownListingLeaks > 0 ? '  <-- must be 0' : ''}`,
    '',
    `The ${worstCount} worst demands (++ solves it, + partly useful; score, listing):`,
    ...worstDemands(report.perDemand, worstCount),
  ].join('\n')
}
