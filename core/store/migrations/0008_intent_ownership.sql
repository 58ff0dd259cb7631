-- PayBridge store, schema version 8: who is sending an intent, and how the janitor paces its
-- lookups. Each statement ends with a semicolon at the end of a line.

-- The process that committed `sending` ("host:pid:start") and until when its claim holds; only
-- a row whose owner is gone is recovered as in doubt by another process.
ALTER TABLE intents ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE intents ADD COLUMN lease_until INTEGER;

-- The janitor takes in-doubt intents round-robin by their last lookup, not before their next
-- lookup is due, and hands one to a person after a bounded number of undecided lookups.
ALTER TABLE intents ADD COLUMN last_lookup_at INTEGER;
ALTER TABLE intents ADD COLUMN next_lookup_at INTEGER;
ALTER TABLE intents ADD COLUMN undecided_lookups INTEGER NOT NULL DEFAULT 0;
CREATE INDEX intents_lookups ON intents (state, last_lookup_at);

-- On SQLite one process runs intents at a time: the holder of this lease. The others plan
-- work and leave it to the holder; the console shows who holds it.
CREATE TABLE intent_runner_lease (
    name         TEXT    PRIMARY KEY,      -- 'intents'
    holder       TEXT    NOT NULL,         -- "host:pid:start"
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    program      TEXT    NOT NULL DEFAULT '', -- e.g. "paybridge serve", "console"
    acquired_at  INTEGER NOT NULL,
    renewed_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
