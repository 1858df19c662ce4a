-- Target tables of the demo shop, applied by the cloud node at startup (Flyway, history table
-- edgesync.target_schema_history). Qualify every name with its schema: the migration runs with
-- search_path = edgesync. Every table keys on device_id first (two devices may use the same local ids) and
-- records source_seq, the seq of the change that wrote the row.
CREATE SCHEMA IF NOT EXISTS retail;

CREATE TABLE retail.product (
    device_id  text          NOT NULL,
    sku        text          NOT NULL,
    store_id   text          NOT NULL,
    name       text          NOT NULL,
    price      numeric(12,2) NOT NULL,
    updated_at timestamptz   NOT NULL,
    source_seq bigint        NOT NULL,
    PRIMARY KEY (device_id, sku)
);

CREATE TABLE retail.sale (
    device_id  text          NOT NULL,
    sale_id    bigint        NOT NULL,
    store_id   text          NOT NULL,
    receipt_no text          NOT NULL,
    total      numeric(12,2) NOT NULL,
    sold_at    timestamptz   NOT NULL,
    cashier    text,
    note       text,
    source_seq bigint        NOT NULL,
    PRIMARY KEY (device_id, sale_id)
);

CREATE TABLE retail.sale_line (
    device_id  text          NOT NULL,
    sale_id    bigint        NOT NULL,
    line_no    bigint        NOT NULL,
    store_id   text          NOT NULL,
    sku        text,
    qty        bigint,
    unit_price numeric(12,2),
    source_seq bigint        NOT NULL,
    PRIMARY KEY (device_id, sale_id, line_no)
);

CREATE INDEX sale_store_sold_at ON retail.sale (store_id, sold_at);
