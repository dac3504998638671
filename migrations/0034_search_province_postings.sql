-- Retrieval's GIN indexes of listings with the 2025 province codes as a second column, so a search
-- in a province intersects terms and province inside one GIN scan (see src/db/schema/listings.ts).
-- IF NOT EXISTS: on a large catalogue they may be built beforehand, by hand, with more
-- maintenance_work_mem (or CONCURRENTLY) than a migration gets.
CREATE INDEX IF NOT EXISTS "listings_search_key_province_idx" ON "listings" USING gin ("search_key_ids" gin__int_ops,"current_province_codes");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "listings_search_body_province_idx" ON "listings" USING gin ("search_body_ids" gin__int_ops,"current_province_codes");--> statement-breakpoint
DROP INDEX IF EXISTS "listings_search_key_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "listings_search_body_idx";
