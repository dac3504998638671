import t from 'tap'
import { eq } from 'drizzle-orm'
import { organizations } from '../../src/db/schema/index.ts'
import { buildTestApp } from '../helpers/app.ts'
import { createMember } from '../helpers/factories.ts'
import { assertProblem } from '../helpers/problem.ts'

const { app, db } = await buildTestApp(t)
const member = await createMember(db, { name: 'Công ty TNHH Điện tử Hà Nam' })
const url = `/v1/organizations/${member.organization.id}`

const patch = (ifMatch: string | undefined, nameEn: string) =>
  app.inject({ method: 'PATCH', url, headers: { ...member.auth, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) }, payload: { nameEn } })
const storedName = async () =>
  (await db.select({ nameEn: organizations.nameEn }).from(organizations).where(eq(organizations.id, member.organization.id)))[0]!.nameEn
const currentEtag = async () => (await app.inject({ method: 'GET', url })).headers.etag

t.test('the ETag carries the version, and each accepted If-Match form updates it', async (t) => {
  t.equal(await currentEtag(), '"1"')
  const strong = await patch('"1"', 'Strong')
  t.equal(strong.statusCode, 200)
  t.equal(strong.headers.etag, '"2"')
  // Proxies that compress weaken ETags; the version in it is what counts.
  const weak = await patch('W/"2"', 'Weak')
  t.equal(weak.statusCode, 200)
  t.equal(weak.headers.etag, '"3"')
  const any = await patch('*', 'Any')
  t.equal(any.statusCode, 200, '* matches any current version')
  t.equal(any.headers.etag, '"4"')
  const none = await patch(undefined, 'None')
  t.equal(none.statusCode, 200, 'If-Match is optional')
  t.equal(none.headers.etag, '"5"')
  t.equal(await currentEtag(), '"5"')
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
