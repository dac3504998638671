import type pg from 'pg'
import type { Db } from '../../src/db/client.ts'
import { createApiKey } from '../../src/core/keys.ts'
import type { Role } from '../../src/core/actor.ts'
import { benchDatabaseName } from './database.ts'
import type { Organizations } from './organizations.ts'

// Keys for the scenarios that need one: the operator's (matches, recompute) and an enterprise's
// editor and admin (creating listings), saved under bench/.results/ (gitignored).

export type BenchKey = { label: string; role: Role; organizationId: string; key: string }

export type KeyOwners = { operatorId: string; enterpriseId: string }

export async function createBenchKeys(db: Db, owners: KeyOwners): Promise<BenchKey[]> {
  const wanted: { label: string; role: Role; organizationId: string }[] = [
    { label: 'operator', role: 'operator', organizationId: owners.operatorId },
    { label: 'enterprise-admin', role: 'admin', organizationId: owners.enterpriseId },
    { label: 'enterprise-editor', role: 'editor', organizationId: owners.enterpriseId },
    { label: 'enterprise-reader', role: 'reader', organizationId: owners.enterpriseId },
  ]
  const keys: BenchKey[] = []
  for (const each of wanted) {
    const created = await createApiKey(db, { organizationId: each.organizationId, role: each.role, label: `bench ${each.label}` })
    keys.push({ ...each, key: created.key })
  }
  return keys
}

/** The generator's choice: the operator, and the enterprise that ranks first among suppliers. */
export const generatedKeyOwners = (organizations: Organizations): KeyOwners => ({
  operatorId: organizations.operator.id,
  enterpriseId: organizations.suppliers.find((org) => org.kind === 'enterprise')!.id,
})

/** For an existing bench database (keys are stored hashed, so lost keys are replaced, not recovered). */
export async function existingKeyOwners(client: pg.ClientBase): Promise<KeyOwners> {
  const { rows } = await client.query<{ operator_id: string; enterprise_id: string }>(
    `select (select id from organizations where kind = 'exchange_operator' order by created_at limit 1) as operator_id,
            (select o.id from organizations o where o.kind = 'enterprise' and o.merged_into_id is null
              order by (select count(*) from listings l where l.owner_id = o.id) desc, o.id limit 1) as enterprise_id`,
  )
  if (!rows[0]?.operator_id || !rows[0].enterprise_id) throw new Error('No operator or enterprise in this database; run bench:generate first')
  return { operatorId: rows[0].operator_id, enterpriseId: rows[0].enterprise_id }
}

/** bench/.results/keys-<database>.json: each bench database has keys of its own. */
export const keysFile = (databaseUrl: string) => `keys-${benchDatabaseName(databaseUrl)}.json`
