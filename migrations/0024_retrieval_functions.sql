-- Custom migration: the text analysis that search, matching and duplicate detection share
-- (src/modules/retrieval/analysis.ts mirrors it and a test keeps the two equal).
-- A text is folded (tx_search_text: lower case, no diacritics, đ -> d), cut into phrases at
-- punctuation, and turned into terms: every syllable, and every two adjacent syllables of a phrase
-- (so "máy sấy" and "nước thải" are terms of their own). A term is stored as a 32-bit id, the
-- first 32 bits of its md5, so a record's terms are a sorted int4[] that intarray's GIN index
-- (gin__int_ops) serves; two terms sharing an id is rare enough (about 1 in 2^32 per pair) to ignore.
-- Every function is schema-qualified and IMMUTABLE so generated columns and restores can use it.
CREATE EXTENSION IF NOT EXISTS intarray;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_segmented(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT trim(regexp_replace(regexp_replace(regexp_replace(public.tx_search_text(value), '[.,;:!?()\[\]{}"“”«»/|\r\n\t]+', ' | ', 'g'), '[^a-z0-9| ]+', ' ', 'g'), '\s+', ' ', 'g')) $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_term_list(segmented text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$
    WITH words AS (SELECT word, position FROM unnest(string_to_array(segmented, ' ')) WITH ORDINALITY AS w(word, position))
    SELECT coalesce(array_agg(term), '{}') FROM (
      SELECT word AS term FROM words WHERE word NOT IN ('|', '')
      UNION ALL
      SELECT a.word || ' ' || b.word FROM words a JOIN words b ON b.position = a.position + 1
      WHERE a.word NOT IN ('|', '') AND b.word NOT IN ('|', '')
    ) terms
  $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_term_id(term text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT ('x' || substr(md5(term), 1, 8))::bit(32)::integer $$;
--> statement-breakpoint
-- tx_term_list and tx_term_id in one loop: PL/pgSQL keeps its plan across calls, where a SQL
-- function with a WITH is planned again for each row (3x slower when the columns are generated).
CREATE OR REPLACE FUNCTION tx_term_ids(value text) RETURNS integer[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
  AS $$
  DECLARE
    words text[] := string_to_array(public.tx_segmented(value), ' ');
    n integer := coalesce(array_length(words, 1), 0);
    ids integer[] := '{}';
  BEGIN
    FOR i IN 1..n LOOP
      CONTINUE WHEN words[i] IN ('|', '');
      ids := ids || ('x' || substr(md5(words[i]), 1, 8))::bit(32)::integer;
      IF i < n AND words[i + 1] NOT IN ('|', '') THEN
        ids := ids || ('x' || substr(md5(words[i] || ' ' || words[i + 1]), 1, 8))::bit(32)::integer;
      END IF;
    END LOOP;
    RETURN public.uniq(public.sort(ids));
  END
  $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_join_phrases(phrases text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_to_string(phrases, ' . '), '') $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_words(value text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$
    SELECT coalesce(array_agg(DISTINCT word), '{}') FROM unnest(string_to_array(public.tx_segmented(value), ' ')) AS word
    WHERE word NOT IN ('|', '') AND length(word) BETWEEN 2 AND 30 AND word !~ '^[0-9]+$'
  $$;
