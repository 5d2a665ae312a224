//! A user's UI preferences: theme, language, page size, new-mail notifications, and the
//! senders whose remote content loads without asking.

use super::{Letterbox, ServiceError, UserSession, now_unix};
use crate::mail::auth_results::{SenderCheck, verify_sender};
use crate::store::SettingsRecord;

/// Light, dark, or following the system (`prefers-color-scheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// The stored and HTML (`data-theme`) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(text: &str) -> Option<Theme> {
        match text {
            "auto" => Some(Theme::Auto),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

/// Allowed page sizes of the message list.
pub const PAGE_SIZES: [usize; 4] = [25, 50, 100, 200];

/// Most remembered senders for remote content.
const MAX_REMOTE_SENDERS: usize = 500;

/// A user's preferences, with defaults for whatever was never set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSettings {
    pub theme: Theme,
    /// A language code (`en`, `de`); `None` = follow the browser.
    pub language: Option<String>,
    pub page_size: usize,
    /// Desktop notifications for new mail (the browser asks for permission too).
    pub notify: bool,
    /// Lower-cased addresses whose messages load remote images without asking.
    pub remote_senders: Vec<String>,
}

impl Default for UserSettings {
    fn default() -> Self {
        Self { theme: Theme::Auto, language: None, page_size: 50, notify: false, remote_senders: Vec::new() }
    }
}

/// What the remembered-senders list decides for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderTrust {
    /// The sender is not on the list.
    NotListed,
    /// On the list, and the receiving server verified the From domain: remote content loads.
    Trusted,
    /// On the list, but not verified (why): remote content stays blocked.
    Unverified(SenderCheck),
}

impl UserSettings {
    /// Whether messages from `sender` may load remote content right away.
    pub fn trusts_remote(&self, sender: &str) -> bool {
        let sender = sender.to_lowercase();
        self.remote_senders.contains(&sender)
    }

    /// The list applies only when the message's topmost `Authentication-Results` (added by the
    /// receiving server; `authserv_id` = `LETTERBOX_AUTHSERV_ID`) shows a DKIM or DMARC pass for
    /// the sender's domain: anyone can write a From header.
    pub fn sender_trust(&self, sender: &str, topmost_auth: Option<&str>, authserv_id: Option<&str>) -> SenderTrust {
        if sender.is_empty() || !self.trusts_remote(sender) {
            return SenderTrust::NotListed;
        }
        let domain = sender.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        match verify_sender(topmost_auth, domain, authserv_id) {
            SenderCheck::Verified => SenderTrust::Trusted,
            other => SenderTrust::Unverified(other),
        }
    }
}

impl Letterbox {
    /// The user's settings (defaults when none were saved).
    pub async fn user_settings(&self, session: &UserSession) -> Result<UserSettings, ServiceError> {
        let Some(record) = self.store.find_settings(session.account().as_str()).await? else { return Ok(UserSettings::default()) };
        Ok(UserSettings {
            theme: Theme::parse(&record.theme).unwrap_or_default(),
            language: record.language,
            page_size: usize::try_from(record.page_size).ok().filter(|n| PAGE_SIZES.contains(n)).unwrap_or(50),
            notify: record.notify,
            remote_senders: serde_json::from_str(&record.remote_senders).unwrap_or_default(),
        })
    }

    /// Saves the user's settings after checking them (page size one of [`PAGE_SIZES`], sender
    /// addresses plausible, at most 500 of them).
    pub async fn save_user_settings(&self, session: &UserSession, settings: &UserSettings) -> Result<(), ServiceError> {
        if !PAGE_SIZES.contains(&settings.page_size) {
            return Err(ServiceError::InvalidInput { field: "pageSize", detail: format!("use one of {PAGE_SIZES:?}") });
        }
        if settings.language.as_deref().is_some_and(|l| !matches!(l, "en" | "de")) {
            return Err(ServiceError::InvalidInput { field: "language", detail: "use en or de".into() });
        }
        let mut senders: Vec<String> = Vec::new();
        for sender in &settings.remote_senders {
            let sender = sender.trim().to_lowercase();
            if sender.is_empty() {
                continue;
            }
            if sender.len() > 320 || !sender.contains('@') || sender.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(ServiceError::InvalidInput { field: "remoteSenders", detail: format!("{sender:?} is not an address") });
            }
            if !senders.contains(&sender) {
                senders.push(sender);
            }
        }
        if senders.len() > MAX_REMOTE_SENDERS {
            return Err(ServiceError::InvalidInput { field: "remoteSenders", detail: format!("at most {MAX_REMOTE_SENDERS} addresses") });
        }
        let record = SettingsRecord {
            theme: settings.theme.as_str().to_string(),
            language: settings.language.clone(),
            page_size: settings.page_size as i64,
            notify: settings.notify,
            remote_senders: serde_json::to_string(&senders).map_err(|e| ServiceError::Internal(e.to_string()))?,
        };
        self.store.save_settings(session.account().as_str(), &record, now_unix()).await?;
        Ok(())
    }

    /// The language a user chose in the settings, if any (read at login; errors count as none).
    pub async fn saved_language(&self, username: &str) -> Option<String> {
        self.store.find_settings(super::AccountKey::of_login(username).as_str()).await.ok().flatten().and_then(|record| record.language)
    }

    /// Adds one sender to the remote-content allowlist.
    pub async fn trust_remote_sender(&self, session: &UserSession, sender: &str) -> Result<(), ServiceError> {
        let mut settings = self.user_settings(session).await?;
        if !settings.trusts_remote(sender) {
            settings.remote_senders.push(sender.to_lowercase());
        }
        self.save_user_settings(session, &settings).await
    }
}
