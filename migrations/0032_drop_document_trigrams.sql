DROP INDEX "listings_search_trgm_idx";--> statement-breakpoint
DROP INDEX "listings_title_trgm_idx";--> statement-breakpoint
DROP INDEX "demands_search_trgm_idx";--> statement-breakpoint
ALTER TABLE "listings" DROP COLUMN "search_document";--> statement-breakpoint
ALTER TABLE "demands" DROP COLUMN "search_document";