import type { DbOrTx } from '../db/client.ts'
import type { JobQueue } from '../jobs/queue.ts'

// How a write asks for matches: a job queued in the writing transaction. Listings, demands,
// sources and imports ask; modules/matching computes (its handler is registered on this job).

/** Which side of the exchange a subject is on. */
export type Direction = 'demand' | 'listing'

export const matchJob = 'matching.compute'

/** Asks for a subject's matches to be (re)computed once the caller's transaction commits. */
export type RequestMatches = (tx: DbOrTx, direction: Direction, id: string) => Promise<void>

/** One pending job per subject: ten edits in a row recompute once. */
export const requestMatchesVia =
  (jobs: JobQueue): RequestMatches =>
  (tx, direction, id) =>
    jobs.send(matchJob, { direction, id }, { tx, key: `${direction}:${id}` })

/** Asks for many subjects' matches at once (an import's batch), one statement; the same keys as requestMatches. */
export type RequestManyMatches = (tx: DbOrTx, direction: Direction, ids: string[]) => Promise<void>

export const requestManyMatchesVia =
  (jobs: Pick<JobQueue, 'sendMany'>): RequestManyMatches =>
  (tx, direction, ids) =>
    jobs.sendMany(
      matchJob,
      ids.map((id) => ({ data: { direction, id }, key: `${direction}:${id}` })),
      { tx },
    )
