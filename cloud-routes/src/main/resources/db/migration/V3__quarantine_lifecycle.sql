-- Quarantine lifecycle. A change the loader cannot transform (or the target refuses) is the poison of its key
-- (device, source table, primary key); every later change of that key is quarantined too, "held behind" the
-- poison, so the key never moves past a change that was not applied. An operator resolves them with
-- ops/quarantine: replay (with the current mappings) or discard.
ALTER TABLE quarantine
    -- open: waiting for an operator; replayed: applied by a replay; discarded: declared obsolete by an operator
    ADD COLUMN status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'discarded')),
    ADD COLUMN resolved_at     timestamptz,
    -- what the operator or the replay said when resolving it
    ADD COLUMN resolution      text,
    -- the seq of the poison change this one waits behind; null for the poison itself
    ADD COLUMN held_behind_seq bigint;

-- The loader asks, for every run, which keys of its devices have an open quarantined change.
CREATE INDEX quarantine_open_by_key ON quarantine (device_id, table_name, pk) WHERE status = 'open';
