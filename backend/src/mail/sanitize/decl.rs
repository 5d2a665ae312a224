//! The CSS declaration filter shared by `<style>` rules and `style=""` attributes: an allowlist of properties, and values rebuilt token by token.

use cssparser::{
    AtRuleParser, CowRcStr, DeclarationParser, ParseError, Parser, ParserState, QualifiedRuleParser, RuleBodyItemParser, RuleBodyParser,
    ToCss, Token, TokenSerializationType, serialize_string,
};

use super::css::CssContext;
use super::url::{UrlKind, classify};

/// Properties a message may set: formatting and box layout that stays inside the message's own box.
/// Left out on purpose: `position` values other than static/relative and the offsets (`top`, `left`,
/// `inset`, `z-index`) that would let a message cover the page, `content` (can pull `attr()`/`url()`),
/// `cursor`/`filter`/`mask`/`clip-path`/`border-image` (more URL carriers), `transform`, animations,
/// `behavior`/`-moz-binding` (script), custom properties (`--x`, only useful with `var()`).
#[rustfmt::skip] // grouped by topic, one group a line
const ALLOWED_PROPERTIES: &[&str] = &[
    // Colors and backgrounds (an image url() only as the remote/cid policy allows).
    "color", "background", "background-color", "background-image", "background-position", "background-repeat", "background-size",
    "background-clip", "background-origin", "opacity", "visibility", "box-shadow",
    // Fonts and text.
    "font", "font-family", "font-size", "font-style", "font-variant", "font-weight", "font-stretch", "letter-spacing", "word-spacing",
    "line-height", "text-align", "text-decoration", "text-decoration-line", "text-decoration-color", "text-decoration-style", "text-indent",
    "text-transform", "text-shadow", "text-overflow", "white-space", "word-break", "word-wrap", "overflow-wrap", "hyphens", "vertical-align",
    "direction", "text-size-adjust", "-webkit-text-size-adjust", "-ms-text-size-adjust",
    // Box: margins (not negative), paddings, borders, sizes.
    "margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "padding", "padding-top", "padding-right", "padding-bottom",
    "padding-left", "border", "border-top", "border-right", "border-bottom", "border-left", "border-width", "border-style", "border-color",
    "border-top-width", "border-right-width", "border-bottom-width", "border-left-width", "border-top-style", "border-right-style",
    "border-bottom-style", "border-left-style", "border-top-color", "border-right-color", "border-bottom-color", "border-left-color",
    "border-radius", "border-top-left-radius", "border-top-right-radius", "border-bottom-left-radius", "border-bottom-right-radius",
    "width", "height", "min-width", "max-width", "min-height", "max-height", "box-sizing",
    // Layout in the flow: display, floats, overflow, `position` (static or relative only), flex boxes.
    "display", "float", "clear", "overflow", "overflow-x", "overflow-y", "position", "flex", "flex-direction", "flex-wrap", "flex-grow",
    "flex-shrink", "flex-basis", "justify-content", "align-items", "align-self", "align-content", "gap", "row-gap", "column-gap", "order",
    // Lists and tables.
    "list-style", "list-style-type", "list-style-position", "list-style-image", "table-layout", "border-collapse", "border-spacing",
    "caption-side", "empty-cells",
];

/// Properties a rule aimed at `html`/`body`/`:root` (which become the wrapper) may not set: the wrapper
/// keeps the host's positioning and scrolling.
const NOT_ON_ROOT: &[&str] = &["position", "overflow", "overflow-x", "overflow-y", "float"];

/// Properties whose value may hold an image `url()`.
const URL_PROPERTIES: &[&str] = &["background", "background-image", "list-style", "list-style-image"];

/// Properties whose value may hold a quoted string (font names).
const STRING_PROPERTIES: &[&str] = &["font", "font-family"];

/// Functions a value may call: colors, arithmetic, gradients. Not `var()`, `env()`, `attr()`,
/// `expression()`, `image-set()`, `image()`, `element()`, `paint()` or anything new.
const ALLOWED_FUNCTIONS: &[&str] =
    &["rgb", "rgba", "hsl", "hsla", "calc", "min", "max", "clamp", "linear-gradient", "repeating-linear-gradient", "radial-gradient"];

/// Substrings that must not appear in a rebuilt value (lower-cased). The rebuild already refuses the
/// tokens behind them; this is a second lock in case a token sequence serializes into one. A backslash
/// only appears when an identifier needed escaping, which no legitimate email value needs.
const FORBIDDEN_IN_VALUE: &[&str] =
    &["expression", "javascript:", "vbscript:", "behavior", "-moz-binding", "var(", "image-set(", "@import", "attr(", "env(", "\\", "<"];

/// Nesting of allowed functions (`calc(min(…))`); deeper values are dropped.
const MAX_FUNCTION_DEPTH: usize = 4;

/// Filters a `style=""` attribute value: the safe declarations, `;`-separated, or "" if none is left.
pub(crate) fn filter_style_attribute(style: &str, ctx: &CssContext<'_>) -> String {
    let mut parser = Parser::new(style);
    filter_declarations(&mut parser, ctx, false).join(";")
}

/// Filters a declaration list (a rule body or a style attribute) and returns the kept declarations,
/// each as `name:value` (with ` !important` when given). Nested rules and at-rules inside are dropped.
/// `on_root` is set for rules that target the wrapper itself.
pub(crate) fn filter_declarations(input: &mut Parser<'_>, ctx: &CssContext<'_>, on_root: bool) -> Vec<String> {
    let mut parser = Declarations { ctx, on_root };
    RuleBodyParser::new(input, &mut parser).filter_map(Result::ok).collect()
}

/// Whether a (lower-case) property may be set at all.
pub(crate) fn property_allowed(name: &str, on_root: bool) -> bool {
    ALLOWED_PROPERTIES.contains(&name) && !(on_root && NOT_ON_ROOT.contains(&name))
}

struct Declarations<'c, 'a> {
    ctx: &'c CssContext<'a>,
    on_root: bool,
}

type Reject = ParseError<()>;

fn reject<T>() -> Result<T, Reject> {
    Err(ParseError::unexpected_token())
}

impl<'i> DeclarationParser<'i> for Declarations<'_, '_> {
    type Declaration = String;
    type Error = ();

    fn parse_value(&mut self, name: CowRcStr<'i>, input: &mut Parser<'i>, _start: &ParserState) -> Result<String, Reject> {
        let name = name.to_ascii_lowercase();
        if !property_allowed(&name, self.on_root) {
            return reject();
        }
        let mut value = Value { prop: &name, ctx: self.ctx, out: String::new(), last: TokenSerializationType::default(), important: false };
        value.write_list(input, 0)?;
        let text = value.out.trim();
        let lower = text.to_ascii_lowercase();
        if text.is_empty() || FORBIDDEN_IN_VALUE.iter().any(|bad| lower.contains(bad)) {
            return reject();
        }
        if name == "position" && !matches!(lower.as_str(), "static" | "relative") {
            return reject();
        }
        Ok(if value.important { format!("{name}:{text} !important") } else { format!("{name}:{text}") })
    }
}

// Declaration lists may syntactically hold at-rules and (nested) qualified rules: refuse them all.
impl<'i> AtRuleParser<'i> for Declarations<'_, '_> {
    type Prelude = ();
    type AtRule = String;
    type Error = ();
}

impl<'i> QualifiedRuleParser<'i> for Declarations<'_, '_> {
    type Prelude = ();
    type QualifiedRule = String;
    type Error = ();
}

impl<'i> RuleBodyItemParser<'i, String, ()> for Declarations<'_, '_> {
    fn parse_declarations(&self) -> bool {
        true
    }
    fn parse_qualified(&self) -> bool {
        false
    }
}

/// Rebuilds one declaration value from its tokens, refusing (the whole declaration) at the first token
/// that is not plainly safe.
struct Value<'p, 'c, 'a> {
    prop: &'p str,
    ctx: &'c CssContext<'a>,
    out: String,
    /// Kind of the last token written, to put a space where two tokens would otherwise run together.
    last: TokenSerializationType,
    important: bool,
}

impl Value<'_, '_, '_> {
    fn write_list<'i>(&mut self, input: &mut Parser<'i>, depth: usize) -> Result<(), Reject> {
        let mut space = false;
        loop {
            let token = match input.next_including_whitespace() {
                Ok(token) => token.clone(),
                Err(_) => return Ok(()),
            };
            match token {
                Token::WhiteSpace(_) => space = true,
                Token::Delim('!') if depth == 0 => {
                    input.expect_ident_matching("important")?;
                    input.expect_exhausted()?;
                    self.important = true;
                }
                Token::Ident(_) | Token::Hash(_) | Token::IDHash(_) | Token::Comma => self.push(&token, space),
                Token::Delim('/') => self.push(&token, space),
                Token::Delim('+' | '-' | '*') if depth > 0 => self.push(&token, space),
                Token::Number { value, .. } | Token::Percentage { unit_value: value, .. } | Token::Dimension { value, .. } => {
                    // Negative margins pull content out of its box (over the host page's UI).
                    if value < 0.0 && self.prop.starts_with("margin") {
                        return reject();
                    }
                    self.push(&token, space);
                }
                Token::QuotedString(ref text) if depth == 0 && STRING_PROPERTIES.contains(&self.prop) => {
                    if !is_plain_font_name(text) {
                        return reject();
                    }
                    self.separate(space, token.serialization_type());
                    let _ = serialize_string(text, &mut self.out);
                }
                Token::UnquotedUrl(ref url) => {
                    let url = url.to_string();
                    self.write_url(&url, space)?;
                }
                Token::Function(ref name) => {
                    let name = name.to_ascii_lowercase();
                    if name == "url" {
                        let url = input.parse_nested_block(|nested| {
                            let url = nested.expect_string()?.to_string();
                            nested.expect_exhausted()?;
                            Ok::<_, Reject>(url)
                        })?;
                        self.write_url(&url, space)?;
                    } else if ALLOWED_FUNCTIONS.contains(&name.as_str()) && depth < MAX_FUNCTION_DEPTH {
                        self.push(&token, space);
                        input.parse_nested_block(|nested| self.write_list(nested, depth + 1))?;
                        self.out.push(')');
                        self.last = Token::CloseParenthesis.serialization_type();
                    } else {
                        return reject();
                    }
                }
                _ => return reject(),
            }
            if !matches!(token, Token::WhiteSpace(_)) {
                space = false;
            }
        }
    }

    fn separate(&mut self, space: bool, next: TokenSerializationType) {
        if space || self.last.needs_separator_when_before(next) {
            self.out.push(' ');
        }
        self.last = next;
    }

    fn push(&mut self, token: &Token<'_>, space: bool) {
        self.separate(space, token.serialization_type());
        let _ = token.to_css(&mut self.out);
    }

    /// An image URL inside a value. Remote ones are only kept when allowed, and otherwise replaced by
    /// `none` (valid wherever an image goes, so the rest of `background:` still applies) and counted.
    fn write_url(&mut self, raw: &str, space: bool) -> Result<(), Reject> {
        if !URL_PROPERTIES.contains(&self.prop) {
            return reject();
        }
        let kept = match classify(raw) {
            UrlKind::Web(url) if self.ctx.allow_remote => Some(url),
            UrlKind::Web(_) => {
                self.ctx.count_blocked();
                None
            }
            UrlKind::Cid(id) => (self.ctx.resolve_cid)(&id),
            UrlKind::DataImage(url) => Some(url),
            UrlKind::Mailto(_) | UrlKind::Fragment(_) | UrlKind::Other => return reject(),
        };
        match kept {
            Some(url) => {
                self.separate(space, Token::Function("url".into()).serialization_type());
                self.out.push_str("url(");
                let _ = serialize_string(&url, &mut self.out);
                self.out.push(')');
                self.last = Token::CloseParenthesis.serialization_type();
            }
            None => self.push(&Token::Ident("none".into()), space),
        }
        Ok(())
    }
}

/// Font names are words: letters (any script), digits, spaces and a little punctuation. Anything else in
/// a string is not a font name, and could be markup or a script URL in disguise.
fn is_plain_font_name(text: &str) -> bool {
    text.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | ',' | '\'' | '&' | '+' | '!'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_with(allow_remote: bool, run: impl FnOnce(&CssContext<'_>)) {
        let resolve = |id: &str| (id == "logo@x").then(|| "/parts/logo".to_string());
        let ctx = CssContext::new(allow_remote, &resolve, "lb-msg-", "lb-msg");
        run(&ctx);
    }

    #[test]
    fn declarations_kept_and_dropped() {
        let cases: &[(&str, &str)] = &[
            ("color: red", "color:red"),
            ("COLOR : #FFF", "color:#FFF"),
            ("font-family: 'Segoe UI', Arial, sans-serif", "font-family:\"Segoe UI\", Arial, sans-serif"),
            ("margin: 0 auto; padding: 10px 20px", "margin:0 auto;padding:10px 20px"),
            ("width: 100% !important", "width:100% !important"),
            ("background-color: rgb(255, 0, 0)", "background-color:rgb(255, 0, 0)"),
            ("width: calc(100% - 20px)", "width:calc(100% - 20px)"),
            ("border: 1px solid #ccc", "border:1px solid #ccc"),
            ("position: relative", "position:relative"),
            ("position: fixed", ""),
            ("position: absolute; top: 0", ""),
            ("z-index: 999999", ""),
            ("margin-top: -500px", ""),
            ("behavior: url(x.htc)", ""),
            ("-moz-binding: url(http://evil/x.xml#a)", ""),
            ("width: expression(alert(1))", ""),
            ("color: var(--x)", ""),
            ("--x: red", ""),
            ("width: e\\78 pression(alert(1))", ""),
            ("color: red; xss: expression(alert(1)); font-size: 12px", "color:red;font-size:12px"),
            ("background-image: image-set(url(http://x/a.png) 1x)", ""),
            ("content: attr(title)", ""),
            ("width: env(safe-area-inset-left)", ""),
            ("background: url(javascript:alert(1))", ""),
            ("background: url('java\\73 cript:alert(1)')", ""),
            ("color: url(cid:logo@x)", ""),
            ("font-family: \"</style><script>\"", ""),
            ("font-family: \\3c /style\\3e ", ""),
            ("color: red; @import url(http://x/a.css); font-weight: bold", "color:red;font-weight:bold"),
            ("cursor: url(http://x/c.cur), auto", ""),
            ("color: red !important extra", ""),
            ("mso-line-height-rule: exactly; line-height: 20px", "line-height:20px"),
            ("", ""),
            ("}}}{{{;;;:::", ""),
        ];
        for (input, want) in cases {
            ctx_with(false, |ctx| assert_eq!(filter_style_attribute(input, ctx), *want, "style {input:?}"));
        }
    }

    #[test]
    fn urls_follow_the_remote_and_cid_policy() {
        ctx_with(false, |ctx| {
            assert_eq!(filter_style_attribute("background: #fff url(http://x/a.png) no-repeat", ctx), "background:#fff none no-repeat");
            assert_eq!(filter_style_attribute("background-image: url(\"https://x/b.png\")", ctx), "background-image:none");
            assert_eq!(ctx.remote_blocked(), 2);
            assert_eq!(filter_style_attribute("background-image: url(cid:logo@x)", ctx), "background-image:url(\"/parts/logo\")");
            assert_eq!(filter_style_attribute("background-image: url(cid:unknown@x)", ctx), "background-image:none");
            assert_eq!(ctx.remote_blocked(), 2, "an unknown cid is blocked, not remote");
        });
        ctx_with(true, |ctx| {
            assert_eq!(filter_style_attribute("background: url(http://x/a.png)", ctx), "background:url(\"http://x/a.png\")");
            assert_eq!(ctx.remote_blocked(), 0);
        });
    }

    #[test]
    fn root_rules_keep_the_wrapper_in_place() {
        ctx_with(false, |ctx| {
            let mut parser = Parser::new("position: relative; overflow: hidden; color: red; float: left");
            assert_eq!(filter_declarations(&mut parser, ctx, true), vec!["color:red".to_string()]);
        });
    }
}
