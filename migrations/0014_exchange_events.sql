CREATE TABLE "exchange_event_listings" (
	"event_id" uuid NOT NULL,
	"listing_id" uuid NOT NULL,
	CONSTRAINT "exchange_event_listings_event_id_listing_id_pk" PRIMARY KEY("event_id","listing_id")
);
--> statement-breakpoint
CREATE TABLE "exchange_event_organizations" (
	"event_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"role" text NOT NULL,
	CONSTRAINT "exchange_event_organizations_event_id_organization_id_pk" PRIMARY KEY("event_id","organization_id"),
	CONSTRAINT "exchange_event_organizations_role_check" CHECK ("exchange_event_organizations"."role" in ('organizer', 'participant'))
);
--> statement-breakpoint
CREATE TABLE "exchange_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organizer_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	"place" text NOT NULL,
	"province_code" text NOT NULL,
	"current_province_code" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "exchange_events_kind_check" CHECK ("exchange_events"."kind" in ('workshop', 'fair', 'demo_day', 'connection_session')),
	CONSTRAINT "exchange_events_period_check" CHECK ("exchange_events"."ends_on" >= "exchange_events"."starts_on")
);
--> statement-breakpoint
ALTER TABLE "deals" ADD COLUMN "exchange_event_id" uuid;--> statement-breakpoint
ALTER TABLE "exchange_event_listings" ADD CONSTRAINT "exchange_event_listings_event_id_exchange_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."exchange_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_event_listings" ADD CONSTRAINT "exchange_event_listings_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_event_organizations" ADD CONSTRAINT "exchange_event_organizations_event_id_exchange_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."exchange_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_event_organizations" ADD CONSTRAINT "exchange_event_organizations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_events" ADD CONSTRAINT "exchange_events_organizer_id_organizations_id_fk" FOREIGN KEY ("organizer_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "exchange_event_listings_listing_idx" ON "exchange_event_listings" USING btree ("listing_id");--> statement-breakpoint
CREATE INDEX "exchange_event_organizations_organization_idx" ON "exchange_event_organizations" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "exchange_events_starts_on_idx" ON "exchange_events" USING btree ("starts_on");--> statement-breakpoint
CREATE INDEX "exchange_events_province_idx" ON "exchange_events" USING btree ("current_province_code");--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_exchange_event_id_exchange_events_id_fk" FOREIGN KEY ("exchange_event_id") REFERENCES "public"."exchange_events"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deals_exchange_event_idx" ON "deals" USING btree ("exchange_event_id") WHERE "deals"."exchange_event_id" is not null;