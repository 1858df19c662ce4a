-- The ingest takes a rate-limit token in a transaction of its own before it stages the batch (V5). With the buckets
-- in a logged table that commit waited for its WAL to reach the disk, so every accepted batch waited for two flushes
-- instead of one (the sampler of the benchmark saw the token's upsert waiting on WALWrite). A bucket needs no
-- durability: after a crash PostgreSQL empties an unlogged table and each device's next request starts a full
-- bucket, which is what a new device gets anyway. Replicas do not hold unlogged tables; nodes use the primary.
ALTER TABLE rate_bucket SET UNLOGGED;
