-- PayBridge store, schema version 9: records from outside that PayBridge could not read.
-- Each statement ends with a semicolon at the end of a line.

-- One row per unreadable record, kept raw with the field and the reason. A row leaves by
-- itself once the record reads (the source fixed it, or a newer PayBridge reads it); each
-- sync tries again and updates last_tried and attempts.
CREATE TABLE quarantine (
    id                   INTEGER PRIMARY KEY,
    source               TEXT    NOT NULL,   -- magento.order, paytrace.transaction, ...
    external_id          TEXT    NOT NULL,
    field                TEXT    NOT NULL DEFAULT '',
    reason               TEXT    NOT NULL,
    raw                  BLOB    NOT NULL,
    first_seen           INTEGER NOT NULL,
    last_tried           INTEGER NOT NULL,
    attempts             INTEGER NOT NULL DEFAULT 1,
    UNIQUE (source, external_id)
);
CREATE INDEX quarantine_last_tried ON quarantine (source, last_tried);
