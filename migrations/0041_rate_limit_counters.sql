-- Custom SQL migration file, put your code below! --
-- Rate-limit counters shared by every API process (src/http/rate-limit-store.ts). UNLOGGED: a
-- counter is worth no WAL write and no flush at commit on every request, and losing the counters in
-- a crash only restarts the windows. Not a drizzle table: drizzle-kit cannot declare UNLOGGED.
CREATE UNLOGGED TABLE "rate_limit_counters" (
	"key" text PRIMARY KEY NOT NULL,
	"count" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "rate_limit_counters_expires_idx" ON "rate_limit_counters" USING btree ("expires_at");
