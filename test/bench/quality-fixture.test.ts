import t from 'tap'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { demandBody, domains, listingBody, loadFixture } from '../../bench/quality/fixture.ts'
import { DemandCreate } from '../../src/modules/demands/demands.schemas.ts'
import { ListingCreate } from '../../src/modules/listings/listings.schemas.ts'
import { currentProvinceCode, provinces } from '../../src/core/places.ts'
import { codesOf, organizationKinds } from '../../src/modules/reference/vocabularies.ts'

// The labelled matching set (test/fixtures/match-eval) must stay loadable through the real API:
// every record passes the create schemas and the services' own rules, and the grades point at
// records that exist.

const fixture = loadFixture()
const anOwnerId = '00000000-0000-4000-8000-000000000001'
const organizations = new Map(fixture.organizations.map((organization) => [organization.key, organization]))
const listings = new Map(fixture.listings.map((listing) => [listing.key, listing]))

const schemaErrors = (schema: TSchema, value: unknown) => Value.Errors(schema, value).map((error) => `${error.instancePath || '/'} ${error.message}`)

const duplicates = (keys: string[]) => keys.filter((key, i) => keys.indexOf(key) !== i)

t.test('keys are unique and well formed', async (t) => {
  t.same(duplicates(fixture.organizations.map((o) => o.key)), [], 'organisations')
  t.same(duplicates(fixture.listings.map((l) => l.key)), [], 'listings')
  t.same(duplicates(fixture.demands.map((d) => d.key)), [], 'demands')
  t.same(
    fixture.organizations.filter((o) => !/^O\d{2}$/.test(o.key)).map((o) => o.key),
    [],
  )
  t.same(
    fixture.listings.filter((l) => !/^L\d{3}$/.test(l.key)).map((l) => l.key),
    [],
  )
  t.same(
    fixture.demands.filter((d) => !/^D\d{2}$/.test(d.key)).map((d) => d.key),
    [],
  )
})

t.test('the set is big enough and spread over the domains', async (t) => {
  t.ok(fixture.organizations.length >= 25, `${fixture.organizations.length} organisations`)
  t.ok(fixture.listings.length >= 400, `${fixture.listings.length} listings`)
  t.ok(fixture.demands.length >= 40, `${fixture.demands.length} demands`)
  for (const domain of domains) {
    const inDomain = fixture.listings.filter((l) => l.domain === domain).length
    t.ok(inDomain >= 50, `${inDomain} listings in ${domain}`)
    t.equal(fixture.demands.filter((d) => d.domain === domain).length, 6, `6 demands in ${domain}`)
  }
  t.same(
    fixture.listings.filter((l) => !domains.includes(l.domain)).map((l) => l.key),
    [],
    'every listing has a known domain',
  )
  t.same(
    fixture.demands.filter((d) => !domains.includes(d.domain)).map((d) => d.key),
    [],
    'every demand has a known domain',
  )
})

t.test('organisations have known kinds and province codes, legacy ones included', async (t) => {
  const kinds = codesOf(organizationKinds) as string[]
  t.same(
    fixture.organizations.filter((o) => !kinds.includes(o.kind)).map((o) => o.key),
    [],
    'kinds',
  )
  t.same(
    fixture.organizations.filter((o) => !currentProvinceCode(o.provinceCode)).map((o) => o.key),
    [],
    'province codes resolve',
  )
  const current = new Set(provinces.map((province) => province.code))
  t.ok(
    fixture.organizations.some((o) => !current.has(o.provinceCode)),
    'some organisations use a legacy code on purpose',
  )
})

t.test('every listing is a valid createListing body and keeps the service rules', async (t) => {
  for (const listing of fixture.listings) {
    const errors = schemaErrors(ListingCreate, listingBody(listing, anOwnerId))
    if (errors.length > 0) t.fail(`${listing.key}: ${errors.join('; ')}`)
    if (!organizations.has(listing.owner)) t.fail(`${listing.key}: unknown owner ${listing.owner}`)
    if ((listing.priceType === 'amount') !== (listing.priceVnd !== undefined)) t.fail(`${listing.key}: priceVnd goes with priceType amount, and only with it`)
    const unknown = listing.provinceCodes.filter((code) => !currentProvinceCode(code))
    if (unknown.length > 0) t.fail(`${listing.key}: unknown province codes ${unknown.join(', ')}`)
  }
  t.ok(
    fixture.listings.some((l) => l.keywords.length === 0),
    'some listings have no keywords',
  )
  t.ok(
    fixture.listings.some((l) => l.provinceCodes.some((code) => !provinces.some((p) => p.code === code))),
    'some listings use legacy codes',
  )
})

t.test('every demand is a valid createDemand body filed by an enterprise', async (t) => {
  for (const demand of fixture.demands) {
    const errors = schemaErrors(DemandCreate, demandBody(demand, anOwnerId))
    if (errors.length > 0) t.fail(`${demand.key}: ${errors.join('; ')}`)
    const owner = organizations.get(demand.owner)
    if (owner?.kind !== 'enterprise') t.fail(`${demand.key}: owner ${demand.owner} must be an enterprise (only enterprises file demands)`)
    if (demand.budgetMinVnd !== undefined && demand.budgetMaxVnd !== undefined && demand.budgetMinVnd > demand.budgetMaxVnd) {
      t.fail(`${demand.key}: empty budget range`)
    }
    if (demand.provinceCode !== undefined && !currentProvinceCode(demand.provinceCode)) t.fail(`${demand.key}: unknown province ${demand.provinceCode}`)
  }
})

t.test('grades point at existing listings; every demand has at least 3 grade-2 and some grade-1 listings', async (t) => {
  for (const demand of fixture.demands) {
    const entries = Object.entries(demand.relevant)
    const missing = entries.filter(([key]) => !listings.has(key)).map(([key]) => key)
    if (missing.length > 0) t.fail(`${demand.key}: grades unknown listings ${missing.join(', ')}`)
    const badGrades = entries.filter(([, grade]) => grade !== 1 && grade !== 2)
    if (badGrades.length > 0) t.fail(`${demand.key}: grades must be 1 or 2, got ${JSON.stringify(badGrades)}`)
    const solving = entries.filter(([, grade]) => grade === 2).length
    if (solving < 3) t.fail(`${demand.key}: ${solving} listings graded 2, need at least 3`)
    if (!entries.some(([, grade]) => grade === 1)) t.fail(`${demand.key}: no listing graded 1`)
    const own = entries.filter(([key]) => listings.get(key)?.owner === demand.owner).map(([key]) => key)
    if (own.length > 0) t.fail(`${demand.key}: grades listings of its own owner (${own.join(', ')}); list them in ownListings`)
  }
})

t.test("ownListings are the demand owner's own and are not graded", async (t) => {
  const withOwn = fixture.demands.filter((d) => (d.ownListings ?? []).length > 0)
  t.ok(withOwn.length >= 5, `${withOwn.length} demands have own listings`)
  for (const demand of withOwn) {
    for (const key of demand.ownListings!) {
      const listing = listings.get(key)
      if (!listing) t.fail(`${demand.key}: ownListings has unknown ${key}`)
      else if (listing.owner !== demand.owner) t.fail(`${demand.key}: ${key} belongs to ${listing.owner}, not ${demand.owner}`)
      if (key in demand.relevant) t.fail(`${demand.key}: ${key} is both graded and own`)
    }
  }
})
