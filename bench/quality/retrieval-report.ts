import type { RetrievalReport, System } from './retrieval-evaluate.ts'

// The retrieval report as one plain-text table.

const labels: Record<System, string> = {
  matches: 'stored matches (GET /v1/demands/{id}/matches)',
  'search-title': 'listing search, q = title',
  'search-sentence': 'listing search, q = sentence (200 chars)',
  'bm25-full': 'BM25, whole demand',
  'bm25-title': 'BM25, q = title',
  'bm25-sentence': 'BM25, q = sentence (200 chars)',
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length))
const num = (value: number) => value.toFixed(3)
const pct = (value: number) => `${(value * 100).toFixed(1)}%`

export function formatRetrievalReport(report: RetrievalReport): string {
  const lines = [
    `Retrieval quality: ${report.demands} demands, ${report.listings} listings, ${report.judged} grades > 0 (${report.pooledGrades} judged in the pooled pass)`,
    '',
    `${pad('', 44)} ${pad('nDCG@10', 8)} ${pad('P@5', 6)} ${pad('R@10', 6)} ${pad('empty', 6)} ms/demand`,
  ]
  for (const row of report.summary) {
    lines.push(
      `${pad(labels[row.system], 44)} ${pad(num(row.ndcgAt10), 8)} ${pad(num(row.precisionAt5), 6)} ${pad(num(row.recallAt10), 6)} ${pad(String(row.emptyResults), 6)} ${row.milliseconds.toFixed(0)}`,
    )
  }
  const condensed = report.summary.filter((row) => row.condensed)
  if (condensed.length > 0) {
    lines.push(
      '',
      'Condensed lists (listings of the catalogue around the set left out of each ranking, then scored):',
      `${pad('', 44)} ${pad('nDCG@10', 8)} ${pad('P@5', 6)} ${pad('R@10', 6)} catalogue listings in the top 10`,
    )
    for (const row of condensed) {
      const figures = row.condensed!
      lines.push(
        `${pad(labels[row.system], 44)} ${pad(num(figures.ndcgAt10), 8)} ${pad(num(figures.precisionAt5), 6)} ${pad(num(figures.recallAt10), 6)} ${figures.foreignInTop10.toFixed(1)}`,
      )
    }
  }
  const matches = report.summary.find((row) => row.system === 'matches')!
  const { listings, demands } = report.duplicates
  lines.push(
    '',
    `nDCG@10 with gains 3/2/1; P@5 counts grade >= 2; R@10 counts grade 3; "empty": demands with no result;`,
    `ms/demand: mean wall time of the system's requests per demand, under the run's concurrency (a rough cost, not a benchmark).`,
    `Own listings proposed to their owner's demands: ${matches.ownListingLeaks}${matches.ownListingLeaks > 0 ? '  <-- must be 0' : ''}`,
    `Listing duplicates flagged at create: recall ${pct(listings.recall)} (${listings.correct} of ${listings.truePairs} pairs), precision ${pct(listings.precision)} (${listings.flaggedPairs} flagged)`,
    demands
      ? `Demand duplicates flagged at create: recall ${pct(demands.recall)} (${demands.correct} of ${demands.truePairs} pairs), precision ${pct(demands.precision)} (${demands.flaggedPairs} flagged)`
      : 'Demand duplicates: not scored, createDemand reports none (no possibleDuplicates in its answer)',
    `Load ${report.loadSeconds.toFixed(1)} s, evaluation ${report.evaluateSeconds.toFixed(1)} s`,
  )
  return lines.join('\n')
}
