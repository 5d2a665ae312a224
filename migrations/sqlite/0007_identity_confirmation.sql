-- Sender identities outside the login's domain (and the operator's LETTERBOX_IDENTITY_DOMAINS)
-- must be confirmed through a link mailed to them before they can send. Only a SHA-256 hash of
-- the single-use link token is kept. Existing rows start unconfirmed: addresses in an allowed
-- domain stay usable (that is decided when reading), any other needs a confirmation first.
ALTER TABLE identities ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE identities ADD COLUMN confirm_token_hash BLOB;
ALTER TABLE identities ADD COLUMN confirm_expires_at INTEGER;
