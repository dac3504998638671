-- Retrieval's GIN indexes of demands with the 2025 province as a second column (a one-element array,
-- the province being a scalar here), as 0034 did for listings: a text search in a province or region
-- intersects terms and place inside one GIN scan (see src/db/schema/demands.ts). Built before the old
-- ones are dropped, so searches keep an index meanwhile. IF NOT EXISTS: on a large catalogue they may
-- be built beforehand, by hand, with more maintenance_work_mem (or CONCURRENTLY).
CREATE INDEX IF NOT EXISTS "demands_search_key_province_idx" ON "demands" USING gin ("search_key_ids" gin__int_ops,(array["current_province_code"]));--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "demands_search_body_province_idx" ON "demands" USING gin ("search_body_ids" gin__int_ops,(array["current_province_code"]));--> statement-breakpoint
DROP INDEX IF EXISTS "demands_search_key_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "demands_search_body_idx";
