CREATE TABLE "task_funding" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"source" text NOT NULL,
	"amount_vnd" bigint NOT NULL,
	"note" text,
	CONSTRAINT "task_funding_source_check" CHECK ("task_funding"."source" in ('state', 'provincial', 'enterprise', 'other')),
	CONSTRAINT "task_funding_amount_check" CHECK ("task_funding"."amount_vnd" >= 0)
);
--> statement-breakpoint
CREATE TABLE "task_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"listing_id" uuid,
	"demand_id" uuid,
	"deal_id" uuid,
	CONSTRAINT "task_links_one_target_check" CHECK (num_nonnulls("task_links"."listing_id", "task_links"."demand_id", "task_links"."deal_id") = 1)
);
--> statement-breakpoint
CREATE TABLE "task_partners" (
	"task_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"role" text NOT NULL,
	"contribution" text,
	CONSTRAINT "task_partners_task_id_organization_id_pk" PRIMARY KEY("task_id","organization_id"),
	CONSTRAINT "task_partners_role_check" CHECK ("task_partners"."role" in ('st_organization', 'enterprise', 'centre', 'authority'))
);
--> statement-breakpoint
CREATE TABLE "task_transitions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "task_transitions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"task_id" uuid NOT NULL,
	"transition" text NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"actor_role" text NOT NULL,
	"actor_organization_id" uuid,
	"actor_key_id" uuid,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"objectives" text NOT NULL,
	"lead_id" uuid NOT NULL,
	"province_code" text,
	"current_province_code" text,
	"key_product" text,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	"outputs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'proposed' NOT NULL,
	"status_changed_at" timestamp with time zone NOT NULL,
	"approved_at" timestamp with time zone,
	"completed_on" date,
	"cancel_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "tasks_status_check" CHECK ("tasks"."status" in ('proposed', 'approved', 'in_progress', 'completed', 'cancelled')),
	CONSTRAINT "tasks_period_check" CHECK ("tasks"."ends_on" >= "tasks"."starts_on")
);
--> statement-breakpoint
ALTER TABLE "task_funding" ADD CONSTRAINT "task_funding_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_links" ADD CONSTRAINT "task_links_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_links" ADD CONSTRAINT "task_links_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_links" ADD CONSTRAINT "task_links_demand_id_demands_id_fk" FOREIGN KEY ("demand_id") REFERENCES "public"."demands"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_links" ADD CONSTRAINT "task_links_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_partners" ADD CONSTRAINT "task_partners_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_partners" ADD CONSTRAINT "task_partners_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_transitions" ADD CONSTRAINT "task_transitions_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_transitions" ADD CONSTRAINT "task_transitions_actor_organization_id_organizations_id_fk" FOREIGN KEY ("actor_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_lead_id_organizations_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "task_funding_task_idx" ON "task_funding" USING btree ("task_id");--> statement-breakpoint
CREATE UNIQUE INDEX "task_links_target_key" ON "task_links" USING btree ("task_id",coalesce("listing_id", "demand_id", "deal_id"));--> statement-breakpoint
CREATE INDEX "task_partners_organization_idx" ON "task_partners" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "task_transitions_task_idx" ON "task_transitions" USING btree ("task_id","id");--> statement-breakpoint
CREATE INDEX "tasks_lead_idx" ON "tasks" USING btree ("lead_id","updated_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_province_idx" ON "tasks" USING btree ("current_province_code");--> statement-breakpoint
CREATE INDEX "tasks_starts_on_idx" ON "tasks" USING btree ("starts_on");