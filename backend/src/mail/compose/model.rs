//! The outgoing message as the user wrote it, before any MIME encoding.

use crate::mail::EmailAddress;

/// A message being written: what the compose form holds, and what a stored draft parses back to.
///
/// Addresses are plain values here; [`super::validate`] decides whether they may be sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Composition {
    pub from: EmailAddress,
    pub reply_to: Option<EmailAddress>,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    /// Blind copies: envelope recipients only, written as a header into drafts alone.
    pub bcc: Vec<EmailAddress>,
    pub subject: String,
    /// The text/plain body, lines separated by `\n` (CRLF is produced when building).
    pub text: String,
    /// When present the body is multipart/alternative: `text` first, then this text/html.
    pub html: Option<String>,
    pub attachments: Vec<OutgoingAttachment>,
    /// The Message-ID being answered, without angle brackets.
    pub in_reply_to: Option<String>,
    /// The thread's Message-IDs, oldest first, without angle brackets.
    pub references: Vec<String>,
}

/// A file attached to an outgoing message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingAttachment {
    /// The name shown to the recipient; any Unicode (encoded per RFC 2231 when needed).
    pub filename: String,
    /// `type/subtype` without parameters, e.g. `application/pdf`.
    pub content_type: String,
    pub content: Vec<u8>,
}

impl Composition {
    /// Every recipient of the envelope: To, then Cc, then Bcc.
    pub fn recipients(&self) -> impl Iterator<Item = &EmailAddress> {
        self.to.iter().chain(&self.cc).chain(&self.bcc)
    }
}
