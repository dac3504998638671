-- Custom additions: a gate that keeps retrieval's candidate read out of parallel query. At 1M
-- listings PostgreSQL planned some reads as a Gather over a Parallel Append of the candidate tiers:
-- its workers took ~40 ms to start for 1-2 ms of work, and they ran the tiers at once, so the
-- record cap no longer kept the best ones (bench/README.md). Until now the read ran inside its own
-- transaction with SET LOCAL max_parallel_workers_per_gather = 0: three more round trips per read
-- (begin or savepoint, set, commit or release). A query that calls a PARALLEL UNSAFE function is
-- never planned in parallel (the planner checks before it plans), and a condition without columns
-- is a one-time filter, evaluated once per execution.
CREATE OR REPLACE FUNCTION tx_serial_read() RETURNS boolean
  LANGUAGE plpgsql STABLE PARALLEL UNSAFE
  AS $$ BEGIN RETURN true; END $$;
