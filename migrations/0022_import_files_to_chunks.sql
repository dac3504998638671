-- Files uploaded before imports were stored in pieces move to import_chunks as one piece each, so
-- that a queued or half-done import carries on after the upgrade; the next migration drops
-- imports.content.
INSERT INTO "import_chunks" ("import_id", "seq", "content", "created_at")
SELECT "id", 0, "content", "created_at" FROM "imports" WHERE "content" <> '';
