CREATE INDEX "listings_published_owner_idx" ON "listings" USING btree ("published_at","owner_id") WHERE "listings"."published_at" is not null;--> statement-breakpoint
CREATE INDEX "demands_opened_owner_idx" ON "demands" USING btree ("opened_at","owner_id") WHERE "demands"."opened_at" is not null;--> statement-breakpoint
CREATE INDEX "matches_created_demand_idx" ON "matches" USING btree ("created_at","demand_id");--> statement-breakpoint
CREATE INDEX "deals_created_provider_idx" ON "deals" USING btree ("created_at","provider_id","state");