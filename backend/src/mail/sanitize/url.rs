//! Classifies the URLs a hostile message may carry (in HTML attributes and CSS) into the few kinds the sanitizer keeps.

use std::borrow::Cow;

/// What a URL found in a message is, after the same clean-up a browser does before it reads a scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlKind {
    /// An absolute http(s) URL (protocol-relative `//host/…` is taken as https), normalized by the `url` crate.
    Web(String),
    /// A `cid:` reference: the content id, percent-decoded (RFC 2392), without `cid:` and without `<>`.
    Cid(String),
    /// A `data:image/(png|gif|jpeg|webp);base64,…` URL, as given (clean-up applied).
    DataImage(String),
    /// A `mailto:` URL, normalized.
    Mailto(String),
    /// A same-document link, `#name`: the name without the `#`.
    Fragment(String),
    /// Anything else: javascript:, vbscript:, data:text/html, file:, relative paths, garbage. Never kept.
    Other,
}

/// Image types a `data:` URL may carry: raster formats only (no SVG, which can hold script and links).
const DATA_IMAGE_TYPES: &[&str] = &["image/png", "image/gif", "image/jpeg", "image/jpg", "image/webp"];

/// Sorts a raw attribute or CSS URL value into a [`UrlKind`].
///
/// Browsers strip leading/trailing C0 controls and spaces and drop every tab, CR and LF anywhere in a
/// URL before they look at its scheme (WHATWG URL), so `java\tscript:` is `javascript:`: do the same
/// first, so what we judge is what a browser would run.
pub(crate) fn classify(raw: &str) -> UrlKind {
    let trimmed = raw.trim_matches(|c: char| c <= ' ');
    let cleaned: Cow<'_, str> = if trimmed.contains(['\t', '\n', '\r']) {
        Cow::Owned(trimmed.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect())
    } else {
        Cow::Borrowed(trimmed)
    };
    let value = cleaned.as_ref();
    if let Some(name) = value.strip_prefix('#') {
        return UrlKind::Fragment(name.to_string());
    }
    if value.starts_with("//") {
        return web(&format!("https:{value}"));
    }
    let Some((scheme, rest)) = value.split_once(':') else { return UrlKind::Other };
    if !is_scheme(scheme) {
        return UrlKind::Other;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => web(value),
        "mailto" => match url::Url::parse(value) {
            Ok(url) => UrlKind::Mailto(url.to_string()),
            Err(_) => UrlKind::Other,
        },
        "cid" => cid(rest),
        "data" => data_image(value, rest),
        _ => UrlKind::Other,
    }
}

/// A URL's scheme per RFC 3986: a letter, then letters, digits, `+`, `-`, `.`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn web(value: &str) -> UrlKind {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => UrlKind::Web(url.to_string()),
        _ => UrlKind::Other,
    }
}

fn cid(rest: &str) -> UrlKind {
    let decoded = percent_decode(rest);
    let id = decoded.trim().trim_start_matches('<').trim_end_matches('>').trim();
    if id.is_empty() { UrlKind::Other } else { UrlKind::Cid(id.to_string()) }
}

/// Keeps only base64 raster images: the media type is checked exactly (case-insensitively, parameters
/// allowed before `;base64`), and the payload must be base64 so nothing else can ride along.
fn data_image(value: &str, rest: &str) -> UrlKind {
    let Some((meta, payload)) = rest.split_once(',') else { return UrlKind::Other };
    let meta = meta.to_ascii_lowercase();
    let mut parts = meta.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or_default();
    let params: Vec<&str> = parts.collect();
    let is_base64 = params.last() == Some(&"base64");
    let payload_ok = payload.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b' '));
    if DATA_IMAGE_TYPES.contains(&media_type) && is_base64 && payload_ok && !payload.is_empty() {
        UrlKind::DataImage(value.to_string())
    } else {
        UrlKind::Other
    }
}

/// `%XX` decoding; invalid escapes stay as they are, invalid UTF-8 becomes U+FFFD.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (bytes.get(i + 1).and_then(|&b| hex(b)), bytes.get(i + 2).and_then(|&b| hex(b)))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Accepts a URL the application's `cid_url` callback produced only if it is one the message view can
/// use: an http(s) URL or a path on our own origin. The callback is ours, but a bug there must not be
/// able to put `javascript:` into a message.
pub(crate) fn is_acceptable_part_url(url: &str) -> bool {
    if url.starts_with('/') {
        return !url.starts_with("//") && !url.contains(|c: char| c.is_control() || matches!(c, '\\' | '"' | '\'' | '<' | '>' | ' '));
    }
    url.starts_with("http") && matches!(classify(url), UrlKind::Web(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_schemes_like_a_browser() {
        let cases: &[(&str, UrlKind)] = &[
            ("https://example.com/a.png", UrlKind::Web("https://example.com/a.png".into())),
            ("  HTTP://Example.COM/x?y=1  ", UrlKind::Web("http://example.com/x?y=1".into())),
            ("//cdn.example.com/p.gif", UrlKind::Web("https://cdn.example.com/p.gif".into())),
            ("ht\ttp://example.com/", UrlKind::Web("http://example.com/".into())),
            ("mailto:a@example.com", UrlKind::Mailto("mailto:a@example.com".into())),
            ("#top", UrlKind::Fragment("top".into())),
            ("cid:logo@example.com", UrlKind::Cid("logo@example.com".into())),
            ("CID:part1.abc%40example.com", UrlKind::Cid("part1.abc@example.com".into())),
            ("cid:<x@y>", UrlKind::Cid("x@y".into())),
            ("cid:", UrlKind::Other),
            ("data:image/png;base64,iVBORw0KGgo=", UrlKind::DataImage("data:image/png;base64,iVBORw0KGgo=".into())),
            ("DATA:IMAGE/GIF;BASE64,R0lGODlh", UrlKind::DataImage("DATA:IMAGE/GIF;BASE64,R0lGODlh".into())),
            ("data:image/svg+xml;base64,PHN2Zz4=", UrlKind::Other),
            ("data:text/html;base64,PHNjcmlwdD4=", UrlKind::Other),
            ("data:image/png,<svg onload=alert(1)>", UrlKind::Other),
            ("data:image/png;base64,abc\"onerror=x", UrlKind::Other),
            ("javascript:alert(1)", UrlKind::Other),
            ("  JaVaScRiPt:alert(1)", UrlKind::Other),
            ("java\tscript:alert(1)", UrlKind::Other),
            ("java\nscript:alert(1)", UrlKind::Other),
            ("\u{1}javascript:alert(1)", UrlKind::Other),
            ("vbscript:msgbox(1)", UrlKind::Other),
            ("file:///etc/passwd", UrlKind::Other),
            ("ftp://example.com/", UrlKind::Other),
            ("images/logo.png", UrlKind::Other),
            ("/api/logout", UrlKind::Other),
            ("http://", UrlKind::Other),
            ("", UrlKind::Other),
        ];
        for (raw, want) in cases {
            assert_eq!(&classify(raw), want, "classify({raw:?})");
        }
    }

    #[test]
    fn part_urls_from_the_app_are_checked_too() {
        assert!(is_acceptable_part_url("/api/messages/7/parts/2"));
        assert!(is_acceptable_part_url("https://mail.example.com/p/1"));
        assert!(!is_acceptable_part_url("javascript:alert(1)"));
        assert!(!is_acceptable_part_url("//evil.example.com/x"));
        assert!(!is_acceptable_part_url("/x\"onerror=1"));
        assert!(!is_acceptable_part_url("relative/path"));
    }
}
