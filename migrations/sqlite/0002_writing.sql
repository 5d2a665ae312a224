-- Writing mail: the user's sender identities, the addresses they write to, and the results of
-- sends made with an Idempotency-Key (so a retried request does not send twice).
CREATE TABLE identities (
    id          TEXT PRIMARY KEY NOT NULL,
    username    TEXT NOT NULL,
    email       TEXT NOT NULL,
    name        TEXT,
    reply_to    TEXT,
    signature   TEXT NOT NULL DEFAULT '',
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX identities_by_user ON identities (username);
CREATE UNIQUE INDEX identities_one_address ON identities (username, email);

CREATE TABLE contacts (
    username    TEXT NOT NULL,
    email       TEXT NOT NULL,
    name        TEXT,
    uses        INTEGER NOT NULL DEFAULT 0,
    last_used   INTEGER NOT NULL,
    PRIMARY KEY (username, email)
);

-- One row per (user, key). `state` is 'pending' while the first request runs, then 'done' with
-- the response it gave; rows older than 24 h are purged.
CREATE TABLE idempotency_keys (
    username      TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    state         TEXT NOT NULL,
    status        INTEGER,
    response      TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (username, key)
);
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);
