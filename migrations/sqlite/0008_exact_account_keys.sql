-- Per-user rows are keyed by the login exactly as the IMAP server accepted it, no longer by its
-- lower case (two logins a server tells apart must never share state). api_tokens and sessions
-- always kept the login as accepted. offline_credentials kept it in `login`: re-key those rows
-- and their users' webhooks by it. Webhooks whose offline password was already erased keep their
-- lower-case key: they belong to the login spelled in lower case (README, "Accounts").
UPDATE webhooks SET username = (SELECT o.login FROM offline_credentials o WHERE o.username = webhooks.username)
WHERE username IN (SELECT username FROM offline_credentials);
UPDATE offline_credentials SET username = login;
-- Settings kept only the lower case: re-key them by the latest session's login with that lower
-- case (ASCII folding, as SQLite's lower()); without one they stay with the lower-case spelling.
UPDATE user_settings SET username = (
    SELECT s.username FROM sessions s WHERE lower(s.username) = user_settings.username ORDER BY s.created_at DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM sessions s WHERE lower(s.username) = user_settings.username);
