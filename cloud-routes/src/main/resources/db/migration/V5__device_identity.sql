-- Issue 4: devices sign every request with a key derived from the cloud's master key (see
-- org.edgesync.contract.auth.RequestSignature). The registry holds no device secret, only which key version is
-- current. The bearer-token hash goes: a second, weaker way in is exactly what this release removes, and its NOT NULL
-- would block enrolment. Existing devices keep their rows at key_version 1; issue their keys with
-- `ops/devices rotate --device ID`.
ALTER TABLE device DROP COLUMN token_sha256;
ALTER TABLE device ADD COLUMN key_version int NOT NULL DEFAULT 1 CHECK (key_version >= 1);
ALTER TABLE device ADD COLUMN revoked_at timestamptz;
ALTER TABLE device ADD CONSTRAINT device_status_known CHECK (status IN ('active', 'revoked', 'disabled'));

-- Requests already accepted within the timestamp window, shared by all nodes: a replayed (device, nonce) finds its
-- row and is refused. Written in the same transaction as the staged changes; purged after expires_at.
CREATE TABLE seen_request (
    device_id  text        NOT NULL,
    nonce      text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX seen_request_expires_at ON seen_request (expires_at);

-- One token bucket per device for the ingest rate limit, updated atomically by whichever node takes the request.
CREATE TABLE rate_bucket (
    device_id    text             PRIMARY KEY,
    tokens       double precision NOT NULL,
    refreshed_at timestamptz      NOT NULL
);
