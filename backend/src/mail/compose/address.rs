//! Email addresses typed by a user: the addr-spec check for sending, and parsing form input such as `"Doe, Jane" <jane@example.com>`.

use crate::mail::EmailAddress;

/// RFC 5321 §4.5.3.1: the longest forward-path is 256 octets including the angle brackets.
const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_DOMAIN_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// Checks that `email` is an addr-spec this server can send to: `local@domain`, the local part a
/// dot-atom, the domain a dotted host name or a bracketed literal. Only ASCII: the SMTP servers we
/// submit to are not assumed to offer SMTPUTF8, and an internationalized address would bounce late.
/// Quoted local parts (`"john doe"@example.com`) are refused too: legal, but almost never real and a
/// classic way to smuggle separators past naive parsers downstream.
pub(super) fn check_email(email: &str) -> Result<(), &'static str> {
    if email.is_empty() {
        return Err("the address is empty");
    }
    if email.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(super::validate::INJECTION);
    }
    if !email.is_ascii() {
        return Err("only ASCII email addresses are supported");
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err("the address is too long");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err("an email address needs an @");
    };
    let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b);
    let local_ok =
        !local.is_empty() && local.len() <= MAX_LOCAL_LEN && local.split('.').all(|atom| !atom.is_empty() && atom.bytes().all(atext));
    if !local_ok {
        return Err("not a valid email address (the part before the @)");
    }
    if !is_valid_domain(domain) {
        return Err("not a valid email address (the domain)");
    }
    Ok(())
}

fn is_valid_domain(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        // An address literal: IPv4 dotted quad or `IPv6:…`; the characters are enough to keep it
        // harmless in a header, the SMTP server judges the address itself.
        return !literal.is_empty() && literal.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b':');
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    domain.len() <= MAX_DOMAIN_LEN && domain.contains('.') && domain.split('.').all(label_ok)
}

/// Checks a display name: any Unicode (it is RFC 2047-encoded when built) but no control characters,
/// CR, LF and NUL above all since they would end the header line.
pub(super) fn check_name(name: &str) -> Result<(), &'static str> {
    if name.chars().any(|c| matches!(c, '\r' | '\n' | '\0')) {
        return Err(super::validate::INJECTION);
    }
    if name.chars().any(|c| c.is_control() && c != '\t') {
        return Err("control characters are not allowed");
    }
    Ok(())
}

/// Parses one address as typed in a form field: `jane@example.com`, `<jane@example.com>`,
/// `Jane Doe <jane@example.com>` or `"Doe, Jane" <jane@example.com>` (backslash escapes inside the
/// quotes). The address must pass the same check as [`super::validate`]; the error is a sentence for
/// the user. An empty or blank name becomes `None`.
pub fn parse_address(input: &str) -> Result<EmailAddress, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("the address is empty".into());
    }
    let (name, email) = match input.strip_suffix('>') {
        Some(rest) => {
            let open = last_unquoted(rest, b'<').ok_or("an address opened with < must close with >")?;
            (Some(unquote_name(rest[..open].trim())), rest[open + 1..].trim())
        }
        None => (None, input),
    };
    check_email(email)?;
    let name = name.filter(|n| !n.trim().is_empty());
    if let Some(name) = &name {
        check_name(name)?;
    }
    Ok(EmailAddress { name, email: email.to_string() })
}

/// Parses a comma- or semicolon-separated list of addresses (separators inside double quotes or
/// angle brackets do not count; empty items are skipped). The first bad item fails the whole list,
/// quoted in the error so the user sees which one.
pub fn parse_address_list(input: &str) -> Result<Vec<EmailAddress>, String> {
    split_list(input)
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .map(|item| parse_address(item).map_err(|error| format!("\u{201c}{}\u{201d}: {error}", item.trim())))
        .collect()
}

fn split_list(input: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut start, mut quoted, mut escaped, mut angle) = (0, false, false, false);
    for (i, b) in input.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b'<' if !quoted => angle = true,
            b'>' if !quoted => angle = false,
            b',' | b';' if !quoted && !angle => {
                items.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&input[start..]);
    items
}

/// Byte index of the last `needle` outside double quotes.
fn last_unquoted(text: &str, needle: u8) -> Option<usize> {
    let (mut quoted, mut escaped, mut found) = (false, false, None);
    for (i, b) in text.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            _ if b == needle && !quoted => found = Some(i),
            _ => {}
        }
    }
    found
}

/// `"Doe, \"JD\" Jane"` → `Doe, "JD" Jane`; an unquoted name is kept as typed.
fn unquote_name(name: &str) -> String {
    let Some(inner) = name.strip_prefix('"').and_then(|n| n.strip_suffix('"')).filter(|_| name.len() >= 2) else {
        return name.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(name: Option<&str>, email: &str) -> EmailAddress {
        EmailAddress { name: name.map(str::to_string), email: email.to_string() }
    }

    #[test]
    fn emails() {
        let good = [
            "a@b.co",
            "jane.doe+tag@mail.example.com",
            "x!#$%&'*+-/=?^_`{|}~@example.org",
            "user@[192.0.2.1]",
            "user@[IPv6:2001:db8::1]",
            "o'neil@xn--bcher-kva.example",
        ];
        for email in good {
            assert_eq!(check_email(email), Ok(()), "{email}");
        }
        let bad = [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a@b..com",
            "a@-b.com",
            "a@b-.com",
            ".a@b.com",
            "a.@b.com",
            "a..b@b.com",
            "a b@b.com",
            "a@b .com",
            "\"a b\"@b.com",
            "a,b@c.com",
            "<a@b.com>",
            "a@b.com>",
            "a@b.com\r\nBcc: x@y.com",
            "a\0@b.com",
            "jürgen@example.com",
            "a@bücher.example",
            "a@[]",
            "a@[1.2.3.4] ",
        ];
        for email in bad {
            assert!(check_email(email).is_err(), "{email:?}");
        }
        assert!(check_email(&format!("{}@b.com", "a".repeat(65))).is_err());
        assert!(check_email(&format!("a@{}.com", "b".repeat(64))).is_err());
    }

    #[test]
    fn single_addresses() {
        let cases: &[(&str, Result<EmailAddress, ()>)] = &[
            ("jane@example.com", Ok(addr(None, "jane@example.com"))),
            ("  jane@example.com  ", Ok(addr(None, "jane@example.com"))),
            ("<jane@example.com>", Ok(addr(None, "jane@example.com"))),
            ("Jane Doe <jane@example.com>", Ok(addr(Some("Jane Doe"), "jane@example.com"))),
            ("Jane Doe<jane@example.com>", Ok(addr(Some("Jane Doe"), "jane@example.com"))),
            ("\"Doe, Jane\" <jane@example.com>", Ok(addr(Some("Doe, Jane"), "jane@example.com"))),
            ("\"Jane \\\"JD\\\" Doe\" <jane@example.com>", Ok(addr(Some("Jane \"JD\" Doe"), "jane@example.com"))),
            ("\"a <b> c\" <jane@example.com>", Ok(addr(Some("a <b> c"), "jane@example.com"))),
            ("Jürgen Groß <j@example.de>", Ok(addr(Some("Jürgen Groß"), "j@example.de"))),
            ("\"\" <jane@example.com>", Ok(addr(None, "jane@example.com"))),
            ("", Err(())),
            ("Jane", Err(())),
            ("Jane <jane@example.com", Err(())),
            ("Jane jane@example.com>", Err(())),
            ("Jane <>", Err(())),
            ("Jane\r\nBcc: x@y.com <jane@example.com>", Err(())),
            ("jane@example.com, bob@example.com", Err(())),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_address(input).map_err(|_| ()), *expected, "{input:?}");
        }
    }

    #[test]
    fn lists() {
        let cases: &[(&str, Option<Vec<EmailAddress>>)] = &[
            ("", Some(vec![])),
            (" , ;", Some(vec![])),
            ("a@x.org", Some(vec![addr(None, "a@x.org")])),
            ("a@x.org, b@x.org; c@x.org,", Some(vec![addr(None, "a@x.org"), addr(None, "b@x.org"), addr(None, "c@x.org")])),
            (
                "\"Doe, Jane\" <jane@x.org>; \"Smith; Bob\" <bob@x.org>",
                Some(vec![addr(Some("Doe, Jane"), "jane@x.org"), addr(Some("Smith; Bob"), "bob@x.org")]),
            ),
            ("\"a \\\", b\" <a@x.org>", Some(vec![addr(Some("a \", b"), "a@x.org")])),
            ("a@x.org, nope", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_address_list(input).ok(), *expected, "{input:?}");
        }
        let error = parse_address_list("a@x.org, nope").unwrap_err();
        assert!(error.contains("nope"), "{error}");
    }
}
