-- Custom migration: keep the term id arrays in the row. Retrieval reads search_key_ids and
-- search_body_ids of every candidate (intarray's & of the query terms); a listing row is ~3 kB
-- with its descriptions, so TOAST moved search_body_ids out of line for most
-- rows, and each candidate cost a TOAST index lookup and another page besides its heap page (at
-- 1M listings: 13.4k buffers instead of 4.1k for 4k candidates, twice the time). MAIN keeps them
-- inline (compressed if need be) and lets the descriptions go out of line
-- first. It applies to rows written from now on; VACUUM FULL (or pg_repack) moves existing rows.
ALTER TABLE "listings" ALTER COLUMN "search_key_ids" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "listings" ALTER COLUMN "search_body_ids" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "demands" ALTER COLUMN "search_key_ids" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "demands" ALTER COLUMN "search_body_ids" SET STORAGE MAIN;
