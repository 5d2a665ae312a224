//! Reading a stored draft back into a composition, so the user can go on writing it.

use mail_parser::{HeaderName, HeaderValue, MessageParser, MimeHeaders, PartType};

use super::{Composition, OutgoingAttachment};
use crate::mail::parse::{addresses, content_type_of, id_list};

/// Prefix of the header fields Letterbox keeps its own draft state in.
const LETTERBOX_HEADER_PREFIX: &str = "x-letterbox-";

/// A draft as read from the Drafts folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredDraft {
    pub composition: Composition,
    /// The `X-Letterbox-*` header fields, in order, names as written, values decoded.
    pub extra_headers: Vec<(String, String)>,
    /// The draft's own Message-ID (without angle brackets), if it has one.
    pub message_id: Option<String>,
    /// Its Date header, Unix seconds, if present and valid.
    pub date: Option<i64>,
}

/// Parses a draft, typically one written by [`super::build_message`] with `include_bcc`, into what
/// the compose form shows: From (the first address), Reply-To (the first), To, Cc, Bcc, Subject,
/// the text/plain and text/html bodies (line endings as LF), every attachment with its decoded
/// bytes (a `message/rfc822` one as the embedded message's raw bytes), In-Reply-To, References
/// and the `X-Letterbox-*` fields.
///
/// Never fails: drafts saved by other clients open too, with whatever could be read; a missing
/// subject is empty, an attachment without a name is called `attachment`.
pub fn parse_draft(raw: &[u8]) -> StoredDraft {
    // Unknown fields decoded as unstructured text, so a non-ASCII X-Letterbox value comes back as
    // written. mail-parser applies that default only once some fields are configured (otherwise it
    // takes a fast path that keeps unknown fields raw), so the fields read here are listed.
    let parser = MessageParser::new()
        .with_mime_headers()
        .with_date_headers()
        .with_address_headers()
        .with_message_ids()
        .header_text(HeaderName::Subject)
        .default_header_text();
    let Some(message) = parser.parse(raw) else {
        return StoredDraft::default();
    };
    let part_text = |ids: &[u32], html: bool| {
        ids.iter()
            .filter_map(|id| message.parts.get(*id as usize))
            .find(|part| part.is_text_html() == html)
            .and_then(|part| part.text_contents())
            .map(lf_only)
    };
    let attachments = message
        .attachments
        .iter()
        .filter_map(|id| message.parts.get(*id as usize))
        .map(|part| OutgoingAttachment {
            filename: part.attachment_name().unwrap_or("attachment").to_string(),
            content_type: content_type_of(part),
            content: match &part.body {
                PartType::Message(inner) => inner.raw_message().to_vec(),
                _ => part.contents().to_vec(),
            },
        })
        .collect();
    let composition = Composition {
        from: addresses(message.from()).into_iter().next().unwrap_or_default(),
        reply_to: addresses(message.reply_to()).into_iter().next(),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        bcc: addresses(message.bcc()),
        subject: message.subject().unwrap_or_default().to_string(),
        text: part_text(&message.text_body, false).unwrap_or_default(),
        html: part_text(&message.html_body, true),
        attachments,
        in_reply_to: id_list(message.in_reply_to()).into_iter().next(),
        references: id_list(message.references()),
    };
    let extra_headers = message
        .headers()
        .iter()
        .filter(|h| h.name.as_str().get(..LETTERBOX_HEADER_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(LETTERBOX_HEADER_PREFIX)))
        .map(|h| {
            let value = match &h.value {
                HeaderValue::Text(text) => text.to_string(),
                HeaderValue::TextList(list) => list.join(", "),
                _ => String::new(),
            };
            (h.name.as_str().to_string(), value)
        })
        .collect();
    StoredDraft {
        composition,
        extra_headers,
        message_id: message.message_id().map(str::to_string),
        date: message.date().filter(|d| d.is_valid()).map(|d| d.to_timestamp()),
    }
}

fn lf_only(text: &str) -> String {
    text.replace("\r\n", "\n")
}
