import type { JobQueue } from '../../jobs/queue.ts'
import { matchJob } from '../../core/match-requests.ts'
import type { MatchingService } from './matching.service.ts'

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
