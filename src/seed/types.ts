import { createHash } from 'node:crypto'
import type { Contact, DelegationScope, MediaLink } from '../db/schema/index.ts'
import type {
  demandCloseReasons,
  iprStatuses,
  listingKinds,
  organizationKinds,
  scienceFields,
  sectors,
  transferForms,
  transferMethods,
} from '../modules/reference/vocabularies.ts'

// The demo data set is written as TypeScript so the compiler already checks every code against
// the vocabularies; test/seed.test.ts checks them again on the rows in the database.

type Code<T extends ReadonlyArray<{ code: string }>> = T[number]['code']

export type DemoOrganization = {
  /** Stable name in the data set; the row id is derived from it (see demoId). */
  key: string
  kind: Code<typeof organizationKinds>
  name: string
  nameEn?: string
  shortName?: string
  /** Key of the parent organisation, e.g. the DOST of a centre. */
  parent?: string
  provinceCode?: string
  address?: string
  website?: string
  email?: string
  phone?: string
  taxCode?: string
  description?: string
  contacts?: Contact[]
  /** A connection point's scope for delegations, as the operator declared it. */
  delegationScope?: DelegationScope
}

export type DemoListing = {
  key: string
  /** Key of the owning organisation. */
  owner: string
  status: 'published' | 'draft' | 'withdrawn'
  kind: Code<typeof listingKinds>
  titleVi: string
  titleEn?: string
  descriptionVi: string
  descriptionEn?: string
  trl?: number
  iprStatus: Code<typeof iprStatuses>
  iprNumbers?: string[]
  transferForms: Code<typeof transferForms>[]
  transferMethods: Code<typeof transferMethods>[]
  /** An amount in VND, or how the price is given. */
  price: number | 'negotiable' | 'on_request'
  sectors: Code<typeof sectors>[]
  fields: Code<typeof scienceFields>[]
  keywords: string[]
  /** Province codes as filed: 2025 units or legacy ones (36 Nam Định...). */
  provinces: string[]
  media?: MediaLink[]
  /** Days before the clock's now when it was published (a draft: created). */
  daysAgo: number
  /** Days from today to validUntil; negative when it has expired. */
  validDays?: number
  withdrawn?: { daysAgo: number; reason: string }
}

export type DemoDemand = {
  key: string
  owner: string
  status: 'open' | 'draft' | 'closed'
  titleVi: string
  titleEn?: string
  problemVi: string
  problemEn?: string
  desiredOutcomeVi?: string
  desiredOutcomeEn?: string
  sectors: Code<typeof sectors>[]
  fields: Code<typeof scienceFields>[]
  keywords: string[]
  minTrl?: number
  /** [min, max] in VND; either may be null. */
  budget?: [number | null, number | null]
  /** Days from today to the deadline. */
  deadlineDays?: number
  provinceCode?: string
  /** Days before now when it was opened (a draft: created). */
  daysAgo: number
  closed?: { daysAgo: number; reason: Code<typeof demandCloseReasons>; note?: string }
}

/**
 * The fixed id of a demo row: a name-based UUID (version 5 layout) of its key, so every run of the
 * seed, on any machine, writes the same ids, and a second run finds its rows already there.
 */
export function demoId(
  table: 'organization' | 'listing' | 'demand' | 'deal' | 'task' | 'value_chain' | 'exchange_event' | 'success_story',
  key: string,
): string {
  const hex = createHash('sha1').update(`tech-exchange demo ${table} ${key}`).digest('hex')
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

const mediaBase = 'https://media.sangiaodich.example.vn'

export const image = (path: string, title: string): MediaLink => ({ url: `${mediaBase}/images/${path}.jpg`, kind: 'image', title })
export const video = (path: string, title: string): MediaLink => ({ url: `${mediaBase}/videos/${path}.mp4`, kind: 'video', title })
export const document = (path: string, title: string): MediaLink => ({ url: `${mediaBase}/docs/${path}.pdf`, kind: 'document', title })
