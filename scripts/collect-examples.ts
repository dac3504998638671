import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

// Makes openapi/examples.json, the request and response examples of the OpenAPI document, from
// what the test suite exchanged: the contract check (test/helpers/contract.ts) writes the first
// successful JSON exchange of each operation and status when CONTRACT_EXAMPLES names a folder.
// Every one of them passed the contract check, so each example matches its schema (Redocly's
// no-invalid-media-type-examples checks it again), and the data is the suite's: Vietnamese.
//
//   mkdir -p /tmp/examples && CONTRACT_EXAMPLES=/tmp/examples npx tap --disable-coverage test/modules test/http
//   npx tsx scripts/collect-examples.ts /tmp/examples && npm run openapi

type Exchange = { status: number; request?: unknown; response: unknown }
type Examples = Record<string, { request?: unknown; responses: Record<string, unknown> }>

const folder = process.argv[2]
if (!folder) throw new Error('usage: collect-examples.ts <folder the tests wrote>')

/** A page of two items shows the shape; a secret is shown as one, not as a key that once worked. */
function tidy(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.slice(0, 2).map((item) => tidy(item))
  if (typeof value === 'string') {
    if (key === 'secret' && value.startsWith('txk_')) return `txk_${'x'.repeat(value.length - 4)}`
    if (key === 'secret' && value.startsWith('whsec_')) return `whsec_${'A'.repeat(value.length - 6)}`
    return value
  }
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, tidy(item, name)]))
}

const examples: Examples = {}
for (const file of readdirSync(folder).sort()) {
  const match = /^(\w+)\.(\d{3})\.json$/.exec(file)
  if (!match) continue
  const [, operationId, status] = match as unknown as [string, string, string]
  const exchange = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as Exchange
  const entry = (examples[operationId] ??= { responses: {} })
  if (exchange.request !== undefined && entry.request === undefined) entry.request = tidy(exchange.request)
  entry.responses[status] = tidy(exchange.response)
}
writeFileSync('openapi/examples.json', `${JSON.stringify(examples, null, 2)}\n`)
console.log(`openapi/examples.json: ${Object.keys(examples).length} operations`)
