CREATE TABLE "demand_facet_counts" (
	"status" text NOT NULL,
	"dim" text NOT NULL,
	"min_trl" smallint NOT NULL,
	"province" text NOT NULL,
	"sector" text NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "listing_facet_counts" (
	"status" text NOT NULL,
	"dim" text NOT NULL,
	"kind" text NOT NULL,
	"trl" smallint NOT NULL,
	"province" text NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "listings" ADD COLUMN "counted_expired" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "organizations_name_idx" ON "organizations" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "organizations_kind_name_idx" ON "organizations" USING btree ("kind","name","id");--> statement-breakpoint
CREATE INDEX "organizations_province_name_idx" ON "organizations" USING btree ("current_province_code","name","id");--> statement-breakpoint
CREATE INDEX "listings_owner_published_idx" ON "listings" USING btree ("owner_id","published_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "listings"."status" = 'published';--> statement-breakpoint
CREATE INDEX "listings_price_published_idx" ON "listings" USING btree ("price_vnd") WHERE "listings"."status" = 'published' and "listings"."price_type" = 'amount';--> statement-breakpoint
CREATE INDEX "listings_uncounted_expiry_idx" ON "listings" USING btree ("valid_until") WHERE "listings"."status" = 'published' and not "listings"."counted_expired" and "listings"."valid_until" is not null;--> statement-breakpoint
CREATE INDEX "listings_counted_expiry_idx" ON "listings" USING btree ("valid_until") WHERE "listings"."status" = 'published' and "listings"."counted_expired";--> statement-breakpoint
CREATE INDEX "demands_owner_opened_idx" ON "demands" USING btree ("owner_id","status","opened_at" DESC NULLS LAST,"id" DESC NULLS LAST);