-- PayBridge store, schema version 5: settlement reconciliation results and their resolutions.
-- Money is integer minor units beside a currency code; times are UTC milliseconds since the
-- epoch. Each statement ends with a semicolon at the end of a line.

-- One run per scope ("day:2024-03-01", "batch:571", "range:2024-03-01..2024-03-31"). Running
-- the same scope again reuses the row, so resolutions made on its items survive a rerun.
CREATE TABLE reconciliation_runs (
    id                   INTEGER PRIMARY KEY,
    scope                TEXT    NOT NULL UNIQUE,
    scope_kind           TEXT    NOT NULL CHECK (scope_kind IN ('day', 'batch', 'range')),
    date_from            TEXT    NOT NULL DEFAULT '',
    date_to              TEXT    NOT NULL DEFAULT '',
    batch                TEXT    NOT NULL DEFAULT '',
    generation           INTEGER NOT NULL DEFAULT 1,
    started_at           INTEGER NOT NULL,
    finished_at          INTEGER NOT NULL,
    run_by               TEXT    NOT NULL DEFAULT '',
    lines_read           INTEGER NOT NULL DEFAULT 0,
    transactions_read    INTEGER NOT NULL DEFAULT 0,
    orders_read          INTEGER NOT NULL DEFAULT 0,
    matched              INTEGER NOT NULL DEFAULT 0,
    discrepancies        INTEGER NOT NULL DEFAULT 0,
    set_aside            INTEGER NOT NULL DEFAULT 0,
    -- expected / settled / fees / deposited per currency, as JSON (read by people and reports)
    totals_json          TEXT    NOT NULL DEFAULT '{}'
);

-- Discrepancies (work for people) and rows set aside with their reason. item_key identifies
-- the subject within the run ("line:<id>", "txn:<id>", "order:<entity_id>", "deposit:<id>") so
-- a rerun keeps a resolved item instead of opening it again.
CREATE TABLE reconciliation_items (
    id                   INTEGER PRIMARY KEY,
    run_id               INTEGER NOT NULL REFERENCES reconciliation_runs (id),
    item_key             TEXT    NOT NULL,
    bucket               TEXT    NOT NULL CHECK (bucket IN ('discrepancy', 'set_aside')),
    class                TEXT    NOT NULL DEFAULT '',
    rule                 TEXT    NOT NULL,
    subject              TEXT    NOT NULL CHECK (subject IN ('line', 'transaction', 'order', 'deposit')),
    settlement_line_id   INTEGER,
    transaction_id       TEXT    NOT NULL DEFAULT '',
    order_entity_id      INTEGER,
    increment_id         TEXT    NOT NULL DEFAULT '',
    batch                TEXT    NOT NULL DEFAULT '',
    currency             TEXT    NOT NULL DEFAULT '',
    expected_minor       INTEGER,
    actual_minor         INTEGER,
    explanation          TEXT    NOT NULL DEFAULT '',
    state                TEXT    NOT NULL CHECK (state IN ('open', 'resolved', 'none')),
    resolution           TEXT    NOT NULL DEFAULT ''
                                 CHECK (resolution IN ('', 'accept', 'link', 'credit_memo', 'refund', 'write_off')),
    note                 TEXT    NOT NULL DEFAULT '',
    resolved_by          TEXT    NOT NULL DEFAULT '',
    resolved_at          INTEGER,
    write_off_account    TEXT    NOT NULL DEFAULT '',
    write_off_minor      INTEGER,
    linked_ref           TEXT    NOT NULL DEFAULT '',
    UNIQUE (run_id, item_key),
    CHECK ((state = 'resolved') = (resolution <> '')),
    CHECK ((bucket = 'discrepancy') = (state <> 'none')),
    CHECK (resolution <> 'write_off' OR (write_off_account <> '' AND write_off_minor IS NOT NULL))
);
CREATE INDEX reconciliation_items_state ON reconciliation_items (run_id, state, class);

-- Matched rows, compact because a day can hold a million of them: which line, transaction and
-- order agreed under which rule and on which amount. The explanation is rebuilt from these.
CREATE TABLE reconciliation_matches (
    id                   INTEGER PRIMARY KEY,
    run_id               INTEGER NOT NULL REFERENCES reconciliation_runs (id),
    subject              TEXT    NOT NULL,
    rule                 TEXT    NOT NULL,
    settlement_line_id   INTEGER,
    transaction_id       TEXT    NOT NULL DEFAULT '',
    order_entity_id      INTEGER,
    currency             TEXT    NOT NULL DEFAULT '',
    amount_minor         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reconciliation_matches_run ON reconciliation_matches (run_id);

-- The matcher reads a day's settled transactions by settlement time.
CREATE INDEX gateway_transactions_settled ON gateway_transactions (settled_at);
