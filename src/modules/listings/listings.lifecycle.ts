import type { ListingStoredStatus } from '../../db/schema/index.ts'
import { defineProcess, type ProcessState } from '../../core/process.ts'

// The listing lifecycle, a process of the engine (core/process.ts): draft -> published ->
// withdrawn. 'expired' is never stored: it is a published listing whose validUntil (a Vietnamese
// calendar date) is before today in Vietnam. It can still be withdrawn, and an edit of validUntil
// brings it back. The operator may also send a published (or expired) listing back to draft
// ('unpublish', moderation). A listing expired for long is archived by a sweep
// (archiveLongExpired in listings.service.ts): out of public view like a draft, until its owner
// moves validUntil ahead (renew, or an edit).
//
// `allowed` in a 409 lists the transitions of a STATE, not of a caller, so it names 'unpublish'
// even to an owner whose key may not unpublish (that is a 403). Who acts for the owner is the
// access policy's to say (core/access.ts).

export const listingStatuses = ['draft', 'published', 'withdrawn', 'expired', 'archived'] as const
export type ListingStatus = (typeof listingStatuses)[number]

export type Transition = 'publish' | 'withdraw' | 'unpublish' | 'archive'

const states = [
  { name: 'draft', terminal: false, description: 'Being written; seen only by its owner and those acting for it' },
  { name: 'published', terminal: false, description: 'Public: searched, matched, open to interest' },
  { name: 'expired', terminal: false, description: 'Published, but its validUntil has passed: out of search until the date moves (stored as published)' },
  {
    name: 'archived',
    terminal: false,
    description: 'Expired for LISTING_ARCHIVE_AFTER_DAYS: put away, seen only by its owner and those acting for it, until a new validUntil brings it back',
  },
  { name: 'withdrawn', terminal: true, description: 'Its owner retired it; final' },
] as const satisfies readonly ProcessState<ListingStatus>[]

/**
 * owner: keys of the owner, or of those acting for it (its delegates, its successor). system: the
 * archive sweep, a job of the queue.
 */
export const listingProcess = defineProcess({
  subject: 'listing',
  states,
  roles: ['owner', 'operator', 'system'],
  guards: {},
  refusals: {},
  effects: {},
  transitions: [
    {
      name: 'publish' as Transition,
      event: 'listing.published',
      from: ['draft'],
      to: 'published' as ListingStoredStatus,
      by: ['owner', 'operator'],
      guards: [],
      effects: [],
      description: 'Make it public (a validUntil, if set, must not have passed)',
    },
    {
      name: 'withdraw',
      event: 'listing.withdrawn',
      from: ['published', 'expired', 'archived'],
      to: 'withdrawn',
      by: ['owner', 'operator'],
      guards: [],
      effects: [],
      description: 'Retire it for good',
    },
    {
      name: 'unpublish',
      event: 'listing.unpublished',
      from: ['published', 'expired'],
      to: 'draft',
      by: ['operator'],
      guards: [],
      effects: [],
      description: 'Moderation: send it back to draft',
    },
    {
      name: 'archive',
      event: 'listing.archived',
      from: ['expired'],
      to: 'archived',
      by: ['system'],
      guards: [],
      effects: [],
      description: 'The sweep: expired for LISTING_ARCHIVE_AFTER_DAYS, it leaves public view',
    },
  ],
})

/** States whose content may still be edited: everything but withdrawn. */
export const editableStatuses: readonly ListingStatus[] = ['draft', 'published', 'expired', 'archived']

/** States out of public view: listed only for the operator, or the owner (or its delegate) asking with owner=. */
export const privateStatuses: readonly ListingStatus[] = ['draft', 'withdrawn', 'archived']

/** The stored status a state is kept as ('expired' is stored as 'published'). */
const storedAs: Record<ListingStatus, ListingStoredStatus> = {
  draft: 'draft',
  published: 'published',
  expired: 'published',
  withdrawn: 'withdrawn',
  archived: 'archived',
}

/** The stored statuses a transition may start from, for the conditional UPDATE that applies it. */
export function storedSourcesOf(transition: Transition): ListingStoredStatus[] {
  return [...new Set(listingProcess.named(transition)!.from.map((status) => storedAs[status]))]
}

/** The stored status a transition leads to. */
export const targetOf = (transition: Transition): ListingStoredStatus => listingProcess.named(transition)!.to

/** The transitions a state allows to callers (not the sweep's): what a 409 lists in `allowed`. */
export const allowedFrom = (status: ListingStatus): Transition[] => listingProcess.from(status, ['owner', 'operator']).map((transition) => transition.name)

/** A listing's visible state on `today` (YYYY-MM-DD in Vietnam). Dates compare as strings. */
export function statusOf(row: { status: ListingStoredStatus; validUntil: string | null }, today: string): ListingStatus {
  if (row.status === 'published' && row.validUntil !== null && row.validUntil < today) return 'expired'
  return row.status
}

/** The table as a Mermaid state diagram, for docs/processes.md (a test keeps the copy current). */
export const listingDiagram = () =>
  listingProcess.diagram({
    starts: ['draft: create [owner, operator]'],
    moves: [
      'published --> expired: validUntil passes',
      'expired --> published: validUntil moved ahead',
      'archived --> published: validUntil moved ahead (renew, edit, import)',
    ],
  })
