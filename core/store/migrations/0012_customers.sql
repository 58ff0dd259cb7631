-- PayBridge store, schema version 12: customers, the PayTrace vault and their links
-- (docs/customers.md). Times are UTC ms. No card number or CSC is ever stored: a vault profile
-- keeps the card's type, last four and expiry only.
-- Each statement ends with a semicolon at the end of a line.

-- Magento customers as last read. raw is the customer body as Magento sent it: a customer
-- update is a PUT of the whole customer, built from the latest read.
CREATE TABLE customers (
    magento_id           INTEGER PRIMARY KEY,
    email                TEXT    NOT NULL,
    email_key            TEXT    NOT NULL,              -- lower-cased, trimmed: the e-mail match
    firstname            TEXT    NOT NULL DEFAULT '',
    lastname             TEXT    NOT NULL DEFAULT '',
    phone                TEXT    NOT NULL DEFAULT '',   -- the default billing address's telephone
    billing              TEXT    NOT NULL DEFAULT '{}', -- the default billing address, normalised JSON
    vault_attribute      TEXT    NOT NULL DEFAULT '',   -- custom attribute paytrace_customer_id as read
    website_id           INTEGER,
    created_at           INTEGER,
    updated_at           INTEGER,
    anonymised           INTEGER NOT NULL DEFAULT 0 CHECK (anonymised IN (0, 1)),
    deleted_at           INTEGER,                       -- when PayBridge found it gone; NULL while it exists
    raw                  BLOB    NOT NULL,
    synced_at            INTEGER NOT NULL
);
CREATE INDEX customers_email_key ON customers (email_key);
CREATE INDEX customers_updated ON customers (updated_at);

-- PayTrace vault profiles as last exported.
CREATE TABLE vault_profiles (
    customer_id          TEXT    PRIMARY KEY,           -- PayTrace's customer_id (the merchant's string)
    email                TEXT    NOT NULL DEFAULT '',
    email_key            TEXT    NOT NULL DEFAULT '',
    billing_name         TEXT    NOT NULL DEFAULT '',
    phone                TEXT    NOT NULL DEFAULT '',
    billing              TEXT    NOT NULL DEFAULT '{}', -- normalised JSON, as customers.billing
    card_type            TEXT    NOT NULL DEFAULT '',   -- Visa, MasterCard, ... from the masked number
    card_last4           TEXT    NOT NULL DEFAULT '',
    card_exp_month       INTEGER,                       -- 1..12
    card_exp_year        INTEGER,                       -- four digits
    content_hash         TEXT    NOT NULL,              -- of the fields above: a changed profile is seen
    first_seen_at        INTEGER NOT NULL,
    changed_at           INTEGER NOT NULL,              -- when content_hash last changed
    deleted_at           INTEGER,                       -- gone from the export; NULL while it exists
    synced_at            INTEGER NOT NULL
);
CREATE INDEX vault_profiles_email_key ON vault_profiles (email_key);
CREATE INDEX vault_profiles_expiry ON vault_profiles (card_exp_year, card_exp_month);

-- One Magento customer ↔ one vault profile. rule says how the link was made; base holds the
-- field values both sides agreed on at the last sync (name, email, billing, phone), the
-- ancestor of the three-way comparison that tells a change from a conflict.
CREATE TABLE customer_links (
    id                   INTEGER PRIMARY KEY,
    magento_id           INTEGER NOT NULL UNIQUE,
    vault_customer_id    TEXT    NOT NULL UNIQUE,
    rule                 TEXT    NOT NULL CHECK (rule IN ('attribute', 'vault_id', 'email', 'manual', 'created')),
    rule_detail          TEXT    NOT NULL DEFAULT '',   -- the rule in words, for people
    base                 TEXT    NOT NULL DEFAULT '{}',
    linked_at            INTEGER NOT NULL,
    linked_by            TEXT    NOT NULL
);

-- Pairs a person unlinked: automatic matching never links them again.
CREATE TABLE customer_unlinks (
    magento_id           INTEGER NOT NULL,
    vault_customer_id    TEXT    NOT NULL,
    unlinked_at          INTEGER NOT NULL,
    unlinked_by          TEXT    NOT NULL,
    PRIMARY KEY (magento_id, vault_customer_id)
);

-- A field both sides changed since the last sync, left for a person.
CREATE TABLE customer_conflicts (
    id                   INTEGER PRIMARY KEY,
    link_id              INTEGER NOT NULL,
    magento_id           INTEGER NOT NULL,
    vault_customer_id    TEXT    NOT NULL,
    field                TEXT    NOT NULL CHECK (field IN ('name', 'email', 'billing', 'phone')),
    base_value           TEXT    NOT NULL,
    magento_value        TEXT    NOT NULL,
    paytrace_value       TEXT    NOT NULL,
    opened_at            INTEGER NOT NULL,
    state                TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    resolution           TEXT    CHECK (resolution IN ('magento', 'paytrace', 'dismissed')),
    resolved_by          TEXT,
    resolved_at          INTEGER
);
CREATE UNIQUE INDEX customer_conflicts_open ON customer_conflicts (link_id, field) WHERE state = 'open';

-- A vault profile whose Magento customer was deleted or anonymised: deleted in PayTrace once
-- confirmed (or at once when the profile's setting says automatic).
CREATE TABLE vault_deletions (
    id                   INTEGER PRIMARY KEY,
    vault_customer_id    TEXT    NOT NULL,
    magento_id           INTEGER NOT NULL,
    reason               TEXT    NOT NULL CHECK (reason IN ('deleted', 'anonymised')),
    found_at             INTEGER NOT NULL,
    state                TEXT    NOT NULL DEFAULT 'awaiting' CHECK (state IN ('awaiting', 'confirmed', 'declined')),
    decided_by           TEXT,
    decided_at           INTEGER,
    intent_key           TEXT                           -- the paytrace.customer.delete intent, once confirmed
);
CREATE UNIQUE INDEX vault_deletions_one ON vault_deletions (vault_customer_id) WHERE state = 'awaiting';
