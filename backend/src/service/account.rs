//! The account key: what every piece of per-user state (tokens, webhooks, offline credentials,
//! event feeds, rate limits) is keyed by.

use super::UserSession;

/// Identifies one mail account: the login exactly as the IMAP server accepted it (trimmed, never
/// case-folded). Two logins the server treats as different therefore never share state; a server
/// that folds case (Dovecot's `auth_username_format = %Lu`) sees `Alice` and `alice` as one
/// mailbox, but Letterbox keeps their tokens, webhooks and feeds apart — it cannot know that
/// folding from the login alone (see README, "Accounts").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountKey(String);

impl AccountKey {
    /// The key of a login the IMAP server accepted (as stored with the session or token).
    pub fn of_login(login: &str) -> Self {
        Self(login.trim().to_string())
    }

    /// The key as stored in tables and used in maps.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl UserSession {
    /// The account this session's state belongs to; `username` is the login as accepted at
    /// login (or when the API token was created).
    pub fn account(&self) -> AccountKey {
        AccountKey::of_login(&self.username)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_differing_in_case_are_different_accounts() {
        assert_ne!(AccountKey::of_login("Alice@example.test"), AccountKey::of_login("alice@example.test"));
        assert_eq!(AccountKey::of_login(" alice@example.test "), AccountKey::of_login("alice@example.test"));
        assert_eq!(AccountKey::of_login("Alice@Example.test").as_str(), "Alice@Example.test");
    }
}
