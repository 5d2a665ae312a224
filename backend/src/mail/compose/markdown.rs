//! Markdown compose mode: the user's Markdown rendered to the HTML alternative of an outgoing message, through the mail sanitizer.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::mail::sanitize::{SanitizeOptions, sanitize_html};

/// The sanitizer's wrapper class; the wrapper is taken off again (see [`render_markdown`]).
const SCOPE: &str = "lb-md";

/// Renders Markdown (CommonMark with tables, strikethrough and task lists) to an HTML fragment for
/// the text/html part of a message.
///
/// The source is what the user typed, but it may hold pasted text, so nothing in it becomes
/// active HTML:
/// - raw HTML (blocks and inline tags) is shown as text, escaped, never interpreted;
/// - images are kept only from `https:` (anything else shows its alt text): an `http:` image would
///   be fetched in clear by every reader, and local or `data:` references mean nothing to them;
/// - task-list checkboxes become ☐/☑ characters, since form controls do not survive the sanitizer
///   nor most mail clients;
/// - the result goes through [`sanitize_html`] with remote content allowed (the images left are the
///   user's own https choices; the recipient's client decides whether to load them), which drops
///   `javascript:` and other non-http(s)/mailto links and gives links `rel="noopener noreferrer"`.
///
/// The sanitizer's empty `<style>` and wrapper `<div>` are removed: the fragment needs neither.
pub fn render_markdown(source: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut dropped_images = Vec::new();
    let events = Parser::new_ext(source, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        // An HTML block's lines, now text, still need a block around them.
        Event::Start(Tag::HtmlBlock) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::HtmlBlock) => Some(Event::End(TagEnd::Paragraph)),
        Event::TaskListMarker(done) => Some(Event::Text(CowStr::Borrowed(if done { "\u{2611} " } else { "\u{2610} " }))),
        Event::Start(Tag::Image { ref dest_url, .. }) => {
            let drop = !dest_url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
            dropped_images.push(drop);
            (!drop).then_some(event)
        }
        Event::End(TagEnd::Image) => (!dropped_images.pop().unwrap_or(false)).then_some(event),
        other => Some(other),
    });
    let mut rendered = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut rendered, events);

    let no_parts = |_: &str| None;
    let clean = sanitize_html(&rendered, &SanitizeOptions { allow_remote: true, cid_url: &no_parts, scope_class: SCOPE }).html;
    let prefix = format!("<style></style><div class=\"{SCOPE}\">");
    match clean.strip_prefix(prefix.as_str()).and_then(|inner| inner.strip_suffix("</div>")) {
        Some(inner) => inner.to_string(),
        None => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let cases = [
            ("# Title\n\nSome *em* and **strong**.", &["<h1>Title</h1>", "<em>em</em>", "<strong>strong</strong>"][..]),
            ("- one\n- two\n\n1. first", &["<ul>", "<li>one</li>", "<ol>", "<li>first</li>"]),
            (
                "[site](https://example.com/a?b=1&c=2)",
                &["<a href=\"https://example.com/a?b=1&amp;c=2\"", "rel=\"noopener noreferrer\"", ">site</a>"],
            ),
            ("<https://example.com>", &["<a href=\"https://example.com/\""]),
            ("[mail](mailto:a@example.com)", &["href=\"mailto:a@example.com\""]),
            ("~~gone~~", &["<del>gone</del>"]),
            ("| a | b |\n|---|---|\n| 1 | 2 |", &["<table>", "<th>a</th>", "<td>2</td>"]),
            ("- [x] done\n- [ ] todo", &["\u{2611} done", "\u{2610} todo"]),
            ("`<b>` and\n\n```\n<i>\n```", &["<code>&lt;b&gt;</code>", "&lt;i&gt;"]),
            ("![logo](https://example.com/l.png)", &["<img src=\"https://example.com/l.png\" alt=\"logo\">"]),
            ("Grüße 📎", &["<p>Grüße 📎</p>"]),
        ];
        for (source, wanted) in cases {
            let html = render_markdown(source);
            for want in wanted {
                assert!(html.contains(want), "{want:?} missing from {html:?} (from {source:?})");
            }
            assert!(!html.contains("lb-md") && !html.contains("<style"), "{html}");
        }
    }

    #[test]
    fn nothing_active_survives() {
        let cases = [
            "<script>alert(1)</script>",
            "Hello <script>alert(1)</script> inline",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](  javascript:alert(1) )",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[x]: javascript:alert(1)\n\n[y][x]",
            "![x](javascript:alert(1))",
            "![x](data:text/html,<script>alert(1)</script>)",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div onclick=\"alert(1)\">x</div>",
            "<style>body{display:none}</style>",
        ];
        for source in cases {
            let html = render_markdown(source);
            // Text `<` is escaped in the output, so every `<` starts a real tag.
            for tag in html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("").to_ascii_lowercase()) {
                let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or("");
                assert!(["p", "a", "img"].contains(&name), "<{tag}> in {html:?} (from {source:?})");
                for bad in ["javascript:", " on", "data:", "src=\"x\""] {
                    assert!(!tag.contains(bad), "{bad:?} in <{tag}> (from {source:?})");
                }
            }
        }
        // Raw HTML shows as the text the user typed.
        assert_eq!(render_markdown("<b>hi</b>"), "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n");
        let http = render_markdown("![pic](http://example.com/p.png)");
        assert!(!http.contains("<img") && http.contains("pic"), "{http}");
    }
}
