-- Login sessions. The IMAP password is kept only sealed with a key that the client holds
-- (inside its token or cookie): this table alone reveals no password.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY NOT NULL,
    username        TEXT NOT NULL,
    sealed_password BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    client_ip       TEXT,
    user_agent      TEXT
);

CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_username ON sessions (username);
