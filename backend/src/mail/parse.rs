//! MIME parsing with mail-parser: list summaries from headers, full message views, and parts.

use mail_parser::{Address, MessageParser, MimeHeaders, PartType};

use super::{AttachmentInfo, EmailAddress};

/// Shown when a message has no subject.
pub const NO_SUBJECT: &str = "(no subject)";

/// Header fields a message list needs, decoded (encoded words, charsets, broken headers).
#[derive(Debug, Clone, Default)]
pub struct HeaderSummary {
    pub subject: String,
    pub from: Option<EmailAddress>,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    /// The Date header as Unix seconds, when it is present and valid.
    pub date: Option<i64>,
}

/// Everything the message view shows, before HTML sanitizing.
#[derive(Debug, Clone, Default)]
pub struct ParsedMessage {
    pub headers: HeaderSummary,
    pub reply_to: Vec<EmailAddress>,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The plain-text body (converted from HTML when the message has only HTML).
    pub text: Option<String>,
    /// Whether the text body is format=flowed, and with DelSp=yes.
    pub text_flowed: (bool, bool),
    /// The HTML body as sent (unsafe until sanitized), only when the message has one.
    pub html: Option<String>,
    pub attachments: Vec<AttachmentInfo>,
    /// The raw value of the topmost `Authentication-Results` header (the one the receiving
    /// server added), for [`super::auth_results::verify_sender`].
    pub authentication_results: Option<String>,
}

/// A decoded part, ready to download.
#[derive(Debug, Clone)]
pub struct PartContent {
    pub content_type: String,
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

/// The addresses of a header (groups flattened), names trimmed; entries with neither dropped.
pub(crate) fn addresses(address: Option<&Address<'_>>) -> Vec<EmailAddress> {
    address
        .map(|a| {
            a.iter()
                .filter_map(|addr| {
                    let email = addr.address.as_deref().unwrap_or("").trim().to_string();
                    let name = addr.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
                    (!email.is_empty() || name.is_some()).then_some(EmailAddress { name, email })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn summary_of(message: &mail_parser::Message<'_>) -> HeaderSummary {
    let subject = message.subject().map(str::trim).filter(|s| !s.is_empty()).unwrap_or(NO_SUBJECT).to_string();
    HeaderSummary {
        subject,
        from: addresses(message.from()).into_iter().next(),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        date: message.date().filter(|d| d.is_valid()).map(|d| d.to_timestamp()),
    }
}

/// Decodes the header block of a message (as fetched with `BODY.PEEK[HEADER]`).
pub fn parse_headers(header: &[u8]) -> HeaderSummary {
    match MessageParser::default().parse_headers(header) {
        Some(message) => summary_of(&message),
        None => HeaderSummary { subject: NO_SUBJECT.into(), ..HeaderSummary::default() },
    }
}

/// A list summary from the parts of an IMAP ENVELOPE: the raw Subject and Date header values
/// (encoded words and all) and the addresses the server already split. Decoded exactly as
/// [`parse_headers`] decodes a header block, so a list looks the same whichever the source.
pub fn summary_from_envelope(
    subject: Option<&[u8]>,
    date: Option<&[u8]>,
    from: Option<EmailAddress>,
    to: Vec<EmailAddress>,
    cc: Vec<EmailAddress>,
) -> HeaderSummary {
    let block = header_block(&[("Subject", subject), ("Date", date)]);
    let parsed = parse_headers(&block);
    HeaderSummary { subject: parsed.subject, from, to, cc, date: parsed.date }
}

/// An unstructured header value (e.g. a display name from an ENVELOPE address) with its
/// encoded words decoded and outer white space trimmed; `None` when nothing is left.
pub fn decode_text(raw: &[u8]) -> Option<String> {
    let block = header_block(&[("Subject", Some(raw))]);
    let message = MessageParser::default().parse_headers(&block)?;
    message.subject().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A header block of the given fields. CR and LF are dropped from the values: a folded value
/// unfolds, and no value can end the block or start another field.
fn header_block(fields: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
    let mut block = Vec::new();
    for (name, value) in fields {
        let Some(value) = value else { continue };
        block.extend_from_slice(name.as_bytes());
        block.extend_from_slice(b": ");
        block.extend(value.iter().copied().filter(|b| *b != b'\r' && *b != b'\n'));
        block.extend_from_slice(b"\r\n");
    }
    block.extend_from_slice(b"\r\n");
    block
}

/// The Message-IDs of In-Reply-To or References, without angle brackets.
pub(crate) fn id_list(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match value {
        mail_parser::HeaderValue::Text(text) => vec![text.to_string()],
        mail_parser::HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The first (topmost) `Authentication-Results` value. Not `header_raw`: mail-parser returns the
/// last header of a name there, which is the one a sender could have written.
fn topmost_auth_results(message: &mail_parser::Message<'_>) -> Option<String> {
    let header = message.headers().iter().find(|h| h.name == mail_parser::HeaderName::AuthenticationResults)?;
    let raw = message.raw_message.get(header.offset_start as usize..header.offset_end as usize)?;
    Some(String::from_utf8_lossy(raw).into_owned())
}

/// Parses a whole message for the message view.
pub fn parse_message(raw: &[u8]) -> ParsedMessage {
    let Some(message) = MessageParser::default().parse(raw) else {
        return ParsedMessage { headers: HeaderSummary { subject: NO_SUBJECT.into(), ..Default::default() }, ..Default::default() };
    };
    let text_part = message.text_body.iter().filter_map(|id| message.parts.get(*id as usize)).find(|p| !p.is_text_html());
    let text_flowed = text_part
        .and_then(|p| p.content_type())
        .map(|ct| {
            let flowed = ct.attribute("format").is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
            let delsp = ct.attribute("delsp").is_some_and(|d| d.eq_ignore_ascii_case("yes"));
            (flowed, delsp)
        })
        .unwrap_or((false, false));
    let text = match text_part {
        Some(part) => part.text_contents().map(str::to_string),
        None => message.body_text(0).map(|t| t.into_owned()),
    };
    let html = message
        .html_body
        .iter()
        .filter_map(|id| message.parts.get(*id as usize))
        .find(|p| p.is_text_html())
        .and_then(|p| p.text_contents())
        .map(str::to_string);
    // mail-parser already tells bodies from attachments (inline images included).
    let sections = imap_sections(&message);
    let attachments = message
        .attachments
        .iter()
        .filter_map(|id| {
            let index = *id as usize;
            let section = sections.get(index)?.clone()?;
            message.parts.get(index).map(|part| attachment_info(section, part))
        })
        .collect();
    ParsedMessage {
        headers: summary_of(&message),
        authentication_results: topmost_auth_results(&message),
        reply_to: addresses(message.reply_to()),
        message_id: message.message_id().map(str::to_string),
        in_reply_to: id_list(message.in_reply_to()),
        references: id_list(message.references()),
        text,
        text_flowed,
        html,
        attachments,
    }
}

/// The part's `type/subtype` in lowercase, without parameters (text/plain when missing on text).
pub(crate) fn content_type_of(part: &mail_parser::MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None if part.is_text() => "text/plain".into(),
        None => "application/octet-stream".into(),
    }
}

fn attachment_info(section: String, part: &mail_parser::MessagePart<'_>) -> AttachmentInfo {
    let disposition = part
        .content_disposition()
        .map(|d| d.ctype().to_ascii_lowercase())
        .unwrap_or_else(|| if part.content_id().is_some() { "inline".into() } else { "attachment".into() });
    AttachmentInfo {
        part_id: section,
        filename: part.attachment_name().map(str::to_string),
        content_type: content_type_of(part),
        size: part_len(part),
        disposition,
        content_id: part.content_id().map(|id| id.trim_matches(['<', '>']).to_string()),
    }
}

fn part_len(part: &mail_parser::MessagePart<'_>) -> usize {
    match &part.body {
        PartType::Message(message) => message.raw_message().len(),
        _ => part.contents().len(),
    }
}

/// The IMAP section (RFC 3501 §6.4.5) of every part, by part index: `"2"` for the second child of
/// a multipart root, `"1.2"` deeper down, `"TEXT"` for the body of a single-part message. Part
/// ids in the API are these sections, so an attachment can be fetched alone with BODY[section].
fn imap_sections(message: &mail_parser::Message<'_>) -> Vec<Option<String>> {
    let mut sections = vec![None; message.parts.len()];
    let Some(root) = message.parts.first() else { return sections };
    match root.sub_parts() {
        Some(children) => assign_sections(message, children, "", &mut sections, 0),
        None => sections[0] = Some("TEXT".to_string()),
    }
    sections
}

fn assign_sections(message: &mail_parser::Message<'_>, children: &[u32], prefix: &str, sections: &mut [Option<String>], depth: usize) {
    if depth > 32 {
        return;
    }
    for (n, id) in children.iter().enumerate() {
        let section = if prefix.is_empty() { (n + 1).to_string() } else { format!("{prefix}.{}", n + 1) };
        let index = *id as usize;
        if let Some(grandchildren) = message.parts.get(index).and_then(|p| p.sub_parts()) {
            assign_sections(message, grandchildren, &section, sections, depth + 1);
        }
        if let Some(slot) = sections.get_mut(index) {
            *slot = Some(section);
        }
    }
}

/// Whether `part_id` is a section this API hands out (digits and dots, or `TEXT`): it goes into
/// an IMAP command, so nothing else may pass.
pub fn is_valid_part_id(part_id: &str) -> bool {
    part_id == "TEXT"
        || (part_id.len() <= 40
            && part_id.split('.').all(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')))
}

fn content_of(part: &mail_parser::MessagePart<'_>) -> PartContent {
    let bytes = match &part.body {
        PartType::Message(inner) => inner.raw_message().to_vec(),
        _ => part.contents().to_vec(),
    };
    PartContent { content_type: content_type_of(part), filename: part.attachment_name().map(str::to_string), bytes }
}

/// Decodes one part fetched on its own: its MIME header block and its (transfer-encoded) body.
pub fn decode_part(mime_header: &[u8], body: &[u8]) -> Option<PartContent> {
    // Servers answer a section that does not exist with empty strings rather than an error.
    if mime_header.is_empty() && body.is_empty() {
        return None;
    }
    let mut raw = Vec::with_capacity(mime_header.len() + body.len() + 2);
    raw.extend_from_slice(mime_header);
    // The header block must end with an empty line before the body starts.
    if mime_header.ends_with(b"\r\n\r\n") || mime_header.ends_with(b"\n\n") {
    } else if mime_header.ends_with(b"\n") {
        raw.extend_from_slice(b"\r\n");
    } else {
        raw.extend_from_slice(b"\r\n\r\n");
    }
    raw.extend_from_slice(body);
    let message = MessageParser::default().parse(&raw)?;
    let root = message.parts.first()?;
    (!root.is_multipart()).then(|| content_of(root))
}

/// The decoded content of part `part_id` of a whole raw message.
pub fn part_content(raw: &[u8], part_id: &str) -> Option<PartContent> {
    let message = MessageParser::default().parse(raw)?;
    let index = imap_sections(&message).iter().position(|s| s.as_deref() == Some(part_id))?;
    let part = message.parts.get(index)?;
    (!part.is_multipart()).then(|| content_of(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case runs with LF and with CRLF line endings: servers hand out both.
    fn both_endings(text: &str) -> [Vec<u8>; 2] {
        let lf = text.replace("\r\n", "\n");
        [lf.clone().into_bytes(), lf.replace('\n', "\r\n").into_bytes()]
    }

    #[test]
    fn headers_are_decoded_whatever_the_charset() {
        let cases = [
            ("Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\nFrom: =?UTF-8?B?SsO8cmdlbg==?= <j@example.org>\n\n", "Grüße", Some("Jürgen")),
            ("Subject: =?KOI8-R?B?8NLJ18XU?=\nFrom: a@example.org\n\n", "Привет", None),
            ("Subject: =?Shift_JIS?B?g2WDWINn?=\nFrom: b@example.org\n\n", "テスト", None),
            ("From: c@example.org\n\n", NO_SUBJECT, None),
            ("Subject:    \nFrom: d@example.org\n\n", NO_SUBJECT, None),
            ("Subject: plain\nFrom: \"Broken <quote\" <e@example.org\n\n", "plain", None),
        ];
        for (text, subject, name) in cases {
            for raw in both_endings(text) {
                let headers = parse_headers(&raw);
                assert_eq!(headers.subject, subject, "{text:?}");
                if let Some(name) = name {
                    assert_eq!(headers.from.as_ref().and_then(|f| f.name.as_deref()), Some(name), "{text:?}");
                }
            }
        }
        assert_eq!(parse_headers(b"").subject, NO_SUBJECT, "garbage never fails");
        assert_eq!(parse_headers(b"\xff\xfe\x00garbage").subject, NO_SUBJECT);
    }

    #[test]
    fn bodies_and_attachments() {
        let text = "From: a@example.org\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\nHello \nworld\n--b\nContent-Type: image/png; name=\"dot.png\"\nContent-ID: <dot@x>\nContent-Disposition: inline\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b\nContent-Type: application/pdf; name=\"a.pdf\"\nContent-Disposition: attachment; filename=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n";
        for raw in both_endings(text) {
            let parsed = parse_message(&raw);
            assert!(parsed.text.as_deref().unwrap_or("").contains("Hello"), "{:?}", parsed.text);
            assert_eq!(parsed.text_flowed, (true, true));
            assert_eq!(parsed.html, None, "no HTML part, none invented");
            let names: Vec<_> =
                parsed.attachments.iter().map(|a| (a.filename.clone(), a.disposition.clone(), a.content_id.clone())).collect();
            assert_eq!(
                names,
                [(Some("dot.png".into()), "inline".into(), Some("dot@x".into())), (Some("a.pdf".into()), "attachment".into(), None)]
            );
            let pdf = part_content(&raw, &parsed.attachments[1].part_id).expect("part");
            assert_eq!(pdf.bytes, b"%PDF-1.4\n");
            assert_eq!(pdf.content_type, "application/pdf");
            assert!(part_content(&raw, "999").is_none());
            assert!(part_content(&raw, "x").is_none());
            assert_eq!(parsed.attachments.iter().map(|a| a.part_id.as_str()).collect::<Vec<_>>(), ["2", "3"], "IMAP sections");
        }
    }

    #[test]
    fn sections_follow_rfc3501_numbering() {
        let nested = "Content-Type: multipart/mixed; boundary=\"o\"\n\n--o\nContent-Type: multipart/alternative; boundary=\"i\"\n\n--i\nContent-Type: text/plain\n\nplain\n--i\nContent-Type: text/html\n\n<p>html</p>\n--i--\n--o\nContent-Type: application/octet-stream; name=\"x.bin\"\nContent-Transfer-Encoding: base64\n\nAAEC\n--o--\n";
        for raw in both_endings(nested) {
            let message = MessageParser::default().parse(&raw).unwrap();
            let sections: Vec<Option<String>> = imap_sections(&message);
            let named: Vec<&str> = sections.iter().flatten().map(String::as_str).collect();
            assert_eq!(named, ["1", "1.1", "1.2", "2"]);
            assert_eq!(part_content(&raw, "2").unwrap().bytes, [0, 1, 2]);
        }
        let single = "Content-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n";
        let message = MessageParser::default().parse(single.as_bytes()).unwrap();
        assert_eq!(imap_sections(&message)[0].as_deref(), Some("TEXT"));
    }

    #[test]
    fn parts_decode_alone_and_ids_are_checked() {
        let part = decode_part(
            b"Content-Type: application/octet-stream; name=\"x.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
            b"AAEC\r\n",
        )
        .unwrap();
        assert_eq!((part.bytes.as_slice(), part.filename.as_deref()), (&[0u8, 1, 2][..], Some("x.bin")));
        let qp = decode_part(b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable", b"Gr=C3=BC=C3=9Fe")
            .unwrap();
        assert_eq!(qp.bytes, "Grüße".as_bytes());
        assert!(decode_part(b"", b"").is_none(), "a section the message does not have");
        for (id, ok) in [
            ("1", true),
            ("2.1.3", true),
            ("TEXT", true),
            ("0", false),
            ("1.", false),
            ("1 2", false),
            ("1]", false),
            ("HEADER", false),
            ("", false),
            ("99999", false),
        ] {
            assert_eq!(is_valid_part_id(id), ok, "{id:?}");
        }
    }
}
