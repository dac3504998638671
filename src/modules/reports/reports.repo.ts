import { sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.ts'
import { addDays } from '../../lib/clock.ts'

// The activity report's one query. The years and months a period covers whole are read from the
// roll-up (activity_rollup, kept by triggers in the facts' transactions); only the days of the
// months a period cuts through are counted from the records themselves, over indexes on the facts'
// dates. The counts are then attributed to groups through the organisations table (a few thousand
// rows), so the work grows with the organisations and periods asked for, not with the catalogue.

/** How facts are cut into periods: by calendar unit, or into the given ranges (days inclusive). */
export type Bucketing = { kind: 'month' | 'quarter' | 'year' | 'all' } | { kind: 'ranges'; ranges: Array<{ key: string; from: string; to: string }> }

/** A span of days, both included (YYYY-MM-DD). */
export type Days = { from: string; to: string }

export type FactScope = {
  /** The periods counted, Vietnam days; none overlaps another. */
  periods: Days[]
  bucketing: Bucketing
  /** Group facts under the organisation a merged one was merged into. */
  successor: boolean
  grouping: 'none' | 'organization' | 'province' | 'legacyProvince' | 'region' | 'sector' | 'field'
  organizationId?: string
  currentProvinceCode?: string
}

export type FactRow = { groupKey: string; label: string | null; bucket: string; metric: string; n: number; amount: number }

/** Days from `from` up to, not including, `until` (YYYY-MM-DD). */
type Span = { from: string; until: string }

const monthStart = (text: string) => `${text.slice(0, 7)}-01`
const yearStart = (text: string) => `${text.slice(0, 4)}-01-01`
const nextMonth = (start: string) =>
  start.slice(5, 7) === '12' ? `${Number(start.slice(0, 4)) + 1}-01-01` : `${start.slice(0, 5)}${String(Number(start.slice(5, 7)) + 1).padStart(2, '0')}-01`
const nextYear = (start: string) => `${Number(start.slice(0, 4)) + 1}-01-01`

/** Adds a span to a list, joining it to the last one when they meet, unless they meet at a cut. */
function append(spans: Span[], span: Span, cuts: ReadonlySet<string>) {
  if (span.from >= span.until) return
  const last = spans.at(-1)
  if (last && last.until === span.from && !cuts.has(span.from)) last.until = span.until
  else spans.push({ ...span })
}

/** The periods cut into pieces at each of `cuts` (a day starts a piece), so no piece spans a cut. */
function cutAt(periods: Days[], cuts: string[]): Days[] {
  return periods.flatMap((period) => {
    const pieces: Days[] = []
    let from = period.from
    for (const cut of [...new Set(cuts)].sort()) {
      if (cut <= from || cut > period.to) continue
      pieces.push({ from, to: addDays(cut, -1) })
      from = cut
    }
    pieces.push({ from, to: period.to })
    return pieces
  })
}

/** The periods as spans of days, those that meet joined (but not at a cut). */
function daySpans(periods: Days[], cuts: string[]): Span[] {
  const spans: Span[] = []
  const cutDays = new Set(cuts)
  for (const period of cutAt(
    [...periods].sort((a, b) => a.from.localeCompare(b.from)),
    cuts,
  ))
    append(spans, { from: period.from, until: addDays(period.to, 1) }, cutDays)
  return spans
}

/**
 * Splits the periods into the years they cover whole, the months left that they cover whole, and
 * the days left over at their edges; first cut at `cuts` (merges' effective days), so that every
 * year, month or span of days read lies wholly before or wholly after each of them.
 */
export function splitPeriods(periods: Days[], cuts: string[] = []): { years: Span[]; months: Span[]; days: Span[] } {
  const split = { years: [] as Span[], months: [] as Span[], days: [] as Span[] }
  const cutDays = new Set(cuts)
  for (const period of cutAt(
    [...periods].sort((a, b) => a.from.localeCompare(b.from)),
    cuts,
  )) {
    const from = period.from
    const until = addDays(period.to, 1)
    const firstMonth = from === monthStart(from) ? from : nextMonth(monthStart(from))
    const endMonth = monthStart(until)
    if (firstMonth >= endMonth) {
      append(split.days, { from, until }, cutDays)
      continue
    }
    append(split.days, { from, until: firstMonth }, cutDays)
    const firstYear = firstMonth === yearStart(firstMonth) ? firstMonth : nextYear(yearStart(firstMonth))
    const endYear = yearStart(endMonth)
    if (firstYear < endYear) {
      append(split.months, { from: firstMonth, until: firstYear }, cutDays)
      append(split.years, { from: firstYear, until: endYear }, cutDays)
      append(split.months, { from: endYear, until: endMonth }, cutDays)
    } else {
      append(split.months, { from: firstMonth, until: endMonth }, cutDays)
    }
    append(split.days, { from: endMonth, until }, cutDays)
  }
  return split
}

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

/** The days condition on the raw column, so its index serves it. */
function within(column: SQL, isDate: boolean, span: Span): SQL {
  return isDate
    ? sql`${column} >= ${span.from}::date and ${column} < ${span.until}::date`
    : sql`${column} >= (${span.from}::timestamp - ${vietnamOffset}) at time zone 'UTC' and ${column} < (${span.until}::timestamp - ${vietnamOffset}) at time zone 'UTC'`
}

/** A classification of the technology a fact is about: its VSIC sectors, or its S&T fields. */
export type Dimension = 'sectors' | 'fields'

/**
 * One kind of fact: its table, the organisation it counts for, its date, and (classifies) the
 * record whose sectors and S&T fields it counts under: null for facts about no technology (tasks,
 * events), which count as unclassified.
 */
type Fact = {
  table: SQL
  organization: SQL
  /** After its organisation was split, whom a fact counts for: the steward of its record, or the default successor. */
  steward: (defaultSuccessor: SQL) => SQL
  /**
   * That the fact's record has a steward: true of every record of a split owner, and what lets the
   * planner read the split indexes (migrations/0057_split_fact_indexes.sql).
   */
  stewarded?: SQL
  date: SQL
  isDate: boolean
  metric: SQL
  amount?: SQL
  where?: SQL
  classifies: ((dimension: Dimension) => SQL) | null
}

/** An organisation that was split: its default successor, and the day from which its facts pass to its records' stewards. */
type SplitOrganization = { id: string; defaultSuccessorId: string; effectiveOn: string }

/**
 * One kind of fact over one span of days: the planner turns spans joined by or into a filter over
 * the whole index. With a dimension, a fact counts once under each of its record's codes ('none'
 * when it has none). With `split`, only that split organisation's facts, each attributed to its
 * record's steward (`attributed` says so, for the outer query).
 */
function factQuery(fact: Fact, days: Span, bucketing: Bucketing, dimension?: Dimension, organizations?: SQL, split?: SplitOrganization): SQL {
  const organization = split ? fact.steward(sql`${split.defaultSuccessorId}::uuid`) : fact.organization
  const scoped = split
    ? sql` and ${fact.organization} = ${split.id}::uuid${fact.stewarded ? sql` and ${fact.stewarded}` : sql``}`
    : organizations
      ? sql` and ${fact.organization} in ${organizations}`
      : sql``
  const bucket = bucketOf(localTime(fact.date, fact.isDate), bucketing)
  const codes = dimension && fact.classifies ? fact.classifies(dimension) : sql`'{}'::text[]`
  const classified = dimension ? sql`, code` : sql``
  const lateral = dimension
    ? sql` cross join lateral unnest(case when cardinality(${codes}) > 0 then ${codes} else array['none'] end) as dimension(code)`
    : sql``
  return sql`select ${organization} as organization_id, ${days.from}::date as starts_on${classified}, ${bucket} as bucket, ${fact.metric} as metric, count(*)::bigint as n, ${fact.amount ?? sql`0`}::bigint as amount, ${split ? sql`true` : sql`false`} as attributed
    from ${fact.table}${lateral} where ${within(fact.date, fact.isDate, days)} ${fact.where ? sql`and ${fact.where}` : sql``}${scoped} group by 1${dimension ? sql`, 3, 4, 5` : sql`, 3, 4`}`
}

/**
 * The whole years and months, from the roll-up. A year or month lies whole in one period, so its
 * first day says which.
 */
function rollupQuery(split: { years: Span[]; months: Span[] }, bucketing: Bucketing): SQL {
  const spans = (unit: string, spans: Span[]) =>
    spans.map((span) => sql`(unit = ${unit} and starts_on >= ${span.from}::date and starts_on < ${span.until}::date)`)
  return sql`select organization_id, starts_on, ${bucketOf(sql`starts_on::timestamp`, bucketing)} as bucket, metric, n, amount, false as attributed
    from activity_rollup where ${sql.join([...spans('year', split.years), ...spans('month', split.months)], sql` or `)}`
}

/**
 * Every kind of fact the report counts, with the organisation it is attributed to. The roll-up's
 * triggers (migrations/0016_activity_triggers.sql, 0050_event_activity.sql) count the same facts the same way; the reports
 * tests compare the two.
 */
/** A deal is about the technology of its listing. */
const ofDealListing = (dimension: Dimension) => sql`(select listings.${sql.raw(dimension)} from listings where listings.id = deals.listing_id)`
/** After a split, a deal counts for the steward of its listing. */
const dealSteward = (defaultSuccessor: SQL) =>
  sql`coalesce((select listings.steward_id from listings where listings.id = deals.listing_id), ${defaultSuccessor})`
const listingSteward = (defaultSuccessor: SQL) => sql`coalesce(listings.steward_id, ${defaultSuccessor})`
const demandSteward = (defaultSuccessor: SQL) => sql`coalesce(demands.steward_id, ${defaultSuccessor})`
/** A deal counts for its provider (after a split, its listing's steward), about its listing's technology. */
const dealFact = (fact: Pick<Fact, 'date' | 'isDate' | 'metric' | 'amount' | 'where'>): Fact => ({
  table: sql`deals`,
  organization: sql`provider_id`,
  steward: dealSteward,
  classifies: ofDealListing,
  ...fact,
})
/** Tasks and events belong to no record a rule classifies: they pass to the default successor. */
const defaultSteward = (defaultSuccessor: SQL) => defaultSuccessor

function facts(): Fact[] {
  return [
    {
      table: sql`listings`,
      organization: sql`owner_id`,
      steward: listingSteward,
      stewarded: sql`listings.steward_id is not null`,
      date: sql`published_at`,
      isDate: false,
      metric: sql`'listingsPublished'`,
      classifies: (dimension) => sql`listings.${sql.raw(dimension)}`,
    },
    {
      table: sql`demands`,
      organization: sql`owner_id`,
      steward: demandSteward,
      stewarded: sql`demands.steward_id is not null`,
      date: sql`opened_at`,
      isDate: false,
      metric: sql`'demandsOpened'`,
      classifies: (dimension) => sql`demands.${sql.raw(dimension)}`,
    },
    {
      table: sql`matches join demands on demands.id = matches.demand_id`,
      organization: sql`demands.owner_id`,
      steward: demandSteward,
      stewarded: sql`demands.steward_id is not null`,
      date: sql`matches.created_at`,
      isDate: false,
      metric: sql`'matchesProposed'`,
      classifies: (dimension) => sql`demands.${sql.raw(dimension)}`,
    },
    dealFact({ date: sql`created_at`, isDate: false, metric: sql`'dealsStarted'` }),
    dealFact({ date: sql`created_at`, isDate: false, metric: sql`'state:' || state` }),
    dealFact({ date: sql`created_at`, isDate: false, metric: sql`'eventDeals'`, where: sql`exchange_event_id is not null` }),
    dealFact({
      date: sql`completed_on`,
      isDate: true,
      metric: sql`'completedTransfers'`,
      amount: sql`coalesce(sum(transfer_value_vnd), 0)`,
      where: sql`state = 'completed'`,
    }),
    {
      table: sql`tasks`,
      organization: sql`lead_id`,
      steward: defaultSteward,
      date: sql`starts_on`,
      isDate: true,
      metric: sql`'tasksStarted'`,
      amount: sql`coalesce(sum((select sum(amount_vnd) from task_funding where task_funding.task_id = tasks.id)), 0)`,
      where: sql`approved_at is not null`,
      classifies: null,
    },
    {
      table: sql`tasks`,
      organization: sql`lead_id`,
      steward: defaultSteward,
      date: sql`completed_on`,
      isDate: true,
      metric: sql`'tasksCompleted'`,
      where: sql`status = 'completed'`,
      classifies: null,
    },
    {
      table: sql`exchange_events`,
      organization: sql`organizer_id`,
      steward: defaultSteward,
      date: sql`starts_on`,
      isDate: true,
      metric: sql`'eventsHeld'`,
      amount: sql`coalesce(sum(participant_count), 0)`,
      classifies: null,
    },
  ]
}

/**
 * The organisations whose facts a report scoped to an organisation or a province can count, as a
 * subquery (undefined: every one). A superset of what its filters keep: the successor is chosen
 * later, fact by fact.
 */
function scopeOrganizations(scope: FactScope): SQL | undefined {
  const conditions: SQL[] = []
  if (scope.organizationId) conditions.push(sql`(organization.id = ${scope.organizationId} or organization.merged_into_id = ${scope.organizationId})`)
  if (scope.currentProvinceCode)
    conditions.push(sql`(organization.current_province_code = ${scope.currentProvinceCode} or successor.current_province_code = ${scope.currentProvinceCode})`)
  if (conditions.length === 0) return undefined
  return sql`(select organization.id from organizations as organization left join organizations as successor on successor.id = organization.merged_into_id where ${sql.join(conditions, sql` and `)})`
}

export type Retirements = { cuts: string[]; splits: SplitOrganization[] }

/**
 * The merges and splits that took effect by the periods' last day: the effective days inside the
 * periods (after their first day), where the periods are cut, and the split organisations.
 */
export async function readRetirements(db: DbOrTx, periods: Days[]): Promise<Retirements> {
  const from = periods.reduce((first, period) => (period.from < first ? period.from : first), periods[0]!.from)
  const to = periods.reduce((last, period) => (period.to > last ? period.to : last), periods[0]!.to)
  const result = await db.execute<{ id: string; default_successor_id: string; day: string; split: boolean }>(sql`
    select id::text, merged_into_id::text as default_successor_id, merge_effective_on::text as day, split_into is not null as split from organizations
    where merge_effective_on <= ${to}::date`)
  return {
    cuts: [...new Set(result.rows.filter((row) => row.day > from).map((row) => row.day))],
    splits: result.rows.filter((row) => row.split).map((row) => ({ id: row.id, defaultSuccessorId: row.default_successor_id, effectiveOn: row.day })),
  }
}

/**
 * The counts of every fact in scope, per group, period and metric. `retired` is what
 * readRetirements says of the same periods, for a caller that reads them under two groupings.
 */
export async function activityFacts(db: DbOrTx, scope: FactScope, retired?: Retirements): Promise<FactRow[]> {
  // Dated attribution cuts the periods at the merges' and splits' effective days: then each row read
  // (a year, a month, a span of days) lies wholly before or after its organisation's merge or split.
  retired ??= await readRetirements(db, scope.periods)
  const cuts = scope.successor ? [] : retired.cuts
  // By sector or S&T field the facts are counted from the records (the roll-up is kept by
  // organisation only), each under every code of its technology.
  const dimension = scope.grouping === 'sector' ? 'sectors' : scope.grouping === 'field' ? 'fields' : undefined
  const everyDay = daySpans(scope.periods, cuts)
  const split = dimension ? { years: [], months: [], days: everyDay } : splitPeriods(scope.periods, cuts)
  // Counting from the records over whole periods, read only the organisations the report can keep:
  // its organisation and those merged into it, or those of its province or merged into one there.
  const organizations = dimension ? scopeOrganizations(scope) : undefined
  // A split organisation's facts from its effective day on (with successor=true, all of them) are
  // counted from its records, each for the record's steward: the roll-up knows only the owner.
  // A split organisation is rare, and the split indexes (migration 0057) hold only its records.
  const stewarded = retired.splits.flatMap((organization) =>
    everyDay
      .filter((span) => scope.successor || span.from >= organization.effectiveOn)
      .flatMap((span) => facts().map((fact) => factQuery(fact, span, scope.bucketing, dimension, undefined, organization))),
  )
  const parts = [
    ...(split.years.length + split.months.length > 0 ? [rollupQuery(split, scope.bucketing)] : []),
    ...facts().flatMap((fact) => split.days.map((span) => factQuery(fact, span, scope.bucketing, dimension, organizations))),
    ...stewarded,
  ]
  const union = sql.join(parts, sql` union all `)
  // Whether a fact counts for the organisation a merged one was merged into: with successor=true,
  // all of its history; otherwise what it did from the merge's effective day on.
  const passes = scope.successor ? sql`successor.id is not null` : sql`coalesce(organization.merge_effective_on <= fact.starts_on, false)`
  const either = (column: string) => sql`case when ${passes} then successor.${sql.raw(column)} else organization.${sql.raw(column)} end`
  const owner = either('id')
  const ownerRow = either('current_province_code')
  // Groups by the uuid itself, cheaper than by its text.
  const [groupKey, label] = {
    none: [sql`'all'`, sql`null::text`],
    organization: [owner, either('name')],
    province: [sql`coalesce(${ownerRow}, '')`, sql`null::text`],
    legacyProvince: [sql`coalesce(${either('province_code')}, '')`, sql`null::text`],
    region: [sql`coalesce(${either('province_code')}, '')`, sql`null::text`],
    sector: [sql`fact.code`, sql`null::text`],
    field: [sql`fact.code`, sql`null::text`],
  }[scope.grouping]
  // The split organisations' own rows from their effective day on are counted again, by steward, above.
  const splitAway = scope.successor ? sql`true` : sql`organization.merge_effective_on <= fact.starts_on`
  const filters: SQL[] = [sql`fact.bucket is not null`, sql`(fact.attributed or not coalesce(organization.split_into is not null and ${splitAway}, false))`]
  if (scope.organizationId) filters.push(sql`${owner} = ${scope.organizationId}`)
  if (scope.currentProvinceCode) filters.push(sql`${ownerRow} = ${scope.currentProvinceCode}`)
  const result = await db.execute<{ group_key: string; label: string | null; bucket: string; metric: string; n: string; amount: string }>(sql`
    select ${groupKey}::text as group_key, ${label} as label, fact.bucket, fact.metric, sum(fact.n)::text as n, sum(fact.amount)::text as amount
    from (${union}) as fact
    join organizations as organization on organization.id = fact.organization_id
    left join organizations as successor on successor.id = organization.merged_into_id
    where ${sql.join(filters, sql` and `)}
    group by ${scope.grouping === 'organization' ? owner : sql`1`}, 2, 3, 4`)
  return result.rows.map((row) => ({
    groupKey: row.group_key,
    label: row.label,
    bucket: row.bucket,
    metric: row.metric,
    n: Number(row.n),
    amount: Number(row.amount),
  }))
}
