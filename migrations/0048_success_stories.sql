CREATE TABLE "success_stories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" uuid NOT NULL,
	"listing_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"seeker_id" uuid NOT NULL,
	"title" text NOT NULL,
	"problem" text NOT NULL,
	"technology" text NOT NULL,
	"results" text NOT NULL,
	"figures" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"quotes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sectors" text[] DEFAULT '{}'::text[] NOT NULL,
	"current_province_code" text,
	"year" integer NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"provider_approved_at" timestamp with time zone,
	"seeker_approved_at" timestamp with time zone,
	"published_at" timestamp with time zone,
	"retracted_at" timestamp with time zone,
	"created_by_organization_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "success_stories_status_check" CHECK ("success_stories"."status" in ('draft', 'published', 'retracted'))
);
--> statement-breakpoint
ALTER TABLE "files" DROP CONSTRAINT "files_subject_type_check";--> statement-breakpoint
ALTER TABLE "success_stories" ADD CONSTRAINT "success_stories_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "success_stories" ADD CONSTRAINT "success_stories_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "success_stories" ADD CONSTRAINT "success_stories_provider_id_organizations_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "success_stories" ADD CONSTRAINT "success_stories_seeker_id_organizations_id_fk" FOREIGN KEY ("seeker_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "success_stories" ADD CONSTRAINT "success_stories_created_by_organization_id_organizations_id_fk" FOREIGN KEY ("created_by_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "success_stories_deal_key" ON "success_stories" USING btree ("deal_id") WHERE "success_stories"."status" <> 'retracted';--> statement-breakpoint
CREATE INDEX "success_stories_published_idx" ON "success_stories" USING btree ("published_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "success_stories"."status" = 'published';--> statement-breakpoint
CREATE INDEX "success_stories_provider_idx" ON "success_stories" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "success_stories_seeker_idx" ON "success_stories" USING btree ("seeker_id");--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_subject_type_check" CHECK ("files"."subject_type" in ('listing', 'demand', 'deal', 'task', 'exchange_event', 'success_story'));