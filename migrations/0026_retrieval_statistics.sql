-- Custom migration: the triggers that keep search_term_counts, search_corpus_counts and
-- search_words current with listings and demands, in the writes' own transactions, and the
-- backfill of what is already there.
--
-- After every statement, a table's trigger appends, per term, how many records gained it minus
-- how many lost it (and the same for titles and keywords alone), and the change in the number of
-- records and their fields' lengths; rows whose terms did not change add nothing. It also adds
-- the new words of new or changed text to the dictionary. Appending, not updating a counter row
-- per term: writers would otherwise queue on the counters of common terms ("may", "xu ly").
-- tx_search_compact folds the appended rows (a maintenance job, every minute).
CREATE FUNCTION tx_search_count_changes() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    record_kind text := TG_ARGV[0];
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO search_term_counts (kind, term_id, docs, key_docs)
        SELECT record_kind, term, count(*), count(*) FILTER (WHERE in_key) FROM (
          SELECT term, true AS in_key FROM new_rows, unnest(new_rows.search_key_ids) AS term
          UNION ALL
          SELECT term, false FROM new_rows, unnest(new_rows.search_body_ids - new_rows.search_key_ids) AS term
        ) added GROUP BY term;
      INSERT INTO search_corpus_counts (kind, docs, key_length, body_length)
        SELECT record_kind, count(*), coalesce(sum(icount(search_key_ids)), 0), coalesce(sum(icount(search_body_ids)), 0) FROM new_rows HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
      INSERT INTO search_term_counts (kind, term_id, docs, key_docs)
        SELECT record_kind, term, -count(*), -count(*) FILTER (WHERE in_key) FROM (
          SELECT term, true AS in_key FROM old_rows, unnest(old_rows.search_key_ids) AS term
          UNION ALL
          SELECT term, false FROM old_rows, unnest(old_rows.search_body_ids - old_rows.search_key_ids) AS term
        ) removed GROUP BY term;
      INSERT INTO search_corpus_counts (kind, docs, key_length, body_length)
        SELECT record_kind, -count(*), -coalesce(sum(icount(search_key_ids)), 0), -coalesce(sum(icount(search_body_ids)), 0) FROM old_rows HAVING count(*) > 0;
    ELSE
      WITH changed AS (
        SELECT n.search_key_ids AS new_key, n.search_body_ids AS new_body, o.search_key_ids AS old_key, o.search_body_ids AS old_body
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.search_key_ids <> o.search_key_ids OR n.search_body_ids <> o.search_body_ids
      ), terms AS (
        SELECT term, 1 AS docs, 1 AS key_docs FROM changed, unnest(new_key) AS term
        UNION ALL SELECT term, 1, 0 FROM changed, unnest(new_body - new_key) AS term
        UNION ALL SELECT term, -1, -1 FROM changed, unnest(old_key) AS term
        UNION ALL SELECT term, -1, 0 FROM changed, unnest(old_body - old_key) AS term
      ), counted AS (
        INSERT INTO search_term_counts (kind, term_id, docs, key_docs)
          SELECT record_kind, term, sum(docs), sum(key_docs) FROM terms GROUP BY term HAVING sum(docs) <> 0 OR sum(key_docs) <> 0
      )
      INSERT INTO search_corpus_counts (kind, docs, key_length, body_length)
        SELECT record_kind, 0, sum(icount(new_key) - icount(old_key)), sum(icount(new_body) - icount(old_body)) FROM changed HAVING count(*) > 0;
    END IF;
    RETURN NULL;
  END
  $$;
--> statement-breakpoint
-- New words only: rows whose text did not change add none, and known words are skipped.
CREATE FUNCTION tx_search_add_listing_words() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO search_words (word)
        SELECT DISTINCT word FROM new_rows n, unnest(tx_words(n.title_vi || ' ' || coalesce(n.title_en, '') || ' ' || tx_join_words(n.keywords) || ' ' || n.description_vi || ' ' || coalesce(n.description_en, ''))) AS word
      ON CONFLICT DO NOTHING;
    ELSE
      INSERT INTO search_words (word)
        SELECT DISTINCT word FROM new_rows n JOIN old_rows o ON o.id = n.id, unnest(tx_words(n.title_vi || ' ' || coalesce(n.title_en, '') || ' ' || tx_join_words(n.keywords) || ' ' || n.description_vi || ' ' || coalesce(n.description_en, ''))) AS word
        WHERE n.search_key_ids <> o.search_key_ids OR n.search_body_ids <> o.search_body_ids
      ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
  END
  $$;
--> statement-breakpoint
CREATE FUNCTION tx_search_add_demand_words() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO search_words (word)
        SELECT DISTINCT word FROM new_rows n, unnest(tx_words(n.title_vi || ' ' || coalesce(n.title_en, '') || ' ' || tx_join_words(n.keywords) || ' ' || n.problem_vi || ' ' || coalesce(n.problem_en, '') || ' ' || coalesce(n.desired_outcome_vi, '') || ' ' || coalesce(n.desired_outcome_en, ''))) AS word
      ON CONFLICT DO NOTHING;
    ELSE
      INSERT INTO search_words (word)
        SELECT DISTINCT word FROM new_rows n JOIN old_rows o ON o.id = n.id, unnest(tx_words(n.title_vi || ' ' || coalesce(n.title_en, '') || ' ' || tx_join_words(n.keywords) || ' ' || n.problem_vi || ' ' || coalesce(n.problem_en, '') || ' ' || coalesce(n.desired_outcome_vi, '') || ' ' || coalesce(n.desired_outcome_en, ''))) AS word
        WHERE n.search_key_ids <> o.search_key_ids OR n.search_body_ids <> o.search_body_ids
      ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
  END
  $$;
--> statement-breakpoint
CREATE TRIGGER listings_search_counts_insert AFTER INSERT ON listings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_count_changes('listing');
--> statement-breakpoint
CREATE TRIGGER listings_search_counts_update AFTER UPDATE ON listings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_count_changes('listing');
--> statement-breakpoint
CREATE TRIGGER listings_search_counts_delete AFTER DELETE ON listings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_count_changes('listing');
--> statement-breakpoint
CREATE TRIGGER listings_search_words_insert AFTER INSERT ON listings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_add_listing_words();
--> statement-breakpoint
CREATE TRIGGER listings_search_words_update AFTER UPDATE ON listings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_add_listing_words();
--> statement-breakpoint
CREATE TRIGGER demands_search_counts_insert AFTER INSERT ON demands REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_count_changes('demand');
--> statement-breakpoint
CREATE TRIGGER demands_search_counts_update AFTER UPDATE ON demands REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_count_changes('demand');
--> statement-breakpoint
CREATE TRIGGER demands_search_counts_delete AFTER DELETE ON demands REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_count_changes('demand');
--> statement-breakpoint
CREATE TRIGGER demands_search_words_insert AFTER INSERT ON demands REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_add_demand_words();
--> statement-breakpoint
CREATE TRIGGER demands_search_words_update AFTER UPDATE ON demands REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tx_search_add_demand_words();
--> statement-breakpoint
-- Folds each key's appended rows into one and drops those that net to zero; safe beside writers
-- and beside another compaction, like tx_activity_compact.
CREATE FUNCTION tx_search_compact() RETURNS void
  LANGUAGE sql
  AS $$
    WITH folded AS (
      DELETE FROM search_term_counts AS item
      WHERE (item.kind, item.term_id) IN (
        SELECT kind, term_id FROM search_term_counts GROUP BY 1, 2 HAVING count(*) > 1 OR sum(docs) = 0)
      RETURNING item.*)
    INSERT INTO search_term_counts (kind, term_id, docs, key_docs)
    SELECT kind, term_id, sum(docs), sum(key_docs) FROM folded GROUP BY 1, 2 HAVING sum(docs) <> 0;
    WITH folded AS (
      DELETE FROM search_corpus_counts AS item
      WHERE item.kind IN (SELECT kind FROM search_corpus_counts GROUP BY 1 HAVING count(*) > 1)
      RETURNING item.*)
    INSERT INTO search_corpus_counts (kind, docs, key_length, body_length)
    SELECT kind, sum(docs), sum(key_length), sum(body_length) FROM folded GROUP BY 1;
  $$;
--> statement-breakpoint
INSERT INTO search_term_counts (kind, term_id, docs, key_docs)
  SELECT 'listing', term, count(*), count(*) FILTER (WHERE in_key) FROM (
    SELECT term, true AS in_key FROM listings, unnest(listings.search_key_ids) AS term
    UNION ALL SELECT term, false FROM listings, unnest(listings.search_body_ids - listings.search_key_ids) AS term
  ) terms GROUP BY term;
--> statement-breakpoint
INSERT INTO search_term_counts (kind, term_id, docs, key_docs)
  SELECT 'demand', term, count(*), count(*) FILTER (WHERE in_key) FROM (
    SELECT term, true AS in_key FROM demands, unnest(demands.search_key_ids) AS term
    UNION ALL SELECT term, false FROM demands, unnest(demands.search_body_ids - demands.search_key_ids) AS term
  ) terms GROUP BY term;
--> statement-breakpoint
INSERT INTO search_corpus_counts (kind, docs, key_length, body_length)
  SELECT 'listing', count(*), coalesce(sum(icount(search_key_ids)), 0), coalesce(sum(icount(search_body_ids)), 0) FROM listings
  UNION ALL
  SELECT 'demand', count(*), coalesce(sum(icount(search_key_ids)), 0), coalesce(sum(icount(search_body_ids)), 0) FROM demands;
--> statement-breakpoint
INSERT INTO search_words (word)
  SELECT DISTINCT word FROM listings, unnest(tx_words(title_vi || ' ' || coalesce(title_en, '') || ' ' || tx_join_words(keywords) || ' ' || description_vi || ' ' || coalesce(description_en, ''))) AS word
  UNION
  SELECT DISTINCT word FROM demands, unnest(tx_words(title_vi || ' ' || coalesce(title_en, '') || ' ' || tx_join_words(keywords) || ' ' || problem_vi || ' ' || coalesce(problem_en, '') || ' ' || coalesce(desired_outcome_vi, '') || ' ' || coalesce(desired_outcome_en, ''))) AS word;
