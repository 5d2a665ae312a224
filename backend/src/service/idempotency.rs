//! `Idempotency-Key`: a retried request returns the first outcome instead of running twice.

use std::future::Future;

use ring::digest::{Context, SHA256};

use super::compose::{OutgoingRequest, SendOutcome};
use super::{Letterbox, ServiceError, UserSession, now_unix};
use crate::store::KeyState;

/// A digest of everything that makes a request what it is, so a key reused for a different
/// request is caught. Fields are length-prefixed so no two requests share a digest by
/// shifting bytes between fields.
pub(super) fn fingerprint(request: &OutgoingRequest) -> String {
    let mut digest = Context::new(&SHA256);
    let mut field = |bytes: &[u8]| {
        digest.update(&(bytes.len() as u64).to_be_bytes());
        digest.update(bytes);
    };
    field(request.from.as_deref().unwrap_or("").as_bytes());
    for list in [&request.to, &request.cc, &request.bcc] {
        field(&(list.len() as u64).to_be_bytes());
        for address in list {
            field(address.name.as_deref().unwrap_or("").as_bytes());
            field(address.email.as_bytes());
        }
    }
    field(request.subject.as_deref().unwrap_or("").as_bytes());
    field(request.text.as_bytes());
    field(request.html.as_deref().unwrap_or("").as_bytes());
    field(&[u8::from(request.markdown), u8::from(request.quote_text), u8::from(request.include_original_attachments)]);
    field(&[u8::from(request.forward_as_attachment)]);
    for attachment in &request.attachments {
        field(attachment.filename.as_bytes());
        field(attachment.content_type.as_bytes());
        field(&attachment.content);
    }
    if let Some(reference) = &request.reference {
        field(reference.id.encode().as_bytes());
        field(format!("{:?}", reference.action).as_bytes());
    }
    digest.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks an `Idempotency-Key` header value: 1–255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), ServiceError> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServiceError::InvalidInput { field: "Idempotency-Key", detail: "use 1 to 255 visible ASCII characters".into() });
    }
    Ok(())
}

impl Letterbox {
    /// Runs `work` once per (user, key). A repeat of the same request gets the stored outcome; a
    /// different request with the same key → 422; a repeat while the first still runs → 409.
    /// A failed attempt sent nothing, so its key is released and a retry may try again.
    pub(super) async fn idempotent<F>(
        &self,
        session: &UserSession,
        key: &str,
        fingerprint: &str,
        work: F,
    ) -> Result<SendOutcome, ServiceError>
    where
        F: Future<Output = Result<SendOutcome, ServiceError>>,
    {
        check_key(key)?;
        match self.store.claim_idempotency_key(&session.username, key, fingerprint, now_unix()).await? {
            KeyState::Claimed => {
                let result = work.await;
                match &result {
                    Ok(outcome) => {
                        let body = serde_json::to_string(outcome).map_err(|e| ServiceError::Internal(e.to_string()))?;
                        self.store.finish_idempotency_key(&session.username, key, 201, &body).await?;
                    }
                    Err(_) => self.store.release_idempotency_key(&session.username, key).await?,
                }
                result
            }
            KeyState::Done { request_hash, .. } | KeyState::InProgress { request_hash } if request_hash != fingerprint => {
                Err(ServiceError::Unprocessable {
                    field: "Idempotency-Key".into(),
                    detail: "this key was already used for a different request; use a new key".into(),
                })
            }
            KeyState::Done { response, .. } => {
                serde_json::from_str(&response).map_err(|e| ServiceError::Internal(format!("stored idempotent response: {e}")))
            }
            KeyState::InProgress { .. } => {
                Err(ServiceError::Conflict("a request with this Idempotency-Key is still running; retry in a moment".into()))
            }
        }
    }
}
