CREATE TABLE "value_chain_stage_listings" (
	"stage_id" uuid NOT NULL,
	"listing_id" uuid NOT NULL,
	CONSTRAINT "value_chain_stage_listings_stage_id_listing_id_pk" PRIMARY KEY("stage_id","listing_id")
);
--> statement-breakpoint
CREATE TABLE "value_chain_stage_organizations" (
	"stage_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	CONSTRAINT "value_chain_stage_organizations_stage_id_organization_id_pk" PRIMARY KEY("stage_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "value_chain_stages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"chain_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"keywords" text[] DEFAULT '{}' NOT NULL,
	CONSTRAINT "value_chain_stages_kind_check" CHECK ("value_chain_stages"."kind" in ('inputs', 'production', 'harvest_preservation', 'processing', 'packaging_branding', 'distribution'))
);
--> statement-breakpoint
CREATE TABLE "value_chains" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"title" text NOT NULL,
	"key_product" text NOT NULL,
	"description" text,
	"province_code" text NOT NULL,
	"current_province_code" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "value_chain_stage_listings" ADD CONSTRAINT "value_chain_stage_listings_stage_id_value_chain_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."value_chain_stages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "value_chain_stage_listings" ADD CONSTRAINT "value_chain_stage_listings_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "value_chain_stage_organizations" ADD CONSTRAINT "value_chain_stage_organizations_stage_id_value_chain_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."value_chain_stages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "value_chain_stage_organizations" ADD CONSTRAINT "value_chain_stage_organizations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "value_chain_stages" ADD CONSTRAINT "value_chain_stages_chain_id_value_chains_id_fk" FOREIGN KEY ("chain_id") REFERENCES "public"."value_chains"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "value_chains" ADD CONSTRAINT "value_chains_owner_id_organizations_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "value_chain_stage_listings_listing_idx" ON "value_chain_stage_listings" USING btree ("listing_id");--> statement-breakpoint
CREATE INDEX "value_chain_stage_organizations_organization_idx" ON "value_chain_stage_organizations" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "value_chain_stages_position_key" ON "value_chain_stages" USING btree ("chain_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "value_chain_stages_kind_key" ON "value_chain_stages" USING btree ("chain_id","kind");--> statement-breakpoint
CREATE INDEX "value_chains_province_idx" ON "value_chains" USING btree ("current_province_code");--> statement-breakpoint
CREATE INDEX "value_chains_owner_idx" ON "value_chains" USING btree ("owner_id");