CREATE TABLE "audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"occurred_at" timestamp with time zone NOT NULL,
	"request_id" text,
	"key_id" uuid,
	"acting_organization_id" uuid,
	"owning_organization_id" uuid,
	"operation" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"changes" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_events_owning_idx" ON "audit_events" USING btree ("owning_organization_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_acting_idx" ON "audit_events" USING btree ("acting_organization_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_target_idx" ON "audit_events" USING btree ("target_type","target_id","id" DESC NULLS LAST);