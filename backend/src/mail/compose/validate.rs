//! Whether a composition may be built and sent: recipients present, addresses sendable, nothing that could break out of a header.

use super::address::{check_email, check_name};
use super::{ComposeError, Composition};
use crate::mail::EmailAddress;

/// The detail for CR, LF or NUL in anything that ends up in a header line.
pub(super) const INJECTION: &str = "line breaks are not allowed (header injection)";

/// Checks a composition before it is sent: [`validate_draft`], plus at least one recipient across
/// To, Cc and Bcc (reported on `to`). The first problem found is returned, fields in form order.
pub fn validate(c: &Composition) -> Result<(), ComposeError> {
    if c.recipients().next().is_none() {
        return Err(ComposeError::invalid("to", "add at least one recipient"));
    }
    validate_draft(c)
}

/// Checks a composition before it is stored as a draft: everything [`validate`] checks except that
/// recipients may be missing (a draft is unfinished by nature). Every address must be a sendable
/// ASCII addr-spec and every display name free of control characters; subject, filenames, content
/// types and Message-IDs must not contain CR, LF or NUL; a content type is `type/subtype`; a
/// filename is not blank; bodies contain no NUL (SMTP refuses it).
pub fn validate_draft(c: &Composition) -> Result<(), ComposeError> {
    check_address("from", &c.from)?;
    if let Some(reply_to) = &c.reply_to {
        check_address("replyTo", reply_to)?;
    }
    for (list, addresses) in [("to", &c.to), ("cc", &c.cc), ("bcc", &c.bcc)] {
        for (i, address) in addresses.iter().enumerate() {
            check_address(&format!("{list}[{i}]"), address)?;
        }
    }
    check_header_text("subject", &c.subject)?;
    if c.text.contains('\0') {
        return Err(ComposeError::invalid("text", "NUL characters are not allowed"));
    }
    if c.html.as_deref().is_some_and(|html| html.contains('\0')) {
        return Err(ComposeError::invalid("html", "NUL characters are not allowed"));
    }
    for (i, attachment) in c.attachments.iter().enumerate() {
        let field = format!("attachments[{i}].filename");
        check_header_text(&field, &attachment.filename)?;
        if attachment.filename.trim().is_empty() {
            return Err(ComposeError::invalid(field, "a file name is required"));
        }
        if attachment.filename.chars().any(char::is_control) {
            return Err(ComposeError::invalid(field, "control characters are not allowed"));
        }
        let field = format!("attachments[{i}].contentType");
        check_header_text(&field, &attachment.content_type)?;
        if !is_mime_type(&attachment.content_type) {
            return Err(ComposeError::invalid(field, "not a media type (type/subtype)"));
        }
    }
    if let Some(id) = &c.in_reply_to {
        check_message_id("inReplyTo", id)?;
    }
    for (i, id) in c.references.iter().enumerate() {
        check_message_id(&format!("references[{i}]"), id)?;
    }
    Ok(())
}

fn check_address(field: &str, address: &EmailAddress) -> Result<(), ComposeError> {
    check_email(&address.email).map_err(|detail| ComposeError::invalid(field, detail))?;
    if let Some(name) = &address.name {
        check_name(name).map_err(|detail| ComposeError::invalid(format!("{field}.name"), detail))?;
    }
    Ok(())
}

/// CR, LF or NUL would end the header line (or the SMTP data) early, whatever the encoder does.
pub(super) fn check_header_text(field: &str, text: &str) -> Result<(), ComposeError> {
    if text.contains(['\r', '\n', '\0']) {
        return Err(ComposeError::invalid(field, INJECTION));
    }
    Ok(())
}

/// A Message-ID as stored without its angle brackets: printable ASCII, no spaces, no brackets.
pub(super) fn check_message_id(field: &str, id: &str) -> Result<(), ComposeError> {
    check_header_text(field, id)?;
    if !is_message_id(id) {
        return Err(ComposeError::invalid(field, "not a Message-ID"));
    }
    Ok(())
}

/// Printable ASCII without spaces or angle brackets, at most 998 bytes (a header line's limit).
pub(super) fn is_message_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 998 && id.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
}

/// `type/subtype`, each an RFC 2045 token, without parameters.
fn is_mime_type(value: &str) -> bool {
    let Some((base, params)) = split_content_type(value) else { return false };
    base.split_once('/').is_some_and(|(kind, subtype)| is_token(kind) && is_token(subtype)) && params.iter().all(|(name, _)| is_token(name))
}

fn is_token(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
}

/// Splits `type/subtype; name=value; …` into the lower-cased type and its parameters (values
/// unquoted). `None` when a parameter has no `=`.
pub(super) fn split_content_type(value: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut pieces = value.split(';');
    let base = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
    let mut params = Vec::new();
    for piece in pieces.map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = piece.split_once('=')?;
        params.push((name.trim().to_ascii_lowercase(), value.trim().trim_matches('"').to_string()));
    }
    Some((base, params))
}

#[cfg(test)]
mod tests {
    use super::super::OutgoingAttachment;
    use super::*;

    fn addr(email: &str) -> EmailAddress {
        EmailAddress { name: None, email: email.into() }
    }

    fn base() -> Composition {
        Composition {
            from: EmailAddress { name: Some("Ada".into()), email: "ada@example.com".into() },
            to: vec![addr("bob@example.org")],
            subject: "Hello".into(),
            text: "Hi".into(),
            attachments: vec![OutgoingAttachment { filename: "a.pdf".into(), content_type: "application/pdf".into(), content: vec![1] }],
            ..Composition::default()
        }
    }

    #[test]
    fn field_errors() {
        type Edit = fn(&mut Composition);
        let cases: &[(&str, Edit, &str)] = &[
            ("to", |c| c.to.clear(), "add at least one recipient"),
            ("from", |c| c.from.email = "nope".into(), "an email address needs an @"),
            ("from.name", |c| c.from.name = Some("Ada\r\nBcc: x@y.org".into()), INJECTION),
            ("replyTo", |c| c.reply_to = Some(addr("a@b")), "not a valid email address (the domain)"),
            ("to[1]", |c| c.to.push(addr("bob@example.org>")), "not a valid email address (the domain)"),
            ("to[0]", |c| c.to[0].email = "jürgen@example.org".into(), "only ASCII email addresses are supported"),
            ("cc[0]", |c| c.cc.push(addr("x@y.org\n")), INJECTION),
            ("bcc[0]", |c| c.bcc.push(addr("x y@z.org")), "not a valid email address (the part before the @)"),
            ("subject", |c| c.subject = "Hi\r\nBcc: victim@example.org".into(), INJECTION),
            ("subject", |c| c.subject = "Hi\0".into(), INJECTION),
            ("text", |c| c.text = "a\0b".into(), "NUL characters are not allowed"),
            ("html", |c| c.html = Some("\0".into()), "NUL characters are not allowed"),
            ("attachments[0].filename", |c| c.attachments[0].filename = "  ".into(), "a file name is required"),
            ("attachments[0].filename", |c| c.attachments[0].filename = "a\n.pdf".into(), INJECTION),
            ("attachments[0].filename", |c| c.attachments[0].filename = "a\u{7}.pdf".into(), "control characters are not allowed"),
            ("attachments[0].contentType", |c| c.attachments[0].content_type = "pdf".into(), "not a media type (type/subtype)"),
            (
                "attachments[0].contentType",
                |c| c.attachments[0].content_type = "text/plain; charset".into(),
                "not a media type (type/subtype)",
            ),
            ("attachments[0].contentType", |c| c.attachments[0].content_type = "text/plain\r\nX: y".into(), INJECTION),
            ("inReplyTo", |c| c.in_reply_to = Some("<a@b>".into()), "not a Message-ID"),
            ("references[1]", |c| c.references = vec!["a@b".into(), "a b@c".into()], "not a Message-ID"),
            ("references[0]", |c| c.references = vec!["a@b\r\n".into()], INJECTION),
        ];
        for (field, edit, detail) in cases {
            let mut c = base();
            edit(&mut c);
            let expected = ComposeError::invalid(*field, *detail);
            assert_eq!(validate(&c), Err(expected), "{field}");
        }
    }

    #[test]
    fn acceptable_compositions() {
        let mut only_bcc = base();
        only_bcc.to.clear();
        only_bcc.bcc.push(addr("hidden@example.net"));
        let mut unicode = base();
        unicode.from.name = Some("Jürgen 📎 Groß".into());
        unicode.subject = "Grüße\tund 📎".into();
        unicode.attachments[0].filename = "Grüße 📎.txt".into();
        unicode.in_reply_to = Some("abc.123@mail.example.com".into());
        for c in [base(), only_bcc, unicode] {
            assert_eq!(validate(&c), Ok(()), "{c:?}");
        }
        let mut draft = base();
        draft.to.clear();
        assert!(validate(&draft).is_err());
        assert_eq!(validate_draft(&draft), Ok(()), "a draft may have no recipient yet");
    }
}
