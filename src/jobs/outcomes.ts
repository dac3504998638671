import { createRequire } from 'node:module'

// pg-boss 10 records a job's outcome (complete() or fail()) without awaiting it once the handler has
// settled (timgit/pg-boss#577; pg-boss 11 awaits it). If the database is gone at that moment, say
// the embedded one restarting, the rejection is unhandled and Node ends the whole API process. So
// these two statements must not reject for an unreachable database: the outcome goes unrecorded,
// the job stays active until it expires, and pg-boss retries it, as after a crash of the worker.
type Plans = { completeJobs: (schema: string) => string; failJobsById: (schema: string) => string }
const plans = createRequire(import.meta.url)('pg-boss/src/plans.js') as Plans

/** The SQL texts of the statements pg-boss 10 runs without awaiting them. */
export const outcomeStatements = (schema: string) => new Set([plans.completeJobs(schema), plans.failJobsById(schema)])
