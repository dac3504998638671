ALTER TABLE "organizations" ADD COLUMN "sectors" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "delegation_scope" jsonb;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "status" text DEFAULT 'proposed' NOT NULL;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "origin" text DEFAULT 'proposal' NOT NULL;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "basis" text;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "accepted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "accepted_by_key_id" uuid;--> statement-breakpoint
ALTER TABLE "task_partners" ADD COLUMN "status" text DEFAULT 'invited' NOT NULL;--> statement-breakpoint
ALTER TABLE "task_partners" ADD COLUMN "responded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "task_partners" ADD CONSTRAINT "task_partners_status_check" CHECK ("task_partners"."status" in ('invited', 'accepted'));