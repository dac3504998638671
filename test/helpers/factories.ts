import { sql } from 'drizzle-orm'
import type { Db } from '../../src/db/client.ts'
import * as schema from '../../src/db/schema/index.ts'
import { createApiKey } from '../../src/core/keys.ts'
import type { Role } from '../../src/core/actor.ts'

let sequence = 0

/** An organisation straight in the database, for tests that need one to exist. */
export async function createOrganization(db: Db, values: Partial<typeof schema.organizations.$inferInsert> = {}) {
  sequence += 1
  const [row] = await db
    .insert(schema.organizations)
    .values({ kind: 'enterprise', name: `Công ty thử nghiệm ${sequence}`, ...values })
    .returning()
  return row!
}

/** An organisation with an API key; `auth` is ready to spread into inject()'s headers. */
export async function createMember(
  db: Db,
  options: { kind?: string; role?: Role; name?: string; provinceCode?: string; delegationScope?: schema.DelegationScope } = {},
) {
  const organization = await createOrganization(db, {
    kind: options.kind ?? 'enterprise',
    ...(options.name ? { name: options.name } : {}),
    ...(options.provinceCode ? { provinceCode: options.provinceCode } : {}),
    ...(options.delegationScope ? { delegationScope: options.delegationScope } : {}),
  })
  const key = await createApiKey(db, { organizationId: organization.id, role: options.role ?? 'admin' })
  return { organization, key: key.key, keyId: key.id, auth: { authorization: `Bearer ${key.key}` } }
}

/** Everywhere: a connection point's declared scope that restricts neither province nor sector. */
export const nationalScope: schema.DelegationScope = { provinceCodes: [], sectors: [] }

export const createOperator = (db: Db) => createMember(db, { kind: 'exchange_operator', role: 'operator', name: 'Sàn giao dịch công nghệ' })

/** Row counts of the tables a failed write must leave alone, the audit trail included. */
export async function tableCounts(db: Db) {
  const tables = {
    organizations: schema.organizations,
    apiKeys: schema.apiKeys,
    listings: schema.listings,
    demands: schema.demands,
    auditEvents: schema.auditEvents,
    delegations: schema.delegations,
    matches: schema.matches,
    matchRuns: schema.matchRuns,
    outboxEvents: schema.outboxEvents,
    deals: schema.deals,
    dealOffers: schema.dealOffers,
    dealMilestones: schema.dealMilestones,
    dealTransitions: schema.dealTransitions,
    dealMessages: schema.dealMessages,
    files: schema.files,
    idempotencyKeys: schema.idempotencyKeys,
    sources: schema.sources,
    webhookSubscriptions: schema.webhookSubscriptions,
    webhookDeliveries: schema.webhookDeliveries,
    webhookAttempts: schema.webhookAttempts,
    imports: schema.imports,
    importErrors: schema.importErrors,
    tasks: schema.tasks,
    taskPartners: schema.taskPartners,
    taskFunding: schema.taskFunding,
    taskLinks: schema.taskLinks,
    taskTransitions: schema.taskTransitions,
    valueChains: schema.valueChains,
    valueChainStages: schema.valueChainStages,
    valueChainStageListings: schema.valueChainStageListings,
    valueChainStageOrganizations: schema.valueChainStageOrganizations,
    exchangeEvents: schema.exchangeEvents,
    exchangeEventOrganizations: schema.exchangeEventOrganizations,
    exchangeEventListings: schema.exchangeEventListings,
  }
  // One query, not one per table: the authorisation matrix and the fuzzer count before and after
  // every refused write.
  const counts = sql.join(
    Object.entries(tables).map(([name, table]) => sql`(select count(*) from ${table})::int as ${sql.identifier(name)}`),
    sql`, `,
  )
  const result = await db.execute<Record<keyof typeof tables, number>>(sql`select ${counts}`)
  return result.rows[0]!
}
