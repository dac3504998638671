-- Custom migration: the extensions search needs, and IMMUTABLE wrappers so that
-- unaccented text can feed generated columns and expression indexes.
-- unaccent() with an explicit dictionary is stable in practice; Postgres only marks it STABLE
-- because the dictionary could be swapped, which this project never does.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_search_text(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, replace(replace(value, 'đ', 'd'), 'Đ', 'D'))) $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tx_join_words(words text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_to_string(words, ' '), '') $$;
