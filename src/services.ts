import { matchWeights, webhookRetryDelays, type Config } from './config.ts'
import type { Db } from './db/client.ts'
import { registerMaintenanceJobs } from './jobs/maintenance.ts'
import type { JobQueue } from './jobs/queue.ts'
import type { Clock } from './lib/clock.ts'
import type { Cursors } from './lib/cursor.ts'
import { createApiKeyService, revokeKeysOfMerged } from './modules/api-keys/api-keys.service.ts'
import { createAuditService } from './modules/audit/audit.service.ts'
import { createDealMessageService } from './modules/deals/deals.messages.ts'
import { createDealService } from './modules/deals/deals.service.ts'
import { createDealTimers, registerDealJobs } from './modules/deals/deals.timers.ts'
import { closeDelegationsOfMerged, createDelegationService, onboardMember, registerDelegationJobs } from './modules/delegations/delegations.service.ts'
import { createDemandService, registerDemandJobs } from './modules/demands/demands.service.ts'
import { createRenewalReminders, registerListingRenewalJobs } from './modules/listings/listings.renewal.ts'
import { assertEventOpenForDeals, createExchangeEventService } from './modules/exchange-events/exchange-events.service.ts'
import { catalogueEventsVia } from './modules/feed/feed.catalog.ts'
import { createFeedService } from './modules/feed/feed.service.ts'
import { createFileService, registerFileJobs } from './modules/files/files.service.ts'
import { fileStoreFrom } from './modules/files/files.store.ts'
import { fileSubjects } from './modules/files/files.subjects.ts'
import { createListingService, registerListingJobs } from './modules/listings/listings.service.ts'
import { createExportService } from './modules/exports/exports.service.ts'
import { createImportRunner, queueImportVia, registerImportJobs } from './modules/imports/imports.runner.ts'
import { createImportService } from './modules/imports/imports.service.ts'
import { registerMatchingJobs } from './modules/matching/matching.jobs.ts'
import { requestManyMatchesVia, requestMatchesVia } from './core/match-requests.ts'
import { createMatchingService } from './modules/matching/matching.service.ts'
import { thesaurusLookup } from './modules/thesaurus/thesaurus.repo.ts'
import { recordEventsVia } from './core/outbox.ts'
import type { OrganizationHooks } from './modules/organizations/organizations.hooks.ts'
import { createOrganizationService } from './modules/organizations/organizations.service.ts'
import { createReportService } from './modules/reports/reports.service.ts'
import { createSummaryService } from './modules/reports/reports.summary.ts'
import { createTargetService } from './modules/reports/reports.targets.ts'
import { createSourceService } from './modules/sources/sources.service.ts'
import { createSuccessStoryService } from './modules/success-stories/success-stories.service.ts'
import { createThesaurusService } from './modules/thesaurus/thesaurus.service.ts'
import { createTaskService } from './modules/tasks/tasks.service.ts'
import { createValueChainService } from './modules/value-chains/value-chains.service.ts'
import { createWebhookDispatch, registerWebhookJobs } from './modules/webhooks/webhooks.dispatch.ts'
import { createWebhookService } from './modules/webhooks/webhooks.service.ts'
import { createWebhookSender } from './modules/webhooks/webhooks.transport.ts'

/** The one place services are wired, with their dependencies passed in explicitly. */
export function createServices(deps: { db: Db; clock: Clock; config: Config; jobs: JobQueue; cursors: Cursors }) {
  const { db, clock, config, jobs, cursors } = deps
  const requestMatches = requestMatchesVia(jobs)
  const recordEvents = recordEventsVia(jobs)
  // This exchange's id: the source of its own records in their provenance and global ids.
  const exchangeId = config.EXCHANGE_ID
  const { catalogueEvent, catalogueEvents } = catalogueEventsVia(exchangeId)
  const allowPrivate = config.WEBHOOK_ALLOW_PRIVATE === 'true'
  const webhookDispatch = createWebhookDispatch({
    db,
    clock,
    jobs,
    recordEvents,
    send: createWebhookSender({ timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivate }),
    settings: { retryDelays: webhookRetryDelays(config), timeoutMs: config.WEBHOOK_TIMEOUT_MS },
  })
  registerWebhookJobs(jobs, webhookDispatch)
  const matching = createMatchingService({
    db,
    clock,
    settings: { weights: matchWeights(config), topN: config.MATCH_TOP_N, minScore: config.MATCH_MIN_SCORE },
    exchangeId,
    recordEvents,
    cursors,
    thesaurus: thesaurusLookup,
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
    recordEvents,
    cursors,
    assertEventOpenForDeals,
  })
  const dealTimers = createDealTimers({ db, clock, deals, recordEvents })
  registerDealJobs(jobs, dealTimers)
  registerMaintenanceJobs(jobs, { db, clock })
  const queueImport = queueImportVia(jobs)
  const importRunner = createImportRunner({ db, clock, recordEvents, catalogueEvents, requestMatches: requestManyMatchesVia(jobs), queueImport, exchangeId })
  registerImportJobs(jobs, importRunner, { db, clock })
  const delegations = createDelegationService({ db, clock, recordEvents, proposalDays: config.DELEGATION_PROPOSAL_DAYS, cursors })
  registerDelegationJobs(jobs, delegations)
  const reports = createReportService({ db, clock })
  const demands = createDemandService({ db, clock, requestMatches, recordEvents, catalogueEvent, exchangeId, cursors, thesaurus: thesaurusLookup })
  registerDemandJobs(jobs, demands)
  const renewalReminders = createRenewalReminders({ db, clock, recordEvents, reminderDays: config.LISTING_RENEWAL_REMINDER_DAYS })
  registerListingRenewalJobs(jobs, renewalReminders)
  const listings = createListingService({
    db,
    clock,
    requestMatches,
    recordEvents,
    catalogueEvent,
    exchangeId,
    cursors,
    thesaurus: thesaurusLookup,
    renewalWindowDays: config.LISTING_RENEWAL_REMINDER_DAYS,
    archiveAfterDays: config.LISTING_ARCHIVE_AFTER_DAYS,
  })
  registerListingJobs(jobs, listings)
  const tasks = createTaskService({ db, clock, recordEvents, cursors })
  const successStories = createSuccessStoryService({ db, clock, cursors, recordEvents, catalogueEvent })
  const files = createFileService({
    db,
    clock,
    store: fileStoreFrom(config),
    subjects: fileSubjects({ deals, tasks, stories: successStories }),
    retentionDays: config.FILE_RETENTION_DAYS,
  })
  registerFileJobs(jobs, files)
  const organizationHooks: OrganizationHooks = {
    onboarded: (tx, actor, agent, member, now) => onboardMember(tx, recordEvents, actor, agent, member, now),
    merged: async (tx, actor, organizationId, now) => {
      await revokeKeysOfMerged(tx, actor, organizationId, now)
      await closeDelegationsOfMerged(tx, recordEvents, actor, organizationId, now)
    },
  }
  return {
    organizations: createOrganizationService({ db, clock, recordEvents, catalogueEvent, hooks: organizationHooks, exchangeId, cursors }),
    listings,
    demands,
    renewalReminders,
    sources: createSourceService({ db, clock, exchangeId, requestMatches, recordEvents, catalogueEvent, cursors }),
    audit: createAuditService({ db, cursors }),
    apiKeys: createApiKeyService({ db, clock, cursors }),
    delegations,
    matching,
    deals,
    dealMessages: createDealMessageService({ db, clock, deals, recordEvents, cursors }),
    dealTimers,
    tasks,
    files,
    successStories,
    valueChains: createValueChainService({ db, clock, cursors, thesaurus: thesaurusLookup }),
    thesaurus: createThesaurusService({ db, clock, cursors }),
    reports,
    reportTargets: createTargetService({ db, clock, reports }),
    reportSummaries: createSummaryService({ db, clock, reports }),
    exchangeEvents: createExchangeEventService({ db, clock, cursors }),
    imports: createImportService({ db, clock, queueImport, runner: importRunner, maxBytes: config.IMPORT_MAX_BYTES, cursors }),
    exports: createExportService({ db, clock }),
    feed: createFeedService({ db, cursors }),
    webhooks: createWebhookService({ db, clock, jobs, allowPrivate, cursors }),
    webhookDispatch,
    // The cursor codec every list signs its cursors with (tests write cursors with it too).
    cursors,
  }
}

export type Services = ReturnType<typeof createServices>
