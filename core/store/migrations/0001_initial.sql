-- PayBridge store, schema version 1.
-- Money columns hold integer minor units of the row's currency; times are UTC milliseconds
-- since the epoch. Each statement ends with a semicolon at the end of a line.

CREATE TABLE orders (
    entity_id            INTEGER PRIMARY KEY,
    increment_id         TEXT    NOT NULL UNIQUE,
    state                TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL DEFAULT '',
    currency             TEXT    NOT NULL,
    grand_total          INTEGER NOT NULL,
    total_paid           INTEGER NOT NULL DEFAULT 0,
    total_invoiced       INTEGER NOT NULL DEFAULT 0,
    total_refunded       INTEGER NOT NULL DEFAULT 0,
    total_due            INTEGER NOT NULL DEFAULT 0,
    base_currency        TEXT    NOT NULL DEFAULT '',
    base_grand_total     INTEGER NOT NULL DEFAULT 0,
    payment_method       TEXT    NOT NULL DEFAULT '',
    last_trans_id        TEXT    NOT NULL DEFAULT '',
    card_type            TEXT    NOT NULL DEFAULT '',
    card_last4           TEXT    NOT NULL DEFAULT '',
    customer_email       TEXT    NOT NULL DEFAULT '',
    customer_name        TEXT    NOT NULL DEFAULT '',
    customer_id          INTEGER,
    customer_is_guest    INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    -- payment summary, derived from the linked gateway transactions
    pay_authorized       INTEGER NOT NULL DEFAULT 0,
    pay_captured         INTEGER NOT NULL DEFAULT 0,
    pay_refunded         INTEGER NOT NULL DEFAULT 0,
    pay_voided           INTEGER NOT NULL DEFAULT 0,
    pay_status           TEXT    NOT NULL DEFAULT 'unpaid',
    pay_txn_count        INTEGER NOT NULL DEFAULT 0,
    synced_at            INTEGER NOT NULL
);
CREATE INDEX orders_updated_at ON orders (updated_at, entity_id);
CREATE INDEX orders_created_at ON orders (created_at, entity_id);
CREATE INDEX orders_status ON orders (status);

CREATE TABLE gateway_transactions (
    transaction_id       TEXT    PRIMARY KEY,
    type                 TEXT    NOT NULL,
    type_text            TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL,
    status_code          TEXT    NOT NULL DEFAULT '',
    status_message       TEXT    NOT NULL DEFAULT '',
    amount               INTEGER NOT NULL,
    currency             TEXT    NOT NULL,
    batch                TEXT    NOT NULL DEFAULT '',
    invoice_id           TEXT    NOT NULL DEFAULT '',
    customer_id          TEXT    NOT NULL DEFAULT '',
    card_type            TEXT    NOT NULL DEFAULT '',
    card_last4           TEXT    NOT NULL DEFAULT '',
    approval_code        TEXT    NOT NULL DEFAULT '',
    approval_message     TEXT    NOT NULL DEFAULT '',
    avs_response         TEXT    NOT NULL DEFAULT '',
    csc_response         TEXT    NOT NULL DEFAULT '',
    description          TEXT    NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    created_at_text      TEXT    NOT NULL DEFAULT '',
    settled_at           INTEGER,
    settled_at_text      TEXT    NOT NULL DEFAULT '',
    synced_at            INTEGER NOT NULL
);
CREATE INDEX gateway_transactions_invoice ON gateway_transactions (invoice_id);
CREATE INDEX gateway_transactions_created ON gateway_transactions (created_at, transaction_id);
CREATE INDEX gateway_transactions_batch ON gateway_transactions (batch);

-- One transaction belongs to at most one order; an order has any number of transactions.
CREATE TABLE order_transaction_links (
    transaction_id       TEXT    PRIMARY KEY REFERENCES gateway_transactions (transaction_id),
    order_entity_id      INTEGER NOT NULL REFERENCES orders (entity_id),
    rule                 TEXT    NOT NULL,
    linked_at            INTEGER NOT NULL
);
CREATE INDEX order_transaction_links_order ON order_transaction_links (order_entity_id);

CREATE TABLE sync_cursors (
    name                 TEXT    PRIMARY KEY,
    value                TEXT    NOT NULL,
    updated_at           INTEGER NOT NULL
);

-- Every external write is an intent (docs/intents.md).
CREATE TABLE intents (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT    NOT NULL,
    natural_key          TEXT    NOT NULL UNIQUE,
    order_entity_id      INTEGER,
    payload              TEXT    NOT NULL DEFAULT '{}',
    state                TEXT    NOT NULL,
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      INTEGER,
    last_error_class     TEXT    NOT NULL DEFAULT '',
    last_error           TEXT    NOT NULL DEFAULT '',
    result_ref           TEXT    NOT NULL DEFAULT '',
    requested_by         TEXT    NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX intents_state ON intents (state, next_attempt_at);
CREATE INDEX intents_order ON intents (order_entity_id);

CREATE TABLE intent_attempts (
    id                   INTEGER PRIMARY KEY,
    intent_id            INTEGER NOT NULL REFERENCES intents (id),
    started_at           INTEGER NOT NULL,
    finished_at          INTEGER,
    outcome              TEXT    NOT NULL DEFAULT '',
    error_class          TEXT    NOT NULL DEFAULT '',
    error_message        TEXT    NOT NULL DEFAULT '',
    http_status          INTEGER,
    request_id           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX intent_attempts_intent ON intent_attempts (intent_id);

CREATE TABLE audit_log (
    id                   INTEGER PRIMARY KEY,
    at                   INTEGER NOT NULL,
    actor                TEXT    NOT NULL,
    action               TEXT    NOT NULL,
    object_type          TEXT    NOT NULL DEFAULT '',
    object_id            TEXT    NOT NULL DEFAULT '',
    before_json          TEXT    NOT NULL DEFAULT '',
    after_json           TEXT    NOT NULL DEFAULT '',
    detail               TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE sync_runs (
    id                   INTEGER PRIMARY KEY,
    started_at           INTEGER NOT NULL,
    finished_at          INTEGER,
    outcome              TEXT    NOT NULL DEFAULT 'running',
    orders_seen          INTEGER NOT NULL DEFAULT 0,
    transactions_seen    INTEGER NOT NULL DEFAULT 0,
    linked               INTEGER NOT NULL DEFAULT 0,
    message              TEXT    NOT NULL DEFAULT ''
);
