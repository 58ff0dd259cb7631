-- PayBridge store, schema version 4: operators, their roles, limits and approvals.
-- Times are UTC milliseconds since the epoch; money is integer minor units beside a currency.
-- Each statement ends with a semicolon at the end of a line.

-- One row per person; with the local store the account is the OS account name.
CREATE TABLE operators (
    account              TEXT    PRIMARY KEY,
    display_name         TEXT    NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
);

CREATE TABLE operator_roles (
    account              TEXT    NOT NULL REFERENCES operators (account) ON DELETE CASCADE,
    role                 TEXT    NOT NULL CHECK (role IN ('finance', 'support', 'admin')),
    granted_at           INTEGER NOT NULL,
    granted_by           TEXT    NOT NULL,
    PRIMARY KEY (account, role)
);
CREATE INDEX operator_roles_role ON operator_roles (role, account);

-- Limits set by admins, by name (e.g. 'support_refund_limit'): an amount in one currency.
CREATE TABLE access_limits (
    name                 TEXT    PRIMARY KEY,
    amount_minor         INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency             TEXT    NOT NULL,
    updated_at           INTEGER NOT NULL,
    updated_by           TEXT    NOT NULL
);

-- A request for a finance operator to allow an action above the requester's limit. The
-- decision is made by someone else than the requester (checked in code and here).
CREATE TABLE approvals (
    id                   INTEGER PRIMARY KEY,
    action               TEXT    NOT NULL,
    intent_key           TEXT    NOT NULL DEFAULT '',
    payload              TEXT    NOT NULL DEFAULT '',
    requested_by         TEXT    NOT NULL REFERENCES operators (account),
    requested_at         INTEGER NOT NULL,
    amount_minor         INTEGER NOT NULL CHECK (amount_minor > 0),
    currency             TEXT    NOT NULL,
    reason               TEXT    NOT NULL DEFAULT '',
    state                TEXT    NOT NULL DEFAULT 'pending'
                                 CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_by           TEXT    REFERENCES operators (account),
    decided_at           INTEGER,
    note                 TEXT    NOT NULL DEFAULT '',
    CHECK ((state = 'pending') = (decided_by IS NULL)),
    CHECK (state <> 'approved' OR decided_by <> requested_by)
);
-- At most one open request per intent, so asking twice does not queue two decisions.
CREATE UNIQUE INDEX approvals_pending_intent ON approvals (intent_key)
    WHERE state = 'pending' AND intent_key <> '';
CREATE INDEX approvals_state_id ON approvals (state, id);
