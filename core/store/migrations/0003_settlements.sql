-- PayBridge store, schema version 3: imported settlement and deposit report files.
-- Amounts are integer minor units of the line's currency; settled_on is the date as the
-- processor or bank wrote it (YYYY-MM-DD). Each statement ends with a semicolon at the end of a line.

-- One row per imported file; the SHA-256 of the content makes a second import of the same
-- file a no-op.
CREATE TABLE settlement_files (
    id                   INTEGER PRIMARY KEY,
    sha256               TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL DEFAULT '',
    source               TEXT    NOT NULL,
    imported_at          INTEGER NOT NULL,
    imported_by          TEXT    NOT NULL DEFAULT '',
    line_count           INTEGER NOT NULL DEFAULT 0,
    lines_added          INTEGER NOT NULL DEFAULT 0
);

-- natural_key identifies a line across files (source, kind, transaction, amount, date, batch,
-- reference and its occurrence), so an overlapping later file adds only its new lines.
CREATE TABLE settlement_lines (
    id                   INTEGER PRIMARY KEY,
    file_id              INTEGER NOT NULL REFERENCES settlement_files (id),
    line_no              INTEGER NOT NULL,
    kind                 TEXT    NOT NULL CHECK (kind IN ('sale', 'refund', 'chargeback', 'adjustment', 'fee', 'deposit')),
    transaction_id       TEXT    NOT NULL DEFAULT '',
    amount               INTEGER NOT NULL,
    currency             TEXT    NOT NULL,
    settled_on           TEXT    NOT NULL,
    batch                TEXT    NOT NULL DEFAULT '',
    card_last4           TEXT    NOT NULL DEFAULT '',
    reference            TEXT    NOT NULL DEFAULT '',
    raw                  TEXT    NOT NULL DEFAULT '',
    natural_key          TEXT    NOT NULL UNIQUE
);
CREATE INDEX settlement_lines_transaction ON settlement_lines (transaction_id);
CREATE INDEX settlement_lines_batch ON settlement_lines (batch, settled_on);
CREATE INDEX settlement_lines_settled_on ON settlement_lines (settled_on, kind);
