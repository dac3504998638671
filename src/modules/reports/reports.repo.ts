import { sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'

// The activity report's one query. Each kind of fact (a listing published, a demand opened, a
// deal completed ...) is counted per organisation and period straight from its table, over an
// index on the fact's date; the counts are then attributed to groups through the organisations
// table (a few thousand rows), so the work grows with the facts in the asked range, not with the
// catalogue.

/** How facts are cut into periods: by calendar unit, or into the given ranges (days inclusive). */
export type Bucketing = { kind: 'month' | 'quarter' | 'year' | 'all' } | { kind: 'ranges'; ranges: Array<{ key: string; from: string; to: string }> }

export type FactScope = {
  /** First and last day counted, Vietnam time. */
  from: string
  to: string
  bucketing: Bucketing
  /** Group facts under the organisation a merged one was merged into. */
  successor: boolean
  grouping: 'none' | 'organization' | 'province' | 'legacyProvince' | 'region'
  organizationId?: string
  currentProvinceCode?: string
}

export type FactRow = { groupKey: string; label: string | null; bucket: string; metric: string; n: number; amount: number }

const vietnamOffset = sql.raw(`interval '7 hours'`)

/** The local (Vietnam, UTC+7 all year) time of an instant column, or a date column as a time. */
const localTime = (column: SQL, isDate: boolean) => (isDate ? sql`(${column})::timestamp` : sql`((${column}) at time zone 'UTC' + ${vietnamOffset})`)

function bucketOf(local: SQL, bucketing: Bucketing): SQL {
  switch (bucketing.kind) {
    case 'month':
      return sql`to_char(${local}, 'YYYY-MM')`
    case 'quarter':
      return sql`to_char(${local}, 'YYYY-"Q"Q')`
    case 'year':
      return sql`to_char(${local}, 'YYYY')`
    case 'all':
      return sql`'all'`
    case 'ranges':
      return sql`case ${sql.join(
        bucketing.ranges.map((range) => sql`when ${local} >= ${range.from}::timestamp and ${local} < (${range.to}::date + 1)::timestamp then ${range.key}`),
        sql` `,
      )} end`
  }
}

/** The range condition on the raw column, so its index serves it. */
function within(column: SQL, isDate: boolean, scope: FactScope): SQL {
  if (isDate) return sql`${column} >= ${scope.from}::date and ${column} <= ${scope.to}::date`
  return sql`${column} >= (${scope.from}::timestamp - ${vietnamOffset}) at time zone 'UTC' and ${column} < ((${scope.to}::date + 1)::timestamp - ${vietnamOffset}) at time zone 'UTC'`
}

type Fact = { table: SQL; organization: SQL; date: SQL; isDate: boolean; metric: SQL; amount?: SQL; where?: SQL }

function factQuery(fact: Fact, scope: FactScope): SQL {
  const bucket = bucketOf(localTime(fact.date, fact.isDate), scope.bucketing)
  return sql`select ${fact.organization} as organization_id, ${bucket} as bucket, ${fact.metric} as metric, count(*)::bigint as n, ${fact.amount ?? sql`0`}::numeric as amount
    from ${fact.table} where ${within(fact.date, fact.isDate, scope)} ${fact.where ? sql`and ${fact.where}` : sql``} group by 1, 2, 3`
}

/** Every kind of fact the report counts, with the organisation it is attributed to. */
function facts(): Fact[] {
  return [
    { table: sql`listings`, organization: sql`owner_id`, date: sql`published_at`, isDate: false, metric: sql`'listingsPublished'` },
    { table: sql`demands`, organization: sql`owner_id`, date: sql`opened_at`, isDate: false, metric: sql`'demandsOpened'` },
    {
      table: sql`matches join demands on demands.id = matches.demand_id`,
      organization: sql`demands.owner_id`,
      date: sql`matches.created_at`,
      isDate: false,
      metric: sql`'matchesProposed'`,
    },
    { table: sql`deals`, organization: sql`provider_id`, date: sql`created_at`, isDate: false, metric: sql`'dealsStarted'` },
    { table: sql`deals`, organization: sql`provider_id`, date: sql`created_at`, isDate: false, metric: sql`'state:' || state` },
    { table: sql`deals`, organization: sql`provider_id`, date: sql`created_at`, isDate: false, metric: sql`'eventDeals'`, where: sql`exchange_event_id is not null` },
    {
      table: sql`deals`,
      organization: sql`provider_id`,
      date: sql`completed_on`,
      isDate: true,
      metric: sql`'completedTransfers'`,
      amount: sql`coalesce(sum(transfer_value_vnd), 0)`,
      where: sql`state = 'completed'`,
    },
    {
      table: sql`tasks`,
      organization: sql`lead_id`,
      date: sql`starts_on`,
      isDate: true,
      metric: sql`'tasksStarted'`,
      amount: sql`coalesce(sum((select sum(amount_vnd) from task_funding where task_funding.task_id = tasks.id)), 0)`,
      where: sql`approved_at is not null`,
    },
    { table: sql`tasks`, organization: sql`lead_id`, date: sql`completed_on`, isDate: true, metric: sql`'tasksCompleted'`, where: sql`status = 'completed'` },
  ]
}

/** The counts of every fact in scope, per group, period and metric. */
export async function activityFacts(db: DbOrTx, scope: FactScope): Promise<FactRow[]> {
  const union = sql.join(
    facts().map((fact) => factQuery(fact, scope)),
    sql` union all `,
  )
  // The organisation a fact counts for: itself, or with successor=true the one it was merged into.
  const owner = scope.successor ? sql`coalesce(successor.id, organization.id)` : sql`organization.id`
  const ownerRow = scope.successor ? sql`coalesce(successor.current_province_code, organization.current_province_code)` : sql`organization.current_province_code`
  const [groupKey, label] = {
    none: [sql`'all'`, sql`null::text`],
    organization: [sql`${owner}::text`, scope.successor ? sql`coalesce(successor.name, organization.name)` : sql`organization.name`],
    province: [sql`coalesce(${ownerRow}, '')`, sql`null::text`],
    legacyProvince: [sql`coalesce(${scope.successor ? sql`coalesce(successor.province_code, organization.province_code)` : sql`organization.province_code`}, '')`, sql`null::text`],
    region: [sql`coalesce(${scope.successor ? sql`coalesce(successor.province_code, organization.province_code)` : sql`organization.province_code`}, '')`, sql`null::text`],
  }[scope.grouping]
  const filters: SQL[] = [sql`fact.bucket is not null`]
  if (scope.organizationId) filters.push(sql`${owner} = ${scope.organizationId}`)
  if (scope.currentProvinceCode) filters.push(sql`${ownerRow} = ${scope.currentProvinceCode}`)
  const result = await db.execute<{ group_key: string; label: string | null; bucket: string; metric: string; n: string; amount: string }>(sql`
    select ${groupKey} as group_key, ${label} as label, fact.bucket, fact.metric, sum(fact.n)::text as n, sum(fact.amount)::text as amount
    from (${union}) as fact
    join organizations as organization on organization.id = fact.organization_id
    ${scope.successor ? sql`left join organizations as successor on successor.id = organization.merged_into_id` : sql``}
    where ${sql.join(filters, sql` and `)}
    group by 1, 2, 3, 4`)
  return result.rows.map((row) => ({ groupKey: row.group_key, label: row.label, bucket: row.bucket, metric: row.metric, n: Number(row.n), amount: Number(row.amount) }))
}
