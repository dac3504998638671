CREATE TABLE "files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"milestone_id" uuid,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"revealed_at" text,
	"storage_key" text NOT NULL,
	"has_thumbnail" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"uploaded_by_organization_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stored_at" timestamp with time zone,
	CONSTRAINT "files_subject_type_check" CHECK ("files"."subject_type" in ('listing', 'demand', 'deal', 'task', 'exchange_event')),
	CONSTRAINT "files_status_check" CHECK ("files"."status" in ('pending', 'stored', 'removing')),
	CONSTRAINT "files_size_check" CHECK ("files"."size_bytes" >= 0)
);
--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_uploaded_by_organization_id_organizations_id_fk" FOREIGN KEY ("uploaded_by_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "files_subject_idx" ON "files" USING btree ("subject_type","subject_id","created_at");--> statement-breakpoint
CREATE INDEX "files_unfinished_idx" ON "files" USING btree ("created_at") WHERE "files"."status" <> 'stored';