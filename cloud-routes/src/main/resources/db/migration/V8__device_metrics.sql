-- Issue 6, health and metrics: everything the node's Prometheus metrics and JMX fleet view show per device, in one
-- row per device, so the node reads the whole fleet with one query per refresh (never a query per metric or per
-- device). Builds on fleet_status (V6); the staging figures read only seqs above loaded_through_seq, an index range
-- scan of staged_change's primary key, so their cost follows the backlog, not the history.
--   last_seen_age_s    seconds since the device's last request; null when it never sent one
--   oldest_unsent_s    the device's oldest unsent change age as it last reported it; null until reported
--   staged_not_loaded  changes staged in the cloud and not yet loaded (waiting for the loader or behind a gap)
--   load_lag_s         seconds since the oldest of those was received; null when none waits
CREATE VIEW device_metrics AS
SELECT f.device_id,
       f.status,
       f.silent,
       extract(epoch FROM now() - f.last_seen_at)::double precision  AS last_seen_age_s,
       f.reported_backlog,
       f.oldest_unsent_ms / 1000.0                                    AS oldest_unsent_s,
       f.missing_count,
       f.dlq_depth,
       f.open_quarantine,
       u.staged_not_loaded,
       extract(epoch FROM now() - u.oldest_received_at)::double precision AS load_lag_s
FROM fleet_status f
CROSS JOIN LATERAL (SELECT count(*)           AS staged_not_loaded,
                           min(s.received_at) AS oldest_received_at
                    FROM staged_change s
                    WHERE s.device_id = f.device_id AND s.seq > f.loaded_through_seq) u;
