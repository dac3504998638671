CREATE TABLE "deal_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" uuid NOT NULL,
	"author_organization_id" uuid NOT NULL,
	"author_role" text NOT NULL,
	"body" text NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deal_milestones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"title" text NOT NULL,
	"due_date" date,
	"done_at" timestamp with time zone,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "deal_offers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" uuid NOT NULL,
	"number" smallint NOT NULL,
	"made_by" text NOT NULL,
	"made_by_organization_id" uuid NOT NULL,
	"counter_of_id" uuid,
	"status" text DEFAULT 'open' NOT NULL,
	"terms" jsonb NOT NULL,
	"valid_until" timestamp with time zone NOT NULL,
	"reminder_at" timestamp with time zone NOT NULL,
	"reminded_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"reject_note" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "deal_offers_made_by_check" CHECK ("deal_offers"."made_by" in ('provider', 'seeker')),
	CONSTRAINT "deal_offers_status_check" CHECK ("deal_offers"."status" in ('open', 'accepted', 'rejected', 'withdrawn', 'countered', 'lapsed'))
);
--> statement-breakpoint
CREATE TABLE "deal_transitions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deal_transitions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"deal_id" uuid NOT NULL,
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
CREATE TABLE "deals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"listing_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"seeker_id" uuid NOT NULL,
	"demand_id" uuid,
	"match_id" uuid,
	"origin" text NOT NULL,
	"initiated_by" text NOT NULL,
	"state" text NOT NULL,
	"reached_state" text NOT NULL,
	"disputed_from" text,
	"message" text NOT NULL,
	"respond_by" timestamp with time zone,
	"respond_reminder_at" timestamp with time zone,
	"respond_reminded_at" timestamp with time zone,
	"close_reason" text,
	"close_note" text,
	"agreed_offer_id" uuid,
	"contract_signed_on" date,
	"contract_reference" text,
	"transfer_value_vnd" bigint,
	"completed_on" date,
	"state_changed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "deals_origin_check" CHECK ("deals"."origin" in ('interest', 'proposal', 'match')),
	CONSTRAINT "deals_initiated_by_check" CHECK ("deals"."initiated_by" in ('provider', 'seeker')),
	CONSTRAINT "deals_state_check" CHECK ("deals"."state" in ('interest_expressed', 'accepted', 'negotiating', 'agreed', 'contract_signed', 'in_transfer', 'completed', 'declined', 'expired', 'cancelled', 'disputed')),
	CONSTRAINT "deals_parties_check" CHECK ("deals"."provider_id" <> "deals"."seeker_id"),
	CONSTRAINT "deals_transfer_value_check" CHECK ("deals"."transfer_value_vnd" >= 0)
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"api_key_id" uuid NOT NULL,
	"key" text NOT NULL,
	"operation" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer,
	"headers" jsonb,
	"body" text,
	"locked_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_api_key_id_key_pk" PRIMARY KEY("api_key_id","key")
);
--> statement-breakpoint
ALTER TABLE "listings" DROP CONSTRAINT "listings_price_check";--> statement-breakpoint
ALTER TABLE "listings" ADD COLUMN "anonymous" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "deal_messages" ADD CONSTRAINT "deal_messages_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_messages" ADD CONSTRAINT "deal_messages_author_organization_id_organizations_id_fk" FOREIGN KEY ("author_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_milestones" ADD CONSTRAINT "deal_milestones_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_offers" ADD CONSTRAINT "deal_offers_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_offers" ADD CONSTRAINT "deal_offers_made_by_organization_id_organizations_id_fk" FOREIGN KEY ("made_by_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_transitions" ADD CONSTRAINT "deal_transitions_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_transitions" ADD CONSTRAINT "deal_transitions_actor_organization_id_organizations_id_fk" FOREIGN KEY ("actor_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_listing_id_listings_id_fk" FOREIGN KEY ("listing_id") REFERENCES "public"."listings"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_provider_id_organizations_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_seeker_id_organizations_id_fk" FOREIGN KEY ("seeker_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_demand_id_demands_id_fk" FOREIGN KEY ("demand_id") REFERENCES "public"."demands"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_match_id_matches_id_fk" FOREIGN KEY ("match_id") REFERENCES "public"."matches"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deal_messages_deal_idx" ON "deal_messages" USING btree ("deal_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "deal_milestones_position_key" ON "deal_milestones" USING btree ("deal_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "deal_offers_number_key" ON "deal_offers" USING btree ("deal_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "deal_offers_one_open_key" ON "deal_offers" USING btree ("deal_id") WHERE "deal_offers"."status" = 'open';--> statement-breakpoint
CREATE INDEX "deal_offers_valid_until_idx" ON "deal_offers" USING btree ("valid_until") WHERE "deal_offers"."status" = 'open';--> statement-breakpoint
CREATE INDEX "deal_transitions_deal_idx" ON "deal_transitions" USING btree ("deal_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "deals_open_pair_key" ON "deals" USING btree ("listing_id","seeker_id") WHERE "deals"."state" not in ('completed', 'declined', 'expired', 'cancelled');--> statement-breakpoint
CREATE INDEX "deals_provider_idx" ON "deals" USING btree ("provider_id","updated_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "deals_seeker_idx" ON "deals" USING btree ("seeker_id","updated_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "deals_listing_idx" ON "deals" USING btree ("listing_id");--> statement-breakpoint
CREATE INDEX "deals_respond_by_idx" ON "deals" USING btree ("respond_by") WHERE "deals"."state" = 'interest_expressed';--> statement-breakpoint
CREATE INDEX "deals_completed_idx" ON "deals" USING btree ("completed_on") WHERE "deals"."state" = 'completed';--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "listings" ADD CONSTRAINT "listings_price_check" CHECK ("listings"."price_type" = 'on_request' or ("listings"."price_type" = 'amount') = ("listings"."price_vnd" is not null));