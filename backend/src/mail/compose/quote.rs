//! The original message inside a reply or forward: the attribution line, `>` quoting, the forwarded-message block, and a crude HTML-to-text fallback.

use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::mail::EmailAddress;
use crate::mail::parse::ParsedMessage;

/// `Tue, 3 Mar 2026 at 10:42` in the reader's offset; `None` for a timestamp out of range.
pub(super) fn format_date(timestamp: i64, offset: UtcOffset) -> Option<String> {
    let date = OffsetDateTime::from_unix_timestamp(timestamp).ok()?.to_offset(offset);
    date.format(format_description!("[weekday repr:short], [day padding:none] [month repr:short] [year] at [hour]:[minute]")).ok()
}

/// `Name <email>`, or the bare address when there is no name.
pub(super) fn display(address: &EmailAddress) -> String {
    match address.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("{name} <{}>", address.email),
        None => address.email.clone(),
    }
}

fn display_list(addresses: &[EmailAddress]) -> String {
    addresses.iter().map(display).collect::<Vec<_>>().join(", ")
}

/// The original's text with LF line endings and no trailing blank lines: the text part, else its
/// HTML flattened.
fn original_text(original: &ParsedMessage) -> String {
    let text = match (&original.text, &original.html) {
        (Some(text), _) => text.clone(),
        (None, Some(html)) => html_to_text(html),
        (None, None) => String::new(),
    };
    text.replace("\r\n", "\n").trim_end().to_string()
}

/// `\n\nOn <date>, <who> wrote:\n> line…`: blank lines become `>`, and an already quoted line gets
/// one more `>` without a space (`>> text`), the RFC 3676 way that keeps quote depths countable.
pub(super) fn reply_quote(original: &ParsedMessage, offset: UtcOffset) -> String {
    let who = original.headers.from.as_ref().map(display).unwrap_or_else(|| "an unknown sender".to_string());
    let attribution = match original.headers.date.and_then(|d| format_date(d, offset)) {
        Some(date) => format!("On {date}, {who} wrote:"),
        None => format!("{who} wrote:"),
    };
    let mut out = format!("\n\n{attribution}");
    for line in original_text(original).split('\n') {
        out.push_str(match line {
            "" => "\n>",
            _ if line.starts_with('>') => "\n>",
            _ => "\n> ",
        });
        out.push_str(line);
    }
    out
}

/// The forwarded-message block: a separator, From, Date, Subject, To and Cc (when any) of the
/// original, a blank line, then its text unquoted.
pub(super) fn forward_block(original: &ParsedMessage, offset: UtcOffset) -> String {
    let headers = &original.headers;
    let mut out = String::from("\n\n---------- Forwarded message ---------\n");
    out.push_str(&format!("From: {}\n", headers.from.as_ref().map(display).unwrap_or_default()));
    if let Some(date) = headers.date.and_then(|d| format_date(d, offset)) {
        out.push_str(&format!("Date: {date}\n"));
    }
    out.push_str(&format!("Subject: {}\n", headers.subject));
    out.push_str(&format!("To: {}\n", display_list(&headers.to)));
    if !headers.cc.is_empty() {
        out.push_str(&format!("Cc: {}\n", display_list(&headers.cc)));
    }
    out.push('\n');
    out.push_str(&original_text(original));
    out
}

/// Elements whose start or end is a paragraph break (a blank line) in the flattened text.
const PARAGRAPHS: &[&str] = &["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr", "pre", "ul", "ol"];
/// Elements whose start or end is a line break.
const LINES: &[&str] = &["div", "li", "tr", "dt", "dd"];
/// Elements whose content is not text at all.
const INVISIBLE: &[&str] = &["script", "style", "head", "title"];

/// Crude HTML to text for quoting a message that has no text part: tags dropped (line breaks for
/// block elements), script/style/head content dropped, white space collapsed, common entities
/// decoded. Only used for quoting, never rendered as HTML, so imperfect markup costs nothing.
pub(super) fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_text(&mut out, &rest[..open]);
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        // An unclosed tag runs to the end (cutting off its last byte could split a character).
        let (tag, after) = match rest.find('>') {
            Some(close) => (&rest[1..close], &rest[close + 1..]),
            None => (&rest[1..], ""),
        };
        rest = after;
        let closing = tag.starts_with('/');
        let name: String =
            tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
        if !closing && INVISIBLE.contains(&name.as_str()) {
            rest = find_close(rest, &name).map_or("", |at| &rest[at..]);
        } else if name == "br" {
            out.push('\n');
        } else if PARAGRAPHS.contains(&name.as_str()) {
            end_line(&mut out, 2);
        } else if LINES.contains(&name.as_str()) {
            end_line(&mut out, 1);
        }
    }
    push_text(&mut out, rest);
    let lines: Vec<&str> = out.split('\n').map(str::trim).collect();
    let mut text = String::new();
    let mut blank_run = 0;
    for line in lines {
        blank_run = if line.is_empty() { blank_run + 1 } else { 0 };
        if blank_run <= 1 {
            text.push_str(line);
            text.push('\n');
        }
    }
    text.trim().to_string()
}

/// Where the first `</name` (any case) starts in `rest`. Searched in place, so the cost is the
/// distance to the match, which the caller then skips: a hostile mail of 100k `<style>` tags stays
/// linear (lowercasing the rest of the document per tag made it quadratic).
fn find_close(rest: &str, name: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut from = 0;
    while let Some(at) = rest[from..].find("</").map(|at| from + at) {
        let candidate = &bytes[at + 2..];
        if candidate.len() >= name.len() && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// Ends the text with (at least) `breaks` line breaks, unless nothing has been written yet.
fn end_line(out: &mut String, breaks: usize) {
    // Only the last `breaks` bytes matter: counting every trailing break was quadratic after 100k `<br>`.
    let trailing = out.bytes().rev().take(breaks).take_while(|&b| b == b'\n').count();
    if !out.is_empty() {
        out.extend(std::iter::repeat_n('\n', breaks.saturating_sub(trailing)));
    }
}

/// Appends a text run with HTML white space collapsed and entities decoded.
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
            rest = &rest[c.len_utf8()..];
        } else if c == '&' {
            let (decoded, used) = entity(rest);
            out.push(decoded);
            rest = &rest[used..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// The character an entity at the start of `text` stands for, and its length; `&` alone otherwise.
fn entity(text: &str) -> (char, usize) {
    // Look only as far as the longest entity: a search to the end per `&` was quadratic.
    let Some(end) = text.bytes().take(11).position(|b| b == b';') else { return ('&', 1) };
    let name = &text[1..end];
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => name
            .strip_prefix('#')
            .and_then(|n| match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => n.parse().ok(),
            })
            .and_then(char::from_u32),
    };
    decoded.map_or(('&', 1), |c| (c, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_flattens_to_text() {
        let cases = [
            ("<p>Hello <b>World</b></p><p>Second</p>", "Hello World\n\nSecond"),
            ("a<br>b<br/>c", "a\nb\nc"),
            (
                "<html><head><title>T</title><style>p{color:red}</style></head><body>Hi &amp; bye &lt;3 &#233;&#x1F4CE;</body></html>",
                "Hi & bye <3 é📎",
            ),
            ("<script>alert('<p>')</script>x  \n  y<!-- hidden <p> -->", "x y"),
            ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
            ("&unknown; & &amp", "&unknown; & &amp"),
            ("unclosed <b", "unclosed"),
            ("unclosed <bé", "unclosed"),
            ("<STYLE>x</Style >a<Title>t</TITLE>b", "ab"),
            ("<style>never closed", ""),
        ];
        for (html, text) in cases {
            assert_eq!(html_to_text(html), text, "{html}");
        }
    }

    /// Time of `html_to_text` on `html`, the best of three runs (less noise on a shared machine).
    fn time_of(html: &str) -> std::time::Duration {
        (0..3)
            .map(|_| {
                let start = std::time::Instant::now();
                std::hint::black_box(html_to_text(std::hint::black_box(html)));
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    }

    /// Hostile shapes cost about what a benign mail of the same size does: lowercasing the rest of
    /// the document per `<style>` made 100k of them quadratic (seconds, a ratio in the hundreds).
    #[test]
    fn hostile_html_is_linear() {
        let n = 100_000;
        let benign = "<p>Hello there, friend.</p>\n".repeat(n);
        let shapes = [
            ("style tags", "<style>a</style>x".repeat(n)),
            ("unclosed style tags", "<style>".repeat(n)),
            ("title tags", "<TITLE>t</title>".repeat(n)),
            ("ampersands", "&".repeat(n * 10)),
            ("breaks then paragraphs", format!("{}{}", "<br>".repeat(n), "<p>".repeat(n))),
        ];
        let base = time_of(&benign).max(std::time::Duration::from_micros(100));
        for (name, html) in shapes {
            // Same size as the benign input, or smaller, so a ratio above 10 means worse than linear.
            assert!(html.len() <= benign.len() * 2, "{name} is much larger than the benign input");
            let ratio = time_of(&html).as_secs_f64() / base.as_secs_f64();
            assert!(ratio < 10.0, "{name}: {ratio:.1}x the benign time");
        }
        assert_eq!(html_to_text(&"<style>a</style>x".repeat(3)), "xxx");
    }

    #[test]
    fn dates_in_the_readers_offset() {
        // 2026-03-03 10:42 UTC.
        let ts = 1_772_534_520;
        assert_eq!(format_date(ts, UtcOffset::UTC).as_deref(), Some("Tue, 3 Mar 2026 at 10:42"));
        let cet = UtcOffset::from_hms(1, 0, 0).unwrap();
        assert_eq!(format_date(ts, cet).as_deref(), Some("Tue, 3 Mar 2026 at 11:42"));
        assert_eq!(format_date(i64::MAX, UtcOffset::UTC), None);
    }
}
