// The listing lifecycle in one place: draft -> published -> withdrawn. 'expired' is never stored:
// it is a published listing whose validUntil (a Vietnamese calendar date) is before today in
// Vietnam. It can still be withdrawn, and an edit of validUntil brings it back. The operator may
// also send a published (or expired) listing back to draft ('unpublish', moderation).
//
// The table lists the transitions of a STATE, not of a caller: `allowed` in a 409 comes from it,
// so it names 'unpublish' even to an owner whose key may not unpublish (that is a 403).

export const storedStatuses = ['draft', 'published', 'withdrawn'] as const
export type StoredStatus = (typeof storedStatuses)[number]

export const listingStatuses = ['draft', 'published', 'withdrawn', 'expired'] as const
export type ListingStatus = (typeof listingStatuses)[number]

export type Transition = 'publish' | 'withdraw' | 'unpublish'

/** Which transitions each state allows: the one table `allowed` in a 409 is derived from. */
export const transitionsFrom = {
  draft: ['publish'],
  published: ['withdraw', 'unpublish'],
  expired: ['withdraw', 'unpublish'],
  withdrawn: [],
} as const satisfies Record<ListingStatus, readonly Transition[]>

/** The stored status each transition leads to. */
export const transitionTarget = { publish: 'published', withdraw: 'withdrawn', unpublish: 'draft' } as const satisfies Record<Transition, StoredStatus>

/** States whose content may still be edited: everything but withdrawn. */
export const editableStatuses: readonly ListingStatus[] = ['draft', 'published', 'expired']

/** The stored status a state is kept as ('expired' is stored as 'published'). */
const storedAs: Record<ListingStatus, StoredStatus> = { draft: 'draft', published: 'published', expired: 'published', withdrawn: 'withdrawn' }

/** The stored statuses a transition may start from, for the conditional UPDATE that applies it. */
export function storedSourcesOf(transition: Transition): StoredStatus[] {
  const sources = listingStatuses.filter((status) => (transitionsFrom[status] as readonly Transition[]).includes(transition))
  return [...new Set(sources.map((status) => storedAs[status]))]
}

export const allowedFrom = (status: ListingStatus): string[] => [...transitionsFrom[status]]

/** A listing's visible state on `today` (YYYY-MM-DD in Vietnam). Dates compare as strings. */
export function statusOf(row: { status: string; validUntil: string | null }, today: string): ListingStatus {
  if (row.status === 'published' && row.validUntil !== null && row.validUntil < today) return 'expired'
  return row.status as StoredStatus
}
