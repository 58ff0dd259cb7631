-- PayBridge store, schema version 11: the profile's mapping, versioned (docs/mapping.md).
-- Each statement ends with a semicolon at the end of a line.

-- One row per saved mapping document, never updated except for the active flag. No row at
-- all means the compiled-in default (version 0) is in force. A rollback is a new row holding
-- an older version's document: history only grows.
CREATE TABLE mapping_versions (
    version              INTEGER PRIMARY KEY,           -- 1, 2, ...
    created_at           INTEGER NOT NULL,              -- UTC ms
    actor                TEXT    NOT NULL,
    note                 TEXT    NOT NULL,              -- why; never empty
    document             BLOB    NOT NULL,              -- the whole JSON document as saved
    restores             INTEGER,                       -- rollback: the version restored (0 = default); else NULL
    active               INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
-- At most one active version; the engine reads it at the start of every sync cycle.
CREATE UNIQUE INDEX mapping_versions_active ON mapping_versions (active) WHERE active = 1;
