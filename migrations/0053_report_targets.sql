CREATE TABLE "report_targets" (
	"scope_type" text NOT NULL,
	"scope_id" text NOT NULL,
	"year" integer NOT NULL,
	"metric" text NOT NULL,
	"target" bigint NOT NULL,
	"set_by_organization_id" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_targets_scope_type_scope_id_year_metric_pk" PRIMARY KEY("scope_type","scope_id","year","metric"),
	CONSTRAINT "report_targets_scope_type_check" CHECK ("report_targets"."scope_type" in ('organization', 'province')),
	CONSTRAINT "report_targets_target_check" CHECK ("report_targets"."target" >= 0)
);
--> statement-breakpoint
ALTER TABLE "report_targets" ADD CONSTRAINT "report_targets_set_by_organization_id_organizations_id_fk" FOREIGN KEY ("set_by_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;