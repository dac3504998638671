import t from 'tap'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { demandSentence, loadRetrievalSet, retrievalDemandBody, retrievalListingBody } from '../../bench/quality/retrieval-fixture.ts'
import { DemandCreate } from '../../src/modules/demands/demands.schemas.ts'
import { ListingCreate } from '../../src/modules/listings/listings.schemas.ts'
import { currentProvinceCode, provinces } from '../../src/core/places.ts'
import { codesOf, organizationKinds } from '../../src/modules/reference/vocabularies.ts'

// The retrieval set (test/fixtures/retrieval-eval) must stay loadable through the real API and hold
// the hard cases its README promises; grades must point at records that exist.

const set = loadRetrievalSet()
const anOwnerId = '00000000-0000-4000-8000-000000000001'
const organizations = new Map(set.organizations.map((o) => [o.key, o]))
const listings = new Map(set.listings.map((l) => [l.key, l]))
const demands = new Map(set.demands.map((d) => [d.key, d]))
const currentCodes = new Set(provinces.map((p) => p.code))
const errorsOf = (schema: TSchema, value: unknown) => Value.Errors(schema, value).map((e) => `${e.instancePath || '/'} ${e.message}`)
const repeated = (keys: string[]) => keys.filter((key, i) => keys.indexOf(key) !== i)

t.test('size and keys', async (t) => {
  t.ok(set.listings.length >= 880, `${set.listings.length} listings`)
  t.ok(set.demands.length >= 120, `${set.demands.length} demands`)
  t.same(repeated(set.listings.map((l) => l.key)), [])
  t.same(repeated(set.demands.map((d) => d.key)), [])
  t.same(
    set.listings.filter((l) => !/^L\d{4}$/.test(l.key)).map((l) => l.key),
    [],
  )
  t.same(
    set.demands.filter((d) => !/^D\d{3}$/.test(d.key)).map((d) => d.key),
    [],
  )
})

t.test('every record is a valid create body with known owners and province codes', async (t) => {
  const kinds = codesOf(organizationKinds) as string[]
  t.same(
    set.organizations.filter((o) => !kinds.includes(o.kind) || !currentProvinceCode(o.provinceCode)).map((o) => o.key),
    [],
  )
  for (const listing of set.listings) {
    const errors = errorsOf(ListingCreate, retrievalListingBody(listing, anOwnerId))
    if (errors.length > 0) t.fail(`${listing.key}: ${errors.join('; ')}`)
    if (!organizations.has(listing.owner)) t.fail(`${listing.key}: unknown owner`)
    if ((listing.priceType === 'amount') !== (listing.priceVnd !== undefined)) t.fail(`${listing.key}: priceVnd goes with amount only`)
    if (listing.provinceCodes.some((code) => !currentProvinceCode(code))) t.fail(`${listing.key}: unknown province code`)
  }
  for (const demand of set.demands) {
    const errors = errorsOf(DemandCreate, retrievalDemandBody(demand, anOwnerId))
    if (errors.length > 0) t.fail(`${demand.key}: ${errors.join('; ')}`)
    if (organizations.get(demand.owner)?.kind !== 'enterprise') t.fail(`${demand.key}: only enterprises file demands`)
    if (demand.budgetMinVnd > demand.budgetMaxVnd) t.fail(`${demand.key}: empty budget range`)
    if (!currentProvinceCode(demand.provinceCode)) t.fail(`${demand.key}: unknown province`)
  }
})

t.test('grades are 1-3 on existing listings, never on the owner’s own; 3 to 12 relevant listings a demand', async (t) => {
  for (const demand of set.demands) {
    const judged = Object.entries(set.qrels[demand.key] ?? {})
    for (const [key, grade] of judged) {
      if (!listings.has(key)) t.fail(`${demand.key}: grades unknown ${key}`)
      if (![1, 2, 3].includes(grade)) t.fail(`${demand.key}: grade ${grade} for ${key}`)
      if (listings.get(key)?.owner === demand.owner) t.fail(`${demand.key}: grades ${key} of its own owner`)
    }
    if (judged.length < 3 || judged.length > 16) t.fail(`${demand.key}: ${judged.length} relevant listings`)
    if (!judged.some(([, grade]) => grade === 3)) t.fail(`${demand.key}: no listing solves it`)
    for (const key of demand.ownListings) if (listings.get(key)?.owner !== demand.owner) t.fail(`${demand.key}: own listing ${key} is not its owner's`)
  }
  t.ok(set.pooledGrades > 0, `${set.pooledGrades} grades from the pooled pass`)
})

t.test('the hard cases are there', async (t) => {
  const graded = set.demands.flatMap((d) => Object.entries(set.qrels[d.key] ?? {}).map(([key, grade]) => ({ demand: d, listing: listings.get(key)!, grade })))
  t.ok(set.listings.filter((l) => l.titleNoise === 'unaccented').length >= 20, 'listing titles without diacritics')
  t.ok(set.listings.filter((l) => l.titleNoise === 'misspelt').length >= 20, 'misspelt listing titles')
  t.ok(set.demands.filter((d) => d.titleNoise).length >= 10, 'demand titles without diacritics or misspelt')
  t.ok(set.organizations.filter((o) => !currentCodes.has(o.provinceCode)).length >= 10, 'organisations with legacy province codes')
  t.ok(set.demands.filter((d) => !currentCodes.has(d.provinceCode)).length >= 20, 'demands with legacy province codes')
  t.ok(graded.filter(({ demand, listing }) => demand.minTrl !== undefined && listing.trl < demand.minTrl).length >= 10, 'graded listings below the minimum TRL')
  t.ok(set.listings.filter((l) => l.role === 'trap' || l.role === 'off-topic').length >= 200, 'distractors')
  t.ok(set.demands.filter((d) => d.ownListings.length > 0).length >= 10, 'demands whose owner offers a fitting listing')
  // One word, several needs: tiêu as pepper, drainage and consumption.
  const tieu = set.demands.filter((d) => ['tieu-chet-nhanh', 'tieu-thoat-nuoc', 'tieu-thu-nong-san', 'say-tieu'].includes(d.need))
  t.ok(new Set(tieu.map((d) => d.need)).size === 4, 'the four tiêu needs')
})

t.test('duplicate groups name existing records, each by a different owner', async (t) => {
  t.ok(set.duplicates.listings.length >= 50, `${set.duplicates.listings.length} listing groups`)
  t.ok(set.duplicates.demands.length >= 5, `${set.duplicates.demands.length} demand pairs`)
  for (const group of set.duplicates.listings) {
    if (group.some((key) => !listings.has(key))) t.fail(`unknown listing in ${group.join(',')}`)
    if (new Set(group.map((key) => listings.get(key)?.owner)).size !== group.length) t.fail(`one owner twice in ${group.join(',')}`)
  }
  for (const pair of set.duplicates.demands) {
    if (pair.some((key) => !demands.has(key))) t.fail(`unknown demand in ${pair.join(',')}`)
    if (demands.get(pair[0]!)?.owner === demands.get(pair[1]!)?.owner) t.fail(`same owner in ${pair.join(',')}`)
  }
  const grouped = set.duplicates.listings.flat()
  t.same(repeated(grouped), [], 'a listing is in one group at most')
})

t.test('the full sentence is cut at a word to 200 characters', async (t) => {
  for (const demand of set.demands) {
    const sentence = demandSentence(demand)
    if (sentence.length > 200 || sentence.length === 0) t.fail(`${demand.key}: ${sentence.length} characters`)
    const full = [demand.titleVi, demand.problemVi, demand.desiredOutcomeVi].join(' ')
    if (!full.replace(/\s+/g, ' ').startsWith(sentence)) t.fail(`${demand.key}: not a prefix`)
  }
  t.equal(demandSentence({ titleVi: 'Một hai', problemVi: 'ba bốn năm', desiredOutcomeVi: 'sáu' }, 12), 'Một hai ba')
  t.equal(demandSentence({ titleVi: 'ngắn', problemVi: 'gọn', desiredOutcomeVi: 'thôi' }), 'ngắn gọn thôi')
})
