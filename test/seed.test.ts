import t from 'tap'
import { eq, inArray } from 'drizzle-orm'
import { deals as dealsTable, dealTransitions, demands, listings, organizations } from '../src/db/schema/index.ts'
import { dealTransitions as dealTransitionTable } from '../src/modules/deals/deals.process.ts'
import { demoDeals } from '../src/seed/deals.ts'
import { historyRows } from '../src/seed/history.ts'
import { vietnamDate } from '../src/lib/clock.ts'
import { createApiKey } from '../src/core/keys.ts'
import { currentProvinceCode, knownProvinceCodes } from '../src/core/places.ts'
import * as vocabularies from '../src/modules/reference/vocabularies.ts'
import { demoDemands, demoIds, demoListings, demoOperatorId, demoOrganizations } from '../src/seed/dataset.ts'
import { resetDemoData, seedDemoData } from '../src/seed/load.ts'
import { demoId } from '../src/seed/types.ts'
import { buildTestApp } from './helpers/app.ts'
import { createOperator, createOrganization, tableCounts } from './helpers/factories.ts'

const { app, db, clock } = await buildTestApp(t)
const codes = (list: readonly { code: string }[]) => new Set(list.map((term) => term.code))
const known = new Set(knownProvinceCodes)
const today = vietnamDate(clock.now())
const yearAgo = new Date(clock.now().getTime() - 365 * 86_400_000)

const demoDealIds = demoDeals.map((deal) => demoId('deal', deal.key))
const history = historyRows(clock.now())
const demoListingRows = () => db.select().from(listings).where(inArray(listings.id, demoIds.listings))
const demoDemandRows = () => db.select().from(demands).where(inArray(demands.id, demoIds.demands))
const demoOrganizationRows = () => db.select().from(organizations).where(inArray(organizations.id, demoIds.organizations))

t.test('the data set is big enough and its keys are unique', async (t) => {
  t.ok(demoListings.length >= 60, `${demoListings.length} listings`)
  t.ok(demoDemands.length >= 30, `${demoDemands.length} demands`)
  for (const ids of Object.values(demoIds)) t.equal(new Set(ids).size, ids.length, 'no two demo rows share an id')
  t.equal(demoId('listing', 'x'), demoId('listing', 'x'), 'ids are stable')
  t.not(demoId('listing', 'x'), demoId('demand', 'x'), 'ids differ across tables')
  t.match(demoId('listing', 'x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

t.test('seeding an empty database loads everything', async (t) => {
  const before = await tableCounts(db)
  const report = await seedDemoData(db, clock)
  t.same(report.organizations, { added: demoOrganizations.length, present: 0 })
  t.same(report.listings, { added: demoListings.length, present: 0 })
  t.same(report.demands, { added: demoDemands.length, present: 0 })
  t.same(report.deals, { added: demoDeals.length, present: 0 })
  t.same(report.history, { listings: history.listings.length, deals: history.deals.length, tasks: history.tasks.length, valueChains: 1, events: 1 })
  t.equal(report.mergers, 6, 'three provinces merged in 2025: their DOSTs and centres')
  t.ok(history.listings.length > 200 && history.deals.length > 100, `${history.listings.length} past listings, ${history.deals.length} transfers`)
  t.same(report.notes, [])
  const after = await tableCounts(db)
  t.equal(after.organizations - before.organizations, demoOrganizations.length)
  t.ok(after.listings - before.listings >= 60)
  t.ok(after.demands - before.demands >= 30)
  t.equal(after.apiKeys, before.apiKeys, 'the demo creates no keys')

  const [organic] = await db.select().from(listings).where(eq(listings.titleVi, 'Quy trình sản xuất lúa gạo hữu cơ'))
  t.match(organic, { status: 'published', provinceCodes: ['36'], currentProvinceCodes: ['37'], priceType: 'amount' })
})

t.test('a second seed adds nothing', async (t) => {
  const before = await tableCounts(db)
  const report = await seedDemoData(db, clock)
  t.same(report.organizations, { added: 0, present: demoOrganizations.length })
  t.same(report.listings, { added: 0, present: demoListings.length })
  t.same(report.demands, { added: 0, present: demoDemands.length })
  t.same(report.deals, { added: 0, present: demoDeals.length })
  t.equal(report.mergers, 0)
  t.same(await tableCounts(db), before)
})

t.test("the 2025 mergers: a merged province's centre counts for itself until 30 June 2025 and for its successor from 1 July", async (t) => {
  const namDinh = demoId('organization', 'centre-nam-dinh')
  const ninhBinh = demoId('organization', 'centre-ninh-binh')
  const organization = (await app.inject({ method: 'GET', url: `/v1/organizations/${namDinh}` })).json()
  t.match(organization, { mergedIntoId: ninhBinh, mergeEffectiveOn: '2025-07-01' })
  t.match((await app.inject({ method: 'GET', url: `/v1/organizations/${demoId('organization', 'dost-thai-binh')}` })).json(), {
    mergedIntoId: demoId('organization', 'dost-hung-yen'),
  })
  t.equal((await app.inject({ method: 'GET', url: `/v1/organizations/${demoId('organization', 'centre-hung-yen')}` })).json().mergedIntoId, null)

  // Nam Định's past transfers, by when they completed, against the reports' attribution.
  const completedOn = (id: string, from: string, to: string) =>
    history.deals.filter((deal) => deal.providerId === id && deal.completedOn! >= from && deal.completedOn! <= to).length
  const ofNamDinh = { before: completedOn(namDinh, '2025-01-01', '2025-06-30'), after: completedOn(namDinh, '2025-07-01', '2025-12-31') }
  t.ok(ofNamDinh.before + ofNamDinh.after > 0, 'the history has Nam Định transfers in 2025')
  const halves = 'ranges=2025-01-01..2025-06-30,2025-07-01..2025-12-31&groupBy=organization&metric=completedTransfers'
  const transfers = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/reports/activity?${halves}&organizationId=${id}` }))
      .json()
      .totals.values.map((figures: { completedTransfers: number }) => figures.completedTransfers)
  t.same(await transfers(namDinh), [ofNamDinh.before, 0], 'until 30 June: Nam Định')
  const ofNinhBinh = await transfers(ninhBinh)
  t.ok(ofNinhBinh[1] >= ofNamDinh.after, `from 1 July Ninh Bình's figures include Nam Định's ${ofNamDinh.after}`)
})

t.test('every listing uses valid codes, provinces and dates', async (t) => {
  const rows = await demoListingRows()
  t.equal(rows.length, demoListings.length)
  const owners = new Set(demoIds.organizations)
  const problems: string[] = []
  const check = (ok: boolean, problem: string) => ok || problems.push(problem)
  for (const row of rows) {
    const where = `listing "${row.titleVi}"`
    check(owners.has(row.ownerId), `${where}: owner is a demo organisation`)
    check(codes(vocabularies.listingKinds).has(row.kind), `${where}: kind`)
    check(codes(vocabularies.iprStatuses).has(row.iprStatus), `${where}: IPR status`)
    check(codes(vocabularies.priceTypes).has(row.priceType), `${where}: price type`)
    check((row.priceVnd !== null) === (row.priceType === 'amount'), `${where}: an amount exactly when priced`)
    check(row.trl === null || (row.trl >= 1 && row.trl <= 9), `${where}: TRL`)
    check(row.transferForms.length > 0 && row.transferForms.every((code) => codes(vocabularies.transferForms).has(code)), `${where}: forms`)
    check(row.transferMethods.length > 0 && row.transferMethods.every((code) => codes(vocabularies.transferMethods).has(code)), `${where}: methods`)
    check(row.sectors.length > 0 && row.sectors.every((code) => codes(vocabularies.sectors).has(code)), `${where}: sectors`)
    check(row.fields.length > 0 && row.fields.every((code) => codes(vocabularies.scienceFields).has(code)), `${where}: fields`)
    check(row.keywords.length > 0 && row.keywords.every((keyword) => keyword.length <= 60), `${where}: keywords`)
    check(row.provinceCodes.length > 0 && row.provinceCodes.every((code) => known.has(code)), `${where}: provinces are known`)
    check(row.currentProvinceCodes.join() === [...new Set(row.provinceCodes.map((code) => currentProvinceCode(code)))].join(), `${where}: resolved provinces`)
    check(
      row.media.every((link) => /^https:\/\//.test(link.url) && ['image', 'video', 'document'].includes(link.kind)),
      `${where}: media`,
    )
    if (row.iprStatus === 'patent_granted')
      check(
        row.iprNumbers.every((number) => /^1-\d{7}$/.test(number)),
        `${where}: patent numbers`,
      )
    if (row.iprStatus.endsWith('_pending'))
      check(
        row.iprNumbers.every((number) => /^[12]-\d{4}-\d{5}$/.test(number)),
        `${where}: application numbers`,
      )
    // Published within the last year, never in the future; drafts have no publication date.
    if (row.status === 'draft') check(row.publishedAt === null, `${where}: draft unpublished`)
    else check(row.publishedAt! >= yearAgo && row.publishedAt! <= clock.now(), `${where}: published within the last year`)
    check((row.withdrawnAt !== null && row.withdrawReason !== null) === (row.status === 'withdrawn'), `${where}: withdrawal recorded`)
    check(row.createdAt <= (row.publishedAt ?? row.createdAt), `${where}: created before published`)
  }
  t.same(problems, [], 'every listing passes every check')
  const published = rows.filter((row) => row.status === 'published')
  const expired = published.filter((row) => row.validUntil !== null && row.validUntil < today)
  t.ok(published.length > rows.length / 2, 'mostly published')
  t.ok(
    rows.some((row) => row.status === 'draft'),
    'some drafts',
  )
  t.ok(
    rows.some((row) => row.status === 'withdrawn'),
    'a withdrawn listing',
  )
  t.equal(expired.length, 1, 'one expired listing')
  t.ok(
    published.filter((row) => !expired.includes(row)).every((row) => row.validUntil! > today),
    'the others are valid for a while yet',
  )
  t.ok(
    rows.some((row) => row.titleEn !== null),
    'some English titles',
  )
  t.ok(
    rows.some((row) => row.iprStatus === 'patent_granted'),
    'granted patents',
  )
})

t.test('every demand uses valid codes, provinces and dates', async (t) => {
  const rows = await demoDemandRows()
  t.equal(rows.length, demoDemands.length)
  const problems: string[] = []
  const check = (ok: boolean, problem: string) => ok || problems.push(problem)
  for (const row of rows) {
    const where = `demand "${row.titleVi}"`
    check(row.sectors.length > 0 && row.sectors.every((code) => codes(vocabularies.sectors).has(code)), `${where}: sectors`)
    check(row.fields.length > 0 && row.fields.every((code) => codes(vocabularies.scienceFields).has(code)), `${where}: fields`)
    check(row.minTrl === null || (row.minTrl >= 1 && row.minTrl <= 9), `${where}: min TRL`)
    check(row.budgetMinVnd === null || row.budgetMaxVnd === null || row.budgetMinVnd <= row.budgetMaxVnd, `${where}: budget range`)
    check(row.provinceCode !== null && known.has(row.provinceCode), `${where}: province is known`)
    check(row.currentProvinceCode === currentProvinceCode(row.provinceCode!), `${where}: resolved province`)
    check((row.openedAt === null) === (row.status === 'draft'), `${where}: opened unless draft`)
    if (row.status === 'closed') {
      check(codes(vocabularies.demandCloseReasons).has(row.closeReason!), `${where}: close reason`)
      check(row.closedAt! > row.openedAt!, `${where}: closed after opened`)
    } else {
      check(row.closeReason === null, `${where}: no close reason`)
    }
    if (row.status === 'open') check(row.deadline === null || row.deadline > today, `${where}: deadline ahead`)
  }
  t.same(problems, [], 'every demand passes every check')
  const owners = new Set(rows.map((row) => row.ownerId))
  const ownerKinds = await db
    .select({ kind: organizations.kind })
    .from(organizations)
    .where(inArray(organizations.id, [...owners]))
  t.ok(
    ownerKinds.every((row) => row.kind === 'enterprise' || row.kind === 'connection_point'),
    'demands come from enterprises (and the connection point)',
  )
  t.ok(rows.filter((row) => row.status === 'open').length > rows.length / 2, 'mostly open')
  t.ok(
    rows.some((row) => row.status === 'draft'),
    'some drafts',
  )
  t.ok(rows.filter((row) => row.status === 'closed').length >= 2, 'a couple closed')
})

t.test('organisations: kinds, hierarchy, tax codes, and records filed under legacy provinces', async (t) => {
  const rows = await demoOrganizationRows()
  const byId = new Map(rows.map((row) => [row.id, row]))
  t.ok(
    rows.every((row) => codes(vocabularies.organizationKinds).has(row.kind)),
    'kinds',
  )
  t.ok(
    rows.every((row) => row.provinceCode === null || (known.has(row.provinceCode) && row.currentProvinceCode === currentProvinceCode(row.provinceCode))),
    'provinces',
  )
  const centres = rows.filter((row) => row.kind === 'transfer_centre')
  t.ok(centres.length >= 10, 'the centres')
  t.ok(
    centres.every((row) => byId.get(row.parentId!)?.kind === 'authority' && byId.get(row.parentId!)?.provinceCode === row.provinceCode),
    'each under its DOST',
  )
  const enterprises = rows.filter((row) => row.kind === 'enterprise')
  t.ok(enterprises.length >= 15, `${enterprises.length} enterprises`)
  t.ok(
    enterprises.every((row) => /^\d{10}$/.test(row.taxCode ?? '')),
    '10-digit tax codes',
  )
  t.equal(new Set(enterprises.map((row) => row.taxCode)).size, enterprises.length, 'unique tax codes')
  for (const kind of ['exchange_operator', 'research_institute', 'university', 'connection_point']) {
    t.ok(
      rows.some((row) => row.kind === kind),
      `has a ${kind}`,
    )
  }

  const legacy = (code: string) => currentProvinceCode(code) !== code
  const legacyRecords =
    (await demoListingRows()).filter((row) => row.provinceCodes.some(legacy)).length +
    (await demoDemandRows()).filter((row) => legacy(row.provinceCode!)).length +
    rows.filter((row) => row.provinceCode && legacy(row.provinceCode)).length
  t.ok(legacyRecords >= 3, `${legacyRecords} records filed under legacy provinces`)
  const namDinh = rows.find((row) => row.name === 'Sở Khoa học và Công nghệ tỉnh Nam Định')
  t.match(namDinh, { kind: 'authority', provinceCode: '36', currentProvinceCode: '37' })
})

t.test('demo organisations are served by the API like any other', async (t) => {
  const centre = await app.inject({ method: 'GET', url: `/v1/organizations/${demoId('organization', 'centre-nam-dinh')}` })
  t.equal(centre.statusCode, 200)
  t.match(centre.json(), { kind: 'transfer_centre', provinceCode: '36', currentProvinceCode: '37', parentId: demoId('organization', 'dost-nam-dinh') })
  const list = await app.inject({ method: 'GET', url: '/v1/organizations?kind=authority&limit=100' })
  t.equal(list.statusCode, 200)
  t.ok(list.json().items.length >= 10)
})

t.test('the listings API serves the demo listings', async (t) => {
  const organic = await app.inject({ method: 'GET', url: `/v1/listings/${demoId('listing', 'lua-gao-huu-co')}` })
  t.equal(organic.statusCode, 200)
  t.match(organic.json(), { titleVi: 'Quy trình sản xuất lúa gạo hữu cơ', status: 'published', provinceCodes: ['36'], currentProvinceCodes: ['37'] })
  const expired = await app.inject({ method: 'GET', url: `/v1/listings/${demoId('listing', 'chuoi-say-deo')}` })
  t.match(expired.json(), { status: 'expired' })

  const found = await app.inject({ method: 'GET', url: `/v1/listings?q=${encodeURIComponent('lua gao huu co')}&province=36` })
  t.equal(found.statusCode, 200)
  t.ok(
    found.json().items.some((item: { id: string }) => item.id === demoId('listing', 'lua-gao-huu-co')),
    'found without diacritics, by its legacy province',
  )

  const page = await app.inject({ method: 'GET', url: '/v1/listings?limit=100' })
  t.equal(page.statusCode, 200)
  const live = (await demoListingRows()).filter((row) => row.status === 'published' && (row.validUntil === null || row.validUntil >= today))
  t.equal(page.json().items.length, live.length, 'every live demo listing is listed')
})

t.test('the demo deals stand at every stage, each reached by moves the process table allows', async (t) => {
  const rows = await db.select().from(dealsTable).where(inArray(dealsTable.id, demoDealIds))
  t.equal(rows.length, demoDeals.length)
  t.same(rows.map((row) => row.state).sort(), ['agreed', 'completed', 'declined', 'in_transfer', 'interest_expressed', 'negotiating'])
  for (const deal of rows) {
    const history = await db.select().from(dealTransitions).where(eq(dealTransitions.dealId, deal.id)).orderBy(dealTransitions.id)
    t.equal(history[0]!.transition, 'start')
    for (const entry of history.slice(1)) {
      const transition = dealTransitionTable.find((candidate) => candidate.name === entry.transition)!
      t.ok(
        (transition.from as readonly string[]).includes(entry.fromState!) && transition.to === entry.toState,
        `${deal.id}: ${entry.transition} from ${entry.fromState}`,
      )
      t.ok(transition.by.includes(entry.actorRole as never), `${entry.transition} by ${entry.actorRole}`)
    }
    t.equal(history[history.length - 1]!.toState, deal.state, 'the history ends where the deal is')
  }
  const completed = rows.find((row) => row.state === 'completed')!
  t.match(completed, { transferValueVnd: 180_000_000, completedOn: String })
  // Served by the API like any deal: the operator sees it with its offer and milestones.
  const operator = {
    keyId: demoOperatorId,
    organizationId: demoOperatorId,
    organizationKind: 'exchange_operator',
    role: 'operator' as const,
    requestId: 'seed-test',
  }
  const served = await app.services.deals.get(operator, completed.id)
  t.match(served, { state: 'completed', offers: [{ status: 'accepted' }], milestones: [{ doneAt: String }, { doneAt: String }] })
})

t.test('the history gives the reports two periods to compare, and the value chain its gaps', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/v1/reports/activity?ranges=2016-01-01..2020-12-31,2021-01-01..2025-12-31&groupBy=province' })
  t.equal(response.statusCode, 200)
  const report = response.json() as { groups: unknown[]; comparison: { totals: Record<string, { first: number; second: number }> } }
  const { listingsPublished, completedTransfers, tasksStarted, transferValueVnd } = report.comparison.totals
  t.ok(
    listingsPublished!.first > 50 && listingsPublished!.second > listingsPublished!.first,
    `listings ${listingsPublished!.first} then ${listingsPublished!.second}`,
  )
  t.ok(completedTransfers!.first > 20 && completedTransfers!.second > 20, `transfers ${completedTransfers!.first} then ${completedTransfers!.second}`)
  t.ok(transferValueVnd!.second > transferValueVnd!.first)
  t.same([tasksStarted!.first, tasksStarted!.second], [10, 10], 'a task per province and period')
  t.ok(report.groups.length >= 8, 'the provinces of the demo')

  const fair = (await app.inject({ method: 'GET', url: `/v1/exchange-events/${history.exchangeEvents[0]!.id}` })).json() as {
    outcomes: { dealsStarted: number; completedTransfers: number }
  }
  t.ok(
    fair.outcomes.dealsStarted >= 1 && fair.outcomes.completedTransfers === fair.outcomes.dealsStarted,
    `the 2024 fair started ${fair.outcomes.dealsStarted} transfers`,
  )

  const chain = demoId('value_chain', 'nam-dinh-rice')
  const gaps = (await app.inject({ method: 'GET', url: `/v1/value-chains/${chain}/gaps` })).json() as { gaps: Array<{ stage: { kind: string } }> }
  t.same(
    gaps.gaps.map((gap) => gap.stage.kind),
    ['harvest_preservation', 'processing', 'packaging_branding'],
  )

  const operator = {
    keyId: demoOperatorId,
    organizationId: demoOperatorId,
    organizationKind: 'exchange_operator',
    role: 'operator' as const,
    requestId: 'seed-test',
  }
  t.match(
    await app.services.deals.get(operator, history.deals[0]!.id!),
    { state: 'completed', transferValueVnd: Number },
    'a past transfer is served like any deal',
  )
  t.match(await app.services.tasks.get(null, history.tasks[0]!.id!), { status: 'completed', fundingTotalVnd: Number }, 'a past task is public')

  // Successful models: published stories of past transfers, in the public list and the summaries.
  t.ok(history.successStories.length >= 15, `${history.successStories.length} stories`)
  const stories = (await app.inject({ method: 'GET', url: '/v1/success-stories?year=2023&limit=100' })).json() as {
    items: Array<{ status: string; provinceCode: string | null }>
  }
  t.equal(stories.items.length, history.successStories.filter((story) => story.year === 2023).length, 'every 2023 story is public')
  t.ok(
    stories.items.every((story) => story.status === 'published' && story.provinceCode !== null),
    "published, in their seeker's province",
  )
  const summary = (await app.inject({ method: 'GET', url: `/v1/reports/summary?organizationId=${demoId('organization', 'centre-ninh-binh')}` })).json() as {
    successfulModels: unknown[]
  }
  t.ok(summary.successfulModels.length >= 2, "Ninh Bình's summary names its successful models")
})

t.test('reset deletes the demo rows only, keeping organisations something else refers to', async (t) => {
  const stranger = await createOrganization(db, { name: 'Công ty không thuộc demo' })
  const [strangerListing] = await db
    .insert(listings)
    .values({ ownerId: demoId('organization', 'hust'), kind: 'technology', titleVi: 'Listing made through the API', descriptionVi: 'Not demo data.' })
    .returning({ id: listings.id })
  const cooperative = demoId('organization', 'htx-hai-hau')
  await createApiKey(db, { organizationId: cooperative, role: 'admin' })
  const before = await tableCounts(db)

  const removed = await resetDemoData(db)
  t.equal(removed.deals, demoDeals.length + history.deals.length)
  t.equal(removed.listings, demoListings.length + history.listings.length)
  t.equal(removed.demands, demoDemands.length)
  t.same(removed.keptOrganizations.sort(), ['Hợp tác xã Nông nghiệp hữu cơ Hải Hậu', 'Đại học Bách khoa Hà Nội'].sort())
  t.equal(removed.organizations, demoOrganizations.length - 2)
  const afterReset = await tableCounts(db)
  t.equal(afterReset.listings, before.listings - demoListings.length - history.listings.length, 'the API-made listing stays')
  t.ok(
    await db
      .select()
      .from(organizations)
      .where(eq(organizations.id, stranger.id))
      .then((rows) => rows.length === 1),
    'other organisations stay',
  )
  t.ok(
    await db
      .select()
      .from(listings)
      .where(eq(listings.id, strangerListing!.id))
      .then((rows) => rows.length === 1),
  )

  const again = await seedDemoData(db, clock)
  t.same(again.organizations, { added: demoOrganizations.length - 2, present: 2 })
  t.same(await tableCounts(db), before, 'back where it was')
})

t.test('a bootstrapped operator is not doubled by the demo operator', async (t) => {
  await resetDemoData(db)
  const bootstrapped = await createOperator(db)
  const report = await seedDemoData(db, clock)
  t.equal(report.notes.length, 1)
  t.match(report.notes[0], /demo operator organisation was not added/)
  const operators = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.kind, 'exchange_operator'))
  t.same(operators, [{ id: bootstrapped.organization.id }])
  t.equal(
    (await demoOrganizationRows()).some((row) => row.id === demoOperatorId),
    false,
  )
})
