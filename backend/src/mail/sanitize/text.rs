//! Plain-text bodies as safe HTML: escaped, links made clickable, `>` quotes as nested blockquotes, format=flowed (RFC 3676) unwrapped.

/// Quotes deeper than this are shown at this depth (keeps the output's nesting bounded).
const MAX_QUOTE_DEPTH: usize = 32;

/// Spaces a tab stands for, since the output does not preserve white space by itself.
const TAB_WIDTH: usize = 4;

/// One logical line: after unflowing, a whole paragraph.
#[derive(Debug, PartialEq, Eq)]
struct Line<'t> {
    depth: usize,
    text: std::borrow::Cow<'t, str>,
}

/// Plain-text body to safe HTML: escaped, http(s)/mailto links clickable with rel="noopener noreferrer" target="_blank", lines starting with ">" grouped into `<blockquote>` (nested by depth), format=flowed (RFC 3676) soft line breaks joined when `flowed` is true (and DelSp honoured when `delsp`), signature separator "-- " kept.
///
/// The result is a fragment (no wrapper element): lines end with `<br>`, quotes are
/// `<blockquote type="cite">` (at most 32 deep), runs of spaces and tabs keep their width as `&nbsp;`.
/// Without `flowed`, quote markers may be spaced out (`> > text`); with it they follow RFC 3676 (`>>`).
pub fn text_to_html(text: &str, flowed: bool, delsp: bool) -> String {
    let lines = if flowed { unflow(text, delsp) } else { physical_lines(text).map(plain_quote).collect() };
    render(&lines)
}

/// Lines without their CR/LF ends; a final line break does not start another (empty) line.
fn physical_lines(text: &str) -> impl Iterator<Item = &str> {
    let text = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(text);
    text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).filter(move |_| !text.is_empty())
}

/// Quote depth of a fixed (not flowed) line: `>` markers, which hand-written mail often spaces out
/// (`> > text`), then the one space after the markers.
fn plain_quote(line: &str) -> Line<'_> {
    let mut depth = 0;
    let mut rest = line;
    loop {
        if let Some(after) = rest.strip_prefix('>') {
            depth += 1;
            rest = after;
        } else if depth > 0 && rest.starts_with(" >") {
            rest = &rest[1..];
        } else {
            break;
        }
    }
    if depth > 0 {
        rest = rest.strip_prefix(' ').unwrap_or(rest);
    }
    Line { depth, text: rest.into() }
}

/// RFC 3676: a line's quote depth is its run of `>`; then one space of space-stuffing is removed; a
/// line ending in a space (other than the signature separator `-- `) continues on the next line of the
/// same depth, minus that space when DelSp=yes. A flowed line followed by a different depth ends there.
fn unflow(text: &str, delsp: bool) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut open: Option<Line<'_>> = None;
    for raw in physical_lines(text) {
        let depth = raw.bytes().take_while(|&b| b == b'>').count();
        let content = &raw[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let signature = content == "-- ";
        let soft = !signature && content.ends_with(' ');
        let piece = if soft && delsp { &content[..content.len() - 1] } else { content };
        match open.as_mut() {
            Some(paragraph) if paragraph.depth == depth && !signature => paragraph.text.to_mut().push_str(piece),
            _ => {
                out.extend(open.take());
                open = Some(Line { depth, text: piece.into() });
            }
        }
        if !soft {
            out.extend(open.take());
        }
    }
    out.extend(open);
    out
}

fn render(lines: &[Line<'_>]) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut first_in_block = true;
    for line in lines {
        let target = line.depth.min(MAX_QUOTE_DEPTH);
        if target != depth {
            while depth > target {
                out.push_str("</blockquote>");
                depth -= 1;
            }
            while depth < target {
                out.push_str("<blockquote type=\"cite\">");
                depth += 1;
            }
            first_in_block = true;
        }
        if !first_in_block {
            out.push_str("<br>\n");
        }
        push_line(&mut out, &line.text);
        first_in_block = false;
    }
    for _ in 0..depth {
        out.push_str("</blockquote>");
    }
    out
}

/// One line: links become anchors, the rest is escaped text.
fn push_line(out: &mut String, line: &str) {
    let mut rest = line;
    let mut at_line_start = true;
    while let Some((start, end)) = find_link(rest) {
        push_text(out, &rest[..start], at_line_start);
        let url = &rest[start..end];
        out.push_str("<a href=\"");
        push_escaped(out, url);
        out.push_str("\" rel=\"noopener noreferrer\" target=\"_blank\">");
        push_escaped(out, url);
        out.push_str("</a>");
        rest = &rest[end..];
        at_line_start = false;
    }
    push_text(out, rest, at_line_start);
}

/// Escaped text whose runs of spaces survive HTML's white-space collapsing (as `&nbsp;`), so indented
/// and column-aligned plain text keeps its shape. Control characters other than tab are dropped.
fn push_text(out: &mut String, text: &str, at_line_start: bool) {
    let mut spaces = 0;
    let mut line_start = at_line_start;
    let flush = |out: &mut String, spaces: &mut usize, line_start: bool| {
        if *spaces > 0 {
            let hard = if line_start { *spaces } else { *spaces - 1 };
            out.push_str(&"&nbsp;".repeat(hard));
            if !line_start {
                out.push(' ');
            }
            *spaces = 0;
        }
    };
    for c in text.chars() {
        match c {
            ' ' => spaces += 1,
            '\t' => spaces += TAB_WIDTH,
            c if c.is_control() => {}
            c => {
                flush(out, &mut spaces, line_start);
                line_start = false;
                push_escaped_char(out, c);
            }
        }
    }
    flush(out, &mut spaces, line_start);
}

fn push_escaped(out: &mut String, text: &str) {
    text.chars().filter(|c| !c.is_control()).for_each(|c| push_escaped_char(out, c));
}

fn push_escaped_char(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

/// The byte range of the first http(s) or mailto link in `text`, if any. A link starts at a word
/// boundary, runs to white space or `<>"`, and loses trailing punctuation (a `)` only when unbalanced).
fn find_link(text: &str) -> Option<(usize, usize)> {
    let lower = text.to_ascii_lowercase(); // ASCII lower-casing keeps byte offsets
    let mut from = 0;
    loop {
        let start = ["http://", "https://", "mailto:"].iter().filter_map(|scheme| lower[from..].find(scheme).map(|i| from + i)).min()?;
        from = start + 1;
        if text[..start].chars().next_back().is_some_and(char::is_alphanumeric) {
            continue;
        }
        let tail = &text[start..];
        let mut end = tail.find(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"')).unwrap_or(tail.len());
        while let Some(last) = tail[..end].chars().next_back() {
            let unbalanced_paren = last == ')' && tail[..end].matches('(').count() < tail[..end].matches(')').count();
            if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | ']' | '}' | '*') || unbalanced_paren {
                end -= last.len_utf8();
            } else {
                break;
            }
        }
        let candidate = &tail[..end];
        let valid = if lower[start..].starts_with("mailto:") {
            candidate.len() > "mailto:".len() + 2 && candidate.contains('@')
        } else {
            url::Url::parse(candidate).is_ok_and(|url| url.host().is_some())
        };
        if valid {
            return Some((start, start + end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "rel=\"noopener noreferrer\" target=\"_blank\"";

    #[test]
    fn plain_text_cases() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("Hello", "Hello"),
            ("a\nb\n", "a<br>\nb"),
            ("a\r\nb\r\n", "a<br>\nb"),
            ("a\n\nb", "a<br>\n<br>\nb"),
            ("<script>alert(\"x\") & 'y'</script>", "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"),
            ("  indented  twice", "&nbsp;&nbsp;indented&nbsp; twice"),
            ("tab\there", "tab&nbsp;&nbsp;&nbsp; here"),
            ("bell\u{7}\u{0}!", "bell!"),
            ("> quoted\nreply", "<blockquote type=\"cite\">quoted</blockquote>reply"),
            (
                "> > deep\n>> deeper\n> one\nzero",
                "<blockquote type=\"cite\"><blockquote type=\"cite\">deep<br>\ndeeper</blockquote>one</blockquote>zero",
            ),
            (">no space", "<blockquote type=\"cite\">no space</blockquote>"),
            ("soft \nnot joined", "soft <br>\nnot joined"),
            ("-- \nJane", "-- <br>\nJane"),
            ("1 > 0", "1 &gt; 0"),
        ];
        for (input, want) in cases {
            assert_eq!(text_to_html(input, false, false), *want, "text {input:?}");
        }
    }

    #[test]
    fn links_are_clickable_and_safe() {
        let cases: &[(&str, String)] = &[
            (
                "see https://example.com/a?b=1&c=2.",
                format!("see <a href=\"https://example.com/a?b=1&amp;c=2\" {LINK}>https://example.com/a?b=1&amp;c=2</a>."),
            ),
            ("<http://example.com/x>", format!("&lt;<a href=\"http://example.com/x\" {LINK}>http://example.com/x</a>&gt;")),
            (
                "(https://en.wikipedia.org/wiki/Rust_(language))",
                format!(
                    "(<a href=\"https://en.wikipedia.org/wiki/Rust_(language)\" {LINK}>https://en.wikipedia.org/wiki/Rust_(language)</a>)"
                ),
            ),
            ("mail mailto:jane@example.com!", format!("mail <a href=\"mailto:jane@example.com\" {LINK}>mailto:jane@example.com</a>!")),
            ("HTTPS://EXAMPLE.COM", format!("<a href=\"HTTPS://EXAMPLE.COM\" {LINK}>HTTPS://EXAMPLE.COM</a>")),
            ("http://\"onmouseover=alert(1)", "http://&quot;onmouseover=alert(1)".to_string()),
            ("javascript:alert(1)", "javascript:alert(1)".to_string()),
            ("xhttp://example.com", "xhttp://example.com".to_string()),
            ("https:// nothing", "https:// nothing".to_string()),
            ("mailto:", "mailto:".to_string()),
        ];
        for (input, want) in cases {
            assert_eq!(&text_to_html(input, false, false), want, "text {input:?}");
        }
    }

    #[test]
    fn format_flowed_cases() {
        let cases: &[(&str, bool, &str)] = &[
            ("This is \na paragraph.\nNext line.", false, "This is a paragraph.<br>\nNext line."),
            ("Delete\nspace", true, "Delete<br>\nspace"),
            ("Hyphen- \nated", true, "Hyphen-ated"),
            ("Keep \nspace", false, "Keep space"),
            (
                "> quoted \n> text\n>> deeper \n>> still",
                false,
                "<blockquote type=\"cite\">quoted text<blockquote type=\"cite\">deeper still</blockquote></blockquote>",
            ),
            ("> flowed into \nunquoted", false, "<blockquote type=\"cite\">flowed into </blockquote>unquoted"),
            (" From stuffed\n >not a quote", false, "From stuffed<br>\n&gt;not a quote"),
            ("body \n-- \nsig", false, "body <br>\n-- <br>\nsig"),
            ("last line \n", false, "last line "),
            (
                "https://example.com/long \npath",
                false,
                "<a href=\"https://example.com/long\" rel=\"noopener noreferrer\" target=\"_blank\">https://example.com/long</a> path",
            ),
        ];
        for (input, delsp, want) in cases {
            assert_eq!(text_to_html(input, true, *delsp), *want, "flowed {input:?} delsp={delsp}");
        }
    }

    #[test]
    fn quote_depth_is_bounded() {
        let deep = format!("{} deep", ">".repeat(10_000));
        let html = text_to_html(&deep, false, false);
        assert_eq!(html.matches("<blockquote").count(), MAX_QUOTE_DEPTH);
        assert_eq!(html.matches("</blockquote>").count(), MAX_QUOTE_DEPTH);
    }
}
