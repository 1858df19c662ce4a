-- Per-device ledger of seqs: what the cloud holds of each device's gap-free seq sequence.
--   highest_contiguous_seq  every seq <= it has been received (staged, or loaded: seq <= loaded_through_seq)
--   max_seq_received        the highest seq received
--   missing_count           seqs between the two that have not arrived
--   gaps                    the missing seqs as ranges, e.g. '101-200, 305'; '' when none
-- Only seqs above loaded_through_seq are read (an index range scan of staged_change's primary key), so the
-- cost follows the device's backlog, not its history.
CREATE VIEW device_ledger AS
SELECT d.device_id,
       coalesce(l.first_missing - 1, greatest(p.loaded, l.max_seq)) AS highest_contiguous_seq,
       greatest(p.loaded, l.max_seq)                                 AS max_seq_received,
       coalesce(l.missing, 0)::bigint                                AS missing_count,
       coalesce(l.gaps, '')                                          AS gaps
FROM device d
CROSS JOIN LATERAL (SELECT coalesce(max(lp.loaded_through_seq), 0) AS loaded
                    FROM load_progress lp WHERE lp.device_id = d.device_id) p
CROSS JOIN LATERAL (
    SELECT coalesce(max(w.seq), 0)                                AS max_seq,
           min(w.prev + 1) FILTER (WHERE w.seq > w.prev + 1)      AS first_missing,
           sum(w.seq - w.prev - 1) FILTER (WHERE w.seq > w.prev + 1) AS missing,
           string_agg(CASE WHEN w.seq = w.prev + 2 THEN (w.prev + 1)::text
                           ELSE (w.prev + 1) || '-' || (w.seq - 1) END, ', ' ORDER BY w.seq)
               FILTER (WHERE w.seq > w.prev + 1)                  AS gaps
    FROM (SELECT s.seq, coalesce(lag(s.seq) OVER (ORDER BY s.seq), p.loaded) AS prev
          FROM staged_change s
          WHERE s.device_id = d.device_id AND s.seq > p.loaded) w) l;
