//! Build-then-parse tests: what `build_message` writes is checked on the raw bytes and through mail-parser and `parse_draft`.

use mail_parser::{MessageParser, MimeHeaders};

use super::*;
use crate::mail::EmailAddress;

fn addr(name: Option<&str>, email: &str) -> EmailAddress {
    EmailAddress { name: name.map(str::to_string), email: email.to_string() }
}

fn all_bytes() -> Vec<u8> {
    (0..=255u8).chain((0..=255u8).rev()).collect()
}

const FORWARDED: &[u8] = b"From: c@example.net\r\nSubject: inner\r\nMessage-ID: <inner@example.net>\r\n\r\nInner body\r\n";

fn full() -> Composition {
    Composition {
        from: addr(Some("Jürgen Groß"), "juergen@example.com"),
        reply_to: Some(addr(Some("Team"), "team@example.com")),
        to: vec![addr(Some("Bob"), "bob@example.org"), addr(Some("Doe, Jane \"JD\""), "jane@example.org")],
        cc: vec![addr(Some("Zoë 📎"), "zoe@example.net"), addr(None, "cy@example.net")],
        bcc: vec![addr(Some("Hidden"), "hidden@example.net")],
        subject: "Grüße aus Köln 📎 — a subject long enough that it has to be folded over more than one line".into(),
        text: "Hallo Bob,\n\nGrüße!  Trailing space \n> quoted\n".to_string() + &"long line ".repeat(30) + "\n-- \nJürgen",
        html: Some("<p>Hallo <b>Bob</b>,</p>\n<p>Grüße!</p>".into()),
        attachments: vec![
            OutgoingAttachment { filename: "bytes.bin".into(), content_type: "application/octet-stream".into(), content: all_bytes() },
            OutgoingAttachment {
                filename: "Grüße 📎.txt".into(),
                content_type: "text/plain".into(),
                content: "Zeile 1\nZeile 2 ü\n".into(),
            },
            OutgoingAttachment { filename: "inner.eml".into(), content_type: "message/rfc822".into(), content: FORWARDED.to_vec() },
        ],
        in_reply_to: Some("parent@example.org".into()),
        references: vec!["root@example.org".into(), "parent@example.org".into()],
    }
}

fn options(include_bcc: bool) -> BuildOptions {
    BuildOptions { message_id: "new.1@example.com".into(), date: 1_772_534_520, include_bcc, extra_headers: Vec::new(), draft: include_bcc }
}

fn header_section(raw: &[u8]) -> &str {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header section");
    std::str::from_utf8(&raw[..end]).expect("ASCII headers")
}

/// Header fields with their folded continuation lines joined.
fn unfolded_fields(header: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for line in header.split("\r\n") {
        match fields.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
            _ => fields.push(line.to_string()),
        }
    }
    fields
}

fn emails(list: Option<&mail_parser::Address<'_>>) -> Vec<(Option<String>, String)> {
    list.map(|a| a.iter().map(|a| (a.name.as_deref().map(str::to_string), a.address.as_deref().unwrap_or("").to_string())).collect())
        .unwrap_or_default()
}

#[test]
fn raw_output_is_ascii_crlf_and_hides_bcc() {
    let raw = build_message(&full(), &options(false)).unwrap();
    assert!(raw.is_ascii(), "8-bit bytes in the output");
    for (i, b) in raw.iter().enumerate() {
        if *b == b'\n' {
            assert_eq!(raw.get(i.wrapping_sub(1)), Some(&b'\r'), "bare LF at {i}");
        }
        if *b == b'\r' {
            assert_eq!(raw.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
    }
    assert!(raw.split(|b| *b == b'\n').all(|line| line.len() <= 1000), "a line over 998 characters");

    let header = header_section(&raw);
    let fields = unfolded_fields(header);
    let field =
        |name: &str| fields.iter().find(|f| f.len() > name.len() && f[..name.len() + 1].eq_ignore_ascii_case(&format!("{name}:"))).cloned();
    assert_eq!(field("Bcc"), None, "{header}");
    assert!(!raw.windows(6).any(|w| w.eq_ignore_ascii_case(b"hidden")), "the blind copy leaks");
    assert_eq!(field("Message-ID").as_deref(), Some("Message-ID: <new.1@example.com>"));
    assert_eq!(field("In-Reply-To").as_deref(), Some("In-Reply-To: <parent@example.org>"));
    assert_eq!(field("References").as_deref(), Some("References: <root@example.org> <parent@example.org>"));
    assert_eq!(field("Date").as_deref(), Some("Date: Tue, 3 Mar 2026 10:42:00 +0000"));
    assert_eq!(field("MIME-Version").as_deref(), Some("MIME-Version: 1.0"));
    let subject = field("Subject").unwrap().to_ascii_lowercase();
    assert!(subject.contains("=?utf-8?"), "the subject is not RFC 2047-encoded: {subject}");
    assert!(header.lines().all(|line| line.len() <= 78), "header lines are folded:\n{header}");
    let from = field("From").unwrap().to_ascii_lowercase();
    assert!(from.contains("=?utf-8?") && from.contains("<juergen@example.com>"), "{from}");

    let text = String::from_utf8(raw.clone()).unwrap();
    // mail-builder 2.0.1 writes RFC 2231 for a non-ASCII file name, on Content-Disposition and on
    // our Content-Type `name`, and no RFC 2047 inside parameters.
    assert!(text.contains("filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%F0%9F%93%8E.txt"), "{text}");
    assert!(text.contains("name*=UTF-8''Gr%C3%BC%C3%9Fe%20%F0%9F%93%8E.txt"), "{text}");
    assert!(!text.contains("filename=\"=?"), "{text}");
    assert!(text.contains("Content-Type: multipart/mixed;") && text.contains("Content-Type: multipart/alternative;"));
    assert!(text.contains("Content-Type: message/rfc822; name=\"inner.eml\"\r\nContent-Disposition: attachment; filename=\"inner.eml\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nFrom: c@example.net\r\n"), "{text}");
}

#[test]
fn parses_back_with_mail_parser() {
    let c = full();
    let raw = build_message(&c, &options(false)).unwrap();
    let message = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some(c.subject.as_str()));
    assert_eq!(emails(message.from()), [(Some("Jürgen Groß".into()), "juergen@example.com".into())]);
    assert_eq!(emails(message.reply_to()), [(Some("Team".into()), "team@example.com".into())]);
    assert_eq!(
        emails(message.to()),
        [(Some("Bob".into()), "bob@example.org".into()), (Some("Doe, Jane \"JD\"".into()), "jane@example.org".into())]
    );
    assert_eq!(emails(message.cc()), [(Some("Zoë 📎".into()), "zoe@example.net".into()), (None, "cy@example.net".into())]);
    assert!(message.bcc().is_none());
    assert_eq!(message.message_id(), Some("new.1@example.com"));
    assert_eq!(message.in_reply_to().as_text(), Some("parent@example.org"));
    assert_eq!(message.references().as_text_list().map(|l| l.len()), Some(2));
    assert_eq!(message.date().map(|d| d.to_timestamp()), Some(1_772_534_520));
    assert_eq!(message.body_text(0).map(|t| t.replace("\r\n", "\n")), Some(c.text.clone()));
    assert_eq!(message.body_html(0).map(|t| t.replace("\r\n", "\n")).as_deref(), c.html.as_deref());
    let attachments: Vec<_> = message.attachments().collect();
    assert_eq!(attachments.len(), 3);
    assert_eq!(attachments[0].attachment_name(), Some("bytes.bin"));
    assert_eq!(attachments[0].contents(), all_bytes());
    assert_eq!(attachments[1].attachment_name(), Some("Grüße 📎.txt"));
    assert_eq!(attachments[1].contents(), "Zeile 1\nZeile 2 ü\n".as_bytes());
    assert_eq!(attachments[1].content_type().and_then(|ct| ct.attribute("charset")), Some("utf-8"));
    let inner = attachments[2].message().expect("an embedded message");
    assert_eq!(inner.subject(), Some("inner"));
    assert_eq!(inner.raw_message(), FORWARDED);

    let with_bcc = build_message(&c, &options(true)).unwrap();
    let message = MessageParser::default().parse(&with_bcc).unwrap();
    assert_eq!(emails(message.bcc()), [(Some("Hidden".into()), "hidden@example.net".into())]);
}

#[test]
fn shapes_of_the_body() {
    let plain = Composition {
        from: addr(None, "a@example.com"),
        to: vec![addr(None, "b@example.com")],
        text: "line\r\nnext\rlast".into(),
        ..Composition::default()
    };
    let raw = build_message(&plain, &options(false)).unwrap();
    let text = String::from_utf8(raw).unwrap();
    assert!(
        text.contains("Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nline\r\nnext\r\nlast"),
        "{text}"
    );
    assert!(!text.contains("multipart"), "{text}");
    assert!(!text.contains("\r\nTo: <b@example.com>\r\nCc"), "no empty Cc");

    let eight_bit =
        OutgoingAttachment { filename: "m.eml".into(), content_type: "Message/RFC822".into(), content: "Subject: ü\r\n\r\nü\r\n".into() };
    let mut with_8bit_message = plain.clone();
    with_8bit_message.attachments.push(eight_bit.clone());
    let raw = build_message(&with_8bit_message, &options(false)).unwrap();
    assert!(raw.is_ascii());
    let draft = parse_draft(&raw);
    assert_eq!(
        draft.composition.attachments,
        [OutgoingAttachment { content_type: "message/rfc822".into(), ..eight_bit }],
        "base64 fallback"
    );
}

#[test]
fn drafts_round_trip() {
    let mut only_subject =
        Composition { from: addr(Some("Ada"), "ada@example.com"), subject: "Unfinished".into(), ..Composition::default() };
    only_subject.text = "Dear …".into();
    let mut no_rfc822 = full();
    no_rfc822.attachments.pop();
    let extra =
        vec![("X-Letterbox-Reference".to_string(), "INBOX/42".to_string()), ("X-Letterbox-Note".to_string(), "Grüße 📎".to_string())];
    for (c, line_endings) in [(full(), &["\r\n"][..]), (no_rfc822, &["\r\n", "\n"]), (only_subject, &["\r\n", "\n"])] {
        let opts = BuildOptions { extra_headers: extra.clone(), ..options(true) };
        let raw = build_message(&c, &opts).unwrap();
        for ending in line_endings {
            let raw = String::from_utf8(raw.clone()).unwrap().replace("\r\n", ending);
            let draft = parse_draft(raw.as_bytes());
            assert_eq!(draft.composition, c, "{ending:?}");
            assert_eq!(draft.extra_headers, extra);
            assert_eq!(draft.message_id.as_deref(), Some("new.1@example.com"));
            assert_eq!(draft.date, Some(1_772_534_520));
        }
    }
    assert_eq!(parse_draft(b""), StoredDraft::default());
}

#[test]
fn drafts_from_other_clients_open() {
    let html_only = "From: Ada <ada@example.com>\nTo: undisclosed-recipients:;\nContent-Type: text/html\n\n<p>Hi</p>\n";
    let draft = parse_draft(html_only.as_bytes());
    assert_eq!(draft.composition.from, addr(Some("Ada"), "ada@example.com"));
    assert!(draft.composition.to.is_empty());
    assert_eq!((draft.composition.text.as_str(), draft.composition.html.as_deref()), ("", Some("<p>Hi</p>\n")));
    assert_eq!(draft.composition.subject, "");
}

#[test]
fn refuses_what_it_cannot_build() {
    let c = full();
    let cases: Vec<(Composition, BuildOptions, &str)> = vec![
        (Composition { to: vec![], cc: vec![], bcc: vec![], ..c.clone() }, options(false), "to"),
        (c.clone(), BuildOptions { message_id: "<x@y>".into(), ..options(false) }, "messageId"),
        (c.clone(), BuildOptions { message_id: String::new(), ..options(false) }, "messageId"),
        (c.clone(), BuildOptions { extra_headers: vec![("From".into(), "x@y.z".into())], ..options(false) }, "extraHeaders[0]"),
        (c.clone(), BuildOptions { extra_headers: vec![("X-A: b".into(), "c".into())], ..options(false) }, "extraHeaders[0]"),
        (c.clone(), BuildOptions { extra_headers: vec![("X-Ok".into(), "a\r\nBcc: x@y.z".into())], ..options(false) }, "extraHeaders[0]"),
        (Composition { subject: "a\nb".into(), ..c.clone() }, options(true), "subject"),
    ];
    for (composition, opts, field) in cases {
        match build_message(&composition, &opts) {
            Err(ComposeError::InvalidField { field: got, .. }) => assert_eq!(got, field),
            Ok(_) => panic!("built despite a bad {field}"),
        }
    }
    let draft = Composition { to: vec![], cc: vec![], bcc: vec![], ..c };
    assert!(build_message(&draft, &options(true)).is_ok(), "a draft needs no recipient");
}
