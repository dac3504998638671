-- Custom migration: browsing without q. The covering indexes that serve a newest-first page in
-- index order, and the triggers that keep listing_facet_counts and demand_facet_counts (see
-- src/db/schema/facets.ts) equal to what the records say, in the same transaction as every change.
--
-- The covering indexes hold every column a browsing filter reads, so a filtered page is an
-- index-only scan in page order that stops after limit+1 matches (listings.browse.ts,
-- demands.browse.ts). drizzle cannot declare INCLUDE, hence here.
CREATE INDEX "listings_browse_idx" ON "listings" USING btree ("published_at" DESC NULLS LAST, "id" DESC NULLS LAST)
  INCLUDE ("kind", "trl", "price_type", "price_vnd", "valid_until", "owner_id", "anonymous", "current_province_codes", "sectors", "fields")
  WHERE "status" = 'published';
--> statement-breakpoint
CREATE INDEX "demands_browse_idx" ON "demands" USING btree ("status", "opened_at" DESC NULLS LAST, "id" DESC NULLS LAST)
  INCLUDE ("current_province_code", "min_trl", "budget_min_vnd", "budget_max_vnd", "owner_id", "sectors", "fields");
--> statement-breakpoint
-- A facet read is one (status, dim) range of the counts, read from the index alone. The tables
-- take appended rows all day: vacuumed after every thousand changes, their pages stay all-visible,
-- so the scans stay index-only.
CREATE INDEX "listing_facet_counts_key_idx" ON "listing_facet_counts" USING btree ("status", "dim", "kind", "trl", "province") INCLUDE ("n");
--> statement-breakpoint
CREATE INDEX "demand_facet_counts_key_idx" ON "demand_facet_counts" USING btree ("status", "dim", "min_trl", "province", "sector") INCLUDE ("n");
--> statement-breakpoint
ALTER TABLE "listing_facet_counts" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000);
--> statement-breakpoint
ALTER TABLE "demand_facet_counts" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000);
--> statement-breakpoint
-- The regions (ids of /v1/reference/regions) a 2025 province belongs to, through the legacy units
-- it absorbed: src/modules/reference/provinces.ts written out (test/modules/facets.test.ts checks
-- that they agree).
CREATE FUNCTION tx_regions_of_province(code text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$
    SELECT map.regions FROM (VALUES
      ('01', '{3}'::text[]), ('04', '{1}'), ('08', '{1}'), ('11', '{2}'), ('12', '{2}'), ('14', '{2}'), ('15', '{2}'), ('19', '{1}'),
      ('20', '{1}'), ('22', '{1}'), ('24', '{1,3}'), ('25', '{1,2,3}'), ('31', '{3}'), ('33', '{3}'), ('37', '{3}'), ('38', '{4}'),
      ('40', '{4}'), ('42', '{4}'), ('44', '{4}'), ('46', '{4}'), ('48', '{5}'), ('51', '{5,6}'), ('52', '{5,6}'), ('56', '{5}'),
      ('66', '{5,6}'), ('68', '{5,6}'), ('75', '{7}'), ('79', '{7}'), ('80', '{7,8}'), ('82', '{8}'), ('86', '{8}'), ('91', '{8}'),
      ('92', '{8}'), ('96', '{8}')
    ) AS map (code, regions)
    WHERE map.code = $1
  $$;
--> statement-breakpoint
-- What one listing adds to listing_facet_counts: 1 under every filter it answers to (dim), once
-- as itself (province '') and once under each of its 2025 provinces. A published listing whose
-- expiry has been counted (counted_expired) counts as 'expired'.
CREATE FUNCTION tx_listing_facets_of(item listings)
  RETURNS TABLE (status text, dim text, kind text, trl smallint, province text)
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT CASE WHEN item.status = 'published' AND item.counted_expired THEN 'expired' ELSE item.status END,
      d.dim, item.kind, coalesce(item.trl, 0)::smallint, f.province
    FROM (
      SELECT '' AS dim
      UNION SELECT 'province:' || code FROM unnest(item.current_province_codes) AS code
      UNION SELECT 'region:' || region FROM unnest(item.current_province_codes) AS code CROSS JOIN LATERAL unnest(tx_regions_of_province(code)) AS region
      UNION SELECT 'sector:' || code FROM unnest(item.sectors) AS code
      UNION SELECT 'field:' || code FROM unnest(item.fields) AS code
    ) AS d
    CROSS JOIN (SELECT '' AS province UNION SELECT code FROM unnest(item.current_province_codes) AS code) AS f
  $$;
--> statement-breakpoint
-- What one demand adds to demand_facet_counts: 1 under every filter it answers to, once under its
-- 2025 province (sector '') and once under each of its sectors (province '').
CREATE FUNCTION tx_demand_facets_of(item demands)
  RETURNS TABLE (status text, dim text, min_trl smallint, province text, sector text)
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT item.status, d.dim, coalesce(item.min_trl, 0)::smallint, f.province, f.sector
    FROM (
      SELECT '' AS dim
      UNION SELECT 'province:' || item.current_province_code WHERE item.current_province_code IS NOT NULL
      UNION SELECT 'region:' || region FROM unnest(tx_regions_of_province(item.current_province_code)) AS region
      UNION SELECT 'sector:' || code FROM unnest(item.sectors) AS code
      UNION SELECT 'field:' || code FROM unnest(item.fields) AS code
    ) AS d
    CROSS JOIN (SELECT coalesce(item.current_province_code, '') AS province, '' AS sector UNION SELECT '', code FROM unnest(item.sectors) AS code) AS f
  $$;
--> statement-breakpoint
-- The triggers append each statement's changes (new rows minus old rows, per key), never update a
-- counter row: two writers never wait on each other's counters (see 0016_activity_triggers.sql for
-- the deadlock that taught this). Static SQL in each branch, so PL/pgSQL plans it once per session.
CREATE FUNCTION tx_listing_facets_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO listing_facet_counts (status, dim, kind, trl, province, n)
    SELECT c.status, c.dim, c.kind, c.trl, c.province, count(*) FROM new_rows AS r CROSS JOIN LATERAL tx_listing_facets_of(r) AS c GROUP BY 1, 2, 3, 4, 5;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO listing_facet_counts (status, dim, kind, trl, province, n)
    SELECT c.status, c.dim, c.kind, c.trl, c.province, -count(*) FROM old_rows AS r CROSS JOIN LATERAL tx_listing_facets_of(r) AS c GROUP BY 1, 2, 3, 4, 5;
  ELSE
    INSERT INTO listing_facet_counts (status, dim, kind, trl, province, n)
    SELECT c.status, c.dim, c.kind, c.trl, c.province, sum(c.sign)
    FROM (
      SELECT c.*, 1 AS sign FROM new_rows AS r CROSS JOIN LATERAL tx_listing_facets_of(r) AS c
      UNION ALL SELECT c.*, -1 FROM old_rows AS r CROSS JOIN LATERAL tx_listing_facets_of(r) AS c
    ) AS c
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(c.sign) <> 0;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION tx_demand_facets_track() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO demand_facet_counts (status, dim, min_trl, province, sector, n)
    SELECT c.status, c.dim, c.min_trl, c.province, c.sector, count(*) FROM new_rows AS r CROSS JOIN LATERAL tx_demand_facets_of(r) AS c GROUP BY 1, 2, 3, 4, 5;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO demand_facet_counts (status, dim, min_trl, province, sector, n)
    SELECT c.status, c.dim, c.min_trl, c.province, c.sector, -count(*) FROM old_rows AS r CROSS JOIN LATERAL tx_demand_facets_of(r) AS c GROUP BY 1, 2, 3, 4, 5;
  ELSE
    INSERT INTO demand_facet_counts (status, dim, min_trl, province, sector, n)
    SELECT c.status, c.dim, c.min_trl, c.province, c.sector, sum(c.sign)
    FROM (
      SELECT c.*, 1 AS sign FROM new_rows AS r CROSS JOIN LATERAL tx_demand_facets_of(r) AS c
      UNION ALL SELECT c.*, -1 FROM old_rows AS r CROSS JOIN LATERAL tx_demand_facets_of(r) AS c
    ) AS c
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(c.sign) <> 0;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- The counts rebuilt from the records: what this migration starts from, and the repair after a
-- load that ran with the triggers disabled. Running it changes no sum when the triggers have kept
-- the counts current (test/modules/facets.test.ts checks that they have).
CREATE FUNCTION tx_facet_counts_rebuild() RETURNS void
  LANGUAGE sql
  AS $$
    DELETE FROM listing_facet_counts;
    INSERT INTO listing_facet_counts (status, dim, kind, trl, province, n)
    SELECT c.status, c.dim, c.kind, c.trl, c.province, count(*) FROM listings AS r CROSS JOIN LATERAL tx_listing_facets_of(r) AS c GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
    DELETE FROM demand_facet_counts;
    INSERT INTO demand_facet_counts (status, dim, min_trl, province, sector, n)
    SELECT c.status, c.dim, c.min_trl, c.province, c.sector, count(*) FROM demands AS r CROSS JOIN LATERAL tx_demand_facets_of(r) AS c GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
  $$;
--> statement-breakpoint
-- Folds each key's appended rows into one and drops keys that net to zero, as tx_activity_compact
-- does (safe beside writers and beside another compaction for the same reasons).
CREATE FUNCTION tx_facet_counts_compact() RETURNS void
  LANGUAGE sql
  AS $$
    WITH folded AS (
      DELETE FROM listing_facet_counts AS item
      WHERE (item.status, item.dim, item.kind, item.trl, item.province) IN (
        SELECT status, dim, kind, trl, province FROM listing_facet_counts
        GROUP BY 1, 2, 3, 4, 5
        HAVING count(*) > 1 OR sum(n) = 0)
      RETURNING item.*)
    INSERT INTO listing_facet_counts (status, dim, kind, trl, province, n)
    SELECT status, dim, kind, trl, province, sum(n) FROM folded GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0;
    WITH folded AS (
      DELETE FROM demand_facet_counts AS item
      WHERE (item.status, item.dim, item.min_trl, item.province, item.sector) IN (
        SELECT status, dim, min_trl, province, sector FROM demand_facet_counts
        GROUP BY 1, 2, 3, 4, 5
        HAVING count(*) > 1 OR sum(n) = 0)
      RETURNING item.*)
    INSERT INTO demand_facet_counts (status, dim, min_trl, province, sector, n)
    SELECT status, dim, min_trl, province, sector, sum(n) FROM folded GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0;
  $$;
--> statement-breakpoint
-- Published listings whose validUntil has passed (Vietnam's date, UTC+7) count as expired from the
-- start; afterwards the maintenance job (countListingExpiries) keeps the flag up with the calendar.
UPDATE listings SET counted_expired = true
  WHERE status = 'published' AND valid_until < ((now() AT TIME ZONE 'UTC') + interval '7 hours')::date;
--> statement-breakpoint
SELECT tx_facet_counts_rebuild();
--> statement-breakpoint
CREATE TRIGGER listings_facets_insert AFTER INSERT ON listings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_listing_facets_track();
--> statement-breakpoint
CREATE TRIGGER listings_facets_update AFTER UPDATE ON listings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_listing_facets_track();
--> statement-breakpoint
CREATE TRIGGER listings_facets_delete AFTER DELETE ON listings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_listing_facets_track();
--> statement-breakpoint
CREATE TRIGGER demands_facets_insert AFTER INSERT ON demands REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_demand_facets_track();
--> statement-breakpoint
CREATE TRIGGER demands_facets_update AFTER UPDATE ON demands REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_demand_facets_track();
--> statement-breakpoint
CREATE TRIGGER demands_facets_delete AFTER DELETE ON demands REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_demand_facets_track();
