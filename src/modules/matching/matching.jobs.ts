import type { DbOrTx } from '../../db/client.ts'
import type { JobQueue } from '../../jobs/queue.ts'
import type { Direction } from './matching.scoring.ts'
import type { MatchingService } from './matching.service.ts'

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
    jobs.sendMany(matchJob, ids.map((id) => ({ data: { direction, id }, key: `${direction}:${id}` })), { tx })

export function registerMatchingJobs(jobs: JobQueue, matching: MatchingService) {
  jobs.register(matchJob, async (data) => {
    const direction = data.direction === 'listing' ? 'listing' : 'demand'
    await matching.compute(direction, String(data.id))
  })
}

/** Declares the queue without a handler, for a process that only queues (the CLI's seed). */
export function registerMatchingQueue(jobs: JobQueue) {
  jobs.register(matchJob, async () => {
    throw new Error('this process only queues matching jobs')
  })
}
