-- Custom migration: new words are appended to search_new_words instead of inserted into
-- search_words under its unique key. With ON CONFLICT on the key, two imports adding the same new
-- words in different statements waited on each other's uncommitted rows and could deadlock (the
-- evaluation's parallel load hit it). tx_search_compact moves them over, in word order.
CREATE OR REPLACE FUNCTION tx_search_add_listing_words() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO search_new_words (word)
        SELECT DISTINCT w.word FROM new_rows n, unnest(tx_words(n.title_vi || ' ' || coalesce(n.title_en, '') || ' ' || tx_join_words(n.keywords) || ' ' || n.description_vi || ' ' || coalesce(n.description_en, ''))) AS w(word)
        WHERE NOT EXISTS (SELECT 1 FROM search_words known WHERE known.word = w.word);
    ELSE
      INSERT INTO search_new_words (word)
        SELECT DISTINCT w.word FROM new_rows n JOIN old_rows o ON o.id = n.id, unnest(tx_words(n.title_vi || ' ' || coalesce(n.title_en, '') || ' ' || tx_join_words(n.keywords) || ' ' || n.description_vi || ' ' || coalesce(n.description_en, ''))) AS w(word)
        WHERE (n.search_key_ids <> o.search_key_ids OR n.search_body_ids <> o.search_body_ids)
          AND NOT EXISTS (SELECT 1 FROM search_words known WHERE known.word = w.word);
    END IF;
    RETURN NULL;
  END
  $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_search_add_demand_words() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO search_new_words (word)
        SELECT DISTINCT w.word FROM new_rows n, unnest(tx_words(n.title_vi || ' ' || coalesce(n.title_en, '') || ' ' || tx_join_words(n.keywords) || ' ' || n.problem_vi || ' ' || coalesce(n.problem_en, '') || ' ' || coalesce(n.desired_outcome_vi, '') || ' ' || coalesce(n.desired_outcome_en, ''))) AS w(word)
        WHERE NOT EXISTS (SELECT 1 FROM search_words known WHERE known.word = w.word);
    ELSE
      INSERT INTO search_new_words (word)
        SELECT DISTINCT w.word FROM new_rows n JOIN old_rows o ON o.id = n.id, unnest(tx_words(n.title_vi || ' ' || coalesce(n.title_en, '') || ' ' || tx_join_words(n.keywords) || ' ' || n.problem_vi || ' ' || coalesce(n.problem_en, '') || ' ' || coalesce(n.desired_outcome_vi, '') || ' ' || coalesce(n.desired_outcome_en, ''))) AS w(word)
        WHERE (n.search_key_ids <> o.search_key_ids OR n.search_body_ids <> o.search_body_ids)
          AND NOT EXISTS (SELECT 1 FROM search_words known WHERE known.word = w.word);
    END IF;
    RETURN NULL;
  END
  $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_search_compact() RETURNS void
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
    WITH moved AS (DELETE FROM search_new_words RETURNING word)
    INSERT INTO search_words (word) SELECT DISTINCT word FROM moved ORDER BY word ON CONFLICT DO NOTHING;
  $$;
