DROP INDEX "delegations_active_pair_key";--> statement-breakpoint
CREATE UNIQUE INDEX "delegations_open_pair_key" ON "delegations" USING btree ("agent_organization_id","member_organization_id") WHERE "delegations"."status" in ('proposed', 'active');--> statement-breakpoint
CREATE INDEX "delegations_proposed_expiry_idx" ON "delegations" USING btree ("expires_at") WHERE "delegations"."status" = 'proposed';--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_status_check" CHECK ("delegations"."status" in ('proposed', 'active', 'declined', 'expired', 'withdrawn', 'ended'));--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_origin_check" CHECK ("delegations"."origin" in ('proposal', 'onboarding', 'operator'));--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_basis_check" CHECK ("delegations"."origin" <> 'operator' or "delegations"."basis" is not null);--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_expiry_check" CHECK ("delegations"."status" <> 'proposed' or "delegations"."expires_at" is not null);--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_closed_check" CHECK (("delegations"."status" in ('proposed', 'active')) = ("delegations"."ended_at" is null));