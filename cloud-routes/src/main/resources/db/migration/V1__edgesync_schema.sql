-- EdgeSync's own tables. Flyway runs this with search_path = edgesync.

-- Devices allowed to send batches. Enrolment (issue 4) will manage rows; for now an operator inserts them.
CREATE TABLE device (
    device_id    text PRIMARY KEY,
    store_id     text NOT NULL,
    -- lowercase hex SHA-256 of the bearer token of the device; the token itself is never stored
    token_sha256 text NOT NULL CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    -- only 'active' devices may send
    status       text NOT NULL DEFAULT 'active',
    enrolled_at  timestamptz DEFAULT now(),
    last_seen_at timestamptz
);

-- Every change a device sent, exactly once per (device_id, seq): a resent batch inserts nothing.
CREATE TABLE staged_change (
    device_id   text        NOT NULL REFERENCES device (device_id),
    seq         bigint      NOT NULL CHECK (seq > 0),
    table_name  text        NOT NULL,
    op          text        NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    pk          jsonb       NOT NULL,
    "row"       jsonb,
    captured_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, seq)
);

-- How far each device's changes have been applied to the target tables: seq <= loaded_through_seq is done
-- (loaded or quarantined). Advances only over a contiguous run of seqs.
CREATE TABLE load_progress (
    device_id          text        PRIMARY KEY REFERENCES device (device_id),
    loaded_through_seq bigint      NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Changes the loader could not apply (unknown table, value that does not convert, rejected by the target),
-- with the reason. The rest of their batch loads.
CREATE TABLE quarantine (
    device_id      text        NOT NULL REFERENCES device (device_id),
    seq            bigint      NOT NULL,
    table_name     text        NOT NULL,
    op             text        NOT NULL,
    pk             jsonb       NOT NULL,
    "row"          jsonb,
    reason         text        NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, seq)
);
