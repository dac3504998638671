import type { Db } from './db/client.ts'
import type { Clock } from './lib/clock.ts'
import { createApiKeyService } from './modules/api-keys/api-keys.service.ts'
import { createAuditService } from './modules/audit/audit.service.ts'
import { createDelegationService } from './modules/delegations/delegations.service.ts'
import { createDemandService } from './modules/demands/demands.service.ts'
import { createListingService } from './modules/listings/listings.service.ts'
import { createOrganizationService } from './modules/organizations/organizations.service.ts'

/** The one place services are wired, with their dependencies passed in explicitly. */
export function createServices(deps: { db: Db; clock: Clock }) {
  return {
    organizations: createOrganizationService(deps),
    listings: createListingService(deps),
    demands: createDemandService(deps),
    audit: createAuditService(deps),
    apiKeys: createApiKeyService(deps),
    delegations: createDelegationService(deps),
  }
}

export type Services = ReturnType<typeof createServices>
