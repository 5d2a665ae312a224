-- Which API token created a webhook, and that token's mailbox restriction at the time: a
-- restricted token sees only its own webhooks, and their deliveries stay inside its mailboxes.
-- NULL token_id = created with a login session; NULL token_mailboxes = every mailbox.
ALTER TABLE webhooks ADD COLUMN token_id TEXT;
-- JSON array of mailbox paths, as in api_tokens.mailboxes.
ALTER TABLE webhooks ADD COLUMN token_mailboxes TEXT;
