//! The service layer's error: what went wrong, in terms an HTTP layer can map to a status.

use std::time::Duration;

use crate::imap::ImapError;
use crate::mail::MessageId;
use crate::smtp::SmtpError;
use crate::store::StoreError;

/// A use case failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Missing, expired, revoked or forged credentials or token.
    #[error("{0}")]
    Unauthorized(String),
    /// Too many failed logins lately.
    #[error("too many failed logins; try again in {} s", .retry_after.as_secs())]
    Throttled { retry_after: Duration },
    /// The request is malformed; `field` names the culprit.
    #[error("{field}: {detail}")]
    InvalidInput { field: &'static str, detail: String },
    /// The request is well-formed but its content cannot be used (an address that is not the
    /// user's, an invalid recipient, a header value with a line break); `field` is a JSON path.
    #[error("{field}: {detail}")]
    Unprocessable { field: String, detail: String },
    /// The request is larger than allowed (attachments over the limit).
    #[error("{field}: {detail}")]
    TooLarge { field: String, detail: String },
    /// The SMTP server refused or could not be reached; nothing was sent. The message was kept
    /// in Drafts when `saved_draft` is set.
    #[error("{error}")]
    SendFailed { error: SmtpError, saved_draft: Option<MessageId> },
    /// A client's sync state cannot be brought up to date (too old, folder reset, server
    /// without QRESYNC): it must reload.
    #[error("{0}")]
    CannotSync(String),
    /// The operator has not configured this (no SMTP server).
    #[error("{0}")]
    NotConfigured(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A message id from before the mailbox's UIDVALIDITY changed: the message may exist under
    /// a new id, so the client must reload the list.
    #[error("{0}")]
    StaleId(String),
    /// The request conflicts with what exists (a mailbox that already exists).
    #[error("{0}")]
    Conflict(String),
    /// The request is understood but not allowed for this object (deleting INBOX).
    #[error("{0}")]
    Forbidden(String),
    /// An API token lacks the scope (its API name) this use case needs.
    #[error("this token lacks the scope {0}")]
    MissingScope(&'static str),
    /// The mail server refused the request; the text is its own.
    #[error("the mail server refused: {0}")]
    Refused(String),
    /// The mail server could not be reached or broke off.
    #[error("{0}")]
    MailServer(ImapError),
    /// A bug or a database failure; details stay in the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        ServiceError::Internal(err.to_string())
    }
}

impl From<ImapError> for ServiceError {
    fn from(err: ImapError) -> Self {
        match err {
            ImapError::AuthFailed => ServiceError::Unauthorized("the mail server rejected the username or password".into()),
            ImapError::InvalidInput(detail) => ServiceError::InvalidInput { field: "path", detail },
            ImapError::No(text) => classify_refusal(text),
            other => ServiceError::MailServer(other),
        }
    }
}

/// Turns an IMAP NO into the matching error using its response code (RFC 5530) or, for servers
/// without codes, its usual wording.
fn classify_refusal(text: String) -> ServiceError {
    let upper = text.to_ascii_uppercase();
    if upper.contains("ALREADYEXISTS") || upper.contains("ALREADY EXISTS") {
        ServiceError::Conflict(format!("a mailbox with that name already exists ({text})"))
    } else if upper.contains("NONEXISTENT")
        || upper.contains("DOESN'T EXIST")
        || upper.contains("DOES NOT EXIST")
        || upper.contains("NOT FOUND")
    {
        ServiceError::NotFound(format!("no such mailbox ({text})"))
    } else if upper.contains("[CANNOT]") {
        ServiceError::InvalidInput { field: "path", detail: format!("the mail server cannot use that name ({text})") }
    } else if upper.contains("INUSE") || upper.contains("HAS CHILDREN") || upper.contains("HASCHILDREN") {
        ServiceError::Conflict(text)
    } else {
        ServiceError::Refused(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_by_code_and_wording() {
        type Check = fn(&ServiceError) -> bool;
        let cases: [(&str, Check); 5] = [
            ("[ALREADYEXISTS] Mailbox already exists", |e| matches!(e, ServiceError::Conflict(_))),
            ("[NONEXISTENT] Mailbox doesn't exist: X", |e| matches!(e, ServiceError::NotFound(_))),
            ("Mailbox doesn't exist: X", |e| matches!(e, ServiceError::NotFound(_))),
            ("[CANNOT] Invalid mailbox name", |e| matches!(e, ServiceError::InvalidInput { .. })),
            ("[OVERQUOTA] Quota exceeded", |e| matches!(e, ServiceError::Refused(_))),
        ];
        for (text, check) in cases {
            let err = ServiceError::from(ImapError::No(text.into()));
            assert!(check(&err), "{text} -> {err:?}");
        }
    }
}
