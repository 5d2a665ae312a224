//! MIME building with mail-builder: a validated composition becomes the exact bytes sent over SMTP or appended as a draft.
//!
//! What mail-builder 2.0.1 does for us (checked by the tests): non-ASCII subjects and display names
//! become RFC 2047 encoded words; non-ASCII (or long) parameter values such as attachment file
//! names become RFC 2231 `filename*=UTF-8''…` (split into `filename*0*=` sections when long), never
//! RFC 2047 inside a parameter; text parts are 7bit, quoted-printable or base64, whichever is
//! shortest; every line ends in CRLF. So the output is 7-bit ASCII throughout.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::text::Text;
use mail_builder::mime::{BodyPart, MimePart};
use ring::rand::{SecureRandom, SystemRandom};

use super::validate::{check_header_text, check_message_id, is_message_id};
use super::{ComposeError, Composition, OutgoingAttachment, validate, validate_draft};
use crate::mail::EmailAddress;

/// Per-message choices that are not part of what the user wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// The Message-ID, without angle brackets (see [`new_message_id`]).
    pub message_id: String,
    /// The Date header, Unix seconds (written in UTC).
    pub date: i64,
    /// Write a Bcc header. Only for drafts: a sent message that carried it would reveal the blind
    /// copies to every recipient.
    pub include_bcc: bool,
    /// More header fields, e.g. `("X-Letterbox-Reference", "…")` on drafts. Names must be plain field
    /// names and not one of the fields the builder writes itself; values may be any single-line text.
    pub extra_headers: Vec<(String, String)>,
    /// Validate as a draft ([`validate_draft`]: recipients may be missing) instead of [`validate`].
    pub draft: bool,
}

/// Fields the builder writes itself: an extra header with one of these names would duplicate or
/// contradict it (two From lines, a second Content-Type).
const RESERVED_HEADERS: &[&str] = &[
    "date",
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "subject",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "return-path",
    "received",
];

/// RFC 5322 §2.1.1: no line longer than 998 characters; a `message/rfc822` part sent as is must obey.
const MAX_LINE: usize = 998;

/// Builds the RFC 5322 message for `c`: validated first ([`validate`], or [`validate_draft`] when
/// `opts.draft`), then Date, From, Reply-To, To, Cc, Bcc (only with `opts.include_bcc`), Subject,
/// Message-ID, In-Reply-To, References, the extra headers and MIME-Version; the body is text/plain,
/// multipart/alternative (text, html) when there is HTML, wrapped in multipart/mixed with the
/// attachments when there are any. The output is 7-bit ASCII with CRLF line endings.
pub fn build_message(c: &Composition, opts: &BuildOptions) -> Result<Vec<u8>, ComposeError> {
    if opts.draft { validate_draft(c) } else { validate(c) }?;
    check_message_id("messageId", &opts.message_id)?;
    for (i, (name, value)) in opts.extra_headers.iter().enumerate() {
        let field = format!("extraHeaders[{i}]");
        check_header_text(&field, name)?;
        check_header_text(&field, value)?;
        let plain_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if !plain_name || RESERVED_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return Err(ComposeError::invalid(field, "not an acceptable header name"));
        }
    }

    let mut builder = MessageBuilder::new().date(Date::new(opts.date)).from(address(&c.from));
    if let Some(reply_to) = &c.reply_to {
        builder = builder.reply_to(address(reply_to));
    }
    if !c.to.is_empty() {
        builder = builder.to(address_list(&c.to));
    }
    if !c.cc.is_empty() {
        builder = builder.cc(address_list(&c.cc));
    }
    if opts.include_bcc && !c.bcc.is_empty() {
        builder = builder.bcc(address_list(&c.bcc));
    }
    builder = builder.subject(Text::new(c.subject.as_str())).message_id(opts.message_id.as_str());
    if let Some(id) = &c.in_reply_to {
        builder = builder.in_reply_to(id.as_str());
    }
    if !c.references.is_empty() {
        builder = builder.references(MessageId::new_list(c.references.iter().map(String::as_str)));
    }
    for (name, value) in &opts.extra_headers {
        builder = builder.header(name.as_str(), Text::new(value.as_str()));
    }
    let bytes = builder.body(body(c)).write_to_vec().map_err(|e| ComposeError::invalid("message", e.to_string()))?;
    Ok(bytes)
}

/// A new Message-ID (without angle brackets) for mail sent as `sender_email`: 144 random bits,
/// base64url, `@` the sender's domain, since RFC 5322 wants the right side to identify the
/// originating domain and a host name would leak the server's name. Falls back to
/// `letterbox.invalid` when the address has no usable domain.
pub fn new_message_id(sender_email: &str) -> String {
    let mut random = [0u8; 18];
    SystemRandom::new().fill(&mut random).expect("system randomness is available");
    let domain = sender_email
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_ascii_lowercase())
        .filter(|domain| !domain.contains('@') && is_message_id(domain))
        .unwrap_or_else(|| "letterbox.invalid".to_string());
    format!("{}@{domain}", URL_SAFE_NO_PAD.encode(random))
}

fn address(a: &EmailAddress) -> Address<'_> {
    let name = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    Address::new_address(name, a.email.as_str())
}

fn address_list(list: &[EmailAddress]) -> Address<'_> {
    Address::new_list(list.iter().map(address).collect())
}

/// Browsers send CRLF from a textarea and LF from JavaScript; a lone CR would go out as a bare CR,
/// which SMTP servers reject. LF everywhere here; the encoders write CRLF.
fn lf_only(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn body(c: &Composition) -> MimePart<'_> {
    let text = MimePart::new("text/plain", lf_only(&c.text));
    let main = match &c.html {
        Some(html) => MimePart::new("multipart/alternative", vec![text, MimePart::new("text/html", lf_only(html))]),
        None => text,
    };
    if c.attachments.is_empty() {
        return main;
    }
    let mut parts = Vec::with_capacity(c.attachments.len() + 1);
    parts.push(main);
    parts.extend(c.attachments.iter().map(attachment));
    MimePart::new("multipart/mixed", parts)
}

fn attachment(a: &OutgoingAttachment) -> MimePart<'_> {
    let (kind, params) =
        super::validate::split_content_type(&a.content_type).unwrap_or_else(|| (a.content_type.to_ascii_lowercase(), Vec::new()));
    let mut content_type = ContentType::new(kind.clone());
    for (name, value) in params.iter().filter(|(name, _)| name != "name") {
        content_type = content_type.attribute(name.clone(), value.clone());
    }
    // Text without a charset reads as US-ASCII; say UTF-8 when it is.
    if kind.starts_with("text/") && !params.iter().any(|(name, _)| name == "charset") && std::str::from_utf8(&a.content).is_ok() {
        content_type = content_type.attribute("charset", "utf-8");
    }
    // `name` on Content-Type as well, for the clients that only look there.
    content_type = content_type.attribute("name", a.filename.as_str());
    if kind == "message/rfc822"
        && let Some(message) = sendable_as_is(&a.content)
    {
        // RFC 2046 §5.2.1 allows only 7bit, 8bit or binary for message/rfc822, and clients show such
        // a part as an embedded message; base64 (below) is the fallback for 8-bit or overlong content.
        return MimePart::new(content_type, BodyPart::Binary(message.into())).attachment(a.filename.as_str()).transfer_encoding("7bit");
    }
    MimePart::new(content_type, BodyPart::Binary(a.content.as_slice().into())).attachment(a.filename.as_str())
}

/// The message with CRLF line endings, if it can travel as 7bit: ASCII, no NUL or bare CR, no line
/// over 998 characters.
fn sendable_as_is(message: &[u8]) -> Option<Vec<u8>> {
    if !message.is_ascii() || message.contains(&0) {
        return None;
    }
    let text = std::str::from_utf8(message).ok()?;
    let lines: Vec<&str> = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).collect();
    if lines.iter().any(|line| line.contains('\r') || line.len() > MAX_LINE) {
        return None;
    }
    Some(lines.join("\r\n").into_bytes())
}

// Building is tested together with parsing back, in `super::tests`.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids() {
        let cases = [
            ("ada@Example.COM", "example.com"),
            ("ada@[192.0.2.1]", "[192.0.2.1]"),
            ("no-at-sign", "letterbox.invalid"),
            ("ada@", "letterbox.invalid"),
            ("ada@exa mple.com", "letterbox.invalid"),
            ("ada@<evil>", "letterbox.invalid"),
        ];
        for (sender, domain) in cases {
            let id = new_message_id(sender);
            let (left, right) = id.split_once('@').unwrap();
            assert_eq!(right, domain, "{sender}");
            assert_eq!(left.len(), 24);
            assert!(is_message_id(&id), "{id}");
        }
        assert_ne!(new_message_id("a@b.c"), new_message_id("a@b.c"));
    }

    #[test]
    fn rfc822_attachments_travel_as_is_when_they_can() {
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (b"Subject: x\r\n\r\nbody\r\n", Some(b"Subject: x\r\n\r\nbody\r\n")),
            (b"Subject: x\n\nbody\n", Some(b"Subject: x\r\n\r\nbody\r\n")),
            ("Subject: Grüße\r\n\r\n".as_bytes(), None),
            (b"Subject: x\r\n\r\na\rb", None),
            (b"Subject: x\r\n\r\n\0", None),
        ];
        for (input, output) in cases {
            assert_eq!(sendable_as_is(input).as_deref(), *output, "{input:?}");
        }
        let long = format!("Subject: x\r\n\r\n{}\r\n", "a".repeat(999));
        assert_eq!(sendable_as_is(long.as_bytes()), None);
    }
}
