CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"name_en" text,
	"short_name" text,
	"parent_id" uuid,
	"province_code" text,
	"current_province_code" text,
	"address" text,
	"website" text,
	"email" text,
	"phone" text,
	"tax_code" text,
	"description" text,
	"contacts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "organizations_kind_check" CHECK ("organizations"."kind" in ('transfer_centre', 'research_institute', 'university', 'enterprise', 'connection_point', 'authority', 'exchange_operator'))
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"role" text NOT NULL,
	"label" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_prefix_unique" UNIQUE("prefix"),
	CONSTRAINT "api_keys_role_check" CHECK ("api_keys"."role" in ('operator', 'admin', 'editor', 'reader'))
);
--> statement-breakpoint
CREATE TABLE "listings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"kind" text NOT NULL,
	"title_vi" text NOT NULL,
	"title_en" text,
	"description_vi" text NOT NULL,
	"description_en" text,
	"trl" smallint,
	"ipr_status" text DEFAULT 'none' NOT NULL,
	"ipr_numbers" text[] DEFAULT '{}' NOT NULL,
	"transfer_forms" text[] DEFAULT '{}' NOT NULL,
	"transfer_methods" text[] DEFAULT '{}' NOT NULL,
	"price_type" text DEFAULT 'negotiable' NOT NULL,
	"price_vnd" bigint,
	"sectors" text[] DEFAULT '{}' NOT NULL,
	"fields" text[] DEFAULT '{}' NOT NULL,
	"keywords" text[] DEFAULT '{}' NOT NULL,
	"province_codes" text[] DEFAULT '{}' NOT NULL,
	"current_province_codes" text[] DEFAULT '{}' NOT NULL,
	"media" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"valid_until" date,
	"published_at" timestamp with time zone,
	"withdrawn_at" timestamp with time zone,
	"withdraw_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"search_document" text GENERATED ALWAYS AS (tx_search_text(title_vi || ' ' || coalesce(title_en, '') || ' ' || description_vi || ' ' || coalesce(description_en, '') || ' ' || tx_join_words(keywords))) STORED,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', tx_search_text(title_vi || ' ' || coalesce(title_en, '') || ' ' || tx_join_words(keywords))), 'A') || setweight(to_tsvector('simple', tx_search_text(description_vi || ' ' || coalesce(description_en, ''))), 'B')) STORED,
	CONSTRAINT "listings_status_check" CHECK ("listings"."status" in ('draft', 'published', 'withdrawn')),
	CONSTRAINT "listings_trl_check" CHECK ("listings"."trl" between 1 and 9),
	CONSTRAINT "listings_price_check" CHECK (("listings"."price_type" = 'amount') = ("listings"."price_vnd" is not null))
);
--> statement-breakpoint
CREATE TABLE "demands" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"title_vi" text NOT NULL,
	"title_en" text,
	"problem_vi" text NOT NULL,
	"problem_en" text,
	"desired_outcome_vi" text,
	"desired_outcome_en" text,
	"sectors" text[] DEFAULT '{}' NOT NULL,
	"fields" text[] DEFAULT '{}' NOT NULL,
	"keywords" text[] DEFAULT '{}' NOT NULL,
	"min_trl" smallint,
	"budget_min_vnd" bigint,
	"budget_max_vnd" bigint,
	"deadline" date,
	"province_code" text,
	"current_province_code" text,
	"opened_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"close_reason" text,
	"close_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"search_document" text GENERATED ALWAYS AS (tx_search_text(title_vi || ' ' || coalesce(title_en, '') || ' ' || problem_vi || ' ' || coalesce(problem_en, '') || ' ' || coalesce(desired_outcome_vi, '') || ' ' || coalesce(desired_outcome_en, '') || ' ' || tx_join_words(keywords))) STORED,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', tx_search_text(title_vi || ' ' || coalesce(title_en, '') || ' ' || tx_join_words(keywords))), 'A') || setweight(to_tsvector('simple', tx_search_text(problem_vi || ' ' || coalesce(problem_en, '') || ' ' || coalesce(desired_outcome_vi, '') || ' ' || coalesce(desired_outcome_en, ''))), 'B')) STORED,
	CONSTRAINT "demands_status_check" CHECK ("demands"."status" in ('draft', 'open', 'closed')),
	CONSTRAINT "demands_min_trl_check" CHECK ("demands"."min_trl" between 1 and 9),
	CONSTRAINT "demands_budget_check" CHECK ("demands"."budget_min_vnd" is null or "demands"."budget_max_vnd" is null or "demands"."budget_min_vnd" <= "demands"."budget_max_vnd")
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_parent_id_organizations_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_owner_id_organizations_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "demands" ADD CONSTRAINT "demands_owner_id_organizations_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_enterprise_tax_code_key" ON "organizations" USING btree ("tax_code") WHERE "organizations"."kind" = 'enterprise';--> statement-breakpoint
CREATE INDEX "organizations_kind_idx" ON "organizations" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "organizations_current_province_idx" ON "organizations" USING btree ("current_province_code");--> statement-breakpoint
CREATE INDEX "organizations_parent_idx" ON "organizations" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "organizations_name_trgm_idx" ON "organizations" USING gin (tx_search_text("name" || ' ' || coalesce("name_en", '') || ' ' || coalesce("short_name", '')) gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "api_keys_organization_idx" ON "api_keys" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "listings_owner_idx" ON "listings" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "listings_status_published_idx" ON "listings" USING btree ("status","published_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "listings_search_vector_idx" ON "listings" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "listings_search_trgm_idx" ON "listings" USING gin ("search_document" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "listings_provinces_idx" ON "listings" USING gin ("current_province_codes");--> statement-breakpoint
CREATE INDEX "listings_sectors_idx" ON "listings" USING gin ("sectors");--> statement-breakpoint
CREATE INDEX "listings_fields_idx" ON "listings" USING gin ("fields");--> statement-breakpoint
CREATE INDEX "demands_owner_idx" ON "demands" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "demands_status_opened_idx" ON "demands" USING btree ("status","opened_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "demands_search_vector_idx" ON "demands" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "demands_search_trgm_idx" ON "demands" USING gin ("search_document" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "demands_province_idx" ON "demands" USING btree ("current_province_code");--> statement-breakpoint
CREATE INDEX "demands_sectors_idx" ON "demands" USING gin ("sectors");--> statement-breakpoint
CREATE INDEX "demands_fields_idx" ON "demands" USING gin ("fields");