//! API tokens for other apps: scopes, a mailbox restriction, creation, listing, revocation and
//! authentication. A token is `lbt_<id>.<secret>`; the secret is the key that seals the user's
//! password, and the database keeps only a SHA-256 hash of the whole token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Letterbox, ServiceError, UserSession, now_unix};
use crate::auth::{SealKey, random_id, seal};
use crate::mail::MailboxId;
use crate::secret::{Credentials, Secret};
use crate::store::TokenRecord;

/// The prefix that tells API tokens from session tokens.
pub const TOKEN_PREFIX: &str = "lbt_";
const MAX_NAME_CHARS: usize = 100;
const MAX_MAILBOXES: usize = 100;
/// The scopes' names, for error messages.
const SCOPE_NAMES: &str = "mail.read, mail.write, mail.send or webhooks.manage";
/// `lastUsedAt` is written at most this often per token.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Every read (GET) request, including the event stream.
    Read,
    /// Changes: flags, move, copy, delete, mailboxes, drafts.
    Write,
    /// Sending mail.
    Send,
    /// Creating, listing and deleting webhooks (which turns on server-sealed offline access).
    WebhooksManage,
}

impl Scope {
    /// Every scope, as a session has them.
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Write, Scope::Send, Scope::WebhooksManage];

    /// The scope's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "mail.read",
            Scope::Write => "mail.write",
            Scope::Send => "mail.send",
            Scope::WebhooksManage => "webhooks.manage",
        }
    }

    /// Parses a scope name.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// What a request's credentials allow: a login session may do everything; an API token only its
/// scopes, and, when it is restricted, only in its mailboxes.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The API token's id; `None` for a login session.
    pub token_id: Option<String>,
    pub scopes: Vec<Scope>,
    /// The mailbox paths the token may see; `None` = every mailbox.
    pub mailboxes: Option<Vec<String>>,
}

impl Grant {
    /// A login session's grant: everything.
    pub fn full() -> Self {
        Self { token_id: None, scopes: Scope::ALL.to_vec(), mailboxes: None }
    }

    /// Whether this is an API token rather than a login session.
    pub fn is_token(&self) -> bool {
        self.token_id.is_some()
    }

    /// Whether the grant includes `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether the mailbox at `path` is visible.
    pub fn allows_mailbox(&self, path: &str) -> bool {
        match &self.mailboxes {
            None => true,
            Some(paths) => paths.iter().any(|p| p == path || (p.eq_ignore_ascii_case("INBOX") && path.eq_ignore_ascii_case("INBOX"))),
        }
    }

    /// `Ok` when `path` is visible, else the same 404 as for a mailbox that does not exist.
    pub fn check_mailbox(&self, path: &str) -> Result<(), ServiceError> {
        if self.allows_mailbox(path) {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("no mailbox with id {:?}", MailboxId::from_path(path).to_string())))
        }
    }
}

/// A token to create, as the client asked for it.
#[derive(Debug)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<String>,
    /// Mailbox ids or role names; `None` = every mailbox.
    pub mailboxes: Option<Vec<String>>,
    pub expires_at: Option<i64>,
}

/// A token as listed (never with its secret).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Mailbox paths; `None` = every mailbox.
    pub mailboxes: Option<Vec<String>>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A freshly created token: the only time its secret is seen.
#[derive(Debug)]
pub struct CreatedToken {
    pub token: Secret,
    pub info: TokenInfo,
}

fn token_hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref().to_vec()
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

fn seal_context(id: &str) -> String {
    format!("api-token:{id}")
}

fn parse_scopes(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

/// A stored mailbox restriction (a JSON array of paths; `None` = every mailbox). A list that
/// cannot be read fails closed: no mailbox at all, never every mailbox.
pub(super) fn stored_mailboxes(json: Option<&str>) -> Option<Vec<String>> {
    let json = json?;
    match serde_json::from_str::<Vec<String>>(json) {
        Ok(paths) => Some(paths),
        Err(err) => {
            tracing::warn!(error = %err, "a stored mailbox restriction cannot be read; allowing no mailbox");
            Some(Vec::new())
        }
    }
}

fn info_of(record: &TokenRecord) -> TokenInfo {
    TokenInfo {
        id: record.id.clone(),
        name: record.name.clone(),
        scopes: parse_scopes(&record.scopes),
        mailboxes: stored_mailboxes(record.mailboxes.as_deref()),
        expires_at: record.expires_at,
        created_at: record.created_at,
        last_used_at: record.last_used_at,
    }
}

impl Letterbox {
    /// Creates an API token for the session's user. Only a login session may do this.
    pub async fn create_token(&self, session: &UserSession, request: NewToken) -> Result<CreatedToken, ServiceError> {
        if session.grant.is_token() {
            return Err(ServiceError::Forbidden("an API token cannot manage API tokens; use a login session".into()));
        }
        let unprocessable = |field: &str, detail: String| ServiceError::Unprocessable { field: field.into(), detail };
        let name = request.name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(unprocessable("name", format!("give the token a name of 1 to {MAX_NAME_CHARS} characters")));
        }
        let mut scopes = Vec::new();
        for (i, raw) in request.scopes.iter().enumerate() {
            let scope = Scope::parse(raw)
                .ok_or_else(|| unprocessable(&format!("scopes/{i}"), format!("unknown scope {raw:?}; use {SCOPE_NAMES}")))?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err(unprocessable("scopes", format!("give at least one scope: {SCOPE_NAMES}")));
        }
        scopes.sort();
        let now = now_unix();
        if let Some(expires_at) = request.expires_at
            && expires_at <= now
        {
            return Err(unprocessable("expiresAt", "the expiry must be in the future".into()));
        }
        let mailboxes = match request.mailboxes {
            None => None,
            Some(ids) => {
                if ids.len() > MAX_MAILBOXES {
                    return Err(unprocessable("mailboxes", format!("at most {MAX_MAILBOXES} mailboxes")));
                }
                let mut paths = Vec::new();
                for (i, id) in ids.iter().enumerate() {
                    let path = match self.resolve_mailbox(session, id).await {
                        Ok(path) => path,
                        Err(ServiceError::NotFound(detail)) => return Err(unprocessable(&format!("mailboxes/{i}"), detail)),
                        Err(other) => return Err(other),
                    };
                    if !paths.contains(&path) {
                        paths.push(path);
                    }
                }
                Some(paths)
            }
        };

        let id = random_id();
        let key = SealKey::generate();
        let token = format!("{TOKEN_PREFIX}{id}.{}", URL_SAFE_NO_PAD.encode(key.0));
        let record = TokenRecord {
            id: id.clone(),
            username: session.username.clone(),
            name,
            token_hash: token_hash(&token),
            sealed_password: seal::seal(&key, &seal_context(&id), &session.credentials.password),
            scopes: scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
            mailboxes: mailboxes.as_ref().map(|paths| serde_json::to_string(paths).unwrap_or_default()),
            created_at: now,
            expires_at: request.expires_at,
            last_used_at: None,
        };
        self.store.insert_token(&record).await?;
        tracing::info!(username = %session.username, token = %id, "API token created");
        Ok(CreatedToken { token: Secret::new(token), info: info_of(&record) })
    }

    /// The user's API tokens, without secrets.
    pub async fn list_tokens(&self, session: &UserSession) -> Result<Vec<TokenInfo>, ServiceError> {
        if session.grant.is_token() {
            return Err(ServiceError::Forbidden("an API token cannot manage API tokens; use a login session".into()));
        }
        Ok(self.store.list_tokens(session.account().as_str()).await?.iter().map(info_of).collect())
    }

    /// Revokes (deletes) one of the user's tokens; it stops working at once.
    pub async fn revoke_token(&self, session: &UserSession, id: &str) -> Result<(), ServiceError> {
        if session.grant.is_token() {
            return Err(ServiceError::Forbidden("an API token cannot manage API tokens; use a login session".into()));
        }
        if self.store.delete_token(session.account().as_str(), id).await? {
            self.delete_token_webhooks(&session.account(), id).await?;
            tracing::info!(username = %session.username, token = %id, "API token revoked");
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("no API token with id {id:?}")))
        }
    }

    /// Turns an API token into its user, credentials and grant.
    pub(super) async fn authenticate_api_token(&self, token: &str) -> Result<UserSession, ServiceError> {
        let unauthorized = || ServiceError::Unauthorized("unknown, expired or revoked API token".into());
        let (id, secret) = token.strip_prefix(TOKEN_PREFIX).and_then(|rest| rest.split_once('.')).ok_or_else(unauthorized)?;
        let key = URL_SAFE_NO_PAD.decode(secret).ok().and_then(|bytes| SealKey::from_bytes(&bytes)).ok_or_else(unauthorized)?;
        let record = self.store.find_token(id).await?.ok_or_else(unauthorized)?;
        if !constant_time_eq(&record.token_hash, &token_hash(token)) {
            return Err(unauthorized());
        }
        let now = now_unix();
        if record.expires_at.is_some_and(|expires_at| expires_at <= now) {
            return Err(unauthorized());
        }
        let password = seal::open(&key, &seal_context(&record.id), &record.sealed_password).ok_or_else(unauthorized)?;
        if record.last_used_at.is_none_or(|last| last + TOUCH_INTERVAL_SECS <= now) {
            self.store.touch_token(&record.id, now).await?;
        }
        let info = info_of(&record);
        Ok(UserSession {
            session_id: format!("token:{}", record.id),
            username: record.username.clone(),
            credentials: Credentials { username: record.username, password },
            // A token without expiry: the last second of year 9999, still a valid RFC 3339 time.
            expires_at: record.expires_at.unwrap_or(253_402_300_799),
            grant: Grant { token_id: Some(record.id), scopes: info.scopes, mailboxes: info.mailboxes },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_mailbox_grants() {
        assert_eq!(Scope::parse("mail.send"), Some(Scope::Send));
        assert_eq!(Scope::parse("mail.admin"), None);
        let grant = Grant { token_id: Some("t".into()), scopes: vec![Scope::Read], mailboxes: Some(vec!["INBOX".into()]) };
        assert!(grant.has_scope(Scope::Read) && !grant.has_scope(Scope::Send));
        assert!(grant.allows_mailbox("INBOX") && grant.allows_mailbox("inbox") && !grant.allows_mailbox("Sent"));
        assert!(grant.check_mailbox("Sent").is_err());
        assert!(Grant::full().allows_mailbox("Sent"));
        assert_eq!(Scope::parse("webhooks.manage"), Some(Scope::WebhooksManage));
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd") && !constant_time_eq(b"ab", b"abc"));
    }

    #[test]
    fn a_stored_mailbox_list_that_cannot_be_read_allows_no_mailbox() {
        assert_eq!(stored_mailboxes(None), None, "no restriction stored: every mailbox");
        assert_eq!(stored_mailboxes(Some(r#"["INBOX","Sent"]"#)), Some(vec!["INBOX".to_string(), "Sent".to_string()]));
        for broken in ["", "not json", "[\"INBOX\"", r#"{"INBOX":1}"#, "[1,2]", "null"] {
            let mailboxes = stored_mailboxes(Some(broken));
            assert_eq!(mailboxes, Some(Vec::new()), "{broken:?} must fail closed");
            let grant = Grant { token_id: Some("t".into()), scopes: vec![Scope::Read], mailboxes };
            assert!(!grant.allows_mailbox("INBOX") && !grant.allows_mailbox("Sent"), "{broken:?}");
        }
    }
}
