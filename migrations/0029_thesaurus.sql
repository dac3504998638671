CREATE TABLE "thesaurus_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"trigger" text,
	"phrases" text[] NOT NULL,
	"folded_trigger" text,
	"folded_phrases" text[] NOT NULL,
	"keys" text[] NOT NULL,
	"exceptions" text[] DEFAULT '{}' NOT NULL,
	"folded_exceptions" text[] DEFAULT '{}' NOT NULL,
	"weight" double precision NOT NULL,
	"note" text,
	"starter_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "thesaurus_entries_kind_check" CHECK ("thesaurus_entries"."kind" in ('synonym', 'expansion')),
	CONSTRAINT "thesaurus_entries_trigger_check" CHECK (("thesaurus_entries"."kind" = 'expansion') = ("thesaurus_entries"."trigger" is not null and "thesaurus_entries"."folded_trigger" is not null)),
	CONSTRAINT "thesaurus_entries_weight_check" CHECK ("thesaurus_entries"."weight" > 0 and "thesaurus_entries"."weight" <= 1)
);
--> statement-breakpoint
CREATE TABLE "thesaurus_heads" (
	"head" text NOT NULL,
	"entry_id" uuid NOT NULL,
	CONSTRAINT "thesaurus_heads_head_entry_id_pk" PRIMARY KEY("head","entry_id")
);
--> statement-breakpoint
CREATE TABLE "thesaurus_starter_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"seeded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "thesaurus_heads" ADD CONSTRAINT "thesaurus_heads_entry_id_thesaurus_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."thesaurus_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "thesaurus_entries_starter_key_key" ON "thesaurus_entries" USING btree ("starter_key");--> statement-breakpoint
CREATE INDEX "thesaurus_heads_entry_idx" ON "thesaurus_heads" USING btree ("entry_id");