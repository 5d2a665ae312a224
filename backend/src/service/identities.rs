//! Sender identities (From address, name, reply-to, signature) and remembered recipients.

use serde::{Deserialize, Serialize};

use super::identity_confirm::ConfirmationMail;
use super::{Letterbox, ServiceError, UserSession, now_unix};
use crate::auth::random_id;
use crate::mail::EmailAddress;
use crate::mail::compose::parse_address;
use crate::store::{ContactRecord, IdentityRecord};

/// A From address the user may send as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub reply_to: Option<String>,
    pub signature: String,
    pub is_default: bool,
    /// May send: its domain is the login's own or operator-listed, or its link was followed.
    pub confirmed: bool,
    /// A confirmation link was mailed to it and has not expired yet.
    pub pending_confirmation: bool,
}

impl Identity {
    /// The identity as a mail address (name and email).
    pub fn address(&self) -> EmailAddress {
        EmailAddress { name: self.name.clone().filter(|n| !n.trim().is_empty()), email: self.email.clone() }
    }
}

impl From<IdentityRecord> for Identity {
    fn from(r: IdentityRecord) -> Self {
        let pending_confirmation = !r.confirmed && r.confirm_token_hash.is_some() && r.confirm_expires_at.is_some_and(|at| at > now_unix());
        Self {
            id: r.id,
            email: r.email,
            name: r.name,
            reply_to: r.reply_to,
            signature: r.signature,
            is_default: r.is_default,
            confirmed: r.confirmed,
            pending_confirmation,
        }
    }
}

/// Fields to set on an identity; `None` leaves a field as it is (on create: empty / not default).
#[derive(Debug, Clone, Default)]
pub struct IdentityChanges {
    pub email: Option<String>,
    pub name: Option<Option<String>>,
    pub reply_to: Option<Option<String>>,
    pub signature: Option<String>,
    pub is_default: Option<bool>,
}

/// A recipient suggestion.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub email: String,
    pub name: Option<String>,
    pub uses: i64,
}

impl From<ContactRecord> for Contact {
    fn from(r: ContactRecord) -> Self {
        Self { email: r.email, name: r.name, uses: r.uses }
    }
}

const MAX_SIGNATURE: usize = 10_000;

impl Letterbox {
    /// The user's identities, default first. A user without any gets one for their login
    /// address (when the login is an address), made the default.
    pub async fn list_identities(&self, session: &UserSession) -> Result<Vec<Identity>, ServiceError> {
        let mut records = self.store.list_identities(&session.username).await?;
        if records.is_empty() && parse_address(&session.username).is_ok() {
            let record = IdentityRecord {
                id: random_id(),
                username: session.username.clone(),
                email: session.username.to_lowercase(),
                name: None,
                reply_to: None,
                signature: String::new(),
                is_default: true,
                created_at: now_unix(),
                confirmed: true,
                confirm_token_hash: None,
                confirm_expires_at: None,
            };
            self.store.insert_identity(&record).await?;
            records = self.store.list_identities(&session.username).await?;
        }
        Ok(records.into_iter().map(|r| self.identity_of(session, r)).collect())
    }

    /// The identity to send as: the one whose address is `from` (case-insensitive), or the
    /// default when `from` is `None`. An address that is not the user's → 422 on `from`.
    pub async fn sending_identity(&self, session: &UserSession, from: Option<&str>) -> Result<Identity, ServiceError> {
        let identities = self.list_identities(session).await?;
        let found = match from {
            Some(email) => identities.into_iter().find(|i| i.email.eq_ignore_ascii_case(email.trim())),
            None => identities.into_iter().next(),
        };
        found.ok_or_else(|| ServiceError::Unprocessable {
            field: "from".into(),
            detail: match from {
                Some(email) => format!("{email:?} is not one of your identities; add it under identities first"),
                None => "you have no identity to send from; add one first".into(),
            },
        })
    }

    /// Adds an identity. A duplicate address → 409. An address outside the allowed domains starts
    /// unconfirmed, and a confirmation link goes to it (see [`ConfirmationMail`]).
    pub async fn create_identity(
        &self,
        session: &UserSession,
        changes: IdentityChanges,
        mail: &ConfirmationMail<'_>,
    ) -> Result<Identity, ServiceError> {
        let existing = self.list_identities(session).await?;
        let email = changes.email.clone().ok_or_else(|| unprocessable("email", "give the address to send from"))?;
        let mut record = IdentityRecord {
            id: random_id(),
            username: session.username.clone(),
            email: String::new(),
            name: None,
            reply_to: None,
            signature: String::new(),
            is_default: existing.is_empty(),
            created_at: now_unix(),
            confirmed: false,
            confirm_token_hash: None,
            confirm_expires_at: None,
        };
        apply(&mut record, IdentityChanges { email: Some(email), ..changes })?;
        let waiting = existing.iter().filter(|i| !i.confirmed).count();
        let token = self.start_confirmation(session, &mut record, waiting)?;
        if !self.store.insert_identity(&record).await? {
            return Err(ServiceError::Conflict(format!("you already have an identity for {}", record.email)));
        }
        if let Some(token) = token {
            self.send_confirmation_logged(session, &record.email, &token, mail).await;
        }
        Ok(self.identity_of(session, record))
    }

    /// Changes an identity. Unknown id → 404; taking the default away from the only default → 422.
    /// A new address outside the allowed domains must be confirmed again.
    pub async fn update_identity(
        &self,
        session: &UserSession,
        id: &str,
        changes: IdentityChanges,
        mail: &ConfirmationMail<'_>,
    ) -> Result<Identity, ServiceError> {
        let identities = self.store.list_identities(&session.username).await?;
        let mut record = identities.iter().find(|r| r.id == id).cloned().ok_or_else(|| not_found(id))?;
        if changes.is_default == Some(false) && record.is_default {
            return Err(unprocessable("isDefault", "make another identity the default instead"));
        }
        let old_email = record.email.clone();
        apply(&mut record, changes)?;
        if identities.iter().any(|other| other.id != record.id && other.email == record.email) {
            return Err(ServiceError::Conflict(format!("you already have an identity for {}", record.email)));
        }
        let token = if record.email != old_email {
            record.confirmed = false;
            let waiting = self.unconfirmed_count(session, &identities, &record.id);
            self.start_confirmation(session, &mut record, waiting)?
        } else {
            None
        };
        if !self.store.update_identity(&record).await? {
            return Err(not_found(id));
        }
        if let Some(token) = token {
            self.send_confirmation_logged(session, &record.email, &token, mail).await;
        }
        Ok(self.identity_of(session, record))
    }

    /// Removes an identity; the last one cannot go (409). The default passes to another.
    pub async fn delete_identity(&self, session: &UserSession, id: &str) -> Result<(), ServiceError> {
        let identities = self.store.list_identities(&session.username).await?;
        if !identities.iter().any(|r| r.id == id) {
            return Err(not_found(id));
        }
        if identities.len() == 1 {
            return Err(ServiceError::Conflict("this is your only identity; add another before deleting it".into()));
        }
        self.store.delete_identity(&session.username, id).await?;
        self.store.ensure_default_identity(&session.username).await?;
        Ok(())
    }

    /// Up to `limit` remembered recipients matching `query`, most used first.
    pub async fn suggest_contacts(&self, session: &UserSession, query: &str, limit: usize) -> Result<Vec<Contact>, ServiceError> {
        let query = query.trim();
        if query.len() > 200 {
            return Err(ServiceError::InvalidInput { field: "q", detail: "at most 200 characters".into() });
        }
        let limit = limit.clamp(1, 100) as i64;
        Ok(self.store.search_contacts(&session.username, query, limit).await?.into_iter().map(Contact::from).collect())
    }

    /// Remembers the recipients of a sent message for later suggestions.
    pub(super) async fn remember_recipients(&self, session: &UserSession, recipients: &[EmailAddress]) {
        let contacts: Vec<(String, Option<String>)> = recipients.iter().map(|a| (a.email.clone(), a.name.clone())).collect();
        if let Err(err) = self.store.remember_contacts(&session.username, &contacts, now_unix()).await {
            tracing::warn!(error = %err, "could not remember recipients");
        }
    }
}

fn apply(record: &mut IdentityRecord, changes: IdentityChanges) -> Result<(), ServiceError> {
    if let Some(email) = changes.email {
        let parsed = parse_address(email.trim()).map_err(|detail| unprocessable("email", &detail))?;
        if parsed.name.is_some() {
            return Err(unprocessable("email", "give the bare address; the name goes in \"name\""));
        }
        record.email = parsed.email.to_lowercase();
    }
    if let Some(name) = changes.name {
        record.name = single_line("name", name, 200)?;
    }
    if let Some(reply_to) = changes.reply_to {
        record.reply_to = match single_line("replyTo", reply_to, 320)? {
            Some(raw) => Some(parse_address(&raw).map_err(|detail| unprocessable("replyTo", &detail))?.email),
            None => None,
        };
    }
    if let Some(signature) = changes.signature {
        if signature.len() > MAX_SIGNATURE || signature.contains('\0') {
            return Err(unprocessable("signature", &format!("at most {MAX_SIGNATURE} bytes of text")));
        }
        record.signature = signature.replace("\r\n", "\n");
    }
    if let Some(is_default) = changes.is_default {
        record.is_default = is_default;
    }
    Ok(())
}

fn single_line(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, ServiceError> {
    let Some(value) = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else { return Ok(None) };
    if value.chars().any(char::is_control) {
        return Err(unprocessable(field, "line breaks and control characters are not allowed"));
    }
    if value.len() > max {
        return Err(unprocessable(field, &format!("at most {max} bytes")));
    }
    Ok(Some(value))
}

pub(super) fn unprocessable(field: &str, detail: &str) -> ServiceError {
    ServiceError::Unprocessable { field: field.to_string(), detail: detail.to_string() }
}

pub(super) fn not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("no identity with id {id:?}"))
}
