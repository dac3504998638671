-- Custom migration: the triggers that keep activity_rollup (the activity report's roll-up) equal
-- to what the facts' tables say, in the same transaction as every change to them.
--
-- Each table that holds facts has a function saying what one of its rows adds, and in which
-- month (tx_activity_of_<table>). After every statement, the table's trigger function
-- (tx_activity_track_<table>) appends what the new rows add and, negated, what the old rows
-- added, per month and per year, organisation and metric; a statement that changes nothing the
-- report counts (a title edited, a reminder sent) appends nothing. Months are Vietnam months
-- (UTC+7 all year), like the reports'.
--
-- Appending, not updating one counter row per key: two transactions writing for the same
-- organisation and month would otherwise wait on each other's counter rows until commit, and,
-- taking them in different orders, deadlock (two concurrent match recomputes did, at 1M listings).
-- tx_activity_compact folds the appended rows (a maintenance job, every five minutes).
CREATE FUNCTION tx_local_month(instant timestamptz) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT date_trunc('month', (instant AT TIME ZONE 'UTC') + interval '7 hours')::date $$;
--> statement-breakpoint
CREATE FUNCTION tx_activity_of_listing(item listings)
  RETURNS TABLE (organization_id uuid, month date, metric text, n bigint, amount bigint)
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT item.owner_id, tx_local_month(item.published_at), 'listingsPublished', 1::bigint, 0::bigint WHERE item.published_at IS NOT NULL $$;
--> statement-breakpoint
CREATE FUNCTION tx_activity_of_demand(item demands)
  RETURNS TABLE (organization_id uuid, month date, metric text, n bigint, amount bigint)
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT item.owner_id, tx_local_month(item.opened_at), 'demandsOpened', 1::bigint, 0::bigint WHERE item.opened_at IS NOT NULL $$;
--> statement-breakpoint
-- A match counts for the demand's owner. A demand never changes owner (updates and source PUTs
-- refuse it) and cannot be removed while it has matches, so the match's row alone decides.
CREATE FUNCTION tx_activity_of_match(item matches)
  RETURNS TABLE (organization_id uuid, month date, metric text, n bigint, amount bigint)
  LANGUAGE sql STABLE
  AS $$ SELECT demand.owner_id, tx_local_month(item.created_at), 'matchesProposed', 1::bigint, 0::bigint FROM demands AS demand WHERE demand.id = item.demand_id $$;
--> statement-breakpoint
-- A deal counts for its provider: started (and in the state it is in now) in the month it was
-- created, and as a completed transfer, with its value, in the month it was completed.
CREATE FUNCTION tx_activity_of_deal(item deals)
  RETURNS TABLE (organization_id uuid, month date, metric text, n bigint, amount bigint)
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT item.provider_id, tx_local_month(item.created_at), 'dealsStarted', 1::bigint, 0::bigint
    UNION ALL SELECT item.provider_id, tx_local_month(item.created_at), 'state:' || item.state, 1, 0
    UNION ALL SELECT item.provider_id, tx_local_month(item.created_at), 'eventDeals', 1, 0 WHERE item.exchange_event_id IS NOT NULL
    UNION ALL SELECT item.provider_id, date_trunc('month', item.completed_on)::date, 'completedTransfers', 1, coalesce(item.transfer_value_vnd, 0)
      WHERE item.state = 'completed' AND item.completed_on IS NOT NULL
  $$;
--> statement-breakpoint
-- A task counts for its lead once approved, with its funding, in the month it starts; and again
-- when completed.
CREATE FUNCTION tx_activity_of_task(item tasks)
  RETURNS TABLE (organization_id uuid, month date, metric text, n bigint, amount bigint)
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT item.lead_id, date_trunc('month', item.starts_on)::date, 'tasksStarted', 1::bigint, item.funding_vnd WHERE item.approved_at IS NOT NULL
    UNION ALL SELECT item.lead_id, date_trunc('month', item.completed_on)::date, 'tasksCompleted', 1, 0 WHERE item.status = 'completed' AND item.completed_on IS NOT NULL
  $$;
--> statement-breakpoint
-- The triggers: for each fact table a function, made here from one template, that folds the
-- statement's changes into the roll-up. Transition tables cannot serve a trigger with several
-- events, hence three triggers per table and the branches on TG_OP. Each branch is static SQL,
-- so PL/pgSQL plans it once per session: built with EXECUTE at every statement instead, the
-- triggers cost a one-row insert 0.3 ms more (bench/rollup.ts).
DO $migration$
DECLARE
  fact record;
  append constant text := $append$
    INSERT INTO activity_rollup (unit, starts_on, organization_id, metric, n, amount)
    SELECT span.unit, span.starts_on, change.organization_id, change.metric, sum(change.sign * change.n), sum(change.sign * change.amount)
    FROM (%s) AS change
    CROSS JOIN LATERAL (VALUES ('month', change.month), ('year', date_trunc('year', change.month)::date)) AS span (unit, starts_on)
    GROUP BY 1, 2, 3, 4
    HAVING sum(change.sign * change.n) <> 0 OR sum(change.sign * change.amount) <> 0;$append$;
  added constant text := 'SELECT c.*, 1 AS sign FROM new_rows AS r CROSS JOIN LATERAL %I(r) AS c';
  removed constant text := 'SELECT c.*, -1 AS sign FROM old_rows AS r CROSS JOIN LATERAL %I(r) AS c';
BEGIN
  FOR fact IN
    SELECT * FROM (VALUES ('listings', 'tx_activity_of_listing'), ('demands', 'tx_activity_of_demand'), ('matches', 'tx_activity_of_match'), ('deals', 'tx_activity_of_deal'), ('tasks', 'tx_activity_of_task')) AS fact (table_name, contribution)
  LOOP
    EXECUTE format(
      $function$CREATE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  IF TG_OP = 'INSERT' THEN
    %s
  ELSIF TG_OP = 'DELETE' THEN
    %s
  ELSE
    %s
  END IF;
  RETURN NULL;
END
$body$$function$,
      'tx_activity_track_' || fact.table_name,
      format(append, format(added, fact.contribution)),
      format(append, format(removed, fact.contribution)),
      format(append, format(added, fact.contribution) || ' UNION ALL ' || format(removed, fact.contribution)));
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
      fact.table_name || '_activity_insert', fact.table_name, 'tx_activity_track_' || fact.table_name);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
      fact.table_name || '_activity_update', fact.table_name, 'tx_activity_track_' || fact.table_name);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
      fact.table_name || '_activity_delete', fact.table_name, 'tx_activity_track_' || fact.table_name);
  END LOOP;
END
$migration$;
--> statement-breakpoint
-- tasks.funding_vnd follows the task's funding lines. When a task is removed, its lines go by
-- cascade: the update below then finds no task, and the task's own trigger takes the funding out
-- of the roll-up with the removed row.
CREATE FUNCTION tx_task_funding_total() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE tasks SET funding_vnd = (SELECT coalesce(sum(amount_vnd), 0) FROM task_funding WHERE task_id = tasks.id) WHERE id IN (SELECT task_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE tasks SET funding_vnd = (SELECT coalesce(sum(amount_vnd), 0) FROM task_funding WHERE task_id = tasks.id) WHERE id IN (SELECT task_id FROM old_rows);
  ELSE
    UPDATE tasks SET funding_vnd = (SELECT coalesce(sum(amount_vnd), 0) FROM task_funding WHERE task_id = tasks.id)
      WHERE id IN (SELECT task_id FROM new_rows UNION SELECT task_id FROM old_rows);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER task_funding_total_insert AFTER INSERT ON task_funding REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_task_funding_total();
--> statement-breakpoint
CREATE TRIGGER task_funding_total_update AFTER UPDATE ON task_funding REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_task_funding_total();
--> statement-breakpoint
CREATE TRIGGER task_funding_total_delete AFTER DELETE ON task_funding REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_task_funding_total();
--> statement-breakpoint
-- The roll-up rebuilt from the facts: what the migration starts from, and the repair after a load
-- that ran with the triggers disabled. Running it changes nothing when the triggers have kept the
-- roll-up current (test/modules/reports.test.ts checks that they have).
CREATE FUNCTION tx_activity_rebuild() RETURNS void
  LANGUAGE sql
  AS $$
    DELETE FROM activity_rollup;
    INSERT INTO activity_rollup (unit, starts_on, organization_id, metric, n, amount)
    SELECT span.unit, span.starts_on, c.organization_id, c.metric, sum(c.n), sum(c.amount)
    FROM (
      SELECT c.* FROM listings AS r CROSS JOIN LATERAL tx_activity_of_listing(r) AS c
      UNION ALL SELECT c.* FROM demands AS r CROSS JOIN LATERAL tx_activity_of_demand(r) AS c
      UNION ALL SELECT c.* FROM matches AS r CROSS JOIN LATERAL tx_activity_of_match(r) AS c
      UNION ALL SELECT c.* FROM deals AS r CROSS JOIN LATERAL tx_activity_of_deal(r) AS c
      UNION ALL SELECT c.* FROM tasks AS r CROSS JOIN LATERAL tx_activity_of_task(r) AS c
    ) AS c
    CROSS JOIN LATERAL (VALUES ('month', c.month), ('year', date_trunc('year', c.month)::date)) AS span (unit, starts_on)
    GROUP BY 1, 2, 3, 4;
  $$;
--> statement-breakpoint
UPDATE tasks SET funding_vnd = (SELECT coalesce(sum(amount_vnd), 0) FROM task_funding WHERE task_id = tasks.id);
--> statement-breakpoint
SELECT tx_activity_rebuild();
--> statement-breakpoint
-- Folds each key's appended rows into one and drops the keys that net to zero. Safe beside
-- writers (their new rows are not in its snapshot, so they wait for the next run) and beside
-- another compaction (a row the other deleted first is skipped, so nothing counts twice).
CREATE FUNCTION tx_activity_compact() RETURNS void
  LANGUAGE sql
  AS $$
    WITH folded AS (
      DELETE FROM activity_rollup AS item
      WHERE (item.unit, item.starts_on, item.organization_id, item.metric) IN (
        SELECT unit, starts_on, organization_id, metric FROM activity_rollup
        GROUP BY 1, 2, 3, 4
        HAVING count(*) > 1 OR (sum(n) = 0 AND sum(amount) = 0))
      RETURNING item.*)
    INSERT INTO activity_rollup (unit, starts_on, organization_id, metric, n, amount)
    SELECT unit, starts_on, organization_id, metric, sum(n), sum(amount) FROM folded
    GROUP BY 1, 2, 3, 4
    HAVING sum(n) <> 0 OR sum(amount) <> 0;
  $$;
