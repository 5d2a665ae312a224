//! Hostile-mail sanitizer for the message view: turns a message's HTML (or plain text) into markup that is safe to show, knowing nothing about HTTP.
//!
//! HTML is first re-emitted by `guard` as explicitly nested, depth- and size-bounded markup, because
//! the HTML parser has quadratic paths a message could use to burn a worker for minutes. It then goes
//! through two ammonia passes over the same email allowlist. The first (the survey) only
//! collects the text of `<style>` elements and the `cid:` ids that attributes use; the second cleans
//! the body, rewriting each kept attribute (link and image URLs, class and id names, inline styles).
//! The style sheets are rebuilt from scratch with cssparser: only style rules (and `@media` blocks of
//! them) with an allowlist of properties, every selector scoped under the wrapper class. The output is
//! `<style>…</style><div class="SCOPE">…</div>`; it is meant for an `<iframe sandbox>` with its own
//! CSP, but does not rely on either.

mod css;
mod decl;
mod guard;
mod html;
mod selector;
mod text;
mod url;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use text::text_to_html;

/// Inputs longer than this (bytes) are cut (at a character boundary) before parsing: the view shows
/// the start of a monstrous message instead of tying up a worker. Generous, because inline `data:`
/// images make big bodies; the parsing cost is bounded by the number of tags (see `guard`), not bytes.
pub const MAX_HTML_BYTES: usize = 16 * 1024 * 1024;

/// The wrapper class used when the caller's `scope_class` is not a plain CSS class name.
pub const DEFAULT_SCOPE_CLASS: &str = "lb-msg";

/// How to treat one message's HTML.
pub struct SanitizeOptions<'a> {
    /// Load remote images/CSS (http/https URLs)? false by default: they are removed and counted.
    pub allow_remote: bool,
    /// Maps a `cid:` content id (without `cid:` and without <>) to a URL of the message's own part, or None if unknown (then treat as blocked, not remote).
    pub cid_url: &'a dyn Fn(&str) -> Option<String>,
    /// A CSS class the output is wrapped in and every kept CSS selector is scoped to, e.g. "lb-msg".
    pub scope_class: &'a str,
}

/// The sanitized message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizedHtml {
    /// `<style>…</style><div class="SCOPE">…</div>`: the rebuilt style sheet, then the cleaned body.
    pub html: String,
    /// How many remote references (image `src`, `background` attributes, CSS `url()`) were removed
    /// because `allow_remote` was false. Always 0 when it is true.
    pub remote_blocked: usize,
}

/// Sanitizes a message's HTML for display. Never panics, whatever the input.
///
/// Contract of the output:
/// - no script in any form: no `<script>`, event handler attributes, `javascript:`/`vbscript:`/
///   `data:text/html` URLs, SVG or MathML, embedded documents, forms, `<base>`, `<meta>`, `<link>`;
/// - links (`<a href>`) only to http(s), mailto or a `#fragment` in the message, each with
///   `rel="noopener noreferrer" target="_blank"`;
/// - images (`img src`, `background`, CSS `url()`) only from `cid:` parts (through
///   `options.cid_url`), raster `data:` images, and http(s) when `options.allow_remote`; a `cid:`
///   the callback does not know is dropped without counting as remote;
/// - remote style sheets (`<link rel=stylesheet>`, `@import`) are always dropped and not counted:
///   `allow_remote` governs images only, as a style sheet cannot be filtered before it loads;
/// - class and id names of the message are prefixed with `SCOPE-`, and every CSS selector starts
///   with `.SCOPE` (`html`, `body` and `:root` become the wrapper), so the message can neither style
///   nor collide with anything outside its wrapper; no property lets it leave its box.
///
/// `options.scope_class` must be a plain class name (`[A-Za-z][A-Za-z0-9_-]*`); otherwise
/// [`DEFAULT_SCOPE_CLASS`] is used.
pub fn sanitize_html(input: &str, options: &SanitizeOptions<'_>) -> SanitizedHtml {
    let input = guard::rebalance(truncate(input, MAX_HTML_BYTES));
    let input = input.as_str();
    let scope = if is_class_name(options.scope_class) { options.scope_class } else { DEFAULT_SCOPE_CLASS };
    let prefix = format!("{scope}-");
    let part_url = |id: &str| (options.cid_url)(id).filter(|url| url::is_acceptable_part_url(url));

    let (style_text, cids) = html::survey(input);
    let ctx = css::CssContext::new(options.allow_remote, &part_url, &prefix, scope);
    let style = css::sanitize_stylesheet(&style_text, &ctx);

    // ammonia's attribute callback must be 'static: hand it the resolved ids, not the caller's closure.
    let cids: HashMap<String, String> = cids.into_iter().filter_map(|id| part_url(&id).map(|url| (id, url))).collect();
    let policy = Arc::new(html::AttributePolicy {
        allow_remote: options.allow_remote,
        cids,
        prefix: prefix.clone(),
        remote_blocked: AtomicUsize::new(0),
    });
    let body = html::clean(input, Arc::clone(&policy));
    let remote_blocked = ctx.remote_blocked() + policy.remote_blocked.load(Ordering::Relaxed);
    SanitizedHtml { html: format!("<style>{style}</style><div class=\"{scope}\">{body}</div>"), remote_blocked }
}

/// A CSS class name that needs no escaping anywhere (HTML attribute, selector).
fn is_class_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn truncate(input: &str, max: usize) -> &str {
    if input.len() <= max {
        return input;
    }
    let mut end = max;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    &input[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str, allow_remote: bool) -> SanitizedHtml {
        let cid_url = |id: &str| (id == "logo@example.com").then(|| "/api/parts/logo".to_string());
        sanitize_html(input, &SanitizeOptions { allow_remote, cid_url: &cid_url, scope_class: "lb-msg" })
    }

    #[test]
    fn whole_documents_become_style_plus_wrapper() {
        let input = "<!DOCTYPE html><html><head><title>T</title><meta http-equiv=refresh content=\"0;url=http://evil\">\
                     <style>body{background:#eee;position:fixed} .x{color:red}</style></head>\
                     <body bgcolor=\"#eee\"><p class=\"x\" onclick=\"alert(1)\">Hi <a href=\"https://example.com\">there</a></p>\
                     <img src=\"http://tracker.example/p.gif\" width=\"1\" height=\"1\"><img src=\"cid:logo@example.com\" alt=\"logo\"></body></html>";
        let out = run(input, false);
        assert_eq!(
            out.html,
            "<style>.lb-msg{background:#eee}\n.lb-msg .lb-msg-x{color:red}</style><div class=\"lb-msg\">\
             <p class=\"lb-msg-x\">Hi <a href=\"https://example.com/\" target=\"_blank\" rel=\"noopener noreferrer\">there</a></p>\
             <img height=\"1\" width=\"1\"><img src=\"/api/parts/logo\" alt=\"logo\"></div>"
        );
        assert_eq!(out.remote_blocked, 1);
        let allowed = run(input, true);
        assert!(allowed.html.contains("<img src=\"http://tracker.example/p.gif\" width=\"1\" height=\"1\">"), "{}", allowed.html);
        assert_eq!(allowed.remote_blocked, 0);
    }

    #[test]
    fn dangerous_markup_never_survives() {
        let cases: &[&str] = &[
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<IMG SRC=x OnErRoR\n=alert(1)>",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
            "<svg><script>alert(1)</script></svg>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
            "<form action=\"https://evil\"><input name=p><button formaction=\"javascript:alert(1)\">go</button></form>",
            "<base href=\"javascript:alert(1)//\"><a href=\"x\">x</a>",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
            "<template><script>alert(1)</script></template>",
            "<object data=\"data:text/html,<script>alert(1)</script>\"></object><embed src=\"javascript:alert(1)\">",
            "<div style=\"background:url(javascript:alert(1));width:expression(alert(1))\">x</div>",
            "<style>@import 'http://evil/x.css';</style><style>*{behavior:url(x.htc);-moz-binding:url(x.xml#x)}</style>",
            "<p>unclosed <b><i><table><tr><td><style>p{color:red}",
        ];
        for input in cases {
            let html = run(input, false).html.to_ascii_lowercase();
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "<svg",
                "<math",
                "<iframe",
                "<form",
                "<input",
                "<button",
                "<base",
                "<object",
                "<embed",
                "@import",
                "expression(",
                "behavior",
                "-moz-binding",
                "<noscript",
                "<template",
            ] {
                assert!(!html.contains(bad), "{bad:?} survived in {html} (from {input})");
            }
        }
    }

    #[test]
    fn bad_scope_class_falls_back() {
        let cid_url = |_: &str| None;
        let out =
            sanitize_html("<p class=a>x</p>", &SanitizeOptions { allow_remote: false, cid_url: &cid_url, scope_class: "\"><script>" });
        assert_eq!(out.html, "<style></style><div class=\"lb-msg\"><p class=\"lb-msg-a\">x</p></div>");
    }

    /// Shapes that made html5ever take from 46 s to over 2 minutes (release build) before `guard`.
    /// The bound is loose on purpose (debug builds, a busy CI): quadratic parsing misses it by far.
    #[test]
    fn hostile_sizes_and_nesting_stay_cheap_and_do_not_panic() {
        let n = 30_000;
        let inputs: Vec<String> = vec![
            "<div>".repeat(100_000),
            "<ul><li>".repeat(n),
            "<table><tr><td>".repeat(n),
            "<b><i><u>".repeat(n),
            (0..n).map(|i| format!("<b id={i}>")).collect::<String>() + "<p>x",
            (0..n).map(|i| format!("<div><b id={i}></div>x")).collect(),
            "<p><table>".to_string() + &"<div>".repeat(n),
            "<div>".repeat(300) + &"</p>".repeat(200_000),
            "<".repeat(100_000),
            "<style>".repeat(50_000),
            "<!--".repeat(50_000) + &"<div>".repeat(n),
            (0..200_000u32).map(|i| char::from_u32((i * 7919) % 0x2FFFF).unwrap_or('?')).collect(),
        ];
        for input in inputs {
            let started = std::time::Instant::now();
            let out = run(&input, false);
            let took = started.elapsed();
            assert!(out.html.starts_with("<style>") && out.html.ends_with("</div>"));
            assert!(took < std::time::Duration::from_secs(20), "{took:?} for {:?}…", &input[..input.len().min(40)]);
        }
        let at_limit = "é".repeat(MAX_HTML_BYTES / 2 + 1);
        assert!(truncate(&at_limit, MAX_HTML_BYTES).len() <= MAX_HTML_BYTES);
    }
}
