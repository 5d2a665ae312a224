//! Webhooks: create, list, delete, and their delivery log; and offline access, which webhooks
//! need because the server must open the mailbox by itself (the password sealed with a key
//! derived from the server's own key). Sending them is in `webhook_delivery`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ring::hmac;
use tokio::sync::Notify;

use super::tokens::stored_mailboxes;
use super::webhook_http::{parse_target, resolve};
use super::{AccountKey, Letterbox, Scope, ServiceError, UserSession, now_unix};
use crate::auth::{SealKey, random_id, seal};
use crate::mail::{MailboxId, MailboxRef};
use crate::secret::{Credentials, Secret};
use crate::store::WebhookRecord;

/// Event types a webhook can ask for.
pub const EVENT_TYPES: [&str; 4] = ["message.new", "message.updated", "message.removed", "mailbox"];
/// Most webhooks per user.
pub const MAX_WEBHOOKS: usize = 20;

/// The detail of the 403 when the operator has not turned offline access on.
pub const OFFLINE_ACCESS_OFF: &str = "webhooks need offline access, which this server has turned off \
(LETTERBOX_OFFLINE_ACCESS=false): to deliver events while you are away the server would have to keep your \
password sealed with its own key, so whoever steals both its database and its key could read it";

/// Running parts of the webhook machinery (one per process).
#[derive(Debug)]
pub struct WebhookHub {
    /// The internal event subscription of each user with webhooks.
    pub(super) watchers: Mutex<HashMap<String, tokio::task::AbortHandle>>,
    /// Webhooks with a delivery in flight.
    pub(super) in_flight: Mutex<HashSet<String>>,
    /// Wakes the dispatcher (new delivery queued, one finished).
    pub(super) wake: Notify,
    pub(super) tls: Arc<rustls::ClientConfig>,
    /// Seals offline passwords and webhook secrets; derived from the server key.
    pub(super) key: SealKey,
}

impl WebhookHub {
    /// A hub with the TLS settings of the IMAP side and a key derived from the server's key.
    pub fn new(tls: Arc<rustls::ClientConfig>, server_key: &[u8]) -> Self {
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, server_key), b"letterbox offline sealing v1");
        let key = SealKey::from_bytes(derived.as_ref()).expect("HMAC-SHA256 gives 32 bytes");
        Self { watchers: Mutex::default(), in_flight: Mutex::default(), wake: Notify::new(), tls, key }
    }

    /// Number of users whose events are watched for webhooks (for tests).
    pub fn watched_users(&self) -> usize {
        self.watchers.lock().expect("webhook lock").len()
    }
}

/// What a client asks for when creating a webhook.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub mailboxes: Option<Vec<String>>,
}

/// A webhook as shown to its owner (never with its secret, except once at creation).
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub mailboxes: Option<Vec<String>>,
    pub created_at: i64,
}

/// One delivery attempt.
#[derive(Debug, Clone)]
pub struct DeliveryAttempt {
    pub delivery_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i64,
    pub at: i64,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    /// The delivery's state now: `pending`, `delivered` or `failed`.
    pub state: String,
}

pub(super) fn to_webhook(record: WebhookRecord) -> Webhook {
    Webhook {
        events: serde_json::from_str(&record.events).unwrap_or_default(),
        // Ids, not paths, but the same rule: a list that cannot be read matches no mailbox.
        mailboxes: stored_mailboxes(record.mailboxes.as_deref()),
        id: record.id,
        url: record.url,
        created_at: record.created_at,
    }
}

/// The one check for every webhook use case: a login session, or an API token with the
/// `webhooks.manage` scope (a webhook turns on server-sealed offline access, so `mail.read` or
/// `mail.write` is not enough).
fn authorize(session: &UserSession) -> Result<(), ServiceError> {
    if session.grant.is_token() && !session.grant.has_scope(Scope::WebhooksManage) {
        return Err(ServiceError::MissingScope(Scope::WebhooksManage.as_str()));
    }
    Ok(())
}

/// Whether the session may see this webhook: a token restricted to some mailboxes sees only the
/// webhooks it created itself; a login session or an unrestricted token sees all of the user's.
fn may_see(session: &UserSession, record: &WebhookRecord) -> bool {
    session.grant.mailboxes.is_none() || (record.token_id.is_some() && record.token_id == session.grant.token_id)
}

fn unprocessable(field: &str, detail: impl Into<String>) -> ServiceError {
    ServiceError::Unprocessable { field: field.to_string(), detail: detail.into() }
}

/// The sealing context (associated data, not a key): lower case, as when it was introduced, so
/// passwords sealed before account keys were exact logins still open.
fn offline_context(username: &str) -> String {
    format!("offline:{}", username.to_lowercase())
}

/// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut context = hmac::Context::with_key(&key);
    context.update(format!("{timestamp}.").as_bytes());
    context.update(body);
    let tag = context.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

pub(super) fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl Letterbox {
    /// Seals the user's password with the server-derived key and stores it (offline access).
    pub(super) async fn save_offline_credentials(&self, credentials: &Credentials) -> Result<(), ServiceError> {
        let account = AccountKey::of_login(&credentials.username);
        let username = account.as_str();
        let sealed = seal::seal(&self.webhooks.key, &offline_context(username), &credentials.password);
        self.store.save_offline_credentials(username, &credentials.username, &sealed, now_unix()).await?;
        Ok(())
    }

    /// Erases the offline password of a user who has no webhook left (at logout).
    pub(super) async fn forget_offline_credentials_if_unused(&self, account: &AccountKey) -> Result<(), ServiceError> {
        if self.store.list_webhooks(account.as_str()).await?.is_empty() {
            self.store.delete_offline_credentials(account.as_str()).await?;
        }
        Ok(())
    }

    pub(super) async fn offline_credentials(&self, username: &str) -> Result<Option<Credentials>, ServiceError> {
        let Some((login, sealed)) = self.store.find_offline_credentials(username).await? else { return Ok(None) };
        Ok(seal::open(&self.webhooks.key, &offline_context(username), &sealed).map(|password| Credentials { username: login, password }))
    }

    /// The ids a webhook's `mailboxes` name, in the form events carry (`mailboxId`): a role
    /// alias (`sent`) becomes the id of the folder holding that role now, so it matches events.
    /// A restricted token may name only mailboxes of its own grant.
    async fn webhook_mailbox_ids(&self, session: &UserSession, mailboxes: &[String]) -> Result<Vec<String>, ServiceError> {
        if mailboxes.is_empty() || mailboxes.len() > 100 {
            return Err(unprocessable("mailboxes", "give 1 to 100 mailbox ids, or leave it out for every mailbox"));
        }
        let mut ids = Vec::with_capacity(mailboxes.len());
        for (i, mailbox) in mailboxes.iter().enumerate() {
            let field = format!("mailboxes[{i}]");
            if mailbox.is_empty() || mailbox.len() > 1000 || mailbox.chars().any(char::is_control) {
                return Err(unprocessable(&field, "not a mailbox id"));
            }
            let path = match MailboxRef::parse(mailbox) {
                Some(MailboxRef::Path(path)) => path,
                Some(MailboxRef::Role(_)) => match self.resolve_any_mailbox(session, mailbox).await {
                    Ok(path) => path,
                    Err(ServiceError::NotFound(why)) => return Err(unprocessable(&field, why)),
                    Err(other) => return Err(other),
                },
                None => return Err(unprocessable(&field, "not a mailbox id")),
            };
            if !session.grant.allows_mailbox(&path) {
                return Err(unprocessable(&field, "not the id of a mailbox this token may see"));
            }
            let id = MailboxId::from_path(&path).as_str().to_string();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Creates a webhook; the returned secret is shown this once.
    pub async fn create_webhook(self: &Arc<Self>, session: &UserSession, input: NewWebhook) -> Result<(Webhook, Secret), ServiceError> {
        authorize(session)?;
        if !self.config.offline_access {
            return Err(ServiceError::Forbidden(OFFLINE_ACCESS_OFF.into()));
        }
        let mut events: Vec<String> = Vec::new();
        if input.events.is_empty() {
            return Err(unprocessable("events", format!("name at least one of {}", EVENT_TYPES.join(", "))));
        }
        for (i, event) in input.events.iter().enumerate() {
            if !EVENT_TYPES.contains(&event.as_str()) {
                return Err(unprocessable(
                    &format!("events[{i}]"),
                    format!("unknown event type {event:?}; use {}", EVENT_TYPES.join(", ")),
                ));
            }
            if !events.contains(event) {
                events.push(event.clone());
            }
        }
        let mailboxes = match &input.mailboxes {
            Some(mailboxes) => Some(self.webhook_mailbox_ids(session, mailboxes).await?),
            None => None,
        };
        let allowed = &self.config.webhook_allowed_hosts;
        let target = parse_target(&input.url, allowed).map_err(|e| unprocessable("url", e))?;
        resolve(&target, allowed).await.map_err(|e| unprocessable("url", e))?;
        let username = session.account().as_str().to_string();
        if self.store.list_webhooks(&username).await?.len() >= MAX_WEBHOOKS {
            return Err(ServiceError::Conflict(format!("at most {MAX_WEBHOOKS} webhooks per user; delete one first")));
        }
        self.save_offline_credentials(&session.credentials).await?;
        let id = random_id();
        let secret = Secret::new(format!("whsec_{}{}", random_id(), random_id()));
        let record = WebhookRecord {
            id: id.clone(),
            username: username.clone(),
            url: input.url.trim().to_string(),
            events: serde_json::to_string(&events).unwrap_or_default(),
            mailboxes: mailboxes.as_ref().map(|m| serde_json::to_string(m).unwrap_or_default()),
            sealed_secret: seal::seal(&self.webhooks.key, &format!("webhook:{id}"), &secret),
            created_at: now_unix(),
            token_id: session.grant.token_id.clone(),
            token_mailboxes: session.grant.mailboxes.as_ref().map(|paths| serde_json::to_string(paths).unwrap_or_default()),
        };
        self.store.insert_webhook(&record).await?;
        tracing::info!(username = %username, webhook = %id, "webhook created");
        self.ensure_watcher(&username);
        Ok((to_webhook(record), secret))
    }

    /// The user's webhooks (a restricted token's: only those it created).
    pub async fn list_webhooks(&self, session: &UserSession) -> Result<Vec<Webhook>, ServiceError> {
        authorize(session)?;
        let records = self.store.list_webhooks(session.account().as_str()).await?;
        Ok(records.into_iter().filter(|record| may_see(session, record)).map(to_webhook).collect())
    }

    async fn own_webhook(&self, session: &UserSession, id: &str) -> Result<WebhookRecord, ServiceError> {
        authorize(session)?;
        match self.store.find_webhook(id).await? {
            Some(record) if record.username == session.account().as_str() && may_see(session, &record) => Ok(record),
            _ => Err(ServiceError::NotFound("no such webhook".into())),
        }
    }

    /// One of the user's webhooks.
    pub async fn get_webhook(&self, session: &UserSession, id: &str) -> Result<Webhook, ServiceError> {
        Ok(to_webhook(self.own_webhook(session, id).await?))
    }

    /// Deletes a webhook and its queue; with the last one go the watcher and the offline password.
    pub async fn delete_webhook(&self, session: &UserSession, id: &str) -> Result<(), ServiceError> {
        self.own_webhook(session, id).await?;
        let username = session.account().as_str().to_string();
        if !self.store.delete_webhook(&username, id).await? {
            return Err(ServiceError::NotFound("no such webhook".into()));
        }
        self.stop_watching_if_unused(&username).await?;
        tracing::info!(username = %username, webhook = %id, "webhook deleted");
        Ok(())
    }

    /// Deletes the webhooks an API token created, as it is revoked: what a token set up stops
    /// with it (a leaked token's receiver must not keep getting mail events).
    pub(super) async fn delete_token_webhooks(&self, account: &AccountKey, token_id: &str) -> Result<(), ServiceError> {
        let username = account.as_str();
        let mut deleted = false;
        for record in self.store.list_webhooks(username).await? {
            if record.token_id.as_deref() == Some(token_id) && self.store.delete_webhook(username, &record.id).await? {
                tracing::info!(username = %username, webhook = %record.id, token = %token_id, "webhook deleted with its token");
                deleted = true;
            }
        }
        if deleted {
            self.stop_watching_if_unused(username).await?;
        }
        Ok(())
    }

    /// With the user's last webhook go the watcher and the offline password.
    async fn stop_watching_if_unused(&self, username: &str) -> Result<(), ServiceError> {
        if self.store.list_webhooks(username).await?.is_empty() {
            if let Some(watcher) = self.webhooks.watchers.lock().expect("webhook lock").remove(username) {
                watcher.abort();
            }
            self.store.delete_offline_credentials(username).await?;
        }
        Ok(())
    }

    /// The latest delivery attempts of one of the user's webhooks, newest first.
    pub async fn webhook_deliveries(&self, session: &UserSession, id: &str) -> Result<Vec<DeliveryAttempt>, ServiceError> {
        self.own_webhook(session, id).await?;
        Ok(self
            .store
            .list_attempts(id, 100)
            .await?
            .into_iter()
            .map(|a| DeliveryAttempt {
                delivery_id: a.delivery_id,
                event_id: a.event_id,
                event_type: a.event_type,
                attempt: a.attempt,
                at: a.at,
                status_code: a.status_code.and_then(|c| u16::try_from(c).ok()),
                error: a.error,
                state: a.state,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_and_body() {
        // HMAC-SHA256("key", "1700000000.{}"), computed independently with Python's hmac module.
        let sig = signature("key", 1_700_000_000, b"{}");
        assert!(sig.starts_with("t=1700000000,v1="), "{sig}");
        assert_eq!(sig, "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
    }
}
