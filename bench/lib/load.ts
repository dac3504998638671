import { json, openCopy } from './copy.ts'
import type { Anchor } from './dates.ts'
import { demandColumns, demandRow } from './demands.ts'
import { listingColumns, listingRow } from './listings.ts'
import type { Organizations } from './organizations.ts'
import type { Random } from './random.ts'

// Streams every table through COPY and measures the rate of each.

export type LoadStats = { rows: number; seconds: number; rowsPerSecond: number }

const organizationColumns = [
  'id',
  'kind',
  'name',
  'name_en',
  'short_name',
  'parent_id',
  'province_code',
  'current_province_code',
  'address',
  'website',
  'email',
  'phone',
  'tax_code',
  'description',
  'contacts',
] as const

/** Rows go round-robin to `streams` COPY connections, so PostgreSQL can use more than one core. */
async function copyTable(
  databaseUrl: string,
  table: string,
  columns: readonly string[],
  count: number,
  row: (index: number) => readonly unknown[],
  options: { streams: number; log: (line: string) => void },
): Promise<LoadStats> {
  const copies = Array.from({ length: Math.max(1, Math.min(options.streams, count)) }, () => openCopy(databaseUrl, table, columns))
  const started = performance.now()
  const every = Math.max(10_000, Math.round(count / 10 / 10_000) * 10_000)
  for (let index = 0; index < count; index++) {
    await copies[index % copies.length]!.write(row(index))
    if ((index + 1) % every === 0) {
      const seconds = (performance.now() - started) / 1000
      options.log(`  ${table}: ${index + 1} rows, ${Math.round((index + 1) / seconds)} rows/s`)
    }
  }
  await Promise.all(copies.map((copy) => copy.end()))
  const seconds = (performance.now() - started) / 1000
  const stats = { rows: count, seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(count / seconds) }
  options.log(`${table}: ${count} rows in ${stats.seconds} s (${stats.rowsPerSecond} rows/s, ${copies.length} COPY stream${copies.length > 1 ? 's' : ''})`)
  return stats
}

export async function loadTables(
  databaseUrl: string,
  random: Random,
  anchor: Anchor,
  organizations: Organizations,
  counts: { listings: number; demands: number },
  options: { streams: number; log: (line: string) => void },
): Promise<Record<string, LoadStats>> {
  const single = { ...options, streams: 1 }
  const { all, suppliers, seekers, delegations } = organizations
  // Parents come first in `all`, so the self-reference is satisfied row by row.
  const organizationRows = all.map((org) => [
    org.id,
    org.kind,
    org.name,
    org.nameEn,
    org.shortName,
    org.parentId,
    org.provinceCode,
    org.currentProvinceCode,
    org.address,
    org.website,
    org.email,
    org.phone,
    org.taxCode,
    org.description,
    json(org.contacts),
  ])
  return {
    organizations: await copyTable(databaseUrl, 'organizations', organizationColumns, organizationRows.length, (index) => organizationRows[index]!, single),
    delegations: await copyTable(
      databaseUrl,
      'delegations',
      // In effect, as if each agent had onboarded its members (a proposal would grant nothing).
      ['agent_organization_id', 'member_organization_id', 'status', 'origin'],
      delegations.length,
      (index) => [delegations[index]!.agentId, delegations[index]!.memberId, 'active', 'onboarding'],
      single,
    ),
    // A few owners file most listings (Zipf): big institutes and centres, then a long tail.
    listings: await copyTable(
      databaseUrl,
      'listings',
      listingColumns,
      counts.listings,
      () => listingRow(random, anchor, suppliers[random.zipf(suppliers.length, 0.7)]!),
      options,
    ),
    demands: await copyTable(
      databaseUrl,
      'demands',
      demandColumns,
      counts.demands,
      () => demandRow(random, anchor, seekers[random.zipf(seekers.length, 0.7)]!),
      options,
    ),
  }
}
