-- Custom additions: the changes of search_term_counts get a table of their own, so the counts hold
-- one row per term and a read no longer sums every row appended since the last compaction. At 1M
-- listings, ten writers creating listings made each create's statistics read fetch ~77k appended
-- rows (every create appends one for each of its ~150 terms, common ones included), the largest
-- cost of a create. Readers now add a term's changes only while it is rare (statistics.ts).
CREATE TABLE "search_term_changes" (
	"kind" text NOT NULL,
	"term_id" integer NOT NULL,
	"docs" integer NOT NULL,
	"key_docs" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "search_term_changes_term_idx" ON "search_term_changes" USING btree ("kind","term_id");--> statement-breakpoint
WITH folded AS (DELETE FROM search_term_counts RETURNING kind, term_id, docs, key_docs)
INSERT INTO search_term_counts (kind, term_id, docs, key_docs)
SELECT kind, term_id, sum(docs), sum(key_docs) FROM folded GROUP BY 1, 2 HAVING sum(docs) <> 0 OR sum(key_docs) <> 0;--> statement-breakpoint
DROP INDEX "search_term_counts_term_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "search_term_counts_term_key" ON "search_term_counts" USING btree ("kind","term_id");--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_search_count_changes() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  DECLARE
    record_kind text := TG_ARGV[0];
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO search_term_changes (kind, term_id, docs, key_docs)
        SELECT record_kind, term, count(*), count(*) FILTER (WHERE in_key) FROM (
          SELECT term, true AS in_key FROM new_rows, unnest(new_rows.search_key_ids) AS term
          UNION ALL
          SELECT term, false FROM new_rows, unnest(new_rows.search_body_ids - new_rows.search_key_ids) AS term
        ) added GROUP BY term;
      INSERT INTO search_corpus_counts (kind, docs, key_length, body_length)
        SELECT record_kind, count(*), coalesce(sum(icount(search_key_ids)), 0), coalesce(sum(icount(search_body_ids)), 0) FROM new_rows HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
      INSERT INTO search_term_changes (kind, term_id, docs, key_docs)
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
        INSERT INTO search_term_changes (kind, term_id, docs, key_docs)
          SELECT record_kind, term, sum(docs), sum(key_docs) FROM terms GROUP BY term HAVING sum(docs) <> 0 OR sum(key_docs) <> 0
      )
      INSERT INTO search_corpus_counts (kind, docs, key_length, body_length)
        SELECT record_kind, 0, sum(icount(new_key) - icount(old_key)), sum(icount(new_body) - icount(old_body)) FROM changed HAVING count(*) > 0;
    END IF;
    RETURN NULL;
  END
  $$;
--> statement-breakpoint
-- The changes are moved into the counts in term order, so two compactions at once lock the same
-- rows in the same order. A term whose count falls to zero keeps its row (it reads as absent).
CREATE OR REPLACE FUNCTION tx_search_compact() RETURNS void
  LANGUAGE sql
  AS $$
    WITH moved AS (DELETE FROM search_term_changes RETURNING kind, term_id, docs, key_docs)
    INSERT INTO search_term_counts AS counted (kind, term_id, docs, key_docs)
    SELECT kind, term_id, sum(docs), sum(key_docs) FROM moved GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (kind, term_id) DO UPDATE SET docs = counted.docs + excluded.docs, key_docs = counted.key_docs + excluded.key_docs;
    WITH folded AS (
      DELETE FROM search_corpus_counts AS item
      WHERE item.kind IN (SELECT kind FROM search_corpus_counts GROUP BY 1 HAVING count(*) > 1)
      RETURNING item.*)
    INSERT INTO search_corpus_counts (kind, docs, key_length, body_length)
    SELECT kind, sum(docs), sum(key_length), sum(body_length) FROM folded GROUP BY 1;
    WITH moved AS (DELETE FROM search_new_words RETURNING word)
    INSERT INTO search_words (word) SELECT DISTINCT word FROM moved ORDER BY word ON CONFLICT DO NOTHING;
  $$;
