import t from 'tap'
import { eq } from 'drizzle-orm'
import { organizations } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { assertProblem } from '../helpers/problem.ts'
import { createListingViaApi } from '../helpers/listings.ts'
import { versionOf } from '../helpers/etag.ts'

const { app, db } = await buildTestApp(t)
const member = await createMember(db, { name: 'Công ty TNHH Điện tử Hà Nam' })
const url = `/v1/organizations/${member.organization.id}`

const patch = (ifMatch: string | undefined, nameEn: string) =>
  app.inject({ method: 'PATCH', url, headers: { ...member.auth, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) }, payload: { nameEn } })
const storedName = async () =>
  (await db.select({ nameEn: organizations.nameEn }).from(organizations).where(eq(organizations.id, member.organization.id)))[0]!.nameEn
const currentEtag = async () => (await app.inject({ method: 'GET', url })).headers.etag

t.test('the ETag carries the version, and each accepted If-Match form updates it', async (t) => {
  t.equal(versionOf(await currentEtag()), 1)
  const strong = await patch('"1"', 'Strong')
  t.equal(strong.statusCode, 200)
  t.equal(versionOf(strong.headers.etag), 2)
  // Proxies that compress weaken ETags; the version in it is what counts.
  const weak = await patch('W/"2"', 'Weak')
  t.equal(weak.statusCode, 200)
  t.equal(versionOf(weak.headers.etag), 3)
  const any = await patch('*', 'Any')
  t.equal(any.statusCode, 200, '* matches any current version')
  t.equal(versionOf(any.headers.etag), 4)
  const none = await patch(undefined, 'None')
  t.equal(none.statusCode, 200, 'If-Match is optional')
  t.equal(versionOf(none.headers.etag), 5)
  t.equal(versionOf(await currentEtag()), 5)
  t.equal(await storedName(), 'None')
})

t.test('a stale or unreadable If-Match is 412 and changes nothing', async (t) => {
  const etag = await currentEtag()
  const before = await storedName()
  for (const ifMatch of ['"1"', 'W/"1"', 'garbage', '5', '"five"', '"-1"', 'W/', '""']) {
    const response = await patch(ifMatch, 'Must not be written')
    assertProblem(t, response, 412, 'precondition_failed')
  }
  t.equal(await storedName(), before, 'nothing written')
  t.equal(await currentEtag(), etag, 'version unchanged')
})

t.test('an ETag returned whole is a valid If-Match: the version counts, not the digest', async (t) => {
  const etag = String(await currentEtag())
  t.match(etag, /^"\d+\.[A-Za-z0-9_-]{12}"$/, 'version and digest')
  const whole = await patch(etag, 'Whole')
  t.equal(whole.statusCode, 200, 'the ETag as given')
  const otherDigest = await patch(`"${versionOf(whole.headers.etag)}.AAAAAAAAAAAA"`, 'Other digest')
  t.equal(otherDigest.statusCode, 200, 'what another caller was shown of the same version')
  assertProblem(t, await patch(etag, 'Stale'), 412, 'precondition_failed')
})

t.test('If-None-Match naming the current ETag is 304 without a body, until the record changes', async (t) => {
  const read = await app.inject({ method: 'GET', url })
  const etag = String(read.headers.etag)
  const unchanged = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })
  t.equal(unchanged.statusCode, 304)
  t.equal(unchanged.body, '', 'no body')
  t.equal(unchanged.headers.etag, etag, 'the ETag it still has')
  t.equal(unchanged.headers['content-type'], undefined)
  for (const header of [`W/${etag}`, `"0.x", ${etag}`, '*']) {
    t.equal((await app.inject({ method: 'GET', url, headers: { 'if-none-match': header } })).statusCode, 304, `If-None-Match: ${header}`)
  }
  t.equal((await app.inject({ method: 'GET', url, headers: { 'if-none-match': '"1.AAAAAAAAAAAA"' } })).statusCode, 200, 'another tag: the body')

  t.equal((await patch(undefined, 'Changed')).statusCode, 200)
  const changed = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })
  t.equal(changed.statusCode, 200, 'changed since: the new body')
  t.not(changed.headers.etag, etag)
})

t.test('callers shown different fields of one version get different ETags, so a cache never hands one what the other saw', async (t) => {
  const listing = await createListingViaApi(app, member.auth, { anonymous: true })
  const listingUrl = `/v1/listings/${listing.id}`
  t.equal((await app.inject({ method: 'POST', url: `${listingUrl}/publish`, headers: member.auth })).statusCode, 200)
  const owner = await app.inject({ method: 'GET', url: listingUrl, headers: member.auth })
  const anonymous = await app.inject({ method: 'GET', url: listingUrl })
  t.equal(versionOf(owner.headers.etag), versionOf(anonymous.headers.etag), 'the same version')
  t.not(owner.headers.etag, anonymous.headers.etag, 'but not the same representation')
  const crossed = await app.inject({ method: 'GET', url: listingUrl, headers: { 'if-none-match': String(owner.headers.etag) } })
  t.equal(crossed.statusCode, 200, "the owner's tag does not validate what an anonymous caller gets")
  t.equal((crossed.json() as { owner: { id: string | null } }).owner.id, null, 'the anonymous body, owner hidden')
})

t.test('pages and other GET answers carry a weak ETag of their body and answer 304 to it', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/v1/organizations?limit=5' })
  t.equal(page.statusCode, 200)
  const etag = String(page.headers.etag)
  t.match(etag, /^W\/"[A-Za-z0-9_-]{12}"$/)
  t.equal((await app.inject({ method: 'GET', url: '/v1/organizations?limit=5', headers: { 'if-none-match': etag } })).statusCode, 304)
  t.equal((await app.inject({ method: 'GET', url: '/v1/reference/regions', headers: { 'if-none-match': etag } })).statusCode, 200, 'another body')
  const writeWithIt = await app.inject({ method: 'PATCH', url, headers: { ...member.auth, 'if-none-match': etag }, payload: { nameEn: 'Not conditional' } })
  t.equal(writeWithIt.statusCode, 200, 'If-None-Match does not make a write conditional')
})
