//! Bounds the work hostile markup can cause in the HTML parser: re-emits the input as explicitly nested tags at most [`MAX_DEPTH`] deep.
//!
//! html5ever (under ammonia) has paths that cost O(open elements) per tag: scope checks and the list of
//! active formatting elements. 100 000 nested `<div>` took 46 s, and unclosed `<b id=N>` floods over a
//! minute; browsers cap nesting at 512 for the same reason. This pass tokenizes like the HTML tokenizer
//! (tags with their attribute quoting, comments, raw-text elements) and writes back:
//! - every tag it keeps, verbatim, and an explicit end tag for every element it opened, so the parser's
//!   stack follows this pass's stack (no implied closes, no reconstruction of formatting elements);
//! - no start tag past [`MAX_DEPTH`] open elements, [`MAX_FORMATTING`] open formatting elements or
//!   [`MAX_TAGS`] tags in all (their text stays), and no end tag that closes nothing;
//! - no comment, doctype or other `<!…>`/`<?…>` (the sanitizer drops them anyway), and every `<` that
//!   is not a tag as `&lt;` — also inside raw-text elements (`<style>`, `<title>`, …) — so that where
//!   this pass sees text, the parser cannot see a tag, whatever namespace it thinks it is in.
//!
//! Safety never depends on this pass (ammonia still parses and filters its output); it only bounds cost,
//! at the price of re-nesting misnested inline formatting (`<b><i></b></i>`) the simple way.

use std::collections::HashMap;

/// Open elements at most; deeper start tags are dropped (browsers use 512; mail rarely passes 60).
pub(crate) const MAX_DEPTH: usize = 200;

/// Open formatting elements at most (`<b>`, `<font>`, `<a>`…), which the parser compares on every new one.
pub(crate) const MAX_FORMATTING: usize = 32;

/// Start tags kept at most; later ones are dropped (their text stays). Even at the depth limit a tag
/// costs the parser a few microseconds, so this bounds a message to well under a second of parsing;
/// big real newsletters have some 20 000 tags.
pub(crate) const MAX_TAGS: usize = 100_000;

/// Raw-text elements (`<style>`, `<title>`, `<script>`…) kept at most; later ones go with their
/// text. Each costs the parser and the style-sheet survey some 80 µs (100k `<style>` took 9 s
/// against 0.4 s for as many bytes of paragraphs); real mail has a handful.
pub(crate) const MAX_RAW_TEXT: usize = 1_000;

const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"];
const FORMATTING: &[&str] = &["a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"];
/// Start tags that close an open `<p>` (in button scope).
#[rustfmt::skip] // a word list, kept compact to stay reviewable
const CLOSES_P: &[&str] = &[
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure",
    "footer", "header", "hgroup", "main", "menu", "nav", "ol", "p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5",
    "h6", "pre", "listing", "form", "plaintext", "xmp", "table", "hr", "li", "dd", "dt",
];
/// Elements that end a search for an open element to close (the parser's scope boundaries, simplified).
#[rustfmt::skip] // a word list, kept compact to stay reviewable
const BOUNDARY: &[&str] = &[
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "button", "mi", "mo", "mn", "ms", "mtext",
    "annotation-xml", "foreignobject", "desc",
];
const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// Rewrites `input` as described in the module documentation.
pub(crate) fn rebalance(input: &str) -> String {
    let mut guard = Guard {
        src: input,
        out: String::with_capacity(input.len() + input.len() / 8),
        stack: Vec::new(),
        open: HashMap::new(),
        formatting: 0,
        tags: 0,
        raw_text: 0,
    };
    guard.run();
    guard.out
}

struct Guard<'s> {
    src: &'s str,
    out: String,
    stack: Vec<String>,
    /// How many elements of each name `stack` holds, so that looking for one that is not open is O(1).
    open: HashMap<String, usize>,
    /// How many of `stack` are formatting elements.
    formatting: usize,
    /// Start tags looked at so far (kept or not): the budget for this pass's own work too.
    tags: usize,
    /// Raw-text elements kept so far.
    raw_text: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

impl Guard<'_> {
    fn run(&mut self) {
        let bytes = self.src.as_bytes();
        let mut pos = 0;
        while let Some(offset) = self.src[pos..].find('<') {
            let lt = pos + offset;
            self.out.push_str(&self.src[pos..lt]);
            pos = match (bytes.get(lt + 1), bytes.get(lt + 2)) {
                (Some(b), _) if b.is_ascii_alphabetic() => self.start_tag(lt),
                (Some(b'/'), Some(b)) if b.is_ascii_alphabetic() => self.end_tag(lt),
                (Some(b'/'), Some(b'>')) => lt + 3,
                (Some(b'/'), None) => {
                    self.out.push_str("&lt;/");
                    lt + 2
                }
                (Some(b'!'), _) if self.src[lt..].starts_with("<!--") => comment_end(self.src, lt + 4),
                (Some(b'/' | b'!' | b'?'), _) => self.src[lt..].find('>').map_or(self.src.len(), |i| lt + i + 1),
                _ => {
                    self.out.push_str("&lt;");
                    lt + 1
                }
            };
        }
        self.out.push_str(&self.src[pos..]);
        self.close_to(0);
    }

    /// Handles `<name …>` at `lt`; returns where scanning goes on.
    fn start_tag(&mut self, lt: usize) -> usize {
        let Some(tag) = scan_tag(self.src, lt + 1) else { return self.src.len() }; // EOF inside a tag: the parser drops it
        let source = &self.src[lt..tag.end];
        let name = tag.name;
        let mut emitted = false;
        let raw_text = RAW_TEXT.contains(&name.as_str());
        // Tags past the budget, the document-level ones, a nested form and raw text past its cap are not kept.
        let refused = self.tags >= MAX_TAGS
            || matches!(name.as_str(), "html" | "head" | "body")
            || (name == "form" && self.is_open("form"))
            || (raw_text && self.raw_text >= MAX_RAW_TEXT);
        if !refused {
            self.tags += 1;
            self.raw_text += usize::from(raw_text);
            self.implied_closes(&name);
            if VOID.contains(&name.as_str()) {
                self.out.push_str(source);
                emitted = true;
            } else if tag.self_closing && !RAW_TEXT.contains(&name.as_str()) {
                // `<div/>` opens a div in HTML and closes it in SVG: close it explicitly either way.
                self.out.push_str(source);
                self.out.push_str(&format!("</{name}>"));
                emitted = true;
            } else if self.stack.len() < MAX_DEPTH && !(FORMATTING.contains(&name.as_str()) && self.formatting >= MAX_FORMATTING) {
                self.out.push_str(source);
                self.formatting += usize::from(FORMATTING.contains(&name.as_str()));
                *self.open.entry(name.clone()).or_default() += 1;
                self.stack.push(name.clone());
                emitted = true;
            }
        }
        if name == "plaintext" {
            push_escaped(&mut self.out, &self.src[tag.end..]);
            return self.src.len();
        }
        if RAW_TEXT.contains(&name.as_str()) {
            let end = raw_text_end(self.src, tag.end, &name);
            let text = &self.src[tag.end..end];
            // `<!--`/`-->` around old style sheets would become text; CSS ignores them anyway.
            let text = if name == "style" { text.replace("<!--", "").replace("-->", "") } else { text.to_string() };
            if emitted {
                push_escaped(&mut self.out, &text);
            }
            return end;
        }
        tag.end
    }

    /// Handles `</name …>` at `lt`: closes the innermost open element of that name and everything above it.
    fn end_tag(&mut self, lt: usize) -> usize {
        let Some(tag) = scan_tag(self.src, lt + 2) else { return self.src.len() };
        let index = if self.is_open(&tag.name) { self.stack.iter().rposition(|open| *open == tag.name) } else { None };
        match index {
            Some(index) => self.close_to(index),
            // The parser turns a stray `</br>` into `<br>` and a stray `</p>` into an empty paragraph;
            // those count as start tags.
            None if tag.name == "br" && self.tags < MAX_TAGS => {
                self.tags += 1;
                self.out.push_str("<br>");
            }
            None if tag.name == "p" && self.tags < MAX_TAGS => {
                self.tags += 1;
                self.out.push_str("<p></p>");
            }
            None => {}
        }
        tag.end
    }

    /// The implied end tags the parser would generate before this start tag, made explicit.
    fn implied_closes(&mut self, name: &str) {
        if CLOSES_P.contains(&name) {
            self.close_open("p", BOUNDARY);
        }
        if HEADINGS.contains(&name) && self.stack.last().is_some_and(|top| HEADINGS.contains(&top.as_str())) {
            self.close_to(self.stack.len() - 1);
        }
        match name {
            "li" => self.close_open("li", &["ul", "ol", "menu", "dir", "table", "td", "th", "html"]),
            "dd" | "dt" => {
                self.close_open("dd", &["dl", "table", "td", "th", "html"]);
                self.close_open("dt", &["dl", "table", "td", "th", "html"]);
            }
            "td" | "th" => {
                self.close_open("td", &["tr", "table", "html"]);
                self.close_open("th", &["tr", "table", "html"]);
            }
            "tr" => self.close_open("tr", &["table", "html"]),
            "tbody" | "thead" | "tfoot" => {
                for section in ["tbody", "thead", "tfoot"] {
                    self.close_open(section, &["table", "html"]);
                }
            }
            "a" | "nobr" => self.close_open(name, &["td", "th", "caption", "object", "applet", "marquee", "template"]),
            _ => {}
        }
    }

    fn is_open(&self, name: &str) -> bool {
        self.open.get(name).is_some_and(|&count| count > 0)
    }

    /// The innermost open `name` with none of `stop` above it.
    fn find_open(&self, name: &str, stop: &[&str]) -> Option<usize> {
        if !self.is_open(name) {
            return None;
        }
        for (index, open) in self.stack.iter().enumerate().rev() {
            if open == name {
                return Some(index);
            }
            if stop.contains(&open.as_str()) {
                return None;
            }
        }
        None
    }

    fn close_open(&mut self, name: &str, stop: &[&str]) {
        if let Some(index) = self.find_open(name, stop) {
            self.close_to(index);
        }
    }

    /// Emits end tags for every open element from the top down to `index` (included).
    fn close_to(&mut self, index: usize) {
        while self.stack.len() > index {
            let name = self.stack.pop().unwrap_or_default();
            self.formatting -= usize::from(FORMATTING.contains(&name.as_str()));
            if let Some(count) = self.open.get_mut(&name) {
                *count -= 1;
            }
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
    }
}

struct Tag {
    /// Lower-cased name.
    name: String,
    /// Index just past the closing `>`.
    end: usize,
    self_closing: bool,
}

/// Scans a tag from its name (just after `<` or `</`) to its `>`, with the tokenizer's rules: quotes
/// only delimit attribute values (after `=`), and `>` anywhere else ends the tag. `None` at EOF.
fn scan_tag(src: &str, start: usize) -> Option<Tag> {
    let bytes = src.as_bytes();
    let mut i = start;
    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'/' && bytes[i] != b'>' {
        i += 1;
    }
    let name = src[start..i].to_ascii_lowercase();
    let mut self_closing = false;
    loop {
        let &b = bytes.get(i)?;
        match b {
            b'>' => return Some(Tag { name, end: i + 1, self_closing }),
            b'/' => {
                self_closing = bytes.get(i + 1) == Some(&b'>');
                i += 1;
                continue;
            }
            b if is_space(b) => {
                i += 1;
                continue;
            }
            _ => {}
        }
        self_closing = false;
        // Attribute name: its first character may be anything (even `=`), then up to space, `/`, `>`, `=`.
        i += 1;
        while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        match bytes.get(i) {
            Some(&quote @ (b'"' | b'\'')) => {
                i += 1 + src[i + 1..].find(quote as char)? + 1;
            }
            Some(b'>') | None => {}
            Some(_) => {
                while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                    i += 1;
                }
            }
        }
    }
}

/// Where a comment that started at `after_open` (just past `<!--`) ends, per the tokenizer.
fn comment_end(src: &str, after_open: usize) -> usize {
    let rest = &src[after_open..];
    if rest.starts_with('>') {
        return after_open + 1;
    }
    if rest.starts_with("->") {
        return after_open + 2;
    }
    let close = rest.find("-->").map(|i| i + 3);
    let bang = rest.find("--!>").map(|i| i + 4);
    match (close, bang) {
        (Some(a), Some(b)) => after_open + if a - 3 <= b - 4 { a } else { b },
        (Some(a), None) | (None, Some(a)) => after_open + a,
        (None, None) => src.len(),
    }
}

/// Where a raw-text element's text ends: at `</name` followed by white space, `/` or `>`, or at EOF.
fn raw_text_end(src: &str, from: usize, name: &str) -> usize {
    let bytes = src.as_bytes();
    let mut at = from;
    while let Some(offset) = src[at..].find("</") {
        let start = at + offset;
        let name_end = start + 2 + name.len();
        if bytes.get(start + 2..name_end).is_some_and(|candidate| candidate.eq_ignore_ascii_case(name.as_bytes()))
            && bytes.get(name_end).is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
        {
            return start;
        }
        at = start + 2;
    }
    src.len()
}

fn push_escaped(out: &mut String, text: &str) {
    out.push_str(&text.replace('<', "&lt;"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_renested_explicitly() {
        let cases: &[(&str, &str)] = &[
            ("plain text", "plain text"),
            ("<div><p>a<div>b</div>c</p></div>", "<div><p>a</p><div>b</div>c<p></p></div>"),
            ("<b>bold <i>both</b> italic</i>", "<b>bold <i>both</i></b> italic"),
            ("<ul><li>a<li>b</ul>", "<ul><li>a</li><li>b</li></ul>"),
            ("<table><tr><td>1<td>2<tr><td>3</table>", "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>"),
            ("<h1>a<h2>b", "<h1>a</h1><h2>b</h2>"),
            ("<a href=1>1<a href=2>2", "<a href=1>1</a><a href=2>2</a>"),
            ("<form><form>x</form></form>", "<form>x</form>"),
            ("<html><head><title>t</title></head><body>x</body></html>", "<title>t</title>x"),
            ("a < b <3 </ x> </>", "a &lt; b &lt;3  "),
            ("<!-- <div> -->x<!--><div>y</div><!--->z<!-- a --!>w", "x<div>y</div>zw"),
            ("<!DOCTYPE html><?xml x?><![CDATA[<div>]]>t", "]]>t"),
            ("<div title='a>b' data-x=\"<p>\">x", "<div title='a>b' data-x=\"<p>\">x</div>"),
            ("<div \"x>y", "<div \"x>y</div>"),
            ("<a href=x/>l", "<a href=x/>l</a>"),
            ("<span/>t<br/>", "<span/></span>t<br/>"),
            ("x</br>y</p>z</div>", "x<br>y<p></p>z"),
            ("<div", ""),
            ("<div title=\"unterminated>", ""),
            ("<style><!-- p{color:red} --></style>", "<style> p{color:red} </style>"),
            ("<style>a<b</style><p>", "<style>a&lt;b</style><p></p>"),
            ("<svg><style><div><div></style></svg>", "<svg><style>&lt;div>&lt;div></style></svg>"),
            ("<title>x</title foo><p>", "<title>x</title><p></p>"),
            ("<script>if(a<b)</script ><p>", "<script>if(a&lt;b)</script><p></p>"),
            ("<style>never closed <div>", "<style>never closed &lt;div></style>"),
            ("<plaintext><b>bold", "<plaintext>&lt;b>bold</plaintext>"),
        ];
        for (input, want) in cases {
            assert_eq!(rebalance(input), *want, "rebalance {input:?}");
        }
    }

    #[test]
    fn depth_and_formatting_are_capped() {
        let deep = rebalance(&"<div>x".repeat(1000));
        assert_eq!(deep.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(deep.matches("</div>").count(), MAX_DEPTH);
        assert_eq!(deep.matches('x').count(), 1000, "text is kept");
        let bold: String = (0..1000).map(|i| format!("<b id={i}>")).collect();
        assert_eq!(rebalance(&bold).matches("<b ").count(), MAX_FORMATTING);
        let deep_style = format!("{}<style>p{{}}</style>", "<div>".repeat(MAX_DEPTH));
        assert!(!rebalance(&deep_style).contains("p{}"), "a dropped raw-text element loses its text");
        let styles = rebalance(&"<style>p{}</style>x".repeat(MAX_RAW_TEXT + 10));
        assert_eq!((styles.matches("<style>").count(), styles.matches("p{}").count()), (MAX_RAW_TEXT, MAX_RAW_TEXT));
        assert_eq!(styles.matches('x').count(), MAX_RAW_TEXT + 10, "text outside stays");
        let many = rebalance(&"<br>x".repeat(MAX_TAGS + 10));
        assert_eq!(many.matches("<br>").count(), MAX_TAGS);
        let stray = rebalance(&"</p></br>".repeat(MAX_TAGS));
        assert_eq!(stray.matches("<p></p>").count() + stray.matches("<br>").count(), MAX_TAGS);
        assert_eq!(many.matches('x').count(), MAX_TAGS + 10);
    }
}
