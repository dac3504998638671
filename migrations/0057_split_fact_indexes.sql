-- Custom migration: the indexes a split owner's report reads (src/modules/reports/reports.repo.ts).
-- From a split's effective day on, the owner's facts are counted from its records, each for the
-- record's steward, not from the roll-up. Over the owner indexes that read the heap row of every
-- record: at 1M listings, a split of the largest owner (25,291 listings) made its successor's
-- ten-year report 34 -> 292 ms and the exchange's report by organisation 137 -> 565 ms. These
-- partial indexes hold only split owners' records, with the steward and the classification a
-- sector or field report needs, so the read is index-only. Written by hand for the INCLUDE,
-- which the schema builder cannot express (as listings_browse_idx in 0031).
CREATE INDEX "listings_split_published_idx" ON "listings" USING btree ("owner_id", "published_at") INCLUDE ("steward_id", "sectors", "fields") WHERE "steward_id" IS NOT NULL;
--> statement-breakpoint
CREATE INDEX "demands_split_opened_idx" ON "demands" USING btree ("owner_id", "opened_at") INCLUDE ("steward_id", "sectors", "fields") WHERE "steward_id" IS NOT NULL;
