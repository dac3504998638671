// npx tsx bench/quality/retrieval-set/pool.ts bench/.results/<report>.json — the pooled second pass
// (TREC style): every listing in any system's top 10 for a demand that was not judged for it when
// the set was written. Prints them by demand, in key order, without saying which system found them,
// for a person to grade into qrels-pooled.json (0 included: judged, not relevant).
import { existsSync, readFileSync } from 'node:fs'
import { loadRetrievalSet, retrievalDirectory, type Qrels } from '../retrieval-fixture.ts'

const report = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { perDemand: Record<string, Record<string, { ranked: string[] }>> }
const set = loadRetrievalSet()
const blind = JSON.parse(readFileSync(new URL('qrels.json', retrievalDirectory), 'utf8')) as Qrels
const pooledFile = new URL('qrels-pooled.json', retrievalDirectory)
const pooled = existsSync(pooledFile) ? (JSON.parse(readFileSync(pooledFile, 'utf8')) as Qrels) : {}
const listings = new Map(set.listings.map((listing) => [listing.key, listing]))
let total = 0
for (const demand of set.demands) {
  // Judged when written: the listings written for this need, graded or written as traps, and the cross-grades.
  const judged = new Set([...Object.keys(blind[demand.key] ?? {}), ...Object.keys(pooled[demand.key] ?? {}), ...demand.ownListings])
  for (const listing of set.listings) if (listing.need === demand.need) judged.add(listing.key)
  const pool = new Set<string>()
  for (const run of Object.values(report.perDemand[demand.key] ?? {}))
    for (const key of run.ranked.slice(0, 10)) if (!judged.has(key) && listings.has(key)) pool.add(key)
  if (pool.size === 0) continue
  total += pool.size
  console.log(`\n${demand.key} ${demand.titleVi} — ${demand.desiredOutcomeVi}${demand.minTrl ? ` (TRL >= ${demand.minTrl})` : ''}`)
  for (const key of [...pool].sort()) {
    const listing = listings.get(key)!
    console.log(`  ${key} [trl ${listing.trl}] ${listing.titleVi} | ${listing.descriptionVi.split('. ')[0]}`)
  }
}
console.error(`${total} unjudged listings in the pool`)
