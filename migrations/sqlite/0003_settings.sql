-- Per-user preferences of the web UI.
CREATE TABLE user_settings (
    username        TEXT PRIMARY KEY NOT NULL,
    theme           TEXT NOT NULL DEFAULT 'auto',
    language        TEXT,
    page_size       INTEGER NOT NULL DEFAULT 50,
    notify          INTEGER NOT NULL DEFAULT 0,
    -- JSON array of lower-cased sender addresses whose remote content loads without asking.
    remote_senders  TEXT NOT NULL DEFAULT '[]',
    updated_at      INTEGER NOT NULL
);
