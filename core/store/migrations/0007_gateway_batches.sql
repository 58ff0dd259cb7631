-- PayBridge store, schema version 7: PayTrace's settlement batches as its batch export reports
-- them (count and totals per batch). Reconciliation checks each batch's reported totals against
-- the settled transactions the store holds for it.

CREATE TABLE gateway_batches (
    batch_number       TEXT    PRIMARY KEY,
    closed_at          INTEGER,                     -- UTC ms; NULL when PayTrace gave none
    closed_at_text     TEXT    NOT NULL DEFAULT '', -- as PayTrace wrote it (Pacific)
    currency           TEXT    NOT NULL,
    transaction_count  INTEGER,
    sales_count        INTEGER,
    sales_amount       INTEGER,                     -- minor units; NULL when absent
    refund_count       INTEGER,
    refund_amount      INTEGER,
    net_amount         INTEGER,
    synced_at          INTEGER NOT NULL             -- when the row last changed
);
CREATE INDEX gateway_batches_closed ON gateway_batches (closed_at);
