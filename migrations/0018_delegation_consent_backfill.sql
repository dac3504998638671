-- Custom migration: delegations and joint-task partners made before consent existed (issue 15).
--
-- Until now a connection point's or DOST's admin key made any organisation its member without the
-- member agreeing, and a task's lead named partners the same way. 0017 added the states; this
-- decides what each existing row becomes:
--
-- * A delegation where the agent registered the member itself (the member's organization.create
--   is in the audit trail with the agent as the acting organisation) stays active, as onboarding
--   does from now on: the agent created that record, and no one else could have agreed for it.
-- * Every other open delegation was made without the member's word, so it becomes a proposal the
--   member's admin accepts or declines, lapsing 14 days after this migration (the default of
--   DELEGATION_PROPOSAL_DAYS; a migration cannot read the configuration). Keeping them active would
--   leave the reviewer's attack in place for every member already taken. The agent loses its
--   rights at once; it still sees the proposal and may withdraw it.
-- * Closed delegations are `ended`.
-- Each open delegation that changes gets an audit row saying why, and a delegation.proposed event
-- (to its agent and member, so their webhooks hear of it), as a new proposal would.
--
-- * Partners of a task that was approved stay partners (accepted): the task went public with them
--   and an authority partner approved it. Partners of a task never approved are invitations.
UPDATE "delegations" SET "status" = 'ended' WHERE "ended_at" IS NOT NULL;
--> statement-breakpoint
UPDATE "delegations" AS d SET "origin" = 'onboarding'
WHERE EXISTS (
  SELECT 1 FROM "audit_events" AS a
  WHERE a."operation" = 'organization.create'
    AND a."target_type" = 'organization'
    AND a."target_id" = d."member_organization_id"::text
    AND a."acting_organization_id" = d."agent_organization_id"
);
--> statement-breakpoint
UPDATE "delegations" SET "status" = 'active' WHERE "ended_at" IS NULL AND "origin" = 'onboarding';
--> statement-breakpoint
UPDATE "delegations" SET "expires_at" = now() + interval '14 days' WHERE "status" = 'proposed';
--> statement-breakpoint
INSERT INTO "audit_events" ("occurred_at", "owning_organization_id", "operation", "target_type", "target_id", "changes")
SELECT now(), d."member_organization_id", 'delegation.require_consent', 'delegation', d."id"::text,
  jsonb_build_object(
    'status', jsonb_build_object('before', 'active', 'after', 'proposed'),
    'active', jsonb_build_object('before', true, 'after', false),
    'expiresAt', jsonb_build_object('after', to_char(d."expires_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  )
FROM "delegations" AS d WHERE d."status" = 'proposed';
--> statement-breakpoint
INSERT INTO "outbox_events" ("type", "subject_type", "subject_id", "organization_ids", "payload", "occurred_at")
SELECT 'delegation.proposed', 'delegation', d."id", ARRAY[d."member_organization_id", d."agent_organization_id"],
  jsonb_build_object(
    'id', d."id",
    'agentOrganizationId', d."agent_organization_id",
    'memberOrganizationId', d."member_organization_id",
    'status', d."status",
    'active', false,
    'origin', d."origin",
    'basis', d."basis",
    'createdAt', to_char(d."created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'createdByKeyId', d."created_by_key_id",
    'expiresAt', to_char(d."expires_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'acceptedAt', NULL,
    'acceptedByKeyId', NULL,
    'endedAt', NULL,
    'endedByOrganizationId', NULL,
    'endReason', NULL
  ),
  now()
FROM "delegations" AS d WHERE d."status" = 'proposed'
ORDER BY d."created_at", d."id";
--> statement-breakpoint
UPDATE "task_partners" AS p SET "status" = 'accepted', "responded_at" = t."approved_at"
FROM "tasks" AS t
WHERE t."id" = p."task_id" AND t."approved_at" IS NOT NULL;
