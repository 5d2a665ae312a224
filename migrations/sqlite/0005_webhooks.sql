-- Offline access and webhooks (LETTERBOX_OFFLINE_ACCESS=true only).

-- A user's password sealed with a key derived from the server's own key, so the server can
-- open the mailbox without the user (to deliver webhooks). Refreshed at each login; erased
-- when the user deletes their last webhook, when they log out without webhooks, and for
-- everyone when Letterbox starts with offline access off.
CREATE TABLE offline_credentials (
    -- Lower case; `login` keeps the name as the user typed it (for the IMAP LOGIN).
    username        TEXT PRIMARY KEY NOT NULL,
    login           TEXT NOT NULL,
    sealed_password BLOB NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY NOT NULL,
    username        TEXT NOT NULL,
    url             TEXT NOT NULL,
    -- JSON array of event types.
    events          TEXT NOT NULL,
    -- JSON array of mailbox ids, or NULL for every mailbox.
    mailboxes       TEXT,
    -- The signing secret, sealed with the server-derived key (bound to the webhook id).
    sealed_secret   BLOB NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhooks_by_user ON webhooks (username);

-- The delivery queue: one row per event and webhook, sent in id order, one at a time per webhook.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- 'pending', 'delivered' or 'failed' (gave up after 24 hours).
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Unix milliseconds (retries in tests are sub-second).
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (state, webhook_id, id);

-- Every attempt, for GET /api/v1/webhooks/{id}/deliveries.
CREATE TABLE webhook_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id     INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    status_code     INTEGER,
    error           TEXT
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, id);
