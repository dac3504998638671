CREATE TABLE "search_corpus_counts" (
	"kind" text NOT NULL,
	"docs" bigint NOT NULL,
	"key_length" bigint NOT NULL,
	"body_length" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_term_counts" (
	"kind" text NOT NULL,
	"term_id" integer NOT NULL,
	"docs" integer NOT NULL,
	"key_docs" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_words" (
	"word" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE "listings" ADD COLUMN "search_key_ids" integer[] GENERATED ALWAYS AS (tx_term_ids(title_vi || ' . ' || coalesce(title_en, '') || ' . ' || tx_join_phrases(keywords))) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "listings" ADD COLUMN "search_body_ids" integer[] GENERATED ALWAYS AS (tx_term_ids(description_vi || ' . ' || coalesce(description_en, ''))) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "demands" ADD COLUMN "search_key_ids" integer[] GENERATED ALWAYS AS (tx_term_ids(title_vi || ' . ' || coalesce(title_en, '') || ' . ' || tx_join_phrases(keywords))) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "demands" ADD COLUMN "search_body_ids" integer[] GENERATED ALWAYS AS (tx_term_ids(problem_vi || ' . ' || coalesce(problem_en, '') || ' . ' || coalesce(desired_outcome_vi, '') || ' . ' || coalesce(desired_outcome_en, ''))) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "search_corpus_counts_kind_idx" ON "search_corpus_counts" USING btree ("kind");--> statement-breakpoint
CREATE INDEX "search_term_counts_term_idx" ON "search_term_counts" USING btree ("kind","term_id");--> statement-breakpoint
CREATE INDEX "search_words_trgm_idx" ON "search_words" USING gist ("word" gist_trgm_ops);--> statement-breakpoint
CREATE INDEX "listings_search_key_idx" ON "listings" USING gin ("search_key_ids" gin__int_ops);--> statement-breakpoint
CREATE INDEX "listings_search_body_idx" ON "listings" USING gin ("search_body_ids" gin__int_ops);--> statement-breakpoint
CREATE INDEX "demands_search_key_idx" ON "demands" USING gin ("search_key_ids" gin__int_ops);--> statement-breakpoint
CREATE INDEX "demands_search_body_idx" ON "demands" USING gin ("search_body_ids" gin__int_ops);