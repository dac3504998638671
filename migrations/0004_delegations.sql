CREATE TABLE "delegations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agent_organization_id" uuid NOT NULL,
	"member_organization_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by_key_id" uuid,
	"ended_at" timestamp with time zone,
	"ended_by_organization_id" uuid,
	"end_reason" text,
	CONSTRAINT "delegations_distinct_check" CHECK ("delegations"."agent_organization_id" <> "delegations"."member_organization_id")
);
--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_agent_organization_id_organizations_id_fk" FOREIGN KEY ("agent_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_member_organization_id_organizations_id_fk" FOREIGN KEY ("member_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_ended_by_organization_id_organizations_id_fk" FOREIGN KEY ("ended_by_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "delegations_active_pair_key" ON "delegations" USING btree ("agent_organization_id","member_organization_id") WHERE "delegations"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "delegations_member_idx" ON "delegations" USING btree ("member_organization_id");