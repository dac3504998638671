-- Custom migration: events held, and their participants, in the activity roll-up (see
-- 0016_activity_triggers.sql for how the roll-up is kept). An event counts for its main organiser
-- in the month it starts, with its participants as the amount; exchange_events.participant_count
-- follows exchange_event_organizations, as tasks.funding_vnd follows task_funding, so the event's
-- row alone says what it adds.
CREATE FUNCTION tx_event_participant_count() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE exchange_events SET participant_count = (SELECT count(*) FROM exchange_event_organizations AS o WHERE o.event_id = exchange_events.id AND o.role = 'participant')
      WHERE id IN (SELECT event_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE exchange_events SET participant_count = (SELECT count(*) FROM exchange_event_organizations AS o WHERE o.event_id = exchange_events.id AND o.role = 'participant')
      WHERE id IN (SELECT event_id FROM old_rows);
  ELSE
    UPDATE exchange_events SET participant_count = (SELECT count(*) FROM exchange_event_organizations AS o WHERE o.event_id = exchange_events.id AND o.role = 'participant')
      WHERE id IN (SELECT event_id FROM new_rows UNION SELECT event_id FROM old_rows);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER exchange_event_participants_insert AFTER INSERT ON exchange_event_organizations REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_event_participant_count();
--> statement-breakpoint
CREATE TRIGGER exchange_event_participants_update AFTER UPDATE ON exchange_event_organizations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_event_participant_count();
--> statement-breakpoint
CREATE TRIGGER exchange_event_participants_delete AFTER DELETE ON exchange_event_organizations REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_event_participant_count();
--> statement-breakpoint
-- Existing events' participants, counted before the roll-up's trigger on events exists.
UPDATE exchange_events SET participant_count = (SELECT count(*) FROM exchange_event_organizations AS o WHERE o.event_id = exchange_events.id AND o.role = 'participant');
--> statement-breakpoint
CREATE FUNCTION tx_activity_of_exchange_event(item exchange_events)
  RETURNS TABLE (organization_id uuid, month date, metric text, n bigint, amount bigint)
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT item.organizer_id, date_trunc('month', item.starts_on)::date, 'eventsHeld', 1::bigint, item.participant_count::bigint $$;
--> statement-breakpoint
-- The same template as the other fact tables' trigger functions (0016).
CREATE FUNCTION tx_activity_track_exchange_events() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO activity_rollup (unit, starts_on, organization_id, metric, n, amount)
    SELECT span.unit, span.starts_on, change.organization_id, change.metric, sum(change.sign * change.n), sum(change.sign * change.amount)
    FROM (SELECT c.*, 1 AS sign FROM new_rows AS r CROSS JOIN LATERAL tx_activity_of_exchange_event(r) AS c) AS change
    CROSS JOIN LATERAL (VALUES ('month', change.month), ('year', date_trunc('year', change.month)::date)) AS span (unit, starts_on)
    GROUP BY 1, 2, 3, 4
    HAVING sum(change.sign * change.n) <> 0 OR sum(change.sign * change.amount) <> 0;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO activity_rollup (unit, starts_on, organization_id, metric, n, amount)
    SELECT span.unit, span.starts_on, change.organization_id, change.metric, sum(change.sign * change.n), sum(change.sign * change.amount)
    FROM (SELECT c.*, -1 AS sign FROM old_rows AS r CROSS JOIN LATERAL tx_activity_of_exchange_event(r) AS c) AS change
    CROSS JOIN LATERAL (VALUES ('month', change.month), ('year', date_trunc('year', change.month)::date)) AS span (unit, starts_on)
    GROUP BY 1, 2, 3, 4
    HAVING sum(change.sign * change.n) <> 0 OR sum(change.sign * change.amount) <> 0;
  ELSE
    INSERT INTO activity_rollup (unit, starts_on, organization_id, metric, n, amount)
    SELECT span.unit, span.starts_on, change.organization_id, change.metric, sum(change.sign * change.n), sum(change.sign * change.amount)
    FROM (
      SELECT c.*, 1 AS sign FROM new_rows AS r CROSS JOIN LATERAL tx_activity_of_exchange_event(r) AS c
      UNION ALL SELECT c.*, -1 AS sign FROM old_rows AS r CROSS JOIN LATERAL tx_activity_of_exchange_event(r) AS c
    ) AS change
    CROSS JOIN LATERAL (VALUES ('month', change.month), ('year', date_trunc('year', change.month)::date)) AS span (unit, starts_on)
    GROUP BY 1, 2, 3, 4
    HAVING sum(change.sign * change.n) <> 0 OR sum(change.sign * change.amount) <> 0;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER exchange_events_activity_insert AFTER INSERT ON exchange_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_activity_track_exchange_events();
--> statement-breakpoint
CREATE TRIGGER exchange_events_activity_update AFTER UPDATE ON exchange_events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_activity_track_exchange_events();
--> statement-breakpoint
CREATE TRIGGER exchange_events_activity_delete AFTER DELETE ON exchange_events REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_activity_track_exchange_events();
--> statement-breakpoint
-- The rebuild counts events too.
CREATE OR REPLACE FUNCTION tx_activity_rebuild() RETURNS void
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
      UNION ALL SELECT c.* FROM exchange_events AS r CROSS JOIN LATERAL tx_activity_of_exchange_event(r) AS c
    ) AS c
    CROSS JOIN LATERAL (VALUES ('month', c.month), ('year', date_trunc('year', c.month)::date)) AS span (unit, starts_on)
    GROUP BY 1, 2, 3, 4;
  $$;
--> statement-breakpoint
-- Existing events enter the roll-up from the records, as the roll-up began (0016).
SELECT tx_activity_rebuild();
