CREATE TABLE "activity_rollup" (
	"unit" text NOT NULL,
	"starts_on" date NOT NULL,
	"organization_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"n" bigint NOT NULL,
	"amount" bigint NOT NULL,
	CONSTRAINT "activity_rollup_unit_check" CHECK ("activity_rollup"."unit" in ('month', 'year'))
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "funding_vnd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "activity_rollup_period_idx" ON "activity_rollup" USING btree ("unit","starts_on","organization_id","metric");