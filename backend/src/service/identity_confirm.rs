//! Confirming a sender identity outside the allowed domains: a single-use link mailed to the
//! address through the user's own SMTP login; until it is followed the identity cannot send.

use super::identities::{not_found, unprocessable};
use super::{Identity, Letterbox, ServiceError, UserSession, now_unix};
use crate::auth::random_id;
use crate::mail::EmailAddress;
use crate::mail::compose::{BuildOptions, Composition, build_message, new_message_id};
use crate::secret::Credentials;
use crate::smtp::Envelope;
use crate::store::IdentityRecord;

/// How long a confirmation link works.
const CONFIRM_TTL_SECS: i64 = 24 * 3600;

/// Most identities one user may have waiting for confirmation: each one mailed a stranger.
pub const MAX_UNCONFIRMED: usize = 10;

/// What the confirmation mail says, from the HTTP layer (it knows the user's language and the
/// address Letterbox is reached at): `link_base` like `https://mail.example.com`, and
/// `text(address, link)` giving the subject and the plain-text body.
pub struct ConfirmationMail<'a> {
    pub link_base: &'a str,
    pub text: &'a (dyn Fn(&str, &str) -> (String, String) + Send + Sync),
}

fn token_hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref().to_vec()
}

fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

impl Letterbox {
    /// Whether `email` may send without confirmation: same domain as the login, or one of
    /// `LETTERBOX_IDENTITY_DOMAINS` (exact, case-insensitive).
    pub fn identity_domain_allowed(&self, session: &UserSession, email: &str) -> bool {
        let domain = domain_of(email).to_ascii_lowercase();
        !domain.is_empty() && (domain.eq_ignore_ascii_case(domain_of(&session.username)) || self.config.identity_domains.contains(&domain))
    }

    /// The identity as the user sees it: allowed domains count as confirmed.
    pub(super) fn identity_of(&self, session: &UserSession, record: IdentityRecord) -> Identity {
        let allowed = self.identity_domain_allowed(session, &record.email);
        let mut identity = Identity::from(record);
        if allowed {
            identity.confirmed = true;
            identity.pending_confirmation = false;
        }
        identity
    }

    /// Marks `record` confirmed when its domain is allowed; otherwise gives it a fresh token
    /// (returned, only its hash is kept). `waiting` other unconfirmed identities already at the
    /// cap → 422 on `email`.
    pub(super) fn start_confirmation(
        &self,
        session: &UserSession,
        record: &mut IdentityRecord,
        waiting: usize,
    ) -> Result<Option<String>, ServiceError> {
        if self.identity_domain_allowed(session, &record.email) {
            record.confirmed = true;
            record.confirm_token_hash = None;
            record.confirm_expires_at = None;
            return Ok(None);
        }
        if waiting >= MAX_UNCONFIRMED {
            return Err(unprocessable(
                "email",
                &format!("at most {MAX_UNCONFIRMED} identities may wait for confirmation; confirm or delete some first"),
            ));
        }
        let token = format!("{}{}", random_id(), random_id());
        record.confirmed = false;
        record.confirm_token_hash = Some(token_hash(&token));
        record.confirm_expires_at = Some(now_unix() + CONFIRM_TTL_SECS);
        Ok(Some(token))
    }

    /// Sends the confirmation mail; a failure is logged (the identity stays pending and the
    /// user can ask for the mail again).
    pub(super) async fn send_confirmation_logged(&self, session: &UserSession, email: &str, token: &str, mail: &ConfirmationMail<'_>) {
        if let Err(error) = self.send_confirmation(session, email, token, mail).await {
            tracing::warn!(username = %session.username, error = %error, "could not send an identity confirmation mail");
        }
    }

    async fn send_confirmation(
        &self,
        session: &UserSession,
        email: &str,
        token: &str,
        mail: &ConfirmationMail<'_>,
    ) -> Result<(), ServiceError> {
        let Some(smtp) = &self.smtp else {
            return Err(ServiceError::NotConfigured("sending is not set up: the operator has not configured LETTERBOX_SMTP".into()));
        };
        let link = format!("{}/identities/confirm?token={token}", mail.link_base.trim_end_matches('/'));
        let (subject, text) = (mail.text)(email, &link);
        let from = EmailAddress { name: None, email: session.username.to_lowercase() };
        let composition = Composition {
            from: from.clone(),
            to: vec![EmailAddress { name: None, email: email.to_string() }],
            subject,
            text,
            ..Composition::default()
        };
        let options = BuildOptions { message_id: new_message_id(&from.email), date: now_unix(), ..BuildOptions::default() };
        let bytes = build_message(&composition, &options)?;
        let envelope = Envelope { from: from.email, recipients: vec![email.to_string()] };
        let credentials =
            Credentials { username: self.config.smtp_login(&session.username), password: session.credentials.password.clone() };
        smtp.submit(&credentials, &envelope, &bytes).await.map_err(|error| ServiceError::SendFailed { error, saved_draft: None })?;
        Ok(())
    }

    /// Follows a confirmation link: the user's identity with that unexpired token becomes
    /// confirmed and the token stops working. Unknown, used or expired → 404.
    pub async fn confirm_identity(&self, session: &UserSession, token: &str) -> Result<Identity, ServiceError> {
        let gone = || ServiceError::NotFound("this confirmation link is unknown, already used or expired".into());
        if token.is_empty() || token.len() > 200 {
            return Err(gone());
        }
        let id = self.store.confirm_identity(&session.username, &token_hash(token), now_unix()).await?.ok_or_else(gone)?;
        let records = self.store.list_identities(&session.username).await?;
        let record = records.into_iter().find(|r| r.id == id).ok_or_else(gone)?;
        Ok(self.identity_of(session, record))
    }

    /// Mails a new confirmation link for an unconfirmed identity (the old link stops working).
    /// Already confirmed → 409; the mail cannot go out → the SMTP error.
    pub async fn resend_identity_confirmation(
        &self,
        session: &UserSession,
        id: &str,
        mail: &ConfirmationMail<'_>,
    ) -> Result<Identity, ServiceError> {
        let records = self.store.list_identities(&session.username).await?;
        let mut record = records.iter().find(|r| r.id == id).cloned().ok_or_else(|| not_found(id))?;
        if record.confirmed || self.identity_domain_allowed(session, &record.email) {
            return Err(ServiceError::Conflict(format!("{} is already confirmed", record.email)));
        }
        let Some(token) = self.start_confirmation(session, &mut record, 0)? else { return Ok(self.identity_of(session, record)) };
        if !self.store.update_identity(&record).await? {
            return Err(not_found(id));
        }
        self.send_confirmation(session, &record.email, &token, mail).await?;
        Ok(self.identity_of(session, record))
    }

    /// How many of `records` (other than `except`) wait for confirmation.
    pub(super) fn unconfirmed_count(&self, session: &UserSession, records: &[IdentityRecord], except: &str) -> usize {
        records.iter().filter(|r| r.id != except && !r.confirmed && !self.identity_domain_allowed(session, &r.email)).count()
    }

    /// Refuses to send from an identity that still waits for its confirmation (422 on `from`).
    pub(super) fn require_confirmed(identity: &Identity) -> Result<(), ServiceError> {
        if identity.confirmed {
            return Ok(());
        }
        Err(unprocessable(
            "from",
            &format!("{} is not confirmed yet: follow the link mailed to it (or ask for a new one) before sending from it", identity.email),
        ))
    }
}
