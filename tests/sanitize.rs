//! The mail sanitizer over a corpus of hostile and real-world messages (`tests/fixtures/html/*.eml`): safety invariants, remote/cid policy, CRLF robustness and snapshots of every sanitized body.
//!
//! Snapshots live in `tests/fixtures/html/snapshots/<name>.html` (first line: the remote count). A
//! missing or different snapshot fails; `LETTERBOX_UPDATE_SNAPSHOTS=1` (an explicit opt-in) writes them all.

use std::path::{Path, PathBuf};

use letterbox::mail::sanitize::{SanitizeOptions, SanitizedHtml, sanitize_html, text_to_html};
use mail_parser::MessageParser;

const SCOPE: &str = "lb-msg";

/// The message parts the fake message view knows, by content id.
const PARTS: &[(&str, &str)] = &[
    ("logo@letterbox.test", "/msg/7/part/2"),
    ("photo@letterbox.test", "/msg/7/part/3"),
    ("header@letterbox.test", "/msg/7/part/4"),
    ("chart@letterbox.test", "/msg/7/part/5"),
    ("banner@jardin.example", "/msg/7/part/6"),
];

/// Every fixture and what it is there for; the corpus must hold exactly these.
const CORPUS: &[(&str, &str)] = &[
    ("base-meta-link", "<base href>, meta refresh and CSP, link rel=stylesheet/import/preload/prefetch"),
    ("cid-inline", "multipart/related cid: images (known, percent-encoded, unknown), cid backgrounds, data: png vs svg, cid link"),
    (
        "css-attacks",
        "@import, @font-face, url() remote/javascript/escaped, expression() (also escaped), var(), image-set(), behavior, -moz-binding, attr(), cursor/filter urls",
    ),
    ("embeds", "iframe (src, srcdoc), object/param, embed, applet, frameset/frame, audio, video poster, track, portal"),
    (
        "event-handlers",
        "onerror/onload/onclick/... in upper and mixed case, with newlines, tabs and slashes around them (quoted-printable)",
    ),
    ("forms", "form action, inputs, select, textarea, button formaction, input type=image, isindex, keygen"),
    (
        "newsletter",
        "a realistic table newsletter: <style> with media queries, classes, ids, bgcolor, font, cid banner, remote images, tracking pixel, MSO comments",
    ),
    ("position-fixed", "body/html/:root{position:fixed|absolute|sticky}, overlays with z-index and offsets, negative margins"),
    ("script-tags", "script elements in head/body, any case, split, unterminated"),
    (
        "script-urls",
        "javascript:/vbscript:/data:text/html/file: links, entity-encoded, with tabs and newlines in the scheme; in src and background too",
    ),
    (
        "svg-mathml",
        "svg script/onload/animate/set/foreignObject, MathML mglyph/style namespace confusion, noscript and template payloads (base64)",
    ),
    ("tracking-pixel", "1x1 remote images (http, https, protocol-relative), remote background attribute and CSS, srcset, picture"),
];

struct Fixture {
    name: String,
    eml: Vec<u8>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html")
}

fn fixtures() -> Vec<Fixture> {
    let mut found: Vec<Fixture> = std::fs::read_dir(fixture_dir())
        .expect("fixture directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .map(|path| Fixture {
            name: path.file_stem().unwrap().to_string_lossy().into_owned(),
            eml: std::fs::read(&path).expect("readable fixture"),
        })
        .collect();
    found.sort_by_key(|fixture| fixture.name.clone());
    found
}

fn html_body(eml: &[u8]) -> String {
    let message = MessageParser::default().parse(eml).expect("fixture parses as a message");
    message.body_html(0).expect("fixture has an HTML body").into_owned()
}

fn cid_url(id: &str) -> Option<String> {
    PARTS.iter().find(|(known, _)| *known == id).map(|(_, url)| url.to_string())
}

fn sanitize(html: &str, allow_remote: bool) -> SanitizedHtml {
    sanitize_html(html, &SanitizeOptions { allow_remote, cid_url: &cid_url, scope_class: SCOPE })
}

fn to_crlf(eml: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(eml.len() + eml.len() / 20);
    for &b in eml {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

#[test]
fn corpus_holds_every_listed_fixture_in_lf_form() {
    let names: Vec<String> = fixtures().iter().map(|f| f.name.clone()).collect();
    let listed: Vec<String> = CORPUS.iter().map(|(name, _)| name.to_string()).collect();
    assert_eq!(names, listed, "tests/fixtures/html/*.eml and CORPUS disagree");
    for fixture in fixtures() {
        assert!(!fixture.eml.contains(&b'\r'), "{} must be stored with LF line endings", fixture.name);
        assert!(!html_body(&fixture.eml).trim().is_empty(), "{} has an empty HTML body", fixture.name);
    }
}

#[test]
fn crlf_messages_sanitize_like_lf_messages() {
    for fixture in fixtures() {
        for allow_remote in [false, true] {
            let lf = sanitize(&html_body(&fixture.eml), allow_remote);
            let crlf = sanitize(&html_body(&to_crlf(&fixture.eml)), allow_remote);
            assert_eq!(crlf.html.replace("\r\n", "\n"), lf.html, "{} (allow_remote={allow_remote})", fixture.name);
            assert_eq!(crlf.remote_blocked, lf.remote_blocked, "{}", fixture.name);
        }
    }
}

#[test]
fn sanitized_fixtures_match_their_snapshots() {
    // Writing is opt-in: a snapshot written by the test run itself would pass whatever the output.
    let update = std::env::var("LETTERBOX_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
    let dir = fixture_dir().join("snapshots");
    let mut mismatches = Vec::new();
    for fixture in fixtures() {
        let out = sanitize(&html_body(&fixture.eml), false);
        let snapshot = format!("<!-- remote_blocked={} -->\n{}\n", out.remote_blocked, out.html);
        let path = dir.join(format!("{}.html", fixture.name));
        if update {
            std::fs::create_dir_all(&dir).expect("snapshot directory");
            std::fs::write(&path, &snapshot).expect("write snapshot");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(stored) if stored == snapshot => {}
            Ok(stored) => {
                let line = stored.lines().zip(snapshot.lines()).position(|(a, b)| a != b).unwrap_or(0) + 1;
                mismatches.push(format!("{} (first difference on line {line})", path.display()));
            }
            Err(err) => mismatches.push(format!("{} (missing: {err})", path.display())),
        }
    }
    assert!(
        mismatches.is_empty(),
        "sanitized output differs from its snapshot; review and rerun with LETTERBOX_UPDATE_SNAPSHOTS=1:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn nothing_dangerous_survives_in_any_fixture() {
    for fixture in fixtures() {
        for allow_remote in [false, true] {
            let out = sanitize(&html_body(&fixture.eml), allow_remote);
            let context = format!("{} (allow_remote={allow_remote})", fixture.name);
            check_invariants(&out.html, allow_remote, &context);
        }
    }
}

#[test]
fn remote_content_is_blocked_and_counted_unless_allowed() {
    let expected_blocked = [("newsletter", 4), ("tracking-pixel", 7), ("css-attacks", 7), ("cid-inline", 0), ("event-handlers", 0)];
    for fixture in fixtures() {
        let html = html_body(&fixture.eml);
        let blocked = sanitize(&html, false);
        let allowed = sanitize(&html, true);
        assert_eq!(allowed.remote_blocked, 0, "{}: nothing is blocked when remote content is allowed", fixture.name);
        if let Some((_, count)) = expected_blocked.iter().find(|(name, _)| *name == fixture.name) {
            assert_eq!(blocked.remote_blocked, *count, "{}: blocked remote references", fixture.name);
        }
        assert!(blocked.remote_blocked == 0 || blocked.html != allowed.html, "{}: allowing remote content changes nothing", fixture.name);
    }

    let tracking = fixtures().into_iter().find(|f| f.name == "tracking-pixel").expect("tracking-pixel fixture");
    let allowed = sanitize(&html_body(&tracking.eml), true).html;
    for kept in [
        "src=\"https://t.evil.example/open.gif?u=alice\"",
        "src=\"http://t.evil.example/o.png\"",
        "src=\"https://t.evil.example/protocol-relative.gif\"",
        "background=\"https://t.evil.example/bg.gif\"",
        "background-image:url(&quot;https://t.evil.example/td.gif&quot;)",
        "src=\"https://cdn.example.com/hero.jpg\"",
        "src=\"https://cdn.example.com/fallback.jpg\"",
    ] {
        assert!(allowed.contains(kept), "allowed remote content keeps {kept}: {allowed}");
    }
    assert!(!allowed.contains("srcset"), "srcset is never kept");
}

#[test]
fn cid_references_are_rewritten_through_the_callback() {
    let cid = fixtures().into_iter().find(|f| f.name == "cid-inline").expect("cid-inline fixture");
    let out = sanitize(&html_body(&cid.eml), false);
    for expected in [
        "<img src=\"/msg/7/part/2\" alt=\"logo\" width=\"120\">",
        "<img src=\"/msg/7/part/3\" alt=\"photo, percent-encoded id\">",
        "<img alt=\"unknown part\">",
        "background=\"/msg/7/part/4\"",
        "background-image:url(&quot;/msg/7/part/2&quot;)",
        "src=\"data:image/png;base64,",
        "<img alt=\"inline svg\">",
    ] {
        assert!(out.html.contains(expected), "expected {expected} in {}", out.html);
    }
    assert_eq!(out.remote_blocked, 0, "unknown and data: parts are not remote");
    for fixture in fixtures() {
        for allow_remote in [false, true] {
            let html = sanitize(&html_body(&fixture.eml), allow_remote).html.to_ascii_lowercase();
            assert!(!html.contains("cid:"), "{}: a cid: reference survived", fixture.name);
        }
    }
}

#[test]
fn plain_text_part_renders_escaped_with_links() {
    let tracking = fixtures().into_iter().find(|f| f.name == "tracking-pixel").expect("tracking-pixel fixture");
    let message = MessageParser::default().parse(&tracking.eml).expect("parses");
    let text = message.body_text(0).expect("text part");
    let html = text_to_html(&text, false, false);
    assert_eq!(
        html,
        "Hi! Thanks for signing up.<br>\nSee <a href=\"https://cdn.example.com/sale\" rel=\"noopener noreferrer\" target=\"_blank\">\
         https://cdn.example.com/sale</a> for the sale."
    );
}

// ---- the invariants, checked on the serialized output ----

/// Substrings that must not appear anywhere in the output (lower-cased).
#[rustfmt::skip] // a word list, kept compact to stay reviewable
const FORBIDDEN_ANYWHERE: &[&str] = &[
    "<script", "<svg", "<math", "<iframe", "<frame", "<form", "<input", "<button", "<select", "<textarea", "<base", "<meta", "<link",
    "<object", "<embed", "<applet", "<audio", "<video", "<template", "<noscript", "@import", "expression(", "behavior", "-moz-binding",
    "var(", "image-set(", "javascript:", "vbscript:", "data:text/html", "position:fixed", "position:absolute", "position:sticky",
    "z-index", "srcset", "srcdoc", "formaction",
];

/// Attributes that must never be kept.
const FORBIDDEN_ATTRIBUTES: &[&str] =
    &["srcdoc", "formaction", "action", "srcset", "xlink:href", "http-equiv", "ping", "poster", "autofocus"];

/// Elements allowed in the body (as serialized).
#[rustfmt::skip] // a word list, kept compact to stay reviewable
const ALLOWED_ELEMENTS: &[&str] = &[
    "a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center", "cite",
    "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr",
    "tt", "u", "ul", "var", "wbr",
];

struct Element {
    name: String,
    attributes: Vec<(String, String)>,
}

/// Splits html5ever's serialization (every attribute as `name="value"`, `"` and `&` escaped in
/// values, `<` escaped in text) into start tags and the text of the leading `<style>` element.
fn parse_output(html: &str, context: &str) -> (String, Vec<Element>) {
    let rest = html.strip_prefix("<style>").unwrap_or_else(|| panic!("{context}: output starts with <style>"));
    let end = rest.find("</style>").unwrap_or_else(|| panic!("{context}: style element closed"));
    let (css, mut rest) = (rest[..end].to_string(), &rest[end + "</style>".len()..]);
    assert!(rest.starts_with(&format!("<div class=\"{SCOPE}\">")) && rest.ends_with("</div>"), "{context}: body wrapped in the scope div");
    let mut elements = Vec::new();
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if rest.starts_with('/') {
            rest = &rest[rest.find('>').expect("end tag closes") + 1..];
            continue;
        }
        let name_end = rest.find([' ', '>']).expect("tag name ends");
        let name = rest[..name_end].to_string();
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        while let Some(after_space) = rest.strip_prefix(' ') {
            let eq = after_space.find("=\"").expect("attribute has a quoted value");
            let attribute = after_space[..eq].to_string();
            let value_start = &after_space[eq + 2..];
            let close = value_start.find('"').expect("attribute value closes");
            let value = value_start[..close].replace("&quot;", "\"").replace("&nbsp;", "\u{a0}").replace("&amp;", "&");
            attributes.push((attribute, value));
            rest = &value_start[close + 1..];
        }
        rest = rest.strip_prefix('>').unwrap_or_else(|| panic!("{context}: tag {name} closes"));
        elements.push(Element { name, attributes });
    }
    (css, elements)
}

fn check_invariants(html: &str, allow_remote: bool, context: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in FORBIDDEN_ANYWHERE {
        assert!(!lower.contains(bad), "{context}: {bad:?} survived in {html}");
    }
    assert!(!has_event_handler(&lower), "{context}: an on…= attribute survived in {html}");
    let (css, elements) = parse_output(html, context);
    check_css(&css, allow_remote, context);
    for rule in css.lines().filter(|line| !line.starts_with("@media") && *line != "}") {
        let selectors = &rule[..rule.find('{').unwrap_or_else(|| panic!("{context}: rule {rule:?}"))];
        for selector in selectors.split(',') {
            assert!(selector.starts_with(&format!(".{SCOPE}")), "{context}: selector {selector:?} is not scoped");
        }
    }
    for (index, element) in elements.iter().enumerate() {
        let tag = &element.name;
        if index == 0 {
            assert_eq!(tag, "div", "{context}: the wrapper comes first");
            continue;
        }
        assert!(ALLOWED_ELEMENTS.contains(&tag.as_str()), "{context}: element <{tag}> in {html}");
        if tag == "a" {
            let get = |name: &str| element.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
            assert_eq!(get("rel"), Some("noopener noreferrer"), "{context}: link rel");
            assert_eq!(get("target"), Some("_blank"), "{context}: link target");
        }
        for (name, value) in &element.attributes {
            let squeezed: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase();
            assert!(!name.starts_with("on") && !FORBIDDEN_ATTRIBUTES.contains(&name.as_str()), "{context}: attribute {name} on <{tag}>");
            assert!(!value.contains(['<', '>']), "{context}: markup in {name}={value:?}");
            for bad in ["javascript:", "vbscript:", "livescript:", "data:text/html"] {
                assert!(!squeezed.contains(bad), "{context}: {name}={value:?} on <{tag}>");
            }
            match name.as_str() {
                "href" => assert!(
                    ["http://", "https://", "mailto:", &format!("#{SCOPE}-")].iter().any(|ok| value.starts_with(ok)),
                    "{context}: href {value:?}"
                ),
                "src" | "background" => assert!(image_url_ok(value, allow_remote), "{context}: {name}={value:?} on <{tag}>"),
                "style" => check_css(value, allow_remote, context),
                "class" => assert!(value.split(' ').all(|class| class.starts_with(&format!("{SCOPE}-"))), "{context}: class {value:?}"),
                "id" | "name" => assert!(value.starts_with(&format!("{SCOPE}-")), "{context}: {name} {value:?}"),
                _ => {}
            }
        }
    }
}

/// `on` + letters + `=` right after white space or `/`, as in an attribute.
fn has_event_handler(lower: &str) -> bool {
    lower.match_indices("on").any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = &lower[at + 2..];
        let letters = after.chars().take_while(char::is_ascii_lowercase).count();
        before.is_some_and(|c| c.is_whitespace() || c == '/') && letters > 0 && after[letters..].trim_start().starts_with('=')
    })
}

fn image_url_ok(url: &str, allow_remote: bool) -> bool {
    let data_image = ["data:image/png;", "data:image/gif;", "data:image/jpeg;", "data:image/webp;"].iter().any(|p| url.starts_with(p));
    url.starts_with("/msg/7/part/") || data_image || (allow_remote && (url.starts_with("https://") || url.starts_with("http://")))
}

fn check_css(css: &str, allow_remote: bool, context: &str) {
    let lower = css.to_ascii_lowercase();
    for bad in
        ["@import", "@font-face", "expression", "behavior", "-moz-binding", "var(", "image-set(", "attr(", "env(", "javascript:", "\\", "<"]
    {
        assert!(!lower.contains(bad), "{context}: {bad:?} in CSS {css:?}");
    }
    for (at, _) in lower.match_indices("url(") {
        let inner = lower[at + 4..].trim_start_matches(['"', '\'']);
        assert!(image_url_ok(inner, allow_remote), "{context}: CSS url {:?}", &css[at..css.len().min(at + 60)]);
    }
}
