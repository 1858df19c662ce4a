-- Issue 6, fleet view: what each device last reported about itself with a batch (advisory request headers,
-- X-EdgeSync-Backlog, -Oldest-Unsent-Ms, -Dlq-Depth, -Version, -Config-Version), stored by the ingest in the same
-- transaction as the staged changes. Null until a device sends them; a malformed value is ignored, never refused.
ALTER TABLE device
    ADD COLUMN reported_backlog bigint CHECK (reported_backlog >= 0),
    ADD COLUMN oldest_unsent_ms bigint CHECK (oldest_unsent_ms >= 0),
    ADD COLUMN dlq_depth        int    CHECK (dlq_depth >= 0),
    ADD COLUMN software_version text   CHECK (length(software_version) <= 64),
    ADD COLUMN config_version   text   CHECK (length(config_version) <= 64),
    ADD COLUMN reported_at      timestamptz;

-- One row per device for `ops/status`. A device is silent when the cloud has not heard from it for
-- edgesync.fleet.silent.after.s seconds (the session setting edgesync.fleet_silent_after_s, which ops/status sets;
-- 900 when unset), or never. behind_by: seqs received but not yet loaded.
CREATE VIEW fleet_status AS
SELECT d.device_id,
       d.store_id,
       d.status,
       d.last_seen_at,
       coalesce(lp.loaded_through_seq, 0)                        AS loaded_through_seq,
       l.highest_contiguous_seq,
       l.max_seq_received,
       l.missing_count,
       l.gaps,
       l.max_seq_received - coalesce(lp.loaded_through_seq, 0)   AS behind_by,
       d.reported_backlog,
       d.oldest_unsent_ms,
       d.dlq_depth,
       d.reported_at,
       (SELECT count(*) FROM quarantine q WHERE q.device_id = d.device_id AND q.status = 'open') AS open_quarantine,
       d.software_version,
       d.config_version,
       (d.status = 'active' AND (d.last_seen_at IS NULL OR d.last_seen_at < now() - make_interval(secs =>
           coalesce(nullif(current_setting('edgesync.fleet_silent_after_s', true), '')::double precision, 900))))
                                                                 AS silent
FROM device d
JOIN device_ledger l ON l.device_id = d.device_id
LEFT JOIN load_progress lp ON lp.device_id = d.device_id;
