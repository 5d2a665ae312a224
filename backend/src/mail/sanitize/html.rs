//! The HTML half of the sanitizer: ammonia configured for email, and the rewriting of each kept attribute (URLs, classes, ids, inline styles).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ammonia::{Builder, UrlRelative};

use super::css::CssContext;
use super::decl::filter_style_attribute;
use super::url::{UrlKind, classify};

/// Elements kept (without their attributes unless listed below): text formatting and the table
/// layouts newsletters are built from. Everything else is unwrapped (its text stays) unless it is in
/// [`DROPPED_WITH_CONTENT`].
#[rustfmt::skip] // a word list, kept compact to stay reviewable
pub(crate) const TAGS: &[&str] = &[
    "a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center", "cite",
    "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr",
    "tt", "u", "ul", "var", "wbr",
];

/// Elements removed together with everything inside them: active content, embedded documents, form
/// controls, foreign (SVG/MathML) trees and raw-text containers whose text is markup in disguise.
/// `form` and `picture` are only unwrapped: text laid out in a form stays readable, and a picture's
/// fallback `<img>` stays (its `<source srcset>` goes).
#[rustfmt::skip] // a word list, kept compact to stay reviewable
pub(crate) const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "svg", "math", "template", "noscript", "title", "iframe", "frame", "frameset", "noframes", "noembed", "object",
    "embed", "applet", "param", "audio", "video", "source", "track", "canvas", "select", "option", "optgroup", "datalist", "textarea",
    "button", "input", "xmp", "plaintext", "portal", "fencedframe", "dialog", "head", "meta", "link", "base",
];

/// Attributes allowed on every kept element: presentational HTML still common in mail.
const GENERIC_ATTRIBUTES: &[&str] =
    &["align", "valign", "width", "height", "bgcolor", "color", "border", "dir", "lang", "title", "class", "id", "style", "background"];

/// Attributes allowed on some elements only.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "name"]),
    ("img", &["src", "alt", "hspace", "vspace"]),
    ("table", &["cellpadding", "cellspacing", "summary", "rules", "frame"]),
    ("td", &["colspan", "rowspan", "nowrap", "abbr", "scope"]),
    ("th", &["colspan", "rowspan", "nowrap", "abbr", "scope"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("font", &["face", "size"]),
    ("ol", &["start", "type", "reversed"]),
    ("ul", &["type"]),
    ("li", &["value", "type"]),
    ("hr", &["size", "noshade"]),
    ("blockquote", &["type"]),
    ("time", &["datetime"]),
    ("details", &["open"]),
];

/// Schemes ammonia lets through its own URL check (href/src); the attribute policy narrows them further.
const URL_SCHEMES: &[&str] = &["http", "https", "mailto", "cid", "data"];

/// More distinct `cid:` references than this in one message are not looked up (they show as blocked).
const MAX_CIDS: usize = 1000;

/// The first ammonia pass: the same element and attribute allowlists, plus `<style>`.
/// Returns the text of every `<style>` element and the content ids that attributes refer to.
pub(crate) fn survey(input: &str) -> (String, Vec<String>) {
    let cids = Arc::new(Mutex::new(Vec::<String>::new()));
    let found = Arc::clone(&cids);
    let mut builder = builder(true);
    builder.attribute_filter(move |element, attribute, value| {
        if !TAGS.contains(&element) {
            return None;
        }
        let mut found = found.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut record = |id: String| {
            if found.len() < MAX_CIDS && !found.contains(&id) {
                found.push(id);
            }
        };
        match attribute {
            "src" | "background" => {
                if let UrlKind::Cid(id) = classify(value) {
                    record(id);
                }
            }
            "style" => {
                let ids = RefCell::new(Vec::new());
                let collect = |id: &str| {
                    ids.borrow_mut().push(id.to_string());
                    None
                };
                filter_style_attribute(value, &CssContext::new(false, &collect, "", "x"));
                ids.into_inner().into_iter().for_each(&mut record);
            }
            _ => {}
        }
        // No attribute is kept, so in the serialized survey `<style>` can only start a style element.
        None
    });
    let surveyed = builder.clean(input).to_string();
    let cids = std::mem::take(&mut *cids.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    (style_texts(&surveyed), cids)
}

/// Pulls the text out of every `<style>…</style>` in attribute-free serialized HTML. Text outside
/// raw-text elements is escaped by the serializer, and a style element's text cannot contain
/// `</style>` (the parser ends the element there), so the markers are unambiguous.
fn style_texts(html: &str) -> String {
    let mut css = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<style>") {
        let after = &rest[start + "<style>".len()..];
        let end = after.find("</style>").unwrap_or(after.len());
        css.push_str(&after[..end]);
        css.push('\n');
        rest = &after[end..];
    }
    css
}

/// How kept attributes are rewritten in the second pass. Shared with ammonia's filter callback, which
/// must be `'static`, hence owned data and an atomic counter.
pub(crate) struct AttributePolicy {
    pub allow_remote: bool,
    /// Content id → URL of the message's own part, for the ids the survey found and the caller knew.
    pub cids: HashMap<String, String>,
    /// Prefix of message class/id names, e.g. `lb-msg-`.
    pub prefix: String,
    pub remote_blocked: AtomicUsize,
}

impl AttributePolicy {
    /// Returns the value to keep for one attribute, or `None` to drop the attribute.
    ///
    /// ammonia also calls this for elements it is about to drop (with all their attributes): those
    /// are refused up front, so an `<iframe src>` is not counted as a blocked remote image.
    ///
    /// A value holding `<` or `>` is dropped whatever the attribute: the serializer does not escape
    /// them inside quotes, and markup in an attribute is how mutation XSS starts when some later step
    /// re-parses the HTML differently.
    fn filter<'u>(&self, element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
        if !TAGS.contains(&element) {
            return None;
        }
        self.rewrite(attribute, value).filter(|kept| !kept.contains(['<', '>']))
    }

    fn rewrite<'u>(&self, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
        match attribute {
            "href" => match classify(value) {
                UrlKind::Web(url) | UrlKind::Mailto(url) => Some(url.into()),
                UrlKind::Fragment(name) if !name.is_empty() => Some(format!("#{}{name}", self.prefix).into()),
                _ => None,
            },
            "src" | "background" => self.image(value).map(Cow::Owned),
            "style" => {
                let resolve = |id: &str| self.cids.get(id).cloned();
                let ctx = CssContext::new(self.allow_remote, &resolve, &self.prefix, "");
                let style = filter_style_attribute(value, &ctx);
                self.remote_blocked.fetch_add(ctx.remote_blocked(), Ordering::Relaxed);
                (!style.is_empty()).then_some(Cow::Owned(style))
            }
            "class" => {
                let classes: Vec<String> = value.split_ascii_whitespace().map(|class| format!("{}{class}", self.prefix)).collect();
                (!classes.is_empty()).then(|| Cow::Owned(classes.join(" ")))
            }
            "id" | "name" => {
                let name = value.trim();
                (!name.is_empty()).then(|| Cow::Owned(format!("{}{name}", self.prefix)))
            }
            // Set by ammonia itself on every link, after the allowlist.
            "target" | "rel" => Some(Cow::Borrowed(value)),
            _ if hides_script_url(value) => None,
            _ => Some(Cow::Borrowed(value)),
        }
    }

    /// An image reference (`img src`, `background`): remote only when allowed (otherwise counted),
    /// `cid:` through the caller's mapping, raster `data:` images; nothing else.
    fn image(&self, value: &str) -> Option<String> {
        match classify(value) {
            UrlKind::Web(url) if self.allow_remote => Some(url),
            UrlKind::Web(_) => {
                self.remote_blocked.fetch_add(1, Ordering::Relaxed);
                None
            }
            UrlKind::Cid(id) => self.cids.get(&id).cloned(),
            UrlKind::DataImage(url) => Some(url),
            UrlKind::Mailto(_) | UrlKind::Fragment(_) | UrlKind::Other => None,
        }
    }
}

/// A non-URL attribute (title, alt, …) that still carries a script URL is harmless where it is, but is
/// dropped so that no `javascript:` survives anywhere in the output.
fn hides_script_url(value: &str) -> bool {
    let squeezed: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).flat_map(char::to_lowercase).collect();
    ["javascript:", "vbscript:", "livescript:", "data:text/html"].iter().any(|bad| squeezed.contains(bad))
}

/// The second ammonia pass: the message body, with every kept attribute going through `policy`.
pub(crate) fn clean(input: &str, policy: Arc<AttributePolicy>) -> String {
    let mut builder = builder(false);
    builder.attribute_filter(move |element, attribute, value| policy.filter(element, attribute, value));
    builder.clean(input).to_string()
}

/// ammonia set up for email. `with_style` keeps `<style>` elements (for the survey only).
fn builder(with_style: bool) -> Builder<'static> {
    let mut tags: HashSet<&str> = TAGS.iter().copied().collect();
    let mut dropped: HashSet<&str> = DROPPED_WITH_CONTENT.iter().copied().collect();
    if with_style {
        tags.insert("style");
        dropped.remove("style");
    }
    let tag_attributes: HashMap<&str, HashSet<&str>> =
        TAG_ATTRIBUTES.iter().map(|(tag, attributes)| (*tag, attributes.iter().copied().collect())).collect();
    let mut builder = Builder::empty();
    builder
        .tags(tags)
        .clean_content_tags(dropped)
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        // Relative URLs reach the attribute policy, which keeps only `#fragment` links.
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true);
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow_remote: bool) -> AttributePolicy {
        let cids = HashMap::from([("logo@x".to_string(), "/parts/logo".to_string())]);
        AttributePolicy { allow_remote, cids, prefix: "lb-msg-".into(), remote_blocked: AtomicUsize::new(0) }
    }

    #[test]
    fn attributes_are_rewritten_or_dropped() {
        let p = policy(false);
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("href", "https://example.com/a?b=1", Some("https://example.com/a?b=1")),
            ("href", "mailto:someone@example.com", Some("mailto:someone@example.com")),
            ("href", "#section2", Some("#lb-msg-section2")),
            ("href", "#", None),
            ("href", "javascript:alert(1)", None),
            ("href", "java\tscript:alert(1)", None),
            ("href", " \u{1}javascript:alert(1)", None),
            ("href", "vbscript:msgbox", None),
            ("href", "data:text/html;base64,PHNjcmlwdD4=", None),
            ("href", "file:///etc/passwd", None),
            ("href", "/relative", None),
            ("href", "cid:logo@x", None),
            ("src", "cid:logo@x", Some("/parts/logo")),
            ("src", "cid:unknown@x", None),
            ("src", "https://tracker.example/p.gif", None),
            ("src", "data:image/png;base64,iVBORw0KGgo=", Some("data:image/png;base64,iVBORw0KGgo=")),
            ("src", "data:image/svg+xml;base64,PHN2Zz4=", None),
            ("background", "http://example.com/bg.jpg", None),
            ("class", " header  big ", Some("lb-msg-header lb-msg-big")),
            ("class", "   ", None),
            ("id", "top", Some("lb-msg-top")),
            ("name", "top", Some("lb-msg-top")),
            ("style", "color: red; position: fixed", Some("color:red")),
            ("style", "position: fixed", None),
            ("title", "Hello", Some("Hello")),
            ("title", "JaVa Script:alert(1)", None),
            ("alt", "a picture", Some("a picture")),
            ("alt", "a <b>bold</b> claim", None),
            ("title", "1 > 0", None),
        ];
        for (attribute, value, want) in cases {
            let element = if *attribute == "href" { "a" } else { "img" };
            assert_eq!(p.filter(element, attribute, value).as_deref(), *want, "{attribute}={value:?}");
        }
        assert_eq!(p.remote_blocked.load(Ordering::Relaxed), 2, "img src and background");
        assert_eq!(p.filter("iframe", "src", "https://example.com/"), None);
        assert_eq!(p.filter("video", "poster", "https://example.com/p.jpg"), None);
        assert_eq!(p.remote_blocked.load(Ordering::Relaxed), 2, "dropped elements do not count");
    }

    #[test]
    fn remote_images_kept_when_allowed() {
        let p = policy(true);
        assert_eq!(p.filter("img", "src", "https://example.com/a.png").as_deref(), Some("https://example.com/a.png"));
        assert_eq!(p.filter("td", "style", "background:url(http://x/a.png)").as_deref(), Some("background:url(\"http://x/a.png\")"));
        assert_eq!(p.remote_blocked.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn survey_finds_styles_and_cids() {
        let input = "<html><head><style>p{color:red}</style></head><body><table><style>td{x:y}</style><tr>\
                     <td background=\"cid:b@x\"><img src=\"cid:a@x\"></td></tr></table><p style=\"background:url(cid:c@x)\">\
                     &lt;style&gt;no</p><svg><style>svg{}</style></svg><p title=\"<style>t{}</style>\">x</p></body></html>";
        let (css, cids) = survey(input);
        assert_eq!(css, "p{color:red}\ntd{x:y}\n");
        assert_eq!(cids, vec!["b@x".to_string(), "a@x".to_string(), "c@x".to_string()]);
    }
}
