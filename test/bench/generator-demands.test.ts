import t from 'tap'
import { anchorOf } from '../../bench/lib/dates.ts'
import { demandColumns, demandRow } from '../../bench/lib/demands.ts'
import { generateOrganizations } from '../../bench/lib/organizations.ts'
import { createRandom } from '../../bench/lib/random.ts'

// The bench's generated demands are a state the API could have reached: none still open with its
// deadline behind the anchor day, which the deadline sweep would close on the API's first start.

t.test('a generated demand that is open or a draft has its deadline on or after the anchor day', async (t) => {
  const random = createRandom(7)
  const anchor = anchorOf('2026-12-07')
  const organizations = generateOrganizations(random, 300)
  const column = (name: string) => demandColumns.indexOf(name as (typeof demandColumns)[number])
  const rows = Array.from({ length: 3000 }, () => demandRow(random, anchor, random.pick(organizations.seekers)))
  const withDeadline = (status: string) => rows.filter((row) => row[column('status')] === status && row[column('deadline')] !== null)
  t.ok(withDeadline('open').length > 1000, 'most open demands have a deadline')
  t.same(
    withDeadline('open').filter((row) => (row[column('deadline')] as string) < anchor.today),
    [],
    'no open demand is past its deadline',
  )
  t.same(
    withDeadline('draft').filter((row) => (row[column('deadline')] as string) < anchor.today),
    [],
    'nor a draft',
  )
  t.ok(
    withDeadline('closed').some((row) => (row[column('deadline')] as string) < anchor.today),
    'closed demands may be',
  )
})
