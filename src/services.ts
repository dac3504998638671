import { matchWeights, type Config } from './config.ts'
import type { Db } from './db/client.ts'
import { registerMaintenanceJobs } from './jobs/maintenance.ts'
import type { JobQueue } from './jobs/queue.ts'
import type { Clock } from './lib/clock.ts'
import { createApiKeyService } from './modules/api-keys/api-keys.service.ts'
import { createAuditService } from './modules/audit/audit.service.ts'
import { createDealMessageService } from './modules/deals/deals.messages.ts'
import { createDealService } from './modules/deals/deals.service.ts'
import { createDealTimers, registerDealJobs } from './modules/deals/deals.timers.ts'
import { createDelegationService } from './modules/delegations/delegations.service.ts'
import { createDemandService } from './modules/demands/demands.service.ts'
import { createListingService } from './modules/listings/listings.service.ts'
import { registerMatchingJobs, requestMatchesVia } from './modules/matching/matching.jobs.ts'
import { createMatchingService } from './modules/matching/matching.service.ts'
import { createOrganizationService } from './modules/organizations/organizations.service.ts'

/** The one place services are wired, with their dependencies passed in explicitly. */
export function createServices(deps: { db: Db; clock: Clock; config: Config; jobs: JobQueue }) {
  const { db, clock, config, jobs } = deps
  const requestMatches = requestMatchesVia(jobs)
  const matching = createMatchingService({
    db,
    clock,
    settings: { weights: matchWeights(config), topN: config.MATCH_TOP_N, minScore: config.MATCH_MIN_SCORE },
  })
  registerMatchingJobs(jobs, matching)
  const deals = createDealService({
    db,
    clock,
    timers: {
      responseDays: config.DEAL_RESPONSE_DAYS,
      responseReminderDays: config.DEAL_REMINDER_DAYS,
      offerValidityDays: config.DEAL_OFFER_VALIDITY_DAYS,
      offerReminderHours: config.DEAL_OFFER_REMINDER_HOURS,
    },
  })
  const dealTimers = createDealTimers({ db, clock, deals })
  registerDealJobs(jobs, dealTimers)
  registerMaintenanceJobs(jobs, { db, clock })
  return {
    organizations: createOrganizationService({ db, clock }),
    listings: createListingService({ db, clock, requestMatches }),
    demands: createDemandService({ db, clock, requestMatches }),
    audit: createAuditService({ db }),
    apiKeys: createApiKeyService({ db, clock }),
    delegations: createDelegationService({ db, clock }),
    matching,
    deals,
    dealMessages: createDealMessageService({ db, clock, deals }),
    dealTimers,
  }
}

export type Services = ReturnType<typeof createServices>
