//! Preparing a message body for display: the HTML sanitized with inline parts wired to their
//! own attachment URLs, or the plain text turned into safe HTML.

use crate::mail::AttachmentInfo;
use crate::mail::sanitize::{SanitizeOptions, SanitizedHtml, sanitize_html, text_to_html};

/// The CSS class that wraps a message body; every style of the message is scoped to it.
pub const SCOPE_CLASS: &str = "lb-msg";

/// Sanitizes `html`; `cid:` references become `part_url_template` with `{part}` replaced by the
/// matching attachment's part id. Hostile HTML can cost up to about half a second of CPU, so the
/// work runs on the blocking pool, never on the async threads that serve other requests.
pub async fn sanitized_body(html: &str, attachments: &[AttachmentInfo], allow_remote: bool, part_url_template: &str) -> SanitizedHtml {
    let (html, attachments, template) = (html.to_string(), attachments.to_vec(), part_url_template.to_string());
    let work = move || {
        let cid_url = |cid: &str| {
            attachments
                .iter()
                .find(|a| a.content_id.as_deref().is_some_and(|id| id.eq_ignore_ascii_case(cid)))
                .map(|a| template.replace("{part}", &a.part_id))
        };
        sanitize_html(&html, &SanitizeOptions { allow_remote, cid_url: &cid_url, scope_class: SCOPE_CLASS })
    };
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|err| {
        // A bug in the sanitizer must not show the unsanitized body; show nothing instead.
        tracing::error!(error = %err, "sanitizer failed");
        SanitizedHtml { html: "<p>(This message could not be displayed safely.)</p>".into(), remote_blocked: 0 }
    })
}

/// A plain-text body as safe HTML (escaped, links clickable, quotes as blockquotes).
pub fn text_body(text: &str, flowed: bool, delsp: bool) -> String {
    format!("<div class=\"{SCOPE_CLASS} plain\">{}</div>", text_to_html(text, flowed, delsp))
}
