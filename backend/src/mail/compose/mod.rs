//! Writing mail: the outgoing message model, its validation, MIME building, replies, forwards and Markdown.
//!
//! Everything here is pure (no IO): the service layer validates a [`Composition`], builds it with
//! [`build_message`] and hands the bytes to SMTP (send) or IMAP APPEND (draft); a stored draft comes
//! back with [`parse_draft`]; replies and forwards start from [`prefill`].

mod address;
mod build;
mod draft;
mod markdown;
mod model;
mod quote;
mod reply;
mod validate;

pub use address::{parse_address, parse_address_list};
pub use build::{BuildOptions, build_message, new_message_id};
pub use draft::{StoredDraft, parse_draft};
pub use markdown::render_markdown;
pub use model::{Composition, OutgoingAttachment};
pub use reply::{ReplyAction, ReplyContext, ReplyPrefill, forward_subject, prefill, reply_subject};
pub use validate::{validate, validate_draft};

/// Why a composition cannot be built or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// One field is unacceptable. `field` is its JSON path in the API (`subject`, `to[1]`,
    /// `from.name`, `attachments[0].filename`), `detail` a sentence for the user.
    #[error("{field}: {detail}")]
    InvalidField { field: String, detail: String },
}

impl ComposeError {
    pub(crate) fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        ComposeError::InvalidField { field: field.into(), detail: detail.into() }
    }
}

#[cfg(test)]
mod tests;
