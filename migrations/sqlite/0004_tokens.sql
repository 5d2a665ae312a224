-- API tokens for other apps. Only a SHA-256 hash of the token is kept, and the IMAP password is
-- sealed with a key that travels inside the token: this table alone reveals neither.
CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY NOT NULL,
    username        TEXT NOT NULL,
    name            TEXT NOT NULL,
    token_hash      BLOB NOT NULL,
    sealed_password BLOB NOT NULL,
    -- Space-separated scope names.
    scopes          TEXT NOT NULL,
    -- JSON array of mailbox paths the token may see; NULL = every mailbox.
    mailboxes       TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER,
    last_used_at    INTEGER
);

CREATE INDEX api_tokens_by_username ON api_tokens (username);
