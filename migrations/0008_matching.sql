CREATE TABLE "match_runs" (
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"candidates" integer NOT NULL,
	"duration_ms" double precision NOT NULL,
	CONSTRAINT "match_runs_subject_type_subject_id_pk" PRIMARY KEY("subject_type","subject_id"),
	CONSTRAINT "match_runs_subject_type_check" CHECK ("match_runs"."subject_type" in ('demand', 'listing'))
);
--> statement-breakpoint
CREATE TABLE "matches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"demand_id" uuid NOT NULL,
	"listing_id" uuid NOT NULL,
	"origin" text NOT NULL,
	"computed_from" text,
	"status" text DEFAULT 'suggested' NOT NULL,
	"score" double precision NOT NULL,
	"explanation" jsonb NOT NULL,
	"proposed_by_id" uuid,
	"proposal_note" text,
	"dismiss_reason" text,
	"dismiss_note" text,
	"decided_at" timestamp with time zone,
	"computed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "matches_pair_key" UNIQUE("demand_id","listing_id"),
	CONSTRAINT "matches_origin_check" CHECK ("matches"."origin" in ('computed', 'broker')),
	CONSTRAINT "matches_computed_from_check" CHECK ("matches"."computed_from" in ('demand', 'listing')),
	CONSTRAINT "matches_status_check" CHECK ("matches"."status" in ('suggested', 'shortlisted', 'dismissed')),
	CONSTRAINT "matches_dismissal_check" CHECK (("matches"."status" = 'dismissed') = ("matches"."dismiss_reason" is not null))
);
--> statement-breakpoint
CREATE TABLE "outbox_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"organization_ids" uuid[] NOT NULL,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "matches" ADD CONSTRAINT "matches_demand_id_demands_id_fk" FOREIGN KEY ("demand_id") REFERENCES "public"."demands"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "matches" ADD CONSTRAINT "matches_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "matches" ADD CONSTRAINT "matches_proposed_by_id_organizations_id_fk" FOREIGN KEY ("proposed_by_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "matches_demand_idx" ON "matches" USING btree ("demand_id","score" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "matches_listing_idx" ON "matches" USING btree ("listing_id","score" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "outbox_events_subject_idx" ON "outbox_events" USING btree ("subject_type","subject_id","id");