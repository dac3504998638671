DROP INDEX "listings_search_vector_idx";--> statement-breakpoint
DROP INDEX "demands_search_vector_idx";--> statement-breakpoint
ALTER TABLE "listings" DROP COLUMN "search_vector";--> statement-breakpoint
ALTER TABLE "demands" DROP COLUMN "search_vector";