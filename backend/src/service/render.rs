//! Preparing a message body for display: the HTML sanitized with inline parts wired to their
//! own attachment URLs, or the plain text turned into safe HTML.

use crate::mail::AttachmentInfo;
use crate::mail::sanitize::{SanitizeOptions, SanitizedHtml, sanitize_html, text_to_html};

/// The CSS class that wraps a message body; every style of the message is scoped to it.
pub const SCOPE_CLASS: &str = "lb-msg";

/// Sanitizes `html`; `cid:` references become `part_url(part_id)` of the matching attachment.
pub fn sanitized_body(html: &str, attachments: &[AttachmentInfo], allow_remote: bool, part_url: &dyn Fn(&str) -> String) -> SanitizedHtml {
    let cid_url = |cid: &str| {
        attachments
            .iter()
            .find(|a| a.content_id.as_deref().is_some_and(|id| id.eq_ignore_ascii_case(cid)))
            .map(|a| part_url(&a.part_id))
    };
    sanitize_html(html, &SanitizeOptions { allow_remote, cid_url: &cid_url, scope_class: SCOPE_CLASS })
}

/// A plain-text body as safe HTML (escaped, links clickable, quotes as blockquotes).
pub fn text_body(text: &str, flowed: bool, delsp: bool) -> String {
    format!("<div class=\"{SCOPE_CLASS} plain\">{}</div>", text_to_html(text, flowed, delsp))
}
