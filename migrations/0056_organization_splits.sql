ALTER TABLE "organizations" ADD COLUMN "split_into" jsonb;--> statement-breakpoint
ALTER TABLE "listings" ADD COLUMN "steward_id" uuid;--> statement-breakpoint
ALTER TABLE "demands" ADD COLUMN "steward_id" uuid;--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_steward_id_organizations_id_fk" FOREIGN KEY ("steward_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "demands" ADD CONSTRAINT "demands_steward_id_organizations_id_fk" FOREIGN KEY ("steward_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "listings_steward_idx" ON "listings" USING btree ("steward_id") WHERE "listings"."steward_id" is not null;--> statement-breakpoint
CREATE INDEX "demands_steward_idx" ON "demands" USING btree ("steward_id") WHERE "demands"."steward_id" is not null;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_split_check" CHECK (("organizations"."split_into" is null) or ("organizations"."merged_into_id" is not null));